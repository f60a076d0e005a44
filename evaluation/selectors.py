"""Reads of committee seats, score sheets and performance evaluations, scoped to the user."""

from django.db.models import Count, Q, QuerySet

from accounts.roles import Role
from accounts.selectors import user_memberships
from evaluation.models import CommitteeMember, PerformanceEvaluation, ScoreSheet
from procurement.models import Tender
from procurement.selectors.grants import granted_contract_q


def _org_ids(user, role) -> set[int]:
    return {m.organization_id for m in user_memberships(user) if m.role == role and m.organization_id}


def committee_seat_list_for_user(*, user, pending_only: bool = False) -> QuerySet[CommitteeMember]:
    """Return the user's seats on evaluation committees with the number of unsubmitted sheets."""
    qs = (
        CommitteeMember.objects.filter(expert_id=getattr(user, "pk", None))
        .select_related("committee__tender__project")
        .annotate(pending_sheets=Count("sheets", filter=Q(sheets__status=ScoreSheet.Status.DRAFT)))
        .order_by("-committee__formed_at", "-id")
    )
    if pending_only:
        qs = qs.filter(committee__tender__status=Tender.Status.EVALUATING, pending_sheets__gt=0)
    return qs


def committee_seat_get_for_user(*, user, pk: int) -> CommitteeMember:
    """Return one of the user's seats or raise CommitteeMember.DoesNotExist (views answer 404)."""
    return committee_seat_list_for_user(user=user).get(pk=pk)


def score_sheet_list_for_seat(*, member: CommitteeMember) -> QuerySet[ScoreSheet]:
    """Return a seat's sheets with bids and items (only exist once bids are opened)."""
    return (
        ScoreSheet.objects.filter(member=member)
        .exclude(bid__tender__status__in=[Tender.Status.DRAFT, Tender.Status.PUBLISHED])
        .select_related("bid__organization").prefetch_related("items__criterion").order_by("bid_id")
    )


def performance_evaluation_list_for_user(*, user) -> QuerySet[PerformanceEvaluation]:
    """Return the evaluations the user takes part in (as any party or as a resident)."""
    condition = (
        Q(third_party_expert_id=getattr(user, "pk", None))
        | Q(contract__purchaser_id__in=_org_ids(user, Role.PURCHASER))
        | Q(contract__supplier_id__in=_org_ids(user, Role.SOCIAL_ORG))
        | Q(contract__project__community_id__in=_org_ids(user, Role.COMMUNITY) | _org_ids(user, Role.RESIDENT))
        | granted_contract_q(user, "contract")
    )
    return PerformanceEvaluation.objects.filter(condition).select_related(
        "contract__project__community", "contract__supplier", "contract__purchaser", "third_party_expert"
    ).prefetch_related("party_scores").annotate(satisfaction_count=Count("satisfaction_responses"))


def performance_evaluation_get_for_user(*, user, pk: int) -> PerformanceEvaluation:
    """Return one visible evaluation or raise PerformanceEvaluation.DoesNotExist (views answer 404)."""
    return performance_evaluation_list_for_user(user=user).get(pk=pk)
