"""Reads scoped to the user, with related rows fetched in a constant number of queries.

Bid sealing: before a tender is opened (``opened_at`` is null) only members of the bidding
organization see a bid (price, proposal, files). After opening the purchaser's staff and the
evaluation committee's experts see every bid that was not withdrawn; each bidder still sees only
its own bid in full, plus the public opening record (names and prices). Superusers and platform
admins get no exception.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.roles import Role
from accounts.selectors import division_descendants, user_memberships
from procurement.models import Bid, Contract, Need, ServiceProject, Tender
from procurement.permissions import can_view_bid, is_committee_expert
from procurement.permissions.grants import supervises_project
from procurement.selectors.grants import granted_contract_q, supervised_project_q


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _org_ids(user, *roles) -> set[int]:
    return {
        m.organization_id for m in user_memberships(user)
        if m.organization_id is not None and (not roles or m.role in roles)
    }


# Needs -----------------------------------------------------------------------------------------

def need_list_for_user(*, user) -> QuerySet[Need]:
    """Return the needs of the user's communities (residents and staff) and the user's own."""
    if not _active(user):
        return Need.objects.none()
    community_ids = _org_ids(user, Role.RESIDENT, Role.COMMUNITY)
    return (
        Need.objects.filter(Q(community_id__in=community_ids) | Q(submitted_by_id=user.pk))
        .select_related("community", "submitted_by", "merged_into")
        .annotate(support_count=Count("supports"))
    )


def need_get_for_user(*, user, need_id: int) -> Need:
    """Return one need visible to the user; Http404 when missing or forbidden."""
    need = need_list_for_user(user=user).filter(pk=need_id).first()
    if need is None:
        raise Http404
    return need


# Projects --------------------------------------------------------------------------------------

FINANCE_VISIBLE = [
    ServiceProject.Status.APPROVED, ServiceProject.Status.BUDGET_CONFIRMED,
    ServiceProject.Status.TENDERING, ServiceProject.Status.EVALUATING,
    ServiceProject.Status.AWARDED, ServiceProject.Status.IN_DELIVERY,
    ServiceProject.Status.PERFORMANCE_REVIEW, ServiceProject.Status.SETTLEMENT,
    ServiceProject.Status.CLOSED,
]


def project_scope(user) -> Q | None:
    """Return the condition selecting the projects the user works on, or None for none."""
    if not _active(user):
        return None
    conditions = Q(pk__in=[])
    community_ids = _org_ids(user, Role.COMMUNITY)
    if community_ids:
        conditions |= Q(community_id__in=community_ids)
    purchaser_ids = _org_ids(user, Role.PURCHASER)
    if purchaser_ids:
        conditions |= Q(purchaser_id__in=purchaser_ids)
    supplier_ids = _org_ids(user, Role.SOCIAL_ORG, Role.SOCIAL_WORKER)
    if supplier_ids:
        conditions |= Q(contract__supplier_id__in=supplier_ids)
    finance_divisions = set()
    for m in user_memberships(user):
        if m.role == Role.FINANCE and m.organization is not None and m.organization.division_id:
            finance_divisions.update(division_descendants(m.organization.division))
    if finance_divisions:
        conditions |= Q(purchaser__division_id__in=finance_divisions, status__in=FINANCE_VISIBLE)
    conditions |= Q(tenders__committee__members__expert_id=user.pk)
    conditions |= Q(contract__performance_evaluation__third_party_expert_id=user.pk)
    conditions |= supervised_project_q(user)  # 纪检/审计 granted the project (read-only)
    return conditions


def project_list_for_user(*, user) -> QuerySet[ServiceProject]:
    """Return the projects the user works on, community and purchaser joined, tenders prefetched."""
    scope = project_scope(user)
    if scope is None:
        return ServiceProject.objects.none()
    ids = ServiceProject.objects.filter(scope).values("pk")
    return (
        ServiceProject.objects.filter(pk__in=ids)
        .select_related("community", "purchaser")
        .prefetch_related("tenders")  # read through ServiceProject.current_tender
    )


def project_get_for_user(*, user, project_id: int) -> ServiceProject:
    """Return one project the user works on; Http404 when missing or forbidden."""
    project = (
        project_list_for_user(user=user)
        .prefetch_related("deliverables", "indicators", "budget_lines", "needs",
                          "design_partners")
        .filter(pk=project_id).first()
    )
    if project is None:
        raise Http404
    return project


# Tenders ---------------------------------------------------------------------------------------

def tender_list_for_user(*, user) -> QuerySet[Tender]:
    """Return the published tenders (public) plus the user's purchaser's own drafts."""
    visible = ~Q(status=Tender.Status.DRAFT)
    purchaser_ids = _org_ids(user, Role.PURCHASER) if _active(user) else set()
    if purchaser_ids:
        visible |= Q(project__purchaser_id__in=purchaser_ids)
    if _active(user):
        visible |= supervised_project_q(user, "project")
    return Tender.objects.filter(visible).select_related(
        "project", "project__purchaser", "project__community"
    )


def tender_get_for_user(*, user, tender_id: int) -> Tender:
    """Return one tender visible to the user, criteria prefetched; Http404 otherwise."""
    tender = (tender_list_for_user(user=user).prefetch_related("criteria")
              .filter(pk=tender_id).first())
    if tender is None:
        raise Http404
    return tender


# Bids ------------------------------------------------------------------------------------------

def bid_list_for_user(*, user, tender: Tender) -> QuerySet[Bid]:
    """Return the bids of the tender whose price, proposal and files the user may read."""
    if not _active(user):
        return Bid.objects.none()
    own = Q(organization_id__in=_org_ids(user))
    condition = own
    if tender.opened_at is not None:
        purchaser_id = tender.project.purchaser_id
        if (purchaser_id in _org_ids(user, Role.PURCHASER) or is_committee_expert(user, tender)
                or supervises_project(user, tender.project)):
            condition = own | ~Q(status=Bid.Status.WITHDRAWN)
    return (
        Bid.objects.filter(condition, tender_id=tender.pk)
        .select_related("organization", "submitted_by", "tender")
        .order_by("rank", "submitted_at", "id")
    )


def bid_get_for_user(*, user, bid_id: int) -> Bid:
    """Return one bid the user may read; Http404 when missing or still sealed for the user."""
    bid = (
        Bid.objects.select_related("tender", "tender__project", "organization", "submitted_by")
        .filter(pk=bid_id).first()
    )
    if bid is None or not can_view_bid(user, bid):
        raise Http404
    return bid


def bid_files_for_user(*, user, bid: Bid) -> QuerySet:
    """Return the stored files of the bid when the user may read the bid, else none."""
    from core.models import StoredFile

    if not can_view_bid(user, bid):
        return StoredFile.objects.none()
    return StoredFile.objects.filter(
        content_type=ContentType.objects.get_for_model(Bid), object_id=bid.pk
    ).select_related("uploaded_by")


def tender_opening_record(*, tender: Tender) -> list[dict] | None:
    """Return the public opening record (开标记录): bidder names, prices, status; None if sealed."""
    if tender.opened_at is None:
        return None
    rows = (
        Bid.objects.filter(tender_id=tender.pk).exclude(status=Bid.Status.WITHDRAWN)
        .select_related("organization").order_by("submitted_at", "id")
    )
    return [
        {
            "bid_id": bid.pk,
            "organization": bid.organization.name,
            "credit_code": bid.organization.credit_code,
            "price": bid.price,
            "status": bid.status,
            "status_display": str(bid.get_status_display()),
            "disqualification_reason": bid.disqualification_reason,
            "submitted_at": bid.submitted_at,
        }
        for bid in rows
    ]


# Contracts -------------------------------------------------------------------------------------

def contract_list_for_user(*, user) -> QuerySet[Contract]:
    """Return the contracts of the projects the user works on."""
    scope = project_scope(user)
    if scope is None:
        return Contract.objects.none()
    ids = ServiceProject.objects.filter(scope).values("pk")
    # The third-party evaluator's granted contracts (supervised ones come through the scope).
    granted = granted_contract_q(user, supervised=False)
    return Contract.objects.filter(Q(project_id__in=ids) | granted).select_related(
        "project", "purchaser", "supplier", "award"
    )


def contract_get_for_user(*, user, contract_id: int) -> Contract:
    """Return one contract with its tranches; Http404 when missing or forbidden."""
    contract = (contract_list_for_user(user=user).prefetch_related("tranches")
                .filter(pk=contract_id).first())
    if contract is None:
        raise Http404
    return contract
