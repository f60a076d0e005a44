"""Reads of service records and milestone reports, scoped to the user."""

from dataclasses import dataclass
from decimal import Decimal

from django.core import signing
from django.db.models import Avg, Count, QuerySet
from django.urls import reverse

from accounts.roles import Role
from accounts.selectors import user_memberships
from core.authz import scope_q
from delivery.models import MilestoneReport, ServiceRecord, ServiceUserOpinion


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


OPINION_SALT = "delivery.opinion-survey"


def opinion_survey_token(report: MilestoneReport) -> str:
    """Return the unguessable token of a report's opinion survey (the link and QR code carry it)."""
    # A plain signer, not dumps(): the same report always has the same link and QR code.
    return signing.Signer(salt=OPINION_SALT).sign(str(report.pk))


def opinion_survey_path(report: MilestoneReport) -> str:
    """Return the path of a report's opinion form (the link and QR code residents get)."""
    return reverse("delivery:opinion", args=[opinion_survey_token(report)])


def opinion_survey_report(token: str) -> MilestoneReport | None:
    """Return the report a survey token names, or None for a forged or unknown token."""
    try:
        pk = signing.Signer(salt=OPINION_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return MilestoneReport.objects.select_related("contract__project__community").filter(
        pk=int(pk)).first() if pk.isdigit() else None


@dataclass
class OpinionSummary:
    count: int
    average: Decimal | None
    comments: list  # the latest opinions that carry a comment


def opinion_summary(*, reports, comments: int = 20) -> dict[int, OpinionSummary]:
    """Return count, average and latest comments of each report's opinions (two queries)."""
    ids = [r.pk for r in reports]
    found = {pk: OpinionSummary(0, None, []) for pk in ids}
    if not ids:
        return found
    for row in (ServiceUserOpinion.objects.filter(report_id__in=ids).order_by()
                .values("report_id").annotate(n=Count("id"), mean=Avg("score"))):
        found[row["report_id"]].count = row["n"]
        found[row["report_id"]].average = Decimal(row["mean"]).quantize(Decimal("0.01"))
    for opinion in ServiceUserOpinion.objects.filter(report_id__in=ids).exclude(comment="").order_by(
            "-submitted_at", "-id"):
        bucket = found[opinion.report_id].comments
        if len(bucket) < comments:
            bucket.append(opinion)
    return found
