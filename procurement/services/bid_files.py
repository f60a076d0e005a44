"""Bid files (投标文件): attached with the bid, added or removed by the bidder before the deadline.

The files are sealed like the bid's price: Bid.user_can_download_file answers for the download
view, Bid.user_can_upload_file (the bidder's staff, bid submitted, before the deadline) for
adding and removing.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import ServiceError
from core.files import atomic_with_files, stored_file_delete, stored_files_create
from core.models import StoredFile
from procurement.models import Bid, BidReceipt
from procurement.services.bids import BID_FILE_TYPES, bid_submit
from procurement.services.receipts import bid_receipt_issue


def bid_submit_with_files(*, tender, actor, organization, price, proposal, files=(),
                          team=(), tender_version=None, **contacts) -> Bid:
    """Submit the bid and store its files in one transaction: all of it or nothing."""
    with atomic_with_files():
        return bid_submit(tender=tender, actor=actor, organization=organization, price=price,
                          proposal=proposal, files=files, team=team,
                          tender_version=tender_version, **contacts)


def bid_files_add(*, bid, actor, files) -> list[StoredFile]:
    """Attach more files to the bidder's own bid before the deadline; a new receipt follows."""
    with atomic_with_files():
        bid = Bid.objects.select_for_update().select_related("tender", "organization").get(pk=bid.pk)
        stored = stored_files_create(owner=bid, actor=actor, files=files, allowed=BID_FILE_TYPES)
        if stored:
            bid_receipt_issue(bid=bid, kind=BidReceipt.Kind.FILES_CHANGED, actor=actor)
        return stored


def bid_file_remove(*, bid, stored_file_id: int, actor) -> None:
    """Delete one of the bid's files before the deadline (audited; the file leaves the disk)."""
    bid = Bid.objects.select_related("tender", "organization").get(pk=bid.pk)
    stored = StoredFile.objects.filter(
        pk=stored_file_id, content_type=ContentType.objects.get_for_model(Bid), object_id=bid.pk,
    ).first()
    if stored is None:
        raise ServiceError(_("该文件不存在或已删除。"), code="missing")
    with transaction.atomic():
        stored_file_delete(stored=stored, actor=actor)
        bid_receipt_issue(bid=bid, kind=BidReceipt.Kind.FILES_CHANGED, actor=actor)
