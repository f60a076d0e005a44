"""Sealed bids encrypted at rest until opening (投标文件密封保存).

At submission the bid's price and proposal, and every bid file (its content, name and type), are
encrypted with the tender's data key (AES-256-GCM, core.crypto); the data key is stored only
wrapped by the key-encryption key (TenderKey), which lives outside the database. Before opening a
copy of the database or of the files directory holds none of the bid's content:

- Bid.price is NULL and Bid.proposal "", Bid.sealed_price / sealed_proposal hold them encrypted;
- a bid file is stored as ciphertext under a random ``.bin`` name, StoredFile.original_name is
  SEALED_FILE_NAME and mime_type core.files.SEALED_MIME_TYPE (the real ones are inside the blob);
  StoredFile.sha256 stays the digest of the clear file (the receipts and the opening compare it).

Each blob's associated data names the tender, the bidding organization and the field (for files
the clear file's digest), so a ciphertext moved to another bid or field is refused.

The bidder's own staff read their bid back before opening through the decrypting selectors
(Bid.objects.unsealed(), Bid.open_stored_file); bids_open calls bids_unseal_at_opening inside its
transaction, which writes the price, proposal and files back in clear: after opening the committee
reads them as before. A withdrawn bid stays sealed. docs/security.md "Sealed bids".
"""

import io
import json
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core import crypto
from core.audit import audit_record
from core.files import SEALED_FILE_NAME, SEALED_MIME_TYPE, stored_file_written
from procurement.models import Bid, TenderKey

__all__ = ["SEALED_FILE_NAME", "SEALED_MIME_TYPE"]  # re-exported for callers


def tender_data_key(tender_id: int, *, create: bool = False) -> bytes:
    """Return the tender's data key, unwrapped; made (and wrapped by the current KEK) on first
    use when ``create`` (call with the tender row locked, as bid_submit does)."""
    row = TenderKey.objects.filter(tender_id=tender_id).first()
    if row is None:
        if not create:
            raise crypto.missing_key_error()
        # Made at publication (tender_publish); for a tender published without one, two first
        # bids may both get here under the shared tender lock: the first insert wins, the
        # other's is dropped (ON CONFLICT DO NOTHING) and both use the stored key.
        kek_id, wrapped = crypto.wrap_key(crypto.generate_key())
        TenderKey.objects.bulk_create(
            [TenderKey(tender_id=tender_id, kek_id=kek_id, wrapped_key=wrapped)],
            ignore_conflicts=True)
        row = TenderKey.objects.get(tender_id=tender_id)
    return crypto.unwrap_key(row.kek_id, row.wrapped_key)


def _label(bid, field: str) -> bytes:
    return f"procurement.bid:{bid.tender_id}:{bid.organization_id}:{field}".encode()


def bid_seal(bid: Bid, *, price: Decimal, proposal: str) -> None:
    """Set the bid's price and proposal sealed (saved by the caller's bid.save(), after which the
    caller's object holds them in clear again, in memory only)."""
    key = tender_data_key(bid.tender_id, create=True)
    bid._data_key = key  # for its files in the same submission (bid_file_sealer)
    bid.sealed_price = crypto.seal(key, f"{Decimal(price):.2f}".encode(), _label(bid, "price"))
    bid.sealed_proposal = crypto.seal(key, proposal.encode(), _label(bid, "proposal"))
    bid.price, bid.proposal = None, ""
    bid._sealed_plaintext = (Decimal(price).quantize(Decimal("0.01")), proposal)


def _decrypt(bid: Bid, key: bytes) -> tuple[Decimal, str]:
    price = crypto.unseal(key, bid.sealed_price, _label(bid, "price")).decode()
    proposal = crypto.unseal(key, bid.sealed_proposal, _label(bid, "proposal")).decode()
    return Decimal(price), proposal


def bid_plaintext(bid: Bid) -> tuple[Decimal, str]:
    """Return the bid's (price, proposal), decrypting them if sealed (for the receipts' digests
    and the bidder's read-back; nothing is written)."""
    if not bid.is_sealed or getattr(bid, "_unsealed_in_memory", False):
        return bid.price, bid.proposal
    return _decrypt(bid, tender_data_key(bid.tender_id))


def bids_unseal_in_memory(bids) -> None:
    """Decrypt the sealed ones among the bids into their price and proposal, in memory only:
    such a bid refuses to be saved with them (Bid.save)."""
    keys: dict[int, bytes] = {}
    for bid in bids:
        if not bid.is_sealed or getattr(bid, "_unsealed_in_memory", False):
            continue
        if bid.tender_id not in keys:
            keys[bid.tender_id] = tender_data_key(bid.tender_id)
        bid.price, bid.proposal = _decrypt(bid, keys[bid.tender_id])
        bid._unsealed_in_memory = True


# Files -----------------------------------------------------------------------------------------

def _file_label(bid, sha256: str) -> bytes:
    return _label(bid, f"file:{sha256}")


def bid_file_sealer(bid: Bid):
    """Return the ``seal`` callable core.files.stored_file_create stores the bid's files with:
    the clear content, name and type go into one blob."""
    key = getattr(bid, "_data_key", None) or tender_data_key(bid.tender_id, create=True)

    def seal(data: bytes, *, name: str, mime_type: str, sha256: str) -> bytes:
        header = json.dumps({"name": name, "mime_type": mime_type}).encode()
        return crypto.seal(key, len(header).to_bytes(4, "big") + header + data,
                           _file_label(bid, sha256))

    return seal


