"""Back-office pages for delivery: service records (服务台账) and milestone reports.

Milestone submission and acceptance are flow tasks (workflows); these pages list them and hold
the social worker's service-record form, which is not a flow task.
"""

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View

from accounts.roles import Role
from accounts.selectors import user_memberships
from core.exceptions import ServiceError
from core.lists import DATE, DATETIME, FilteredListMixin
from core.models import StoredFile
from core.qr import qr_svg_response
from delivery import selectors
from delivery.filters import MilestoneFilter, ServiceRecordFilter
from delivery.forms import OpinionForm, ServiceRecordForm
from delivery.models import MilestoneReport, ServiceRecord, ServiceUserOpinion
from delivery.services.opinions import opinion_submit
from delivery.services.record_files import service_record_add_with_files
from delivery.services.records import service_record_confirm
from office.shell import OfficeListMixin, OfficeMixin, call_service, office_nav
from procurement import selectors as procurement_selectors
from procurement.models import Contract


def service_record_list_for_user(*, user) -> QuerySet[ServiceRecord]:
    """Return the service records of the contracts the user delivers, buys or hosts."""
    return selectors.service_record_list_for_user(user=user).order_by("-served_on", "-id")


def milestone_list_for_user(*, user) -> QuerySet[MilestoneReport]:
    """Return the milestone reports of the contracts the user delivers, buys or hosts."""
    return selectors.milestone_report_list_for_user(user=user).order_by("-submitted_at", "-id")


def _record_or_404(user, pk: int) -> ServiceRecord:
    """Return the record if the user is one of its parties; 404 for missing and forbidden alike."""
    try:
        return selectors.service_record_get_for_user(user=user, pk=pk)
    except ServiceRecord.DoesNotExist:
        raise Http404 from None


def _attach_evidence(records) -> None:
    """Set ``record.evidence`` to the stored files of each record, in one query for the page."""
    by_record: dict[int, list] = {r.pk: [] for r in records}
    if by_record:
        # Joined on the content type (not get_for_model) so the count stays the same when the
        # content-type cache is cold.
        files = StoredFile.objects.filter(
            content_type__app_label=ServiceRecord._meta.app_label,
            content_type__model=ServiceRecord._meta.model_name,
            object_id__in=list(by_record),
        ).order_by("uploaded_at", "id")
        for f in files:
            by_record[f.object_id].append(f)
    for r in records:
        r.evidence = by_record[r.pk]


class ServiceRecordListView(FilteredListMixin, OfficeListMixin, TemplateView):
    """List service records (search, filter, sort, export); social workers see a link to record
    services on their contracts."""

    template_name = "delivery/record_list.html"
    filterset_class = ServiceRecordFilter
    export_title = gettext_lazy("服务台账")
    export_columns = [
        (gettext_lazy("台账编号"), lambda r: r.code, None),
        (gettext_lazy("合同编号"), lambda r: r.contract.code, None),
        (gettext_lazy("项目名称"), lambda r: r.contract.project.title, None),
        (gettext_lazy("对应产出"), lambda r: r.deliverable.get_activity_type_display(), None),
        (gettext_lazy("服务日期"), lambda r: r.served_on, DATE),
        (gettext_lazy("服务地点"), lambda r: r.site, None),
        (gettext_lazy("服务人数/人次"), lambda r: r.participants, "0"),
        (gettext_lazy("记录社工"), lambda r: r.social_worker.display_name, None),
        (gettext_lazy("记录时间"), lambda r: r.recorded_at, DATETIME),
        (gettext_lazy("超过24小时补录"), lambda r: _("是") if r.is_late else _("否"), None),
        (gettext_lazy("社区确认人"),
         lambda r: r.confirmed_by.display_name if r.confirmed_by else "", None),
        (gettext_lazy("社区确认时间"), lambda r: r.confirmed_at, DATETIME),
    ]

    def get_rows(self):
        rows = service_record_list_for_user(user=self.request.user)
        deliverable = self.request.GET.get("deliverable", "")
        if deliverable.isdigit():
            rows = rows.filter(deliverable_id=int(deliverable))
        if self.request.GET.get("pending") == "1":
            rows = rows.filter(confirmed_at__isnull=True)
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        worker_orgs = {m.organization_id for m in user_memberships(user)
                       if m.role == Role.SOCIAL_WORKER}
        context["recordable"] = list(
            procurement_selectors.contract_list_for_user(user=user).filter(
                status=Contract.Status.SIGNED, supplier_id__in=worker_orgs)
        ) if worker_orgs else []
        _attach_evidence(list(context["page"]))
        return context


class ServiceRecordDetailView(OfficeMixin, TemplateView):
    """Show one record with its evidence; the project's community staff may confirm it."""

    template_name = "delivery/record_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        record = _record_or_404(user, kwargs["pk"])
        _attach_evidence([record])
        context.update(
            record=record,
            photos=[f for f in record.evidence if f.mime_type.startswith("image/")],
            documents=[f for f in record.evidence if not f.mime_type.startswith("image/")],
            can_confirm=record.confirmed_at is None
            and user.has_perm("delivery.confirm_servicerecord", record),
        )
        return context


