"""Mandatory bid documents (issue 8 item 10): the tender states which documents a bid must carry
(投标函, 报价单 …); a bid without any file, or missing one of them, is refused with the missing
documents named; each file is filed under its document, and the receipt and the opening record
list them."""

import pytest
from django.urls import reverse

from core.exceptions import ServiceError
from core.models import AuditEntry
from procurement.models import Bid, BidDocument
from procurement.selectors import tender_opening_record
from procurement.services.bid_files import bid_file_remove, bid_files_add, bid_submit_with_files
from tests.worlds import (
    bid_documents,
    bid_files,
    bids_opened_at_deadline,
    bids_submitted,
    tender_published,
)

pytestmark = pytest.mark.django_db

REQUIRED = ["投标函", "报价单", "服务方案"]


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files")}}}
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def tender(world):
    return tender_published(world, required_documents=[*REQUIRED, " 投标函 ", "", "社区走访计划"])


def submit(world, tender, documents=(), files=()):
    return bid_submit_with_files(tender=tender, actor=world.supplier_staff[0],
                                 organization=world.suppliers[0], price="280000.00",
                                 proposal="方案", documents=documents, files=files)


def test_publication_keeps_the_named_documents_once(tender):
    assert tender.required_documents == [*REQUIRED, "社区走访计划"]


def test_too_long_a_document_name_is_refused(world):
    with pytest.raises(ServiceError, match="过长"):
        tender_published(world, required_documents=["长" * 101])


def test_a_bid_without_any_document_is_refused(world, storage):
    plain = tender_published(world)
    with pytest.raises(ServiceError, match="未附任何材料"):
        submit(world, plain)
    assert not Bid.objects.exists()


def test_a_bid_missing_required_documents_is_refused_naming_them(world, tender, storage):
    with pytest.raises(ServiceError) as refused:
        submit(world, tender, documents=[("投标函", bid_files()[0])], files=bid_files())
    assert "报价单、服务方案、社区走访计划" in refused.value.messages[0]
    assert not Bid.objects.exists() and not BidDocument.objects.exists()


def test_an_unknown_document_kind_is_refused(world, tender, storage):
    with pytest.raises(ServiceError, match="不是本项目的投标材料类别"):
        submit(world, tender, documents=[*bid_documents(tender), ("机密附件", bid_files()[0])])


def test_each_file_is_filed_under_its_document_and_the_receipt_lists_them(world, tender,
                                                                          storage):
    bid = submit(world, tender, documents=bid_documents(tender), files=bid_files("附录.pdf"))
    kinds = sorted(BidDocument.objects.filter(bid=bid).values_list("kind", flat=True))
    assert kinds == sorted([*REQUIRED, "社区走访计划", "其他材料"])
    [receipt] = bid.receipts.all()
    assert [f["kind"] for f in receipt.files] == [*REQUIRED, "社区走访计划", "其他材料"]


def test_the_only_file_of_a_required_document_cannot_be_removed(world, tender, storage):
    bid = submit(world, tender, documents=bid_documents(tender))
    letter = BidDocument.objects.get(bid=bid, kind="投标函").stored_file
    with pytest.raises(ServiceError, match="投标函"):
        bid_file_remove(bid=bid, stored_file_id=letter.pk, actor=world.supplier_staff[0])
    [replacement] = bid_files_add(bid=bid, actor=world.supplier_staff[0],
                                  files=bid_files("投标函（修订）.pdf"), kind="投标函")
    bid_file_remove(bid=bid, stored_file_id=letter.pk, actor=world.supplier_staff[0])
    assert list(BidDocument.objects.filter(bid=bid, kind="投标函")
                .values_list("stored_file", flat=True)) == [replacement.pk]


def test_the_opening_record_lists_each_bids_documents(world, tender, clock, storage):
    bids_submitted(world, tender)
    tender = bids_opened_at_deadline(clock, tender)
    for row in tender_opening_record(tender=tender):
        assert [f["kind"] for f in row["files"]] == [*REQUIRED, "社区走访计划"]


def test_the_bid_page_asks_for_each_document_and_names_the_missing_one(client, world, tender,
                                                                       storage):
    client.force_login(world.supplier_staff[0])
    url = reverse("procurement:bid-submit", args=[tender.pk])
    html = client.get(url).content.decode()
    for kind in [*REQUIRED, "社区走访计划"]:
        assert f"{kind}（必须提交）" in html
    post = {"organization": world.suppliers[0].pk, "price": "280000.00", "proposal": "方案",
            "doc_0": bid_files(), "doc_1": bid_files(), "doc_2": bid_files()}
    response = client.post(url, post)
    assert response.status_code == 200
    assert "请上传“社区走访计划”" in response.content.decode()
    assert not Bid.objects.exists()
    response = client.post(url, {**post, "doc_0": bid_files(), "doc_1": bid_files(),
                                 "doc_2": bid_files(), "doc_3": bid_files("走访计划.pdf")})
    bid = Bid.objects.get()
    assert response.status_code == 302
    html = client.get(reverse("procurement:bid-detail", args=[bid.pk])).content.decode()
    assert "<strong>社区走访计划</strong>：" in html and "走访计划.pdf" in html
    html = client.get(reverse("procurement:tender-detail", args=[tender.pk])).content.decode()
    assert "社区走访计划" in html


def test_publish_service_records_the_documents_in_the_audit(world, tender):
    entry = AuditEntry.objects.filter(action="tender.publish").latest("id")
    assert entry.after["required_documents"] == [*REQUIRED, "社区走访计划"]


def test_tender_publish_without_documents_requires_none(world):
    tender = tender_published(world)
    assert tender.required_documents == []
