"""Digests of a bid (SHA-256, hex), for its receipts (投标回执) and the opening record.

The price written with two decimals ("280000.00", UTF-8); the proposal text as stored (UTF-8);
each file's bytes (core.models.StoredFile.sha256). Anyone holding the bid can recompute them.
"""

import hashlib
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from core.files import SEALED_MIME_TYPE
from core.models import StoredFile
from procurement.models import Bid


def price_digest(price: Decimal) -> str:
    """Return the SHA-256 of the price written with two decimals, e.g. "280000.00"."""
    return hashlib.sha256(f"{Decimal(price):.2f}".encode()).hexdigest()


def text_digest(text: str) -> str:
    """Return the SHA-256 of the text in UTF-8."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def bid_files_digests(bid_ids) -> dict[int, list[dict]]:
    """Return {bid id: [{kind, name, size, sha256}, ...]} for the bids' files, in one query;
    kind is the document the file answers (投标函 …, BidDocument), empty for older files; name
    is empty for a file still sealed (a receipt issued before opening)."""
    found: dict[int, list[dict]] = {}
    rows = (StoredFile.objects.filter(content_type=ContentType.objects.get_for_model(Bid),
                                      object_id__in=list(bid_ids))
            .order_by("object_id", "id").values("object_id", "original_name", "size", "sha256", "bid_document__kind",
                                                 "mime_type"))
    for row in rows:
        # A sealed file's name is not known before opening (procurement.sealing): "".
        found.setdefault(row["object_id"], []).append(
            {"kind": row["bid_document__kind"] or "",
             "name": "" if row["mime_type"] == SEALED_MIME_TYPE else row["original_name"],
             "size": row["size"], "sha256": row["sha256"]})
    return found


def bid_digests(bid: Bid) -> dict:
    """Return the digests of the bid as it stands: price, proposal and each file (of the clear
    price and proposal when the bid is sealed, procurement.sealing)."""
    from procurement.sealing import bid_plaintext

    price, proposal = bid_plaintext(bid)
    return {"price_sha256": price_digest(price),
            "proposal_sha256": text_digest(proposal),
            "files": bid_files_digests([bid.pk]).get(bid.pk, [])}
