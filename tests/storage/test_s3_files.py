"""Uploaded and generated files on S3-compatible object storage (issue 11 item 7): bid files and
generated PDFs go to the bucket through the storage API, never to a local disk; downloads stream
through the permission-checking views; removal deletes the object; the collusion checks at
opening read bid files' metadata back from the bucket."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from core.models import Document, StoredFile
from procurement.models import BidFlag
from procurement.services.bid_files import bid_file_remove, bid_files_add, bid_submit_with_files
from tests.worlds import bid_files, bids_opened_at_deadline, bids_submitted, tender_published

pytestmark = pytest.mark.django_db


def local_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def pdf(author: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": author})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_bid_file_goes_to_the_bucket_and_downloads_only_through_the_view(
        client, world, bucket, settings, django_capture_on_commit_callbacks):
    tender = tender_published(world)
    bidder = world.supplier_staff[0]
    [bid] = bids_submitted(world, tender, prices=[Decimal("280000")])
    data = b"%PDF-1.4\n% s3 appendix\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    [stored] = bid_files_add(bid=bid, actor=bidder,
                             files=[SimpleUploadedFile("附录.pdf", data, "application/pdf")])
    assert stored.file.name in bucket.keys()
    assert local_files(settings.MEDIA_ROOT) == []
    # Whatever asks the storage for a URL gets a signed one that expires, never a public one.
    url = stored.file.url
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url

    download = reverse("core:file-download", args=[stored.pk])
    client.force_login(bidder)
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data  # streamed, not redirected to the bucket
    assert response["Cache-Control"] == "private, no-store"
    for other in (world.supplier_staff[1], world.purchaser):  # sealed until the opening
        client.force_login(other)
        assert client.get(download).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        bid_file_remove(bid=bid, stored_file_id=stored.pk, actor=bidder)
    assert stored.file.name not in bucket.keys()
    assert not StoredFile.objects.filter(pk=stored.pk).exists()
    client.force_login(bidder)
    assert client.get(download).status_code == 404


def test_refused_submission_leaves_no_object_in_the_bucket(world, bucket):
    tender = tender_published(world, required_documents=["投标函", "报价单"])
    before = bucket.keys()
    with pytest.raises(Exception, match="报价单"):
        bid_submit_with_files(tender=tender, actor=world.supplier_staff[0],
                              organization=world.suppliers[0], price="280000.00",
                              proposal="方案", documents=[("投标函", bid_files()[0])],
                              files=bid_files())
    assert bucket.keys() == before


def test_receipt_pdf_is_rendered_into_the_bucket_and_served_to_the_bidder_only(
        client, world, bucket, settings):
    tender = tender_published(world)
    [bid] = bids_submitted(world, tender, prices=[Decimal("287654.32")])
    receipt = bid.receipts.get()
    url = reverse("procurement:bid-receipt-pdf", args=[receipt.pk])
    client.force_login(world.supplier_staff[0])
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    document = Document.objects.get(kind="bid_receipt", object_id=receipt.pk)
    assert document.file.name in bucket.keys()
    assert bucket.read(document.file.name) == response.content
    assert local_files(settings.MEDIA_ROOT) == []
    # A second request reuses the stored PDF (one object; the bucket is asked, not re-rendered).
    assert client.get(url).content == response.content
    assert [k for k in bucket.keys() if k.startswith("documents/")] == [document.file.name]
    for other in (world.purchaser, world.supplier_staff[1]):
        client.force_login(other)
        assert client.get(url).status_code == 404


def test_collusion_checks_read_bid_files_from_the_bucket_87_37(world, clock, bucket):
    tender = tender_published(world)
    for i, (name, data) in enumerate([("a.pdf", pdf("李明")), ("b.pdf", pdf("李明")),
                                      ("c.pdf", pdf("王五"))]):
        bid_submit_with_files(tender=tender, actor=world.supplier_staff[i],
                              organization=world.suppliers[i], price=Decimal(280000 - i * 5000),
                              proposal=f"方案{i}", files=[SimpleUploadedFile(name, data)])
    bids_opened_at_deadline(clock, tender)
    [flag] = BidFlag.objects.filter(kind=BidFlag.Kind.SAME_DOCUMENT_AUTHOR)
    assert "李明" in flag.reason
    assert {b.organization for b in flag.bids.all()} == {world.suppliers[0], world.suppliers[1]}


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 300


def need_post(client, world, files):
    return client.post("/workspace/needs/new/", {
        "community": world.community_org.pk, "title": "楼道照明需求", "category": "governance",
        "target_group": "老旧小区居民", "description": "楼道灯常坏，老人夜间出行不便。",
        "photos": files})


def test_need_photo_through_the_page_is_stored_in_the_bucket_for_those_who_may_see_it(
        client, bucket, settings):
    from procurement.models import Need
    from tests.worlds import PAGE_WORLD, world_build

    world = world_build(**PAGE_WORLD)
    client.force_login(world.resident)
    # A refused form (the second photo is a program) leaves no object behind.
    refused = need_post(client, world, [SimpleUploadedFile("门口.png", PNG),
                                        SimpleUploadedFile("楼道.png", ELF)])
    assert refused.status_code == 200 and bucket.keys() == set()
    assert need_post(client, world, [SimpleUploadedFile("楼道.png", PNG)]).status_code == 302
    stored = StoredFile.objects.get(object_id=Need.objects.get(title="楼道照明需求").pk)
    assert bucket.keys() == {stored.file.name} and bucket.read(stored.file.name) == PNG
    assert local_files(settings.MEDIA_ROOT) == []
    url = reverse("core:file-download", args=[stored.pk])
    assert b"".join(client.get(url).streaming_content) == PNG
    client.force_login(world.supplier_staff[0])
    assert client.get(url).status_code == 404


def test_a_file_missing_from_the_bucket_answers_404_and_a_missing_pdf_is_rendered_again(
        client, world, bucket):
    tender = tender_published(world)
    [bid] = bids_submitted(world, tender, prices=[Decimal("280000")])
    bidder = world.supplier_staff[0]
    [stored] = bid_files_add(bid=bid, actor=bidder, files=bid_files("附录.pdf"))
    bucket.client.delete_object(Bucket=bucket.name, Key=stored.file.name)
    client.force_login(bidder)
    assert client.get(reverse("core:file-download", args=[stored.pk])).status_code == 404

    url = reverse("procurement:bid-receipt-pdf", args=[bid.receipts.order_by("id").first().pk])
    assert client.get(url).status_code == 200
    [key] = [k for k in bucket.keys() if k.startswith("documents/")]
    bucket.client.delete_object(Bucket=bucket.name, Key=key)
    again = client.get(url)
    assert again.status_code == 200 and again.content.startswith(b"%PDF")
    assert [k for k in bucket.keys() if k.startswith("documents/")] != []
