"""Reads scoped to the user, with related rows fetched in a constant number of queries.

Bid sealing: before a tender is opened (``opened_at`` is null) only members of the bidding
organization see a bid (price, proposal, files). After opening the purchaser's staff and the
evaluation committee's experts see every bid that was not withdrawn; each bidder still sees only
its own bid in full, plus the public opening record (names and prices). Superusers and platform
admins get no exception.

Every scope is a relationship registered once beside its rule (``@scope`` in the permissions
modules): lists filter with it, single-object getters answer 404 through it.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, QuerySet
from django.http import Http404

from core import authz, db
from core.counts import related_count
from procurement.digests import bid_files_digests, price_digest, text_digest
from procurement.models import (
    Bid,
    BidFlag,
    BidReceipt,
    Contract,
    Need,
    NeedSupport,
    ServiceProject,
    Tender,
)
from procurement.services.eligibility import opening_eligibility

# Needs -----------------------------------------------------------------------------------------

def need_list_for_user(*, user, support_count: bool = True) -> QuerySet[Need]:
    """Return the needs the user may see (procurement.view_need): its communities' and its own.

    ``support_count=False`` leaves the count of supporters out: a page of the list counts its
    own rows afterwards (need_support_counts), as SQLite computes a subquery column for every
    row it sorts, not only for the page it keeps."""
    needs = (authz.scoped(user, "procurement.view_need", Need.objects.all())
             .select_related("community", "submitted_by", "merged_into"))
    if support_count:
        needs = needs.annotate(support_count=related_count(NeedSupport.objects, "need"))
    return needs


def need_support_counts(needs) -> list:
    """Set ``support_count`` on each of the needs (a page of the list) in one query; return them."""
    needs = list(needs)
    counts = dict(NeedSupport.objects.filter(need_id__in=[n.pk for n in needs]).order_by()
                  .values_list("need_id").annotate(n=Count("pk")))
    for need in needs:
        need.support_count = counts.get(need.pk, 0)
    return needs


def get_for_user_or_404(user, perm: str, queryset: QuerySet | type, pk: int):
    """Return the row pk of queryset if the user may perm on it; Http404 when missing or forbidden.

    The answer comes from ``user.has_perm`` (the rule beside the list's scope, plus any explicit
    grant), so a missing row and a forbidden one look the same. A model instead of a queryset:
    its row alone, read with a prepared statement (core.db.row_get).
    """
    model = queryset if isinstance(queryset, type) else queryset.model
    try:  # not .first(): one row at most, no ordering to add (a detail page on every request)
        obj = db.row_get(model, pk) if model is queryset else queryset.get(pk=pk)
    except model.DoesNotExist:
        raise Http404 from None
    if not user.has_perm(perm, obj):
        raise Http404
    return obj


def need_get_for_user(*, user, need_id: int) -> Need:
    """Return one need the user may see; Http404 when missing or forbidden."""
    return get_for_user_or_404(
        user, "procurement.view_need",
        Need.objects.select_related("community", "submitted_by", "merged_into")
        .annotate(support_count=related_count(NeedSupport.objects, "need")), need_id)


# Projects --------------------------------------------------------------------------------------

def project_list_for_user(*, user) -> QuerySet[ServiceProject]:
    """Return the projects the user works on, community and purchaser joined, tenders prefetched."""
    return (
        authz.scoped(user, "procurement.view_serviceproject", ServiceProject.objects.all())
        .select_related("community", "purchaser")
        .prefetch_related("tenders")  # read through ServiceProject.current_tender
    )


def project_get_for_user(*, user, project_id: int) -> ServiceProject:
    """Return one project the user works on; Http404 when missing or forbidden."""
    return get_for_user_or_404(
        user, "procurement.view_serviceproject",
        ServiceProject.objects.select_related("community", "purchaser").prefetch_related(
            "tenders", "deliverables", "indicators", "budget_lines", "needs", "design_partners"),
        project_id)


# Tenders ---------------------------------------------------------------------------------------

def tender_list_for_user(*, user) -> QuerySet[Tender]:
    """Return the published tenders (public) plus the user's purchaser's own drafts."""
    return Tender.objects.filter(authz.scope_q(user, "procurement.view_tender")).select_related(
        "project", "project__purchaser", "project__community"
    )


def tender_get_for_user(*, user, tender_id: int) -> Tender:
    """Return one tender visible to the user, criteria prefetched; Http404 otherwise."""
    return get_for_user_or_404(
        user, "procurement.view_tender",
        Tender.objects.select_related("project", "project__purchaser", "project__community")
        .prefetch_related("criteria"), tender_id)


def tender_get_for_bid(*, user, tender_id: int) -> Tender:
    """Return one tender visible to the user as the bid page needs it: the row alone (its
    code, title, deadline, version and required documents), no project or criteria; Http404
    otherwise. The page is asked on every bid of a deadline rush: its statement is prepared."""
    return get_for_user_or_404(user, "procurement.view_tender", Tender, tender_id)


# Bids ------------------------------------------------------------------------------------------

def bid_list_for_user(*, user, tender: Tender) -> QuerySet[Bid]:
    """Return the bids of the tender whose price, proposal and files the user may read."""
    return (
        Bid.objects.unsealed()  # only the bidder's own may be sealed here: decrypted for it
        .filter(authz.scope_q(user, "procurement.view_bid"), tender_id=tender.pk)
        .select_related("organization", "submitted_by", "tender")
        .order_by("rank", "submitted_at", "id")
    )


def bid_get_for_user(*, user, bid_id: int) -> Bid:
    """Return one bid the user may read; Http404 when missing or still sealed for the user."""
    return get_for_user_or_404(
        user, "procurement.view_bid",
        Bid.objects.unsealed()  # the bidder's own read-back before opening (sealing)
        .select_related("tender", "tender__project", "organization", "submitted_by"),
        bid_id)


def bid_files_for_user(*, user, bid: Bid) -> QuerySet:
    """Return the stored files of the bid when the user may read the bid, else none."""
    from core.models import StoredFile

    if not user.has_perm("procurement.view_bid", bid):
        return StoredFile.objects.none()
    return StoredFile.objects.filter(
        content_type=ContentType.objects.get_for_model(Bid), object_id=bid.pk
    ).select_related("uploaded_by", "bid_document")


def bid_files_shown_for_user(*, user, bid: Bid) -> list:
    """Return the bid's files as bid_files_for_user, a sealed file's real name and type set in
    memory (only the bidder's staff read a bid before opening; procurement.sealing)."""
    from procurement.sealing import bid_files_names_unseal

    return bid_files_names_unseal(bid, bid_files_for_user(user=user, bid=bid))


def tender_opening_record(*, tender: Tender) -> list[dict] | None:
    """Return the public opening record (开标记录): bidder names, prices, status and the digests
    of each bid's price, proposal and files (the same as on the bidder's receipt); None if
    sealed."""
    if tender.opened_at is None:
        return None
    rows = list(
        Bid.objects.filter(tender_id=tender.pk).exclude(status=Bid.Status.WITHDRAWN)
        .select_related("organization").order_by("submitted_at", "id")
    )
    files = bid_files_digests(bid.pk for bid in rows)
    # The version each bid answers (更正公告, 87号令27); "outdated" when an amendment affecting
    # bids came after it and it was neither re-confirmed nor resubmitted.
    needed = tender.required_bid_version()
    registry = opening_eligibility(tender, [bid.organization_id for bid in rows])
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
            "price_sha256": price_digest(bid.price),
            "proposal_sha256": text_digest(bid.proposal),
            "files": files.get(bid.pk, []),
            "tender_version": bid.tender_version or 1,
            "outdated": (bid.tender_version or 1) < needed,
            # Registry standing on the opening day (法22, 125号; Tender.min_rating …).
            "rating": registry[bid.organization_id]["rating"],
            "eligible": registry[bid.organization_id]["eligible"],
            "eligibility_reasons": registry[bid.organization_id]["reasons"],
        }
        for bid in rows
    ]


