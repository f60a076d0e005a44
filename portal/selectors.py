"""Reads for the public portal (公示): only what has been published, never a sealed bid."""

from django.db.models import QuerySet
from django.http import Http404

from evaluation.models import PerformanceEvaluation
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
    """Return declined needs with their published reason (never the submitter)."""
    return (
        Need.objects.filter(status=Need.Status.DECLINED)
        .exclude(decision_reason="")
        .select_related("community")
        .only("id", "title", "category", "status", "decision_reason", "decided_at",
              "submitted_at", "community__id", "community__name")
        .order_by("-decided_at", "-id")
    )


def public_tender_release(*, tender: Tender) -> dict:
    """Return a small OCDS-like release of a published tender."""
    project = tender.project
    purchaser = project.purchaser
    release = {
        "ocid": f"ocds-sanshe-{tender.code}",
        "id": f"{tender.code}-{tender.status}",
        "date": (tender.opened_at or tender.published_at).isoformat(),
        "tag": ["tender"],
        "initiationType": "tender",
        "language": "zh",
        "buyer": {"id": purchaser.credit_code, "name": purchaser.name},
        "parties": [
            {"id": purchaser.credit_code, "name": purchaser.name, "roles": ["buyer"]},
        ],
        "tender": {
            "id": tender.code,
            "title": tender.title,
            "status": _OCDS_TENDER_STATUS.get(tender.status, "active"),
            "value": {"amount": str(tender.budget_amount), "currency": "CNY"},
            "procurementMethodDetails": tender.get_method_display(),
            "tenderPeriod": {
                "startDate": tender.published_at.isoformat() if tender.published_at else None,
                "endDate": tender.bid_deadline.isoformat(),
            },
            "awardCriteriaDetails": [
                {"name": c.name, "maxScore": str(c.max_score)} for c in tender.criteria.all()
            ],
        },
    }
    if tender.version > 1:  # 更正公告 (87号令第27条): OCDS tender amendments
        release["tag"].append("tenderAmendment")
        release["tender"]["amendments"] = [
            {"id": f"{tender.code}-v{a.version}", "date": a.published_at.isoformat(),
             "description": a.content,
             "rationale": "affects bid preparation" if a.affects_bids else ""}
            for a in tender.amendments.all()
        ]
    bids = public_opening_record(tender=tender)
    if bids:
        release["bids"] = {
            "details": [
                {
                    "id": str(bid.pk),
                    "status": "valid" if bid.status != Bid.Status.DISQUALIFIED else "disqualified",
                    "tenderers": [{"id": bid.organization.credit_code,
                                   "name": bid.organization.name}],
                    "value": {"amount": str(bid.price), "currency": "CNY"},
                }
                for bid in bids
            ]
        }
        for bid in bids:
            release["parties"].append({"id": bid.organization.credit_code,
                                       "name": bid.organization.name, "roles": ["tenderer"]})
    award = getattr(tender, "award", None) if tender.status == Tender.Status.AWARDED else None
    if award is not None:
        release["tag"].append("award")
        supplier = award.bid.organization
        release["awards"] = [{
            "id": str(award.pk),
            "status": "active",
            "date": award.confirmed_at.isoformat(),
            "value": {"amount": str(award.amount), "currency": "CNY"},
            "suppliers": [{"id": supplier.credit_code, "name": supplier.name}],
        }]
        contract = Contract.objects.filter(award=award, status__in=PUBLIC_CONTRACT_STATUSES).first()
        if contract is not None:
            release["tag"].append("contract")
            release["contracts"] = [{
                "id": contract.code,
                "awardID": str(award.pk),
                "status": "active" if contract.status == Contract.Status.SIGNED else "terminated",
                "value": {"amount": str(contract.amount), "currency": "CNY"},
                "period": {"startDate": contract.start_date.isoformat(),
                           "endDate": contract.end_date.isoformat()},
            }]
    return release


_OCDS_TENDER_STATUS = {
    Tender.Status.PUBLISHED: "active",
    Tender.Status.OPENED: "active",
    Tender.Status.EVALUATING: "active",
    Tender.Status.EVALUATED: "active",
    Tender.Status.AWARDED: "complete",
    Tender.Status.FAILED: "unsuccessful",
    Tender.Status.CANCELLED: "cancelled",
}

