"""Back-office pages for delivery: service records (服务台账) and milestone reports.

Milestone submission and acceptance are flow tasks (workflows); these pages list them and hold
the social worker's service-record form, which is not a flow task.
"""

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from accounts.roles import Role
from accounts.selectors import user_memberships
from core.models import StoredFile
from delivery.forms import ServiceRecordForm
from delivery.models import MilestoneReport, ServiceRecord
from delivery.permissions import can_add_service_record
from delivery.services.record_files import service_record_add_with_files
from office.shell import OfficeListMixin, OfficeMixin, call_service
from procurement import selectors as procurement_selectors
from procurement.models import Contract
from procurement.selectors.grants import granted_contract_q


def _delivery_scope(user, prefix: str = "contract__") -> Q:
    """Return the condition on contracts whose delivery the user may read."""
    by_role: dict[str, set[int]] = {}
    for m in user_memberships(user):
        if m.organization_id:
            by_role.setdefault(m.role, set()).add(m.organization_id)
    suppliers = by_role.get(Role.SOCIAL_ORG, set()) | by_role.get(Role.SOCIAL_WORKER, set())
    return (
        Q(**{f"{prefix}supplier_id__in": suppliers})
        | Q(**{f"{prefix}purchaser_id__in": by_role.get(Role.PURCHASER, set())})
        | Q(**{f"{prefix}project__community_id__in": by_role.get(Role.COMMUNITY, set())})
        | granted_contract_q(user, prefix.removesuffix("__"))
    )


def service_record_list_for_user(*, user) -> QuerySet[ServiceRecord]:
    """Return the service records of the contracts the user delivers, buys or hosts."""
    return (
        ServiceRecord.objects.filter(_delivery_scope(user))
        .select_related("contract__project", "deliverable", "social_worker", "confirmed_by")
        .order_by("-served_on", "-id")
    )


def milestone_list_for_user(*, user) -> QuerySet[MilestoneReport]:
    """Return the milestone reports of the contracts the user delivers, buys or hosts."""
    return (
        MilestoneReport.objects.filter(_delivery_scope(user))
        .select_related("contract__project", "contract__supplier", "submitted_by")
        .order_by("-submitted_at", "-id")
    )


def _contract_filter(request, rows):
    contract_id = request.GET.get("contract")
    if contract_id and contract_id.isdigit():
        rows = rows.filter(contract_id=int(contract_id))
    return rows


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


class ServiceRecordListView(OfficeListMixin, TemplateView):
    """List service records; social workers see a link to record services on their contracts."""

    template_name = "delivery/record_list.html"

    def get_rows(self):
        return _contract_filter(self.request,
                                service_record_list_for_user(user=self.request.user))

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
        if not can_add_service_record(request.user, self.contract):
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


class MilestoneListView(OfficeListMixin, TemplateView):
    """List milestone reports (submission and acceptance are flow tasks)."""

    template_name = "delivery/milestone_list.html"

    def get_rows(self):
        return _contract_filter(self.request, milestone_list_for_user(user=self.request.user))
