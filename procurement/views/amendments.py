"""Pages for amendments (更正公告): the purchaser's amend form and list, the bidder's
re-confirmation. Thin views over procurement.services.amendments."""

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from core.confirm import confirmation_page, entered_rows
from core.exceptions import ServiceError
from core.middleware import request_arrived_at
from office.shell import OfficeMixin, call_service
from procurement import selectors
from procurement.forms.amendments import AmendmentForm, DeadlineExtensionForm
from procurement.models import Tender
from procurement.services.amendments import bid_reconfirm, tender_amend
from procurement.services.tenders import tender_extend_deadline

# The codes of procurement.services.tenders' refusals of the criteria and the price weight.
CRITERIA_ERRORS = {"criteria", "criteria_sum", "criteria_price", "price_weight"}


def error_code(error: ServiceError) -> str | None:
    return getattr(error, "code", None) or next(
        (e.code for e in getattr(error, "error_list", ()) if e.code), None)


def amendable(tender) -> bool:
    """Return whether the tender may still be amended (published, before its deadline)."""
    return tender.status == Tender.Status.PUBLISHED and timezone.now() < tender.bid_deadline


class TenderAmendView(OfficeMixin, FormView):
    """The purchaser publishes an amendment; the page lists the tender's amendments so far."""

    template_name = "procurement/amendment_form.html"
    form_class = AmendmentForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.tender = selectors.tender_get_for_user(user=request.user, tender_id=kwargs["pk"])
        if not request.user.has_perm("procurement.amend_tender", self.tender):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tender": self.tender}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "tender": self.tender,
                "amendments": list(self.tender.amendments.all()),
                "amendable": amendable(self.tender), "submit_label": _("发布更正公告")}

    def form_valid(self, form):
        if not amendable(self.tender):
            form.add_error(None, _("只有投标截止前的采购项目可以发布更正公告。"))
            return self.form_invalid(form)
        try:
            amendment = tender_amend(tender=self.tender, actor=self.request.user,
                                     **form.service_kwargs())
        except ServiceError as error:
            # A refusal of the criteria or the price weight is shown on the criteria table.
            field = "criteria" if error_code(error) in CRITERIA_ERRORS else None
            for message in error.messages:
                form.add_error(field, message)
            return self.form_invalid(form)
        if amendment.deadline_postponed_by_law:
            messages.warning(self.request, _("更正公告已发布。更正距投标截止不足法定天数，投标截止时间已顺延至 "
                                             "%(deadline)s。") % {
                "deadline": timezone.localtime(amendment.new_deadline).strftime("%Y-%m-%d %H:%M")})
        else:
            messages.success(self.request, _("更正公告已发布。"))
        return redirect("procurement:tender-detail", self.tender.pk)


class TenderExtendView(OfficeMixin, FormView):
    """The purchaser postpones the bid deadline with a reason (tender_extend_deadline: an
    amendment of kind 延期, bidders notified), after confirming; 404 to everyone else."""

    template_name = "procurement/tender_extend.html"
    form_class = DeadlineExtensionForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.tender = selectors.tender_get_for_user(user=request.user, tender_id=kwargs["pk"])
        if not request.user.has_perm("procurement.extend_tender", self.tender):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tender": self.tender}

    def get_initial(self):
        later = timezone.localtime(self.tender.bid_deadline) + datetime.timedelta(days=7)
        return {**super().get_initial(), "new_deadline": later}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "tender": self.tender,
                "amendable": amendable(self.tender), "submit_label": _("下一步：确认延期")}

    def form_valid(self, form):
        if not amendable(self.tender):
            form.add_error(None, _("只有投标截止前的采购项目可以延长投标截止时间。"))
            return self.form_invalid(form)
        page = confirmation_page(
            self.request, title=_("延长投标截止时间"), action_label=_("确认延期并通知投标人"),
            consequence=_("延期将作为更正公告（延期）发布，采购文件版本加一，并通知已递交投标的机构；"
                          "发布后不能撤回，截止时间只能再推迟、不能提前。"),
            cancel_url=self.request.path,
            facts=[(_("采购项目"), f"{self.tender.code} {self.tender.title}"),
                   (_("原投标截止时间"), self.tender.bid_deadline)],
            entered=entered_rows(form))
        if page is not None:
            return page
        tender = call_service(form, tender_extend_deadline, tender=self.tender,
                              actor=self.request.user, **form.cleaned_data)
        if tender is None:
            return self.form_invalid(form)
        messages.success(self.request, _("投标截止时间已延长至 %(deadline)s，已通知投标人。") % {
            "deadline": timezone.localtime(tender.bid_deadline).strftime("%Y-%m-%d %H:%M")})
        return redirect("procurement:tender-detail", self.tender.pk)


@require_POST
def bid_reconfirm_view(request, pk: int):
    """The bidder re-confirms its bid against the tender's current version."""
    if not request.user.is_authenticated:
        raise Http404
    bid = selectors.bid_get_for_user(user=request.user, bid_id=pk)
    if not request.user.has_perm("procurement.reconfirm_bid", bid):
        raise Http404
    if not request.POST.get("confirm"):
        messages.error(request, _("请勾选确认。"))
        return redirect("procurement:bid-detail", bid.pk)
    try:
        bid_reconfirm(bid=bid, actor=request.user, arrived_at=request_arrived_at(request))
    except ServiceError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已对当前版本的采购文件重新确认投标，回执已生成。"))
    return redirect("procurement:bid-detail", bid.pk)