def bid_receipt_list_for_user(*, user, bid: Bid) -> QuerySet[BidReceipt]:
    """Return the bid's receipts the user may read (the bidding organization's staff)."""
    return authz.scoped(user, "procurement.view_bidreceipt", bid.receipts.all()).order_by(
        "issued_at", "id")


def bid_receipt_get_for_user(*, user, receipt_id: int) -> BidReceipt:
    """Return one receipt with its bid and tender; Http404 when missing or forbidden."""
    return get_for_user_or_404(
        user, "procurement.view_bidreceipt",
        BidReceipt.objects.select_related("bid__tender", "bid__organization", "issued_to"),
        receipt_id)


def bid_flag_list_for_user(*, user, tender: Tender) -> QuerySet[BidFlag]:
    """Return the tender's opening flags the user may read (purchaser, committee), with bids."""
    return (authz.scoped(user, "procurement.view_bidflag", tender.bid_flags.all())
            .select_related("decided_by").prefetch_related("bids__organization").order_by("id"))


def bid_flag_get_for_user(*, user, flag_id: int) -> BidFlag:
    """Return one opening flag with its tender and bids; Http404 when missing or forbidden."""
    return get_for_user_or_404(
        user, "procurement.view_bidflag",
        BidFlag.objects.select_related("tender", "decided_by")
        .prefetch_related("bids__organization"), flag_id)


# Contracts -------------------------------------------------------------------------------------

def contract_list_for_user(*, user) -> QuerySet[Contract]:
    """Return the contracts of the user's two parties (and of its finance bureau's envelopes)."""
    return authz.scoped(user, "procurement.view_contract", Contract.objects.all()).select_related(
        "project", "purchaser", "supplier", "award"
    )


def contract_get_for_user(*, user, contract_id: int) -> Contract:
    """Return one contract with its tranches; Http404 when missing or forbidden."""
    return get_for_user_or_404(
        user, "procurement.view_contract",
        Contract.objects.select_related("project", "purchaser", "supplier", "award")
        .prefetch_related("tranches"), contract_id)
