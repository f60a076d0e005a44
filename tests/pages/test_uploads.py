"""Attachments through the real pages: bid files (sealed), service-record evidence, need photos.

Each form stores its files with the object in one transaction; a bad file is refused with a
Chinese message and changes nothing (no row, no StoredFile, no file on disk, no audit row).
"""

import datetime
import hashlib
import io
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter

from accounts.roles import Role
from core.exceptions import ServiceError
from core.files import SEALED_FILE_NAME
from core.models import AuditEntry, StoredFile
from delivery.models import ServiceRecord
from procurement.models import Bid, Need, Tender
from procurement.selectors import bid_files_shown_for_user
from procurement.services.bids import bids_open
from tests.factories import DEFAULT_PASSWORD, OrganizationFactory, user_with_role
from tests.worlds import PAGE_WORLD, rows_at_stage, world_build

pytestmark = pytest.mark.django_db

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 300
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


PDF = _pdf()


def upload(name, data):
    return SimpleUploadedFile(name, data)


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    """Store uploads in a temporary directory; return it."""
    root = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(root), "base_url": None}},
    }
    settings.MEDIA_ROOT = root
    return root


def on_disk(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def world():
    return world_build(**PAGE_WORLD)


def client_for(client, user):
    client.logout()
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)
    return client


def files_of(obj):
    return StoredFile.objects.filter(content_type=ContentType.objects.get_for_model(obj),
                                     object_id=obj.pk)


def snapshot():
    return {"files": StoredFile.objects.count(), "audit": AuditEntry.objects.count(),
            "bids": Bid.objects.count(), "records": ServiceRecord.objects.count(),
            "needs": Need.objects.count()}


def errors_of(response) -> str:
    return response.content.decode()


# Bids -------------------------------------------------------------------------------------------

@pytest.fixture
def tender(world):
    (project,) = rows_at_stage(world, 1, "published")  # bids by supplier and rival exist
    return Tender.objects.get(project=project)


@pytest.fixture
def bidder(world):
    """Staff of a third social organization that has not bid yet."""
    org = OrganizationFactory(social_org=True, name="淮南市和美社工服务中心",
                              division=world.suppliers[0].division)
    return user_with_role(Role.SOCIAL_ORG, org)


def bid_post(client, tender, bidder, files):
    org = bidder.memberships.get().organization
    return client.post(reverse("procurement:bid-submit", args=[tender.pk]), {
        "organization": org.pk, "price": "90000.00", "proposal": "助餐服务方案",
        "files": files,
    })


def test_bid_form_is_multipart_and_stores_the_files_with_the_bid(client, world, tender, bidder,
                                                                  storage):
    c = client_for(client, bidder)
    html = c.get(reverse("procurement:bid-submit", args=[tender.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html and "multiple" in html
    audit_before = AuditEntry.objects.count()
    response = bid_post(c, tender, bidder, [upload("投标文件.pdf", PDF),
                                            upload("资格证明.docx", _docx())])
    bid = Bid.objects.get(tender=tender, organization__name="淮南市和美社工服务中心")
    assert response.status_code == 302 and response["Location"].endswith(f"/bids/{bid.pk}/")
    # At rest the files are sealed (random name, no file name); their bidder reads them back.
    assert {f.original_name for f in files_of(bid)} == {SEALED_FILE_NAME}
    stored = {f.original_name: f for f in bid_files_shown_for_user(user=bidder, bid=bid)}
    assert set(stored) == {"投标文件.pdf", "资格证明.docx"}
    assert stored["投标文件.pdf"].sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored["投标文件.pdf"].size == len(PDF)
    assert stored["投标文件.pdf"].uploaded_by == bidder
    assert len(on_disk(storage)) == 2
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True)[audit_before:])
    assert actions.count("file.upload") == 2 and "bid.submit" in actions
    # The bid page lists them with download links.
    html = c.get(reverse("procurement:bid-detail", args=[bid.pk])).content.decode()
    for f in stored.values():
        assert reverse("core:file-download", args=[f.pk]) in html


def _docx() -> bytes:
    import zipfile

    buf = io.BytesIO()
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                    f'2006/content-types"><Override PartName="/x.xml" ContentType="{main}"/></Types>')
        zf.writestr("x.xml", "<x/>")
    return buf.getvalue()


