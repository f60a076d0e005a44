"""Collusion signals at opening and the committee's finding (87号令第三十七条 视为串通投标, 条例74)."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from core.exceptions import PermissionDenied, ServiceError
from core.middleware import client_address
from core.models import AuditEntry, Notification
from evaluation.services.committees import committee_form
from procurement.models import Bid, BidFlag, Tender
from procurement.services.awards import award_confirm
from procurement.services.bid_files import bid_submit_with_files
from procurement.services.collusion import (
    SAME_ADDRESS_MINUTES,
    bid_flag_decide,
    equal_ratios,
    price_patterns,
)
from tests.worlds import bid_files, bids_opened_at_deadline, tender_evaluated, tender_published

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files")}}}
    settings.MEDIA_ROOT = tmp_path / "files"


def pdf(author: str = "", title: str = "投标文件") -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": title, **({"/Author": author} if author else {})})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx(creator: str, company: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'))
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("docProps/core.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.'
            'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/'
            f'dc/elements/1.1/"><dc:creator>{creator}</dc:creator><cp:lastModifiedBy>'
            f'{creator}</cp:lastModifiedBy></cp:coreProperties>'))
        archive.writestr("docProps/app.xml", (
            '<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/extended-properties"><Company>{company}</Company></Properties>'))
    return out.getvalue()


def submit(world, tender, i, price, files=(), address=None, **contacts) -> Bid:
    token = client_address.set(address)
    try:
        return bid_submit_with_files(
            tender=tender, actor=world.supplier_staff[i], organization=world.suppliers[i],
            price=D(price), proposal=f"服务方案{i}", files=list(files) or bid_files(), **contacts)
    finally:
        client_address.reset(token)


def flags_of(kind) -> list[BidFlag]:
    return list(BidFlag.objects.filter(kind=kind).prefetch_related("bids"))


def test_identical_file_in_two_bids_flagged_never_rejected_87_37(world, clock, storage):
    tender = tender_published(world)
    same = pdf(title="同一份投标文件")
    bids = [submit(world, tender, 0, "281500", [SimpleUploadedFile("方案A.pdf", same)]),
            submit(world, tender, 1, "276300", [SimpleUploadedFile("方案B.pdf", same)]),
            submit(world, tender, 2, "270100", [SimpleUploadedFile("方案C.pdf", pdf(title="别家"))])]
    tender = bids_opened_at_deadline(clock, tender)
    assert tender.status == Tender.Status.OPENED  # a flag is never an automatic rejection
    [flag] = flags_of(BidFlag.Kind.SAME_FILE)
    assert set(flag.bids.all()) == {bids[0], bids[1]}
    assert "方案A.pdf" in flag.reason and "方案B.pdf" in flag.reason and "第三十七条" in flag.reason
    assert set(Bid.objects.values_list("status", flat=True)) == {Bid.Status.QUALIFIED}
    assert flag.decision == BidFlag.Decision.PENDING
    assert flag.pk in AuditEntry.objects.get(action="tender.open").after["flags"]
    # No bidder is told about a flag.
    for staff in world.supplier_staff:
        assert not Notification.objects.filter(recipient=staff, body__contains="提示").exists()


def test_same_author_in_pdf_and_docx_metadata_flagged_87_37(world, clock, storage):
    tender = tender_published(world)
    bids = [submit(world, tender, 0, "281500", [SimpleUploadedFile("a.pdf", pdf("李 明"))]),
            submit(world, tender, 1, "276300", [SimpleUploadedFile("b.docx", docx("李明"))]),
            submit(world, tender, 2, "270100", [SimpleUploadedFile("c.docx", docx("王五"))])]
    bids_opened_at_deadline(clock, tender)
    [flag] = flags_of(BidFlag.Kind.SAME_DOCUMENT_AUTHOR)
    assert set(flag.bids.all()) == {bids[0], bids[1]}
    assert "李" in flag.reason and "同一单位或者个人编制" in flag.reason


def test_same_company_in_docx_flagged_generic_author_ignored_87_37(world, clock, storage):
    tender = tender_published(world)
    submit(world, tender, 0, "281500", [SimpleUploadedFile("a.docx", docx("Administrator"))])
    submit(world, tender, 1, "276300", [SimpleUploadedFile("b.docx", docx("Administrator",
                                                                         "代写标书工作室"))])
    submit(world, tender, 2, "270100", [SimpleUploadedFile("c.docx", docx("张三",
                                                                         "代写标书工作室"))])
    bids_opened_at_deadline(clock, tender)
    [flag] = flags_of(BidFlag.Kind.SAME_DOCUMENT_AUTHOR)  # the company, not "Administrator"
    assert "代写标书工作室" in flag.reason
    assert {b.organization for b in flag.bids.all()} == {world.suppliers[1], world.suppliers[2]}


def test_same_contact_phone_or_project_manager_flagged_87_37(world, clock):
    tender = tender_published(world)
    bids = [submit(world, tender, 0, "281500", contact_person="甲", contact_phone="138-0000-1111",
                   project_manager="周 敏"),
            submit(world, tender, 1, "276300", contact_person="乙", contact_phone="13800001111",
                   project_manager="钱七"),
            submit(world, tender, 2, "270100", contact_person="丙", contact_phone="13900002222",
                   project_manager="周敏")]
    bids_opened_at_deadline(clock, tender)
    flags = flags_of(BidFlag.Kind.SAME_CONTACT)
    assert {frozenset(f.bids.all()) for f in flags} == {frozenset(bids[:2]),
                                                        frozenset([bids[0], bids[2]])}
    assert any("联系电话" in f.reason and "13800001111" in f.reason for f in flags)
    assert any("项目负责人" in f.reason for f in flags)


def test_different_contacts_and_blank_fields_not_flagged_87_37(world, clock):
    tender = tender_published(world)
    submit(world, tender, 0, "281500", contact_person="甲", contact_phone="13800001111")
    submit(world, tender, 1, "276300", contact_person="乙", contact_phone="")
    submit(world, tender, 2, "270100")
    bids_opened_at_deadline(clock, tender)
    assert not BidFlag.objects.exists()


class _Bid:
    def __init__(self, pk, price):
        self.pk, self.price = pk, D(price)


def _patterns(*prices):
    return [(kind, [b.price for b in run]) for kind, run in
            price_patterns([_Bid(i, p) for i, p in enumerate(prices)])]


def test_price_pattern_equal_differences_defined_precisely_87_37():
    assert _patterns("293500.00", "281500.00", "287500.00") == [
        ("等差", [D("281500"), D("287500"), D("293500")])]
    # A fourth bid outside the run does not hide it; the run is the maximal one.
    assert _patterns("281500", "287500", "293500", "299500", "240000") == [
        ("等差", [D("281500"), D("287500"), D("293500"), D("299500")])]
    # One cent off is not a pattern; nor are two bids; nor equal prices.
    assert _patterns("281500.00", "287500.00", "293500.01") == []
    assert _patterns("281500", "287500") == []
    assert _patterns("281500", "281500", "281500") == []
    # Round quotes (whole thousands of 元) in equal steps are what chance gives: not flagged.
    assert _patterns("290000", "280000", "270000") == []


def test_price_pattern_equal_ratios_to_the_cent_87_37():
    # Each bid 5 % above the last, rounded to the cent.
    assert _patterns("250000.00", "262500.00", "275625.00") == [
        ("等比", [D("250000"), D("262500"), D("275625")])]
    assert _patterns("251000.00", "263550.00", "276727.50", "290563.88") == [
        ("等比", [D("251000"), D("263550"), D("276727.50"), D("290563.88")])]
    assert not equal_ratios(D("251000.00"), D("263550.00"), D("276727.60"))


def test_price_pattern_flagged_at_opening_but_not_for_fixed_price_87_37(world, clock):
    tender = tender_published(world)
    bids = [submit(world, tender, i, p) for i, p in
            enumerate(["281500.00", "275500.00", "269500.00"])]
    bids_opened_at_deadline(clock, tender)
    [flag] = flags_of(BidFlag.Kind.PRICE_PATTERN)
    assert set(flag.bids.all()) == set(bids)
    assert "269,500.00、275,500.00、281,500.00" in flag.reason and "等差" in flag.reason


def test_same_client_address_within_minutes_flagged_boundary_87_37(world, clock):
    tender = tender_published(world)
    start = tender.bid_deadline - dt.timedelta(hours=3)
    clock.move_to(start)
    bids = [submit(world, tender, 0, "281500", address="203.0.113.7")]
    clock.move_to(start + dt.timedelta(minutes=SAME_ADDRESS_MINUTES))  # at the limit: flagged
    bids.append(submit(world, tender, 1, "276300", address="203.0.113.7"))
    clock.move_to(start + dt.timedelta(minutes=2 * SAME_ADDRESS_MINUTES, seconds=1))
    bids.append(submit(world, tender, 2, "270100", address="203.0.113.7"))  # 1 s too late
    clock.move_to(start + dt.timedelta(minutes=2 * SAME_ADDRESS_MINUTES, seconds=30))
    bids.append(submit(world, tender, 3, "265900", address="198.51.100.1"))  # other address
    assert [b.client_address for b in bids] == ["203.0.113.7"] * 3 + ["198.51.100.1"]
    bids_opened_at_deadline(clock, tender)
    [flag] = flags_of(BidFlag.Kind.SAME_CLIENT_ADDRESS)
    assert set(flag.bids.all()) == set(bids[:2])
    assert "203.0.113.7" in flag.reason


def test_bid_page_records_contacts_and_client_address_behind_proxy(world, client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    tender = tender_published(world)
    client.force_login(world.supplier_staff[0])
    response = client.post(
        reverse("procurement:bid-submit", args=[tender.pk]),
        {"organization": world.suppliers[0].pk, "price": "281500.00", "proposal": "方案",
         "contact_person": "甲", "contact_phone": "13800001111", "project_manager": "周敏",
         "files": bid_files()},
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert response.status_code == 302
    bid = Bid.objects.get()
    assert (bid.contact_person, bid.contact_phone, bid.project_manager) == (
        "甲", "13800001111", "周敏")
    assert bid.client_address == "203.0.113.9"  # the address the trusted proxy saw


def test_bid_api_collects_contacts(world, client):
    tender = tender_published(world)
    client.force_login(world.supplier_staff[1])
    response = client.post(
        f"/api/procurement/tenders/{tender.pk}/bids/",
        {"organization": world.suppliers[1].pk, "price": "276300.00", "proposal": "方案",
         "contact_person": "乙", "contact_phone": "13900002222", "project_manager": "钱七",
         "files": bid_files()},
        REMOTE_ADDR="192.0.2.5")
    assert response.status_code == 201, response.content
    assert response.json()["project_manager"] == "钱七"
    bid = Bid.objects.get()
    assert bid.contact_phone == "13900002222" and bid.client_address == "192.0.2.5"


def _flagged_and_committee(world, clock):
    """Return (tender, flag on bids of suppliers 1 and 2, committee) after opening."""
    tender = tender_published(world)
    submit(world, tender, 0, "290000")
    submit(world, tender, 1, "280000", contact_phone="13800001111")
    submit(world, tender, 2, "270000", contact_phone="13800001111")
    tender = bids_opened_at_deadline(clock, tender)
    [flag] = BidFlag.objects.all()
    return tender, flag


def test_only_a_committee_member_decides_a_flag_once_audited_87_37(world, clock):
    tender, flag = _flagged_and_committee(world, clock)
    # Before the committee sits there is nobody to decide.
    with pytest.raises(PermissionDenied):
        bid_flag_decide(flag=flag, actor=world.purchaser, decision="cleared", note="无")
    committee = committee_form(tender=tender, actor=world.purchaser, seed="collusion")
    member = committee.members.first().expert
    outsiders = [world.purchaser, *world.supplier_staff, world.admin, world.superuser,
                 *[e for e in world.experts if not committee.members.filter(expert=e).exists()]]
    for user in outsiders:
        with pytest.raises(PermissionDenied):
            bid_flag_decide(flag=flag, actor=user, decision="cleared", note="无")
    with pytest.raises(ServiceError) as refused:
        bid_flag_decide(flag=flag, actor=member, decision="cleared", note="  ")
    assert refused.value.code == "note"
    with pytest.raises(ServiceError) as refused:
        bid_flag_decide(flag=flag, actor=member, decision="maybe", note="理由")
    assert refused.value.code == "decision"
    bid_flag_decide(flag=flag, actor=member, decision=BidFlag.Decision.CLEARED,
                    note="两家机构提供同一区政务服务热线作为联系电话，经核实非同一人，不构成串通。")
    flag.refresh_from_db()
    assert (flag.decision, flag.decided_by) == (BidFlag.Decision.CLEARED, member)
    entry = AuditEntry.objects.get(action="bid_flag.decide")
    assert entry.actor == member and entry.after["decision"] == "cleared"
    assert Notification.objects.filter(recipient=world.purchaser,
                                       title__contains="认定开标提示").exists()
    with pytest.raises(ServiceError) as refused:
        bid_flag_decide(flag=flag, actor=member, decision="collusion", note="改变主意")
    assert refused.value.code == "decided"


def test_award_refuses_a_bid_found_colluding_87_37(world, clock):
    tender, flag = _flagged_and_committee(world, clock)
    tender = tender_evaluated(world, tender=tender)
    assert tender.bids.get(rank=1).organization == world.suppliers[2]
    member = tender.committee.members.first().expert
    bid_flag_decide(flag=flag, actor=member, decision=BidFlag.Decision.COLLUSION,
                    note="联系电话为同一人，视为串通投标。")
    with pytest.raises(ServiceError) as refused:
        award_confirm(tender=tender, actor=world.purchaser)
    assert refused.value.code == "collusion"
    # After the award the finding is closed.
    tender.refresh_from_db()
    Tender.objects.filter(pk=tender.pk).update(status=Tender.Status.AWARDED)
    other = BidFlag.objects.create(tender=tender, kind=BidFlag.Kind.SAME_CONTACT, reason="x",
                                   created_at=flag.created_at)
    with pytest.raises(ServiceError) as refused:
        bid_flag_decide(flag=other, actor=member, decision="cleared", note="理由")
    assert refused.value.code == "state"


def test_flag_decision_page_for_committee_only_and_shown_on_the_tender_87_37(world, clock,
                                                                             client):
    tender, flag = _flagged_and_committee(world, clock)
    committee = committee_form(tender=tender, actor=world.purchaser, seed="collusion")
    member = committee.members.first().expert
    url = reverse("procurement:bid-flag-decide", args=[flag.pk])
    for user in (world.purchaser, world.supplier_staff[1]):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(member)
    page = client.get(reverse("procurement:tender-detail", args=[tender.pk]))
    assert url in page.content.decode()
    assert client.get(url).status_code == 200
    response = client.post(url, {"decision": "collusion", "note": "同一联系电话"})
    assert response.status_code == 200  # the confirmation box is required
    flag.refresh_from_db()
    assert flag.decision == BidFlag.Decision.PENDING
    response = client.post(url, {"decision": "collusion", "note": "同一联系电话", "confirm": "on"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.decision == BidFlag.Decision.COLLUSION
    client.force_login(world.purchaser)
    body = client.get(reverse("procurement:tender-detail", args=[tender.pk])).content.decode()
    assert "视为串通投标，相关投标无效" in body and "同一联系电话" in body


def test_demo_builds_a_flagged_tender_the_committee_decided_87_37():
    from demo.cast import cast_build
    from demo.integrity import INTEGRITY_SPEC, integrity_build

    cast = cast_build(district="tianjiaan")
    integrity_build(cast)
    integrity_build(cast)  # a rerun adds nothing
    tender = Tender.objects.get(project__title=INTEGRITY_SPEC.title)
    assert tender.status == Tender.Status.EVALUATING
    flags = list(tender.bid_flags.all())
    assert [f.kind for f in flags] == [BidFlag.Kind.SAME_CONTACT]
    assert flags[0].decision == BidFlag.Decision.CLEARED and flags[0].bids.count() == 2
    assert AuditEntry.objects.filter(action="bid_flag.decide").count() == 1


def test_committee_steps_show_the_finding_87_37(world, clock):
    from types import SimpleNamespace

    from workflows.views.steps import CommitteeFormStep

    tender, flag = _flagged_and_committee(world, clock)
    committee = committee_form(tender=tender, actor=world.purchaser, seed="collusion")
    bid_flag_decide(flag=flag, actor=committee.members.first().expert,
                    decision=BidFlag.Decision.CLEARED, note="孵化基地公共电话")
    process = SimpleNamespace(project=tender.project)
    step = CommitteeFormStep(task=SimpleNamespace(process=SimpleNamespace(coerced=process)),
                             user=world.purchaser)
    [value] = [v for k, v in step.summary() if str(k).startswith("开标提示")]
    assert "不构成串通" in value and "孵化基地公共电话" in value
