"""Bid receipts (投标回执, issue 7 item 12): every submission, change of files and withdrawal
gives the bidder a receipt with the arrival time to the second and SHA-256 digests of its
price, proposal and each file; the opening record lists the same digests (87号令 第三十三条:
投标截止时间前 … 供应商可以撤回、补充或者修改; 第四十条: 开标记录 — the bidder can prove
nothing changed between its receipt and the opening)."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.exceptions import ServiceError
from procurement.models import Bid, BidReceipt
from procurement.selectors import tender_opening_record
from procurement.services.bid_files import bid_file_remove, bid_files_add, bid_submit_with_files
from procurement.services.bids import bid_submit, bid_withdraw
from tests.worlds import bid_files, bids_opened_at_deadline, bids_submitted, tender_published

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF2 = b"%PDF-1.4\n% second\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files")}}}
    settings.MEDIA_ROOT = tmp_path / "files"


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_submission_receipt_has_time_to_the_second_and_digests_87_33(world, clock, storage):
    tender = tender_published(world)
    clock.move_to(dt.datetime(2026, 3, 10, 16, 59, 7, 654321, tzinfo=dt.UTC))
    bid = bid_submit_with_files(tender=tender, actor=world.supplier_staff[0],
                                organization=world.suppliers[0], price="280000.5",
                                proposal="服务方案全文", files=[upload("方案.pdf", PDF)])
    [receipt] = bid.receipts.all()
    assert receipt.kind == BidReceipt.Kind.SUBMITTED
    assert receipt.issued_at == dt.datetime(2026, 3, 10, 16, 59, 7, tzinfo=dt.UTC)
    assert receipt.issued_to == world.supplier_staff[0]
    assert receipt.price_sha256 == sha(b"280000.50")
    assert receipt.proposal_sha256 == sha("服务方案全文".encode())
    # The file's name is sealed with it until opening (procurement.sealing): not on the receipt.
    assert receipt.files == [{"kind": "其他材料", "name": "", "size": len(PDF), "sha256": sha(PDF)}]
    assert receipt.tender_version == 1  # the version the bidder saw (item 11)
    assert receipt.number == f"HZ-{tender.code}-{bid.pk:04d}-01"


def test_every_change_and_withdrawal_gives_a_receipt_87_33(world, storage):
    tender = tender_published(world)
    staff = world.supplier_staff[0]
    bid = bid_submit_with_files(tender=tender, actor=staff, organization=world.suppliers[0],
                                price="1000.00", proposal="方案", files=[upload("a.pdf", PDF)])
    [added] = bid_files_add(bid=bid, actor=staff, files=[upload("b.pdf", PDF2)])
    bid_file_remove(bid=bid, stored_file_id=added.pk, actor=staff)
    bid_withdraw(bid=bid, actor=staff)
    bid_submit(tender=tender, actor=staff, organization=world.suppliers[0], price="900",
               proposal="新方案")
    receipts = list(BidReceipt.objects.filter(bid=bid).order_by("id"))
    assert [r.kind for r in receipts] == ["submitted", "files_changed", "files_changed",
                                          "withdrawn", "submitted"]
    assert [len(r.files) for r in receipts] == [1, 2, 1, 1, 1]
    assert receipts[3].price_sha256 == sha(b"1000.00")  # what was withdrawn
    assert receipts[4].price_sha256 == sha(b"900.00")
    assert len({r.number for r in receipts}) == 5


def test_refused_submission_gives_no_receipt(world):
    tender = tender_published(world)
    with pytest.raises(ServiceError):
        bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
                   price="1000.005", proposal="方案")
    assert not BidReceipt.objects.exists() and not Bid.objects.exists()


def test_opening_record_lists_the_digests_of_the_last_receipt_87_40(client, world, clock,
                                                                     storage):
    tender = tender_published(world)
    bids = bids_submitted(world, tender, prices=[Decimal("280000"), Decimal("270000"),
                                                  Decimal("260000")])
    bid_files_add(bid=bids[0], actor=world.supplier_staff[0], files=[upload("a.pdf", PDF)])
    tender = bids_opened_at_deadline(clock, tender)
    rows = {row["bid_id"]: row for row in tender_opening_record(tender=tender)}
    for bid in bids:
        last = bid.receipts.order_by("-id").first()
        row = rows[bid.pk]
        # The names were sealed when the receipt was issued; the opening record shows them.
        assert (row["price_sha256"], row["proposal_sha256"],
                [{**f, "name": ""} for f in row["files"]]) == (
            last.price_sha256, last.proposal_sha256, last.files)
    client.force_login(world.supplier_staff[1])
    data = client.get(reverse("procurement-api:tender-opening-record", args=[tender.pk])).json()
    assert {b["price_sha256"] for b in data["bids"]} == {
        bid.receipts.order_by("-id").first().price_sha256 for bid in bids}
    html = client.get(reverse("procurement:tender-detail", args=[tender.pk])).content.decode()
    assert sha(PDF) in html and sha(b"280000.00") in html
    csv = client.get(reverse("procurement-api:tender-opening-record", args=[tender.pk]),
                     {"export": "csv"}).content.decode()
    assert sha(PDF) in csv


def test_receipt_pdf_for_the_bidder_only(client, world, storage):
    tender = tender_published(world)
    bid = bids_submitted(world, tender, prices=[Decimal("287654.32")])[0]
    receipt = bid.receipts.get()
    url = reverse("procurement:bid-receipt-pdf", args=[receipt.pk])
    client.force_login(world.supplier_staff[0])
    html = client.get(reverse("procurement:bid-detail", args=[bid.pk])).content.decode()
    assert receipt.number in html and receipt.price_sha256 in html
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    for user in (world.purchaser, world.supplier_staff[1], world.superuser):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_receipt_never_holds_the_price_or_proposal(world):
    from procurement.documents import bid_receipt_context

    tender = tender_published(world)
    bid = bids_submitted(world, tender, prices=[Decimal("287654.32")])[0]
    context = bid_receipt_context(bid.receipts.get())
    assert "287654" not in str(context) and bid.proposal not in str(context)