BAD_BID_FILES = [
    ("executable", lambda: upload("投标文件.pdf", ELF), "文件内容与扩展名不符：投标文件.pdf"),
    ("disallowed", lambda: upload("现场照片.png", PNG), "不支持的文件类型：现场照片.png"),
    ("oversized", lambda: upload("投标文件.pdf", PDF + b"\n" * 2048), "文件过大：投标文件.pdf"),
]


@pytest.mark.parametrize(("bad", "message"), [b[1:] for b in BAD_BID_FILES],
                         ids=[b[0] for b in BAD_BID_FILES])
def test_bid_form_refuses_a_bad_file_and_changes_nothing(client, settings, world, tender, bidder,
                                                         storage, bad, message):
    settings.UPLOAD_MAX_BYTES = len(PDF) + 1024
    c = client_for(client, bidder)
    before = snapshot()
    response = bid_post(c, tender, bidder, [upload("资格证明.pdf", PDF), bad()])
    assert response.status_code == 200
    assert message in errors_of(response)
    assert snapshot() == before
    assert on_disk(storage) == []


def test_bid_form_total_size_limit(client, settings, world, tender, bidder, storage):
    settings.UPLOAD_MAX_TOTAL_BYTES = len(PDF) + 100
    before = snapshot()
    response = bid_post(client_for(client, bidder), tender, bidder,
                        [upload("甲.pdf", PDF), upload("乙.pdf", PDF)])
    assert response.status_code == 200 and "文件总大小" in errors_of(response)
    assert snapshot() == before and on_disk(storage) == []


def test_bid_refused_after_files_were_written_leaves_no_file(client, world, tender, bidder,
                                                             storage):
    """A refusal after the files reached the disk rolls back the bid and deletes the files."""
    from core import files as core_files

    real = core_files.stored_files_create

    def store_then_refuse(**kwargs):
        real(**kwargs)
        assert on_disk(storage)  # the files were written before the refusal
        raise ServiceError("模拟的拒绝")

    before = snapshot()
    with mock.patch("procurement.services.bids.stored_files_create", store_then_refuse):
        response = bid_post(client_for(client, bidder), tender, bidder,
                            [upload("甲.pdf", PDF), upload("乙.pdf", PDF)])
    assert response.status_code == 200 and "模拟的拒绝" in errors_of(response)
    assert snapshot() == before and on_disk(storage) == []


def _bid_with_file(client, tender, bidder):
    bid_post(client_for(client, bidder), tender, bidder, [upload("投标文件.pdf", PDF)])
    bid = Bid.objects.get(tender=tender, organization__name="淮南市和美社工服务中心")
    return bid, files_of(bid).get()


