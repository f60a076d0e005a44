"""Bid files (投标文件): attached with the bid, added or removed by the bidder before the deadline.

The files are sealed like the bid's price: Bid.user_can_download_file answers for the download
view, Bid.user_can_upload_file (the bidder's staff, bid submitted, before the deadline) for
adding and removing.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import ServiceError
from core.files import atomic_with_files, stored_file_delete
from core.models import StoredFile
from procurement.models import OTHER_BID_DOCUMENT, Bid, BidDocument, BidReceipt, Tender
from procurement.services.arrival import deadline_passed, judged_by_arrival
from procurement.services.bids import bid_documents_store, bid_submit, check_bid_documents
from procurement.services.receipts import bid_receipt_issue


def bid_submit_with_files(*, tender, actor, organization, price, proposal, files=(),
                          documents=(), team=(), tender_version=None, arrived_at=None,
                          **contacts) -> Bid:
    """Submit the bid and store its files in one transaction: all of it or nothing."""
    with atomic_with_files():
        return bid_submit(tender=tender, actor=actor, organization=organization, price=price,
                          proposal=proposal, files=files, documents=documents, team=team,
                          tender_version=tender_version, arrived_at=arrived_at, **contacts)


def _check_open_for_changes(bid, arrived_at) -> None:
    """Refuse a change to the bid's files unless the bid stands and the request arrived before
    the deadline (procurement.services.arrival)."""
    if bid.status != Bid.Status.SUBMITTED or bid.tender.status != Tender.Status.PUBLISHED:
        raise ServiceError(_("只有投标期内已递交的投标文件可以修改。"), code="state")
    if deadline_passed(bid.tender, arrived_at):
        raise ServiceError(_("投标截止时间已过，不能再修改投标文件。"), code="deadline")


@judged_by_arrival
def bid_files_add(*, bid, actor, files, kind=OTHER_BID_DOCUMENT,
                  arrived_at=None) -> list[StoredFile]:
    """Attach more files, filed under one document kind, to the bidder's own bid before the
    deadline (judged by the request's ``arrived_at``); a new receipt follows."""
    with atomic_with_files():
        bid = Bid.objects.select_for_update().select_related("tender", "organization").get(pk=bid.pk)
        _check_open_for_changes(bid, arrived_at)
        held = set(BidDocument.objects.filter(bid=bid).values_list("kind", flat=True))
        documents = check_bid_documents(bid.tender, [(kind, f) for f in files], existing=held)
        stored = bid_documents_store(bid=bid, actor=actor, documents=documents)
        if stored:
            bid_receipt_issue(bid=bid, kind=BidReceipt.Kind.FILES_CHANGED, actor=actor,
                              at=arrived_at)
        return stored


@judged_by_arrival
def bid_file_remove(*, bid, stored_file_id: int, actor, arrived_at=None) -> None:
    """Delete one of the bid's files before the deadline (judged by the request's
    ``arrived_at``; audited; the file leaves the disk)."""
    bid = Bid.objects.select_related("tender", "organization").get(pk=bid.pk)
    _check_open_for_changes(bid, arrived_at)
    stored = StoredFile.objects.filter(
        pk=stored_file_id, content_type=ContentType.objects.get_for_model(Bid), object_id=bid.pk,
    ).first()
    if stored is None:
        raise ServiceError(_("该文件不存在或已删除。"), code="missing")
    link = BidDocument.objects.filter(stored_file=stored).first()
    if link is not None and link.kind in (bid.tender.required_documents or ()) and not (
            BidDocument.objects.filter(bid=bid, kind=link.kind).exclude(pk=link.pk).exists()):
        raise ServiceError(_("“%(kind)s”是采购文件要求的材料，不能删除其唯一的文件；"
                             "如需更换，请先上传新文件再删除旧文件。") % {"kind": link.kind},
                           code="required_document")
    if not StoredFile.objects.filter(content_type=stored.content_type,
                                     object_id=bid.pk).exclude(pk=stored.pk).exists():
        raise ServiceError(_("投标文件须至少保留一个材料，不能删除最后一个文件。"),
                           code="no_documents")
    with transaction.atomic():
        stored_file_delete(stored=stored, actor=actor)
        bid_receipt_issue(bid=bid, kind=BidReceipt.Kind.FILES_CHANGED, actor=actor,
                          at=arrived_at)