class ServiceRecordConfirmView(OfficeMixin, View):
    """Confirm a record as the project's community staff, after a confirmation page.

    GET, or a POST without ``confirmed=1``, shows what is confirmed and its consequence (works
    without JavaScript); only the POST from that page calls service_record_confirm.
    """

    template_name = "delivery/record_confirm.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.record = _record_or_404(request.user, kwargs["pk"])
        if not request.user.has_perm("delivery.confirm_servicerecord", self.record):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def render(self, errors=()):
        return TemplateResponse(self.request, self.template_name, {
            "record": self.record, "errors": errors, "office_nav": office_nav(self.request.user)})

    def get(self, request, *args, **kwargs):
        return self.render()

    def post(self, request, *args, **kwargs):
        if request.POST.get("confirmed") != "1":
            return self.render()
        try:
            service_record_confirm(record=self.record, actor=request.user)
        except ServiceError as error:
            return self.render(errors=error.messages)
        messages.success(request, _("已确认服务台账 %(code)s。") % {"code": self.record.code})
        return redirect("delivery:record-detail", self.record.pk)


class ServiceRecordAddView(OfficeMixin, FormView):
    """Let a social worker of the supplier record one service (service_record_add)."""

    template_name = "delivery/record_form.html"
    form_class = ServiceRecordForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.contract = procurement_selectors.contract_get_for_user(
            user=request.user, contract_id=kwargs["pk"])
        if not request.user.has_perm("delivery.add_servicerecord",
                                     ServiceRecord(contract=self.contract)):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contract": self.contract}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "contract": self.contract}

    def form_valid(self, form):
        record = call_service(form, service_record_add_with_files, contract=self.contract,
                              actor=self.request.user, **form.service_fields())
        if record is None:
            return self.form_invalid(form)
        messages.success(self.request, _("服务台账已保存，编号 %(code)s。") % {"code": record.code})
        return redirect(f"{reverse('delivery:record-list')}?contract={self.contract.pk}")


class MilestoneListView(FilteredListMixin, OfficeListMixin, TemplateView):
    """List milestone reports: search, filter, sort, export (submission and acceptance are flow
    tasks)."""

    template_name = "delivery/milestone_list.html"
    filterset_class = MilestoneFilter
    export_title = gettext_lazy("阶段报告")
    export_columns = [
        (gettext_lazy("合同编号"), lambda m: m.contract.code, None),
        (gettext_lazy("项目名称"), lambda m: m.contract.project.title, None),
        (gettext_lazy("承接机构"), lambda m: m.contract.supplier.name, None),
        (gettext_lazy("类型"), lambda m: m.get_kind_display(), None),
        (gettext_lazy("状态"), lambda m: m.get_status_display(), None),
        (gettext_lazy("提交时间"), lambda m: m.submitted_at, DATETIME),
        (gettext_lazy("验收时间"), lambda m: m.decided_at, DATETIME),
        (gettext_lazy("验收意见"), lambda m: m.decision_comment, None),
    ]

    def get_rows(self):
        return milestone_list_for_user(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reports = list(context["page"])
        summaries = selectors.opinion_summary(reports=reports, comments=0)
        for report in reports:
            report.opinions_summary = summaries[report.pk]
            report.survey_url = selectors.opinion_survey_path(report)
        return context


class MilestoneOpinionQrView(OfficeMixin, View):
    """Serve the QR code of a report's opinion form to the parties who see the report (SVG)."""

    def get(self, request, pk):
        report = selectors.milestone_report_list_for_user(user=request.user).filter(pk=pk).first()
        if report is None:
            raise Http404
        return qr_svg_response(request, selectors.opinion_survey_path(report),
                               title=_("服务对象意见征集二维码"))


class OpinionView(OfficeMixin, FormView):
    """Let a resident of the project's community give an opinion on a report's service, once.

    Reached from a link or QR code carrying a signed token; a forged token, or a user who may
    not answer, gets 404. The form is closed once the report is accepted or returned.
    """

    template_name = "delivery/opinion_form.html"
    form_class = OpinionForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.report = selectors.opinion_survey_report(kwargs["token"])
        if self.report is None or not request.user.has_perm(
                "delivery.give_serviceuseropinion", ServiceUserOpinion(report=self.report)):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "report": self.report,
                "is_open": self.report.status == MilestoneReport.Status.SUBMITTED,
                "answered": self.report.opinions.filter(resident=self.request.user).first()}

    def form_valid(self, form):
        opinion = call_service(form, opinion_submit, report=self.report, actor=self.request.user,
                               **form.cleaned_data)
        if opinion is None:
            return self.form_invalid(form)
        messages.success(self.request, _("感谢您的意见！"))
        return redirect(self.request.path)
