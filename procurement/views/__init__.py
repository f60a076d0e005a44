"""Back-office pages for needs, projects, tenders, bids and contracts (lists, details, forms).

Flow tasks (triage, approval, publishing, award, signing) and the pages that start flows
(submitting a need, designing a project) live in workflows; these pages show the objects around
them and hold the actions that are not flow tasks: supporting needs, submitting and withdrawing
bids.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import FormView, TemplateView

from accounts.roles import Role
from accounts.selectors import user_memberships, user_organizations
from core import authz
from core.confirm import confirmation_page
from core.exceptions import ServiceError
from core.lists import DATE, DATETIME, MONEY, FilteredListMixin
from core.middleware import request_arrived_at
from core.models import StoredFile
from office.shell import OfficeListMixin, OfficeMixin, call_service
from procurement import selectors
from procurement.documents import bid_receipt_pdf_response
from procurement.filters import ContractFilter, NeedFilter, ProjectFilter, TenderFilter
from procurement.forms import BidFilesForm, BidFlagDecisionForm, BidForm
from procurement.models import Bid, BidIntake, Contract, Need, Tender
from procurement.services.bid_files import bid_file_remove, bid_files_add, bid_submit_with_files
from procurement.services.bids import bid_withdraw
from procurement.services.collusion import DECIDABLE_STATUSES, bid_flag_decide
from procurement.services.intake import (
    bid_intake_accept,
    bid_intake_get_for_user,
    bid_intake_on_page,
)
from procurement.services.needs import need_support
from procurement.views.grants import contract_grants_context, project_grants_context
from procurement.views.methods import tender_method_context
from procurement.views.teams import contract_team_context
from procurement.views.versions import project_versions_context

# Needs -----------------------------------------------------------------------------------------

class NeedListView(FilteredListMixin, OfficeListMixin, TemplateView):
    """List the needs of the user's communities: search, filter, sort, export."""

    template_name = "procurement/need_list.html"
    filterset_class = NeedFilter
    export_title = gettext_lazy("居民需求")
    export_columns = [
        (gettext_lazy("需求标题"), lambda n: n.title, None),
        (gettext_lazy("类别"), lambda n: n.get_category_display(), None),
        (gettext_lazy("服务对象"), lambda n: n.target_group, None),
        (gettext_lazy("所在社区"), lambda n: n.community.name, None),
        (gettext_lazy("支持人数"), lambda n: n.support_count, None),
        (gettext_lazy("状态"), lambda n: n.get_status_display(), None),
        (gettext_lazy("提交时间"), lambda n: n.submitted_at, DATETIME),
    ]

    def get_rows(self):
        # The count of supporters is computed in SQL only to sort or export by it; a page counts
        # its own 25 rows afterwards (get_context_data), so the list's time does not grow with
        # the number of needs.
        query = self.request.GET
        counted = bool(query.get("export")) or "support_count" in query.get("o", "")
        return selectors.need_list_for_user(user=self.request.user, support_count=counted
                                            ).order_by("-submitted_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        page = context.get("page")
        if page is not None and "support_count" not in self.list_rows().query.annotations:
            page.object_list = selectors.need_support_counts(page.object_list)
        context["can_submit"] = user.has_perm("procurement.propose_need")
        return context


class NeedDetailView(OfficeMixin, TemplateView):
    """Show one need with its supporters count and the support button for residents."""

    template_name = "procurement/need_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        need = selectors.need_get_for_user(user=user, need_id=kwargs["pk"])
        context.update(
            need=need,
            photos=StoredFile.objects.filter(
                content_type=ContentType.objects.get_for_model(Need), object_id=need.pk),
            # The stage tracker of each project answering the need (dates, no officials' names):
            # the residents who raised it follow it to the end (the seed's 居民监督).
            need_projects=need.projects.exclude(status="draft").order_by("pk"),
            can_support=need.status in ("submitted", "accepted")
            and user.has_perm("procurement.support_need", need)
            and not need.supports.filter(user=user).exists(),
        )
        return context


@require_POST
def need_support_view(request, pk: int):
    """Add the current resident's support to a need."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    need = selectors.need_get_for_user(user=request.user, need_id=pk)
    # The need is visible to the user, so the refusal's reason reveals nothing: show it.
    decision = authz.decide(request.user, "procurement.support_need", need)
    if not decision:
        messages.error(request, decision.reason)
        return redirect("procurement:need-detail", need.pk)
    try:
        need_support(need=need, actor=request.user)
    except ServiceError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("感谢您的支持。"))
    return redirect("procurement:need-detail", need.pk)


# Projects --------------------------------------------------------------------------------------

class ProjectListView(FilteredListMixin, OfficeListMixin, TemplateView):
    """List the projects the user works on (scoped by role and organization): search, filter,
    sort, export."""

    template_name = "procurement/project_list.html"
    filterset_class = ProjectFilter
    export_title = gettext_lazy("服务项目")
    export_columns = [
        (gettext_lazy("项目编号"), lambda p: p.code, None),
        (gettext_lazy("项目名称"), lambda p: p.title, None),
        (gettext_lazy("服务类别"), lambda p: p.get_category_display(), None),
        (gettext_lazy("设计社区"), lambda p: p.community.name, None),
        (gettext_lazy("购买主体"), lambda p: p.purchaser.name, None),
        (gettext_lazy("项目预算（元）"), lambda p: p.budget_amount, MONEY),
        (gettext_lazy("预算年度"), lambda p: p.fiscal_year, None),
        (gettext_lazy("状态"), lambda p: p.get_status_display(), None),
        (gettext_lazy("创建时间"), lambda p: p.created_at, DATETIME),
    ]

    def get_rows(self):
        return selectors.project_list_for_user(user=self.request.user).order_by("-created_at", "-id")


class ProjectDetailView(OfficeMixin, TemplateView):
    """Show a project's design: deliverables, indicators, budget lines, tender and contract."""

    template_name = "procurement/project_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project = selectors.project_get_for_user(user=self.request.user, project_id=kwargs["pk"])
        context.update(
            project=project,
            tender=project.current_tender,
            contract=selectors.contract_list_for_user(user=self.request.user)
            .filter(project=project).first(),
            # Whoever sees the project sees its delivery progress (evaluation:contract-delivery).
            delivery_contract_id=Contract.objects.filter(
                project=project, status__in=(Contract.Status.SIGNED, Contract.Status.COMPLETED))
            .values_list("pk", flat=True).first(),
            **project_grants_context(self.request.user, project),
            **project_versions_context(project),
        )
        return context


# Tenders and bids ------------------------------------------------------------------------------

class TenderListView(FilteredListMixin, OfficeListMixin, TemplateView):
    """List the tenders: published ones, plus the purchaser's own drafts; search, filter, sort,
    export."""

    template_name = "procurement/tender_list.html"
    filterset_class = TenderFilter
    export_title = gettext_lazy("采购公告")
    export_columns = [
        (gettext_lazy("采购编号"), lambda t: t.code, None),
        (gettext_lazy("采购项目名称"), lambda t: t.title, None),
        (gettext_lazy("购买主体"), lambda t: t.project.purchaser.name, None),
        (gettext_lazy("采购方式"), lambda t: t.get_method_display(), None),
        (gettext_lazy("预算金额（元）"), lambda t: t.budget_amount, MONEY),
        (gettext_lazy("投标截止时间"), lambda t: t.bid_deadline, DATETIME),
        (gettext_lazy("状态"), lambda t: t.get_status_display(), None),
    ]

    def get_rows(self):
        return selectors.tender_list_for_user(user=self.request.user).order_by("-bid_deadline", "-id")


def _bid_open(tender) -> bool:
    return tender.status == Tender.Status.PUBLISHED and timezone.now() < tender.bid_deadline


class TenderDetailView(OfficeMixin, TemplateView):
    """Show a tender; its bids only as procurement.selectors allows (sealed until opening)."""

    template_name = "procurement/tender_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        tender = selectors.tender_get_for_user(user=user, tender_id=kwargs["pk"])
        bids = list(selectors.bid_list_for_user(user=user, tender=tender))
        bid_flags = list(selectors.bid_flag_list_for_user(user=user, tender=tender))
        context.update(
            tender=tender,
            bids=bids,
            opening_record=selectors.tender_opening_record(tender=tender),
            bid_flags=bid_flags,
            can_decide_flags=tender.status in DECIDABLE_STATUSES and any(
                user.has_perm("procurement.decide_bidflag", f) for f in bid_flags[:1]),
            can_bid=_bid_open(tender) and user.has_perm("procurement.submit_bid", Bid(tender=tender)),
            amendments=list(tender.amendments.all()) if tender.version > 1 else [],
            can_amend=_bid_open(tender) and user.has_perm("procurement.amend_tender", tender),
            can_extend=_bid_open(tender) and user.has_perm("procurement.extend_tender", tender),
            # 评标报告 (evaluation's rule: purchaser staff, committee, supervisor; after scoring)
            can_read_evaluation_report=tender.evaluated_at is not None and user.has_perm(
                "evaluation.readreport_evaluationcommittee", tender),
            now=timezone.now(),
            **tender_method_context(user, tender),  # 邀请招标/单一来源 list, 最后报价 link
        )
        return context


class BidFlagDecideView(OfficeMixin, FormView):
    """Let a member of the evaluation committee record its finding on an opening flag
    (87号令 37, bid_flag_decide); 404 to everyone else."""

    template_name = "procurement/bid_flag_decide.html"
    form_class = BidFlagDecisionForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.flag = selectors.bid_flag_get_for_user(user=request.user, flag_id=kwargs["pk"])
        if not request.user.has_perm("procurement.decide_bidflag", self.flag):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "flag": self.flag,
                "tender": self.flag.tender}

    def form_valid(self, form):
        flag = call_service(form, bid_flag_decide, flag=self.flag, actor=self.request.user,
                            decision=form.cleaned_data["decision"],
                            note=form.cleaned_data["note"])
        if flag is None:
            return self.form_invalid(form)
        messages.success(self.request, _("认定已记录。"))
        return redirect("procurement:tender-detail", flag.tender_id)


