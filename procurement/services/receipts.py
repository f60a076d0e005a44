"""Bid receipts (投标回执): what the bidder gets for every submission, change of files,
withdrawal and re-confirmation, and the digests the opening record repeats.

The digests are procurement.digests'; the receipt itself never holds the price or the
proposal, so it may be stored and rendered before opening without breaking the seal.
"""

from django.utils import timezone

from procurement.digests import bid_digests
from procurement.models import Bid, BidReceipt


def bid_receipt_issue(*, bid: Bid, kind: str, actor, at=None) -> BidReceipt:
    """Issue the bidder's receipt for what just happened to the bid (call inside its service).

    The time is the arrival time to the second; the tender version is recorded when the tender
    carries one (amendments).
    """
    at = (at or timezone.now()).replace(microsecond=0)
    sequence = BidReceipt.objects.filter(bid_id=bid.pk).count() + 1
    return BidReceipt.objects.create(
        bid=bid, kind=kind, issued_at=at, issued_to=actor,
        number=f"HZ-{bid.tender.code}-{bid.pk:04d}-{sequence:02d}",
        tender_version=getattr(bid.tender, "version", None), **bid_digests(bid),
    )
