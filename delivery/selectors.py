"""Reads of service records and milestone reports, scoped to the user."""

from django.db.models import Q, QuerySet

from accounts.roles import Role
from accounts.selectors import user_memberships
from delivery.models import MilestoneReport, ServiceRecord
from procurement.selectors.grants import granted_contract_q


def _org_ids(user, role) -> set[int]:
    return {m.organization_id for m in user_memberships(user) if m.role == role and m.organization_id}


def _contract_scope(user, prefix: str = "contract__") -> Q:
    return (
        Q(**{f"{prefix}supplier_id__in": _org_ids(user, Role.SOCIAL_ORG) | _org_ids(user, Role.SOCIAL_WORKER)})
        | Q(**{f"{prefix}purchaser_id__in": _org_ids(user, Role.PURCHASER)})
        | Q(**{f"{prefix}project__community_id__in": _org_ids(user, Role.COMMUNITY)})
        | granted_contract_q(user, prefix.removesuffix("__"))
    )


def service_record_list_for_user(*, user, contract=None) -> QuerySet[ServiceRecord]:
    """Return the service records of contracts the user's organizations take part in."""
    qs = ServiceRecord.objects.filter(_contract_scope(user)).select_related(
        "contract__project", "deliverable", "social_worker", "confirmed_by")
    if contract is not None:
        qs = qs.filter(contract=contract)
    return qs


def service_record_get_for_user(*, user, pk: int) -> ServiceRecord:
    """Return one visible record or raise ServiceRecord.DoesNotExist (views answer 404)."""
    return service_record_list_for_user(user=user).get(pk=pk)


def milestone_report_list_for_user(*, user, contract=None) -> QuerySet[MilestoneReport]:
    """Return the milestone reports of contracts the user's organizations take part in."""
    qs = MilestoneReport.objects.filter(_contract_scope(user)).select_related(
        "contract__project", "contract__supplier", "submitted_by", "decided_by")
    if contract is not None:
        qs = qs.filter(contract=contract)
    return qs


def milestone_reports_to_decide_for_user(*, user) -> QuerySet[MilestoneReport]:
    """Return reports waiting for this purchaser user's acceptance."""
    return milestone_report_list_for_user(user=user).filter(
        contract__purchaser_id__in=_org_ids(user, Role.PURCHASER), status=MilestoneReport.Status.SUBMITTED)