def test_bid_file_is_sealed_until_the_opening(client, world, tender, bidder):
    bid, stored = _bid_with_file(client, tender, bidder)
    url = reverse("core:file-download", args=[stored.pk])
    admin = user_with_role(Role.ADMIN)
    root = user_with_role(Role.ADMIN, is_superuser=True)
    colleague = user_with_role(Role.SOCIAL_ORG, bid.organization)
    outsiders = {"purchaser": world.purchaser, "platform admin": admin,
                 "superuser": root, "rival bidder": world.supplier_staff[1]}
    for who, user in outsiders.items():
        assert client_for(client, user).get(url).status_code == 404, who
        page = client.get(reverse("procurement:bid-detail", args=[bid.pk]))
        assert page.status_code == 404, who
    for user in (bidder, colleague):
        response = client_for(client, user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
    # After the deadline the bids are opened: the purchaser may read them, a rival still not.
    Tender.objects.filter(pk=tender.pk).update(
        bid_deadline=timezone.now() - datetime.timedelta(minutes=1))
    tender.refresh_from_db()
    bids_open(tender=tender)
    assert Tender.objects.get(pk=tender.pk).opened_at is not None
    response = client_for(client, world.purchaser).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    html = client.get(reverse("procurement:bid-detail", args=[bid.pk])).content.decode()
    assert url in html
    assert client_for(client, world.supplier_staff[1]).get(url).status_code == 404
    assert client_for(client, root).get(url).status_code == 404


def test_bidder_adds_and_removes_files_before_the_deadline_only(
    client, world, tender, bidder, storage, django_capture_on_commit_callbacks
):
    bid, first = _bid_with_file(client, tender, bidder)
    c = client_for(client, bidder)
    page = reverse("procurement:bid-detail", args=[bid.pk])
    assert 'type="file"' in c.get(page).content.decode()
    response = c.post(page, {"files": [upload("补充材料.xlsx", _xlsx())]})
    assert response.status_code == 302
    assert {f.original_name for f in bid_files_shown_for_user(user=bidder, bid=bid)} == {
        "投标文件.pdf", "补充材料.xlsx"}
    # A bad file on the bid page: refused, nothing stored.
    before = snapshot()
    response = c.post(page, {"files": [upload("病毒.pdf", ELF)]})
    assert response.status_code == 200 and "文件内容与扩展名不符" in errors_of(response)
    assert snapshot() == before
    # A rival cannot remove it (the bid is sealed for the rival: 404).
    remove = reverse("procurement:bid-file-remove", args=[bid.pk, first.pk])
    assert client_for(client, world.supplier_staff[1]).post(
        remove, {"confirmed": "1"}).status_code == 404
    assert StoredFile.objects.filter(pk=first.pk).exists()
    # The bidder removes it: the row and the file go, an audit row stays.
    path = storage / first.file.name
    assert path.exists()
    page_ = client_for(client, bidder).post(remove)  # first the confirmation: nothing changes
    assert page_.status_code == 200 and "请确认：删除投标文件附件" in page_.content.decode()
    assert StoredFile.objects.filter(pk=first.pk).exists() and path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(client, bidder).post(remove, {"confirmed": "1"})
    assert response.status_code == 302
    assert not StoredFile.objects.filter(pk=first.pk).exists() and not path.exists()
    entry = AuditEntry.objects.filter(action="file.delete").get()
    assert entry.target_id == str(first.pk) and entry.before["sha256"] == first.sha256
    # After the deadline: no more adding or removing.
    Tender.objects.filter(pk=tender.pk).update(
        bid_deadline=timezone.now() - datetime.timedelta(minutes=1))
    left = files_of(bid).get()
    c = client_for(client, bidder)
    assert 'type="file"' not in c.get(page).content.decode()
    before = snapshot()
    assert c.post(page, {"files": [upload("迟到.pdf", PDF)]}).status_code == 404
    remove = reverse("procurement:bid-file-remove", args=[bid.pk, left.pk])
    assert c.post(remove, {"confirmed": "1"}).status_code == 404
    assert snapshot() == before


def _xlsx() -> bytes:
    import zipfile

    buf = io.BytesIO()
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                    f'2006/content-types"><Override PartName="/x.xml" ContentType="{main}"/></Types>')
        zf.writestr("x.xml", "<x/>")
    return buf.getvalue()


# Service records ---------------------------------------------------------------------------------

@pytest.fixture
def contract(world):
    (project,) = rows_at_stage(world, 1, "signed")
    return project.contract


def record_post(client, contract, files):
    deliverable = contract.project.deliverables.first()
    return client.post(reverse("delivery:record-add", args=[contract.pk]), {
        "deliverable": deliverable.pk, "served_on": timezone.localdate().isoformat(),
        "site": "舜耕社区活动室", "participants": 12, "description": "独居老人探访", "files": files,
    })


