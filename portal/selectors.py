"""Reads for the public portal (公示): only what has been published, never a sealed bid."""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from delivery.models import MilestoneReport
from evaluation.models import PerformanceEvaluation
from finance.models import PaymentTranche
from procurement.models import Award, Bid, Contract, Need, ServiceProject, Tender

# Tender states the public may see; a draft tender is not yet published.
PUBLIC_TENDER_STATUSES = [
    Tender.Status.PUBLISHED, Tender.Status.OPENED, Tender.Status.EVALUATING,
    Tender.Status.EVALUATED, Tender.Status.AWARDED, Tender.Status.FAILED,
    Tender.Status.CANCELLED,
]
# Contracts are public once signed by both parties (102号令第23条).
PUBLIC_CONTRACT_STATUSES = [Contract.Status.SIGNED, Contract.Status.COMPLETED]


def tender_is_opened(tender: Tender) -> bool:
    """Return whether the tender's bids have been opened (the opening record is public)."""
    return tender.opened_at is not None and tender.status != Tender.Status.PUBLISHED


def public_tender_list() -> QuerySet[Tender]:
    """Return published tenders with their purchaser, newest deadline first."""
    return (
        Tender.objects.filter(status__in=PUBLIC_TENDER_STATUSES, published_at__isnull=False)
        .select_related("project__purchaser", "project__community")
        .order_by("-published_at", "-id")
    )


def public_tender_get(*, pk: int) -> Tender:
    """Return one published tender with criteria; raise Http404 when it is not public."""
    tender = (
        public_tender_list()
        .select_related("award__bid__organization")
        .prefetch_related("criteria")
        .filter(pk=pk)
        .first()
    )
    if tender is None:
        raise Http404
    return tender


def public_opening_record(*, tender: Tender) -> list[Bid]:
    """Return the opened bids (bidder and price), or an empty list while bids are sealed."""
    if not tender_is_opened(tender):
        return []
    return list(
        Bid.objects.filter(tender=tender)
        .exclude(status=Bid.Status.WITHDRAWN)
        .select_related("organization")
        .order_by("submitted_at", "id")
    )


def public_award_list() -> QuerySet[Award]:
    """Return confirmed awards (中标结果公告), newest first."""
    return (
        Award.objects.filter(tender__status__in=PUBLIC_TENDER_STATUSES)
        .select_related("tender__project__purchaser", "bid__organization")
        .order_by("-confirmed_at", "-id")
    )


def public_contract_list() -> QuerySet[Contract]:
    """Return signed contracts (合同公开), newest first."""
    return (
        Contract.objects.filter(status__in=PUBLIC_CONTRACT_STATUSES)
        .select_related("project", "purchaser", "supplier")
        .order_by("-supplier_signed_at", "-id")
    )


def public_contract_get(*, pk: int) -> Contract:
    """Return one signed contract with its tranches; raise Http404 when it is not public."""
    contract = (
        public_contract_list().prefetch_related("tranches", "project__deliverables")
        .filter(pk=pk).first()
    )
    if contract is None:
        raise Http404
    return contract


def public_grade_list() -> QuerySet[PerformanceEvaluation]:
    """Return finalized performance grades of closed projects."""
    return (
        PerformanceEvaluation.objects.filter(
            status=PerformanceEvaluation.Status.FINALIZED,
            contract__project__status=ServiceProject.Status.CLOSED,
        )
        .select_related("contract__project__community", "contract__supplier")
        .order_by("-finalized_at", "-id")
    )


def public_declined_need_list() -> QuerySet[Need]:
    """Return declined needs with their published reason (never the submitter).

    Every declined need has a reason (the constraint need_declined_has_reason), so the status
    alone selects them: the page's count is read from the index (status, decided_at, id)
    without the rows (issue 11 item 3: the reason tested row by row doubled it on SQLite)."""
    return (
        Need.objects.filter(status=Need.Status.DECLINED)
        .select_related("community")
        .only("id", "title", "category", "status", "decision_reason", "decided_at",
              "submitted_at", "community__id", "community__name")
        .order_by("-decided_at", "-id")
    )


# Projects whose procurement is public in OCDS: the budget is confirmed (采购意向公开), or a
# tender of it was published.
OCDS_PROJECT_STATUSES = [
    ServiceProject.Status.BUDGET_CONFIRMED, ServiceProject.Status.TENDERING,
    ServiceProject.Status.EVALUATING, ServiceProject.Status.AWARDED,
    ServiceProject.Status.IN_DELIVERY, ServiceProject.Status.PERFORMANCE_REVIEW,
    ServiceProject.Status.SETTLEMENT, ServiceProject.Status.CLOSED,
]


def _public_tenders() -> QuerySet[Tender]:
    return (
        Tender.objects.filter(status__in=PUBLIC_TENDER_STATUSES, published_at__isnull=False)
        .select_related("award__bid__organization")
        .prefetch_related(
            "criteria", "amendments",
            # Bids of opened tenders only: a sealed bid is not even read (portal.ocds).
            Prefetch("bids", to_attr="public_bids", queryset=(
                Bid.objects.filter(tender__opened_at__isnull=False)
                .exclude(tender__status=Tender.Status.PUBLISHED)
                .exclude(status=Bid.Status.WITHDRAWN)
                .select_related("organization").order_by("submitted_at", "id"))),
        )
        .order_by("id")
    )


def ocds_project_list(*, fiscal_year: int | None = None) -> QuerySet[ServiceProject]:
    """Return the projects published as OCDS contracting processes, with everything the
    releases read (a fixed number of queries whatever the number of projects)."""
    public_tender = Q(tenders__status__in=PUBLIC_TENDER_STATUSES,
                      tenders__published_at__isnull=False)
    projects = ServiceProject.objects.filter(Q(status__in=OCDS_PROJECT_STATUSES) | public_tender)
    if fiscal_year is not None:
        projects = projects.filter(fiscal_year=fiscal_year)
    return (
        projects.distinct()
        .select_related("purchaser", "budget_commitment", "contract__purchaser",
                        "contract__supplier")
        .prefetch_related(
            "deliverables",
            Prefetch("tenders", to_attr="public_tenders", queryset=_public_tenders()),
            Prefetch("contract__tranches",
                     queryset=PaymentTranche.objects.select_related("payment")),
            Prefetch("contract__milestone_reports",
                     queryset=MilestoneReport.objects.order_by("submitted_at", "id")),
        )
        .order_by("code", "id")
    )


def ocds_fiscal_years() -> list[int]:
    """Return the fiscal years that have OCDS data, newest first."""
    years = ocds_project_list().order_by().values_list("fiscal_year", flat=True).distinct()
    return sorted(years, reverse=True)