class BidSubmitView(OfficeMixin, FormView):
    """Let social-organization staff submit a sealed bid (bid_submit)."""

    template_name = "procurement/bid_form.html"
    form_class = BidForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.tender = selectors.tender_get_for_bid(user=request.user, tender_id=kwargs["pk"])
        if not request.user.has_perm("procurement.submit_bid", Bid(tender=self.tender)):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        user = self.request.user
        orgs = user_organizations(user, Role.SOCIAL_ORG).order_by("name")
        known = [m.organization for m in user_memberships(user)
                 if m.role == Role.SOCIAL_ORG and m.organization_id is not None]
        return {**super().get_form_kwargs(), "organizations": orgs, "tender": self.tender,
                "known_organizations": known}

    def get_initial(self):
        return {**super().get_initial(), "tender_version": self.tender.version}

    def get_context_data(self, **kwargs):
        # The server's clock, shown to the bidder: the deadline is judged by it (arrival time).
        return {**super().get_context_data(**kwargs), "tender": self.tender,
                "server_now": timezone.localtime()}

    def form_valid(self, form):
        arrived_at = request_arrived_at(self.request)
        if bid_intake_on_page(self.tender, arrived_at, self.request.META.get("CONTENT_LENGTH")):
            # Close to the deadline: the arrival is recorded now, the bid entered right after.
            intake = call_service(form, bid_intake_accept, tender=self.tender,
                                  actor=self.request.user, arrived_at=arrived_at,
                                  language=getattr(self.request, "LANGUAGE_CODE", ""),
                                  **form.cleaned_data)
            if intake is None:
                return self.form_invalid(form)
            return redirect("procurement:bid-intake", intake.pk)
        bid = call_service(form, bid_submit_with_files, tender=self.tender,
                           actor=self.request.user, arrived_at=arrived_at, **form.cleaned_data)
        if bid is None:
            return self.form_invalid(form)
        messages.success(self.request, _("投标文件已递交，开标前仅本机构可查看。"))
        return redirect("procurement:bid-detail", bid.pk)