def test_service_record_evidence_is_stored_and_visible_to_the_project_parties(client, world,
                                                                               contract, storage):
    c = client_for(client, world.social_worker)
    html = c.get(reverse("delivery:record-add", args=[contract.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in html
    response = record_post(c, contract, [upload("活动照片.png", PNG), upload("签到表.pdf", PDF)])
    assert response.status_code == 302
    record = ServiceRecord.objects.get(contract=contract)
    stored = {f.original_name: f for f in files_of(record)}
    assert set(stored) == {"活动照片.png", "签到表.pdf"}
    assert stored["活动照片.png"].sha256 == hashlib.sha256(PNG).hexdigest()
    assert stored["签到表.pdf"].size == len(PDF) and len(on_disk(storage)) == 2
    url = reverse("core:file-download", args=[stored["签到表.pdf"].pk])
    for role in ("social_worker", "social_org", "purchaser", "community"):
        assert client_for(client, world.users()[role]).get(url).status_code == 200, role
    assert url in client.get(reverse("delivery:record-list")).content.decode()
    other = world_build(suffix="乙", **PAGE_WORLD)
    strangers = [world.supplier_staff[1], world.resident, world.finance,
                 user_with_role(Role.ADMIN, is_superuser=True)] + [
        other.users()[r] for r in ("purchaser", "community", "social_org", "social_worker")]
    for user in strangers:
        assert client_for(client, user).get(url).status_code == 404, user


BAD_RECORD_FILES = [
    ("executable", lambda: upload("签到表.jpg", ELF), "文件内容与扩展名不符：签到表.jpg"),
    ("disallowed", lambda: upload("总结.docx", _docx()), "不支持的文件类型：总结.docx"),
    ("oversized", lambda: upload("签到表.pdf", PDF + b"\n" * 2048), "文件过大：签到表.pdf"),
]


@pytest.mark.parametrize(("bad", "message"), [b[1:] for b in BAD_RECORD_FILES],
                         ids=[b[0] for b in BAD_RECORD_FILES])
def test_service_record_form_refuses_a_bad_file_and_changes_nothing(
    client, settings, world, contract, storage, bad, message
):
    settings.UPLOAD_MAX_BYTES = len(PDF) + 1024
    before = snapshot()
    response = record_post(client_for(client, world.social_worker), contract,
                           [upload("活动照片.png", PNG), bad()])
    assert response.status_code == 200 and message in errors_of(response)
    assert snapshot() == before and on_disk(storage) == []


# Needs --------------------------------------------------------------------------------------------

NEED_URL = "/workspace/needs/new/"


def need_post(client, world, files):
    return client.post(NEED_URL, {
        "community": world.community_org.pk, "title": "楼道照明需求", "category": "governance",
        "target_group": "老旧小区居民", "description": "楼道灯常坏，老人夜间出行不便。",
        "photos": files,
    })


def test_need_photos_are_stored_and_visible_to_those_who_may_see_the_need(client, world, storage):
    c = client_for(client, world.resident)
    assert 'enctype="multipart/form-data"' in c.get(NEED_URL).content.decode()
    response = need_post(c, world, [upload("楼道.png", PNG)])
    assert response.status_code == 302
    need = Need.objects.get(title="楼道照明需求")
    stored = files_of(need).get()
    assert stored.sha256 == hashlib.sha256(PNG).hexdigest() and stored.size == len(PNG)
    assert len(on_disk(storage)) == 1
    url = reverse("core:file-download", args=[stored.pk])
    neighbour = user_with_role(Role.RESIDENT, world.community_org)
    for user in (world.resident, neighbour, world.community):
        c = client_for(client, user)
        assert c.get(url).status_code == 200
        assert url in c.get(reverse("procurement:need-detail", args=[need.pk])).content.decode()
    # The purchaser's staff see it once a project of theirs answers the need.
    purchaser = world.purchaser
    assert client_for(client, purchaser).get(url).status_code == 404
    (project,) = rows_at_stage(world, 1, "submitted")
    project.needs.add(need)
    assert client_for(client, purchaser).get(url).status_code == 200
    other = world_build(suffix="乙", **PAGE_WORLD)
    strangers = [other.resident, other.community, other.purchaser,
                 world.supplier_staff[0], user_with_role(Role.ADMIN, is_superuser=True)]
    for user in strangers:
        assert client_for(client, user).get(url).status_code == 404, user


BAD_PHOTOS = [
    ("executable", lambda: upload("楼道.png", ELF), "文件内容与扩展名不符：楼道.png"),
    ("disallowed", lambda: upload("说明.pdf", PDF), "不支持的文件类型：说明.pdf"),
    ("oversized", lambda: upload("楼道.png", PNG + b"\x00" * 4096), "文件过大：楼道.png"),
]


@pytest.mark.parametrize(("bad", "message"), [b[1:] for b in BAD_PHOTOS],
                         ids=[b[0] for b in BAD_PHOTOS])
def test_need_form_refuses_a_bad_photo_and_changes_nothing(client, settings, world, storage, bad,
                                                           message):
    settings.UPLOAD_MAX_BYTES = 2048
    before = snapshot()
    response = need_post(client_for(client, world.resident), world,
                         [upload("门口.png", PNG), bad()])
    assert response.status_code == 200 and message in errors_of(response)
    assert snapshot() == before and on_disk(storage) == []