def stored_file_unseal(bid: Bid, stored, key: bytes | None = None) -> tuple[bytes, str, str]:
    """Return (content, original name, content type) of one of the bid's sealed files, checked
    against the digest recorded at upload."""
    import hashlib

    key = key or tender_data_key(bid.tender_id)
    with stored.file.open("rb") as handle:
        blob = handle.read()
    plain = crypto.unseal(key, blob, _file_label(bid, stored.sha256))
    size = int.from_bytes(plain[:4], "big")
    header = json.loads(plain[4:4 + size])
    content = plain[4 + size:]
    if hashlib.sha256(content).hexdigest() != stored.sha256:
        raise crypto.tampered_error()
    return content, header["name"], header["mime_type"]


def bid_file_open(bid: Bid, stored):
    """Return (handle, name, content type) for the download of a sealed bid file, or None when
    the file is stored in clear (Bid.open_stored_file)."""
    if stored.mime_type != SEALED_MIME_TYPE:
        return None
    content, name, mime = stored_file_unseal(bid, stored)
    return io.BytesIO(content), name, mime


def bid_files_names_unseal(bid: Bid, files) -> list:
    """Return the bid's stored files with their real names and types set in memory (for the
    bidder's page before opening)."""
    files = list(files)
    sealed = [f for f in files if f.mime_type == SEALED_MIME_TYPE]
    if sealed:
        key = tender_data_key(bid.tender_id)
        for stored in sealed:
            _content, stored.original_name, stored.mime_type = stored_file_unseal(bid, stored, key)
    return files


# Opening ---------------------------------------------------------------------------------------

def bids_unseal_at_opening(tender, bids, *, actor=None) -> None:
    """Write the sealed bids' price, proposal and files back in clear (inside bids_open's
    transaction, a core.files.atomic_with_files, before the bids are read). The ciphertext
    files leave the storage once the opening commits; the clear files written here are removed
    by that block if the opening fails, in here or later."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import StoredFile

    sealed = [bid for bid in bids if bid.is_sealed]
    if not sealed:
        return
    key = tender_data_key(tender.pk)
    for bid in sealed:
        bid.price, bid.proposal = _decrypt(bid, key)
        bid.sealed_price = bid.sealed_proposal = None
    Bid.objects.bulk_update(sealed, ["price", "proposal", "sealed_price", "sealed_proposal"])
    by_id = {bid.pk: bid for bid in sealed}
    files = list(StoredFile.objects.filter(
        content_type=ContentType.objects.get_for_model(Bid), object_id__in=list(by_id),
        mime_type=SEALED_MIME_TYPE).order_by("pk"))
    old = []
    for stored in files:
        content, name, mime = stored_file_unseal(by_id[stored.object_id], stored, key)
        storage, previous = stored.file.storage, stored.file.name
        stored.file.save(name, ContentFile(content), save=False)
        # Removed by the enclosing atomic_with_files if the opening fails, here or later.
        stored_file_written(storage, stored.file.name)
        old.append((storage, previous))
        stored.original_name, stored.mime_type, stored.size = name, mime, len(content)
        stored.save(update_fields=["file", "original_name", "mime_type", "size"])
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in old])
    audit_record(actor=actor, action="tender.bids_unseal", target=tender,
                 after={"bids": len(sealed), "files": len(files)})


# Final quotes (最后报价) -------------------------------------------------------------------------

def _quote_label(bid) -> bytes:
    return f"procurement.finalquote:{bid.tender_id}:{bid.organization_id}:price".encode()


def final_quote_seal(quote, *, bid: Bid, price: Decimal) -> None:
    """Set the final quote's price sealed until its round closes (saved by the caller)."""
    key = tender_data_key(bid.tender_id, create=True)
    quote.sealed_price = crypto.seal(key, f"{Decimal(price):.2f}".encode(), _quote_label(bid))
    quote.price = None


def final_quotes_unseal_in_memory(quotes) -> None:
    """Decrypt the sealed ones among the quotes (bid joined) in memory, for their bidder."""
    for quote in quotes:
        if quote.sealed_price is not None and quote.price is None:
            key = tender_data_key(quote.bid.tender_id)
            quote.price = Decimal(crypto.unseal(key, quote.sealed_price,
                                                _quote_label(quote.bid)).decode())


def final_quotes_unseal_at_close(round_) -> None:
    """Write the round's sealed quotes back in clear (when the round closes)."""
    from procurement.models import FinalQuote

    quotes = list(FinalQuote.objects.filter(round=round_, sealed_price__isnull=False)
                  .select_related("bid"))
    final_quotes_unseal_in_memory(quotes)
    for quote in quotes:
        quote.sealed_price = None
    FinalQuote.objects.bulk_update(quotes, ["price", "sealed_price"])


# Key rotation ----------------------------------------------------------------------------------

@transaction.atomic
def sealing_keys_rotate(*, actor=None) -> int:
    """Rewrap every tender data key not under the current KEK with the current one; return how
    many were rewrapped (manage.py rotate_sealing_kek). The data keys, hence the ciphertexts,
    do not change; afterwards the old KEK may be removed from the key ring."""
    current, _ring = crypto.key_ring()
    if not current:
        raise crypto.missing_key_error()
    rows = list(TenderKey.objects.select_for_update().exclude(kek_id=current).order_by("pk"))
    now = timezone.now()
    before = sorted({row.kek_id for row in rows})
    for row in rows:
        key = crypto.unwrap_key(row.kek_id, row.wrapped_key)
        row.kek_id, row.wrapped_key = crypto.wrap_key(key)
        row.rotated_at = now
        row.save(update_fields=["kek_id", "wrapped_key", "rotated_at"])
    from procurement.services.intake import bid_intakes_reseal

    resealed = bid_intakes_reseal(current)  # bids waiting in intake: sealed under the KEK itself
    audit_record(actor=actor, action="sealing.rotate", target=None,
                 before={"kek_ids": before},
                 after={"kek_id": current, "rewrapped": len(rows), "intakes": resealed})
    return len(rows)
