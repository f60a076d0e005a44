"""Reads of service records and milestone reports, scoped to the user."""

from django.db.models import QuerySet

from accounts.roles import Role
from accounts.selectors import user_memberships
from core.authz import scope_q
from delivery.models import MilestoneReport, ServiceRecord


def _org_ids(user, role) -> set[int]:
    return {m.organization_id for m in user_memberships(user) if m.role == role and m.organization_id}


def service_record_list_for_user(*, user, contract=None) -> QuerySet[ServiceRecord]:
    """Return the service records of contracts the user's organizations take part in."""
    qs = ServiceRecord.objects.filter(scope_q(user, "delivery.view_servicerecord")).select_related(
        "contract__project", "deliverable", "social_worker", "confirmed_by")
    if contract is not None:
        qs = qs.filter(contract=contract)
    return qs


def service_record_get_for_user(*, user, pk: int) -> ServiceRecord:
    """Return one visible record or raise ServiceRecord.DoesNotExist (views answer 404)."""
    return service_record_list_for_user(user=user).get(pk=pk)


def milestone_report_list_for_user(*, user, contract=None) -> QuerySet[MilestoneReport]:
    """Return the milestone reports of contracts the user's organizations take part in."""
    qs = MilestoneReport.objects.filter(scope_q(user, "delivery.view_milestonereport")).select_related(
        "contract__project", "contract__supplier", "submitted_by", "decided_by")
    if contract is not None:
        qs = qs.filter(contract=contract)
    return qs


def milestone_reports_to_decide_for_user(*, user) -> QuerySet[MilestoneReport]:
    """Return reports waiting for this purchaser user's acceptance."""
    return milestone_report_list_for_user(user=user).filter(
        contract__purchaser_id__in=_org_ids(user, Role.PURCHASER), status=MilestoneReport.Status.SUBMITTED)


def service_records_to_confirm_for_user(*, user) -> QuerySet[ServiceRecord]:
    """Return records not yet confirmed on projects of the communities this user staffs."""
    communities = _org_ids(user, Role.COMMUNITY)
    if not communities:
        return ServiceRecord.objects.none()  # no query for everyone else's home page
    return service_record_list_for_user(user=user).filter(
        contract__project__community_id__in=communities,
        confirmed_at__isnull=True).order_by("served_on", "id")