class BidIntakeView(OfficeMixin, TemplateView):
    """Follow a bid the page recorded close to its deadline (bid_intake_on_page) until it is
    entered: its arrival at once, then the bid with its receipt, or why it was refused. The
    page reloads itself while the bid is being entered. Only its submitter (404 otherwise)."""

    template_name = "procurement/bid_intake.html"
    REFRESH_SECONDS = 2

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.intake = bid_intake_get_for_user(user=request.user, intake_id=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        intake = self.intake
        if intake.status == BidIntake.Status.ACCEPTED and intake.bid_id:
            messages.success(request, _("投标文件已递交，开标前仅本机构可查看。到达时间：%(at)s。")
                             % {"at": timezone.localtime(intake.arrived_at)
                                .strftime("%Y-%m-%d %H:%M:%S")})
            return redirect("procurement:bid-detail", intake.bid_id)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        pending = self.intake.status == BidIntake.Status.PENDING
        return {**super().get_context_data(**kwargs), "intake": self.intake,
                "refresh_seconds": self.REFRESH_SECONDS if pending else None}


class BidDetailView(OfficeMixin, TemplateView):
    """Show one bid to those procurement.selectors lets read it; 404 while sealed for others.

    Before the deadline the bidder's staff may also attach more files here (POST).
    """

    template_name = "procurement/bid_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.bid = selectors.bid_get_for_user(user=request.user, bid_id=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, bid = self.request.user, self.bid
        can_manage_files = bool(bid.user_can_upload_file(user))
        context.update(
            bid=bid,
            team=bid.team.select_related("user").order_by("pk"),
            files=selectors.bid_files_shown_for_user(user=user, bid=bid),
            receipts=list(selectors.bid_receipt_list_for_user(user=user, bid=bid)),
            can_manage_files=can_manage_files,
            withdrawable=bid.status == Bid.Status.SUBMITTED and _bid_open(bid.tender),
            # After an amendment (更正公告) the bidder re-confirms against the current version.
            reconfirmable=(bid.status == Bid.Status.SUBMITTED and _bid_open(bid.tender)
                           and (bid.tender_version or 1) != bid.tender.version
                           and user.has_perm("procurement.reconfirm_bid", bid)),
        )
        if can_manage_files:
            context.setdefault("file_form", BidFilesForm(tender=bid.tender))
        return context

    def post(self, request, *args, **kwargs):
        arrived_at = request_arrived_at(request)
        if not self.bid.user_can_upload_file(request.user, at=arrived_at):
            raise Http404
        form = BidFilesForm(data=request.POST, files=request.FILES, tender=self.bid.tender)
        if form.is_valid():
            stored = call_service(form, bid_files_add, bid=self.bid, actor=request.user,
                                  files=form.cleaned_data["files"], kind=form.cleaned_data["kind"],
                                  arrived_at=arrived_at)
            if stored is not None:
                messages.success(request, _("已上传 %(count)d 个文件。") % {"count": len(stored)})
                return redirect("procurement:bid-detail", self.bid.pk)
        return self.render_to_response(self.get_context_data(file_form=form))


@require_http_methods(["GET", "POST"])
def bid_file_remove_view(request, pk: int, file_pk: int):
    """Delete one of the bidder's own files before the deadline, after confirming."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    bid = selectors.bid_get_for_user(user=request.user, bid_id=pk)
    if not bid.user_can_upload_file(request.user, at=request_arrived_at(request)):
        raise Http404
    stored = get_object_or_404(selectors.bid_files_for_user(user=request.user, bid=bid), pk=file_pk)
    page = confirmation_page(
        request, title=_("删除投标文件附件"), action_label=_("确认删除"),
        consequence=_("文件将从投标文件中删除并从服务器上清除，不能恢复；系统将出具新的投标回执。"),
        cancel_url=reverse("procurement:bid-detail", args=[bid.pk]),
        facts=[(_("投标文件"), str(bid)), (_("文件"), stored.original_name),
               (_("材料类别"), getattr(getattr(stored, "bid_document", None), "kind", "—"))])
    if page is not None:
        return page
    try:
        bid_file_remove(bid=bid, stored_file_id=file_pk, actor=request.user,
                        arrived_at=request_arrived_at(request))
    except ServiceError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("文件已删除。"))
    return redirect("procurement:bid-detail", bid.pk)


@require_http_methods(["GET", "POST"])
def bid_withdraw_view(request, pk: int):
    """Withdraw the bidder's own bid before the deadline, after confirming."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    bid = selectors.bid_get_for_user(user=request.user, bid_id=pk)
    if not request.user.has_perm("procurement.withdraw_bid", bid):
        raise Http404
    page = confirmation_page(
        request, title=_("撤回投标文件"), action_label=_("确认撤回"),
        consequence=_("撤回后本投标不参加开标和评审；投标截止前可以重新递交，截止后不能再投标。"),
        cancel_url=reverse("procurement:bid-detail", args=[bid.pk]),
        facts=[(_("采购项目"), f"{bid.tender.code} {bid.tender.title}"),
               (_("投标机构"), bid.organization.name),
               (_("投标截止时间"), bid.tender.bid_deadline)])
    if page is not None:
        return page
    try:
        bid_withdraw(bid=bid, actor=request.user, arrived_at=request_arrived_at(request))
    except ServiceError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("投标文件已撤回。"))
    return HttpResponseRedirect(reverse("procurement:tender-detail", args=[bid.tender_id]))


