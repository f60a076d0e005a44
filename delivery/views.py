"""Back-office pages for delivery: service records (服务台账) and milestone reports.

Milestone submission and acceptance are flow tasks (workflows); these pages list them and hold
the social worker's service-record form, which is not a flow task.
"""

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from accounts.roles import Role
from accounts.selectors import user_memberships
from core.lists import DATE, DATETIME, FilteredListMixin
from core.models import StoredFile
from delivery import selectors
from delivery.filters import MilestoneFilter, ServiceRecordFilter
from delivery.forms import ServiceRecordForm
from delivery.models import MilestoneReport, ServiceRecord
from delivery.services.record_files import service_record_add_with_files
from office.shell import OfficeListMixin, OfficeMixin, call_service
from procurement import selectors as procurement_selectors
from procurement.models import Contract


def service_record_list_for_user(*, user) -> QuerySet[ServiceRecord]:
    """Return the service records of the contracts the user delivers, buys or hosts."""
    return selectors.service_record_list_for_user(user=user).order_by("-served_on", "-id")


def milestone_list_for_user(*, user) -> QuerySet[MilestoneReport]:
    """Return the milestone reports of the contracts the user delivers, buys or hosts."""
    return selectors.milestone_report_list_for_user(user=user).order_by("-submitted_at", "-id")


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
        return service_record_list_for_user(user=self.request.user)

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
                              actor=self.request.user, **form.cleaned_data)
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