# Contracts -------------------------------------------------------------------------------------

class ContractListView(FilteredListMixin, OfficeListMixin, TemplateView):
    """List the contracts of the projects the user works on; search, filter, sort, export."""

    template_name = "procurement/contract_list.html"
    filterset_class = ContractFilter
    export_title = gettext_lazy("服务合同")
    export_columns = [
        (gettext_lazy("合同编号"), lambda c: c.code, None),
        (gettext_lazy("项目名称"), lambda c: c.project.title, None),
        (gettext_lazy("甲方"), lambda c: c.purchaser.name, None),
        (gettext_lazy("乙方"), lambda c: c.supplier.name, None),
        (gettext_lazy("合同金额（元）"), lambda c: c.amount, MONEY),
        (gettext_lazy("开始日期"), lambda c: c.start_date, DATE),
        (gettext_lazy("结束日期"), lambda c: c.end_date, DATE),
        (gettext_lazy("状态"), lambda c: c.get_status_display(), None),
    ]

    def get_rows(self):
        return selectors.contract_list_for_user(user=self.request.user).order_by("-created_at", "-id")


class ContractDetailView(OfficeMixin, TemplateView):
    """Show a contract with its payment tranches and the PDF link for the parties."""

    template_name = "procurement/contract_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The page and the PDF answer to one rule (procurement.view_contract): whoever sees
        # this page may download the PDF.
        user = self.request.user
        contract = selectors.contract_get_for_user(user=user, contract_id=kwargs["pk"])
        context.update(contract=contract, **contract_grants_context(user, contract),
                       **contract_team_context(user, contract))
        return context


@login_required
def bid_receipt_pdf_view(request, pk: int):
    """Download one of the bidder's receipts (投标回执) as a PDF; 404 for anyone else."""
    receipt = selectors.bid_receipt_get_for_user(user=request.user, receipt_id=pk)
    return bid_receipt_pdf_response(receipt)
