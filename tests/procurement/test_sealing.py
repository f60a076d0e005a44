"""Bid sealing through the selector, the API, the admin, the CSV export and file downloads."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.http import Http404
from django.urls import reverse

from core.files import stored_file_create
from procurement.models import Bid
from procurement.selectors import bid_get_for_user, bid_list_for_user, tender_opening_record
from tests.worlds import bid_files, bids_opened_at_deadline, bids_submitted, tender_published

pytestmark = pytest.mark.django_db

PRICE = "287654.32"  # a price that appears nowhere else on the pages
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# who → may read the sealed bid (before the deadline), may read it after opening
TABLE = [
    ("bidder", True, True),
    ("purchaser", False, True),
    ("platform_admin", False, False),
    ("superuser", False, False),
    ("rival", False, False),
    ("community", False, False),
]


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files")}}}
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def sealed(world, storage):
    tender = tender_published(world)
    bids = bids_submitted(world, tender, prices=[Decimal(PRICE), Decimal("280000"),
                                              Decimal("270000")])
    bid = bids[0]
    upload = io.BytesIO(PDF)
    upload.name = "方案.pdf"
    stored = stored_file_create(file=upload, owner=bid, actor=world.supplier_staff[0])
    return tender, bid, stored


def user_for(world, who):
    return {
        "bidder": world.supplier_staff[0], "purchaser": world.purchaser,
        "platform_admin": world.admin, "superuser": world.superuser,
        "rival": world.supplier_staff[1], "community": world.community,
    }[who]


def check_everywhere(client, world, tender, bid, stored, who, allowed):
    user = user_for(world, who)
    # selector
    if allowed:
        assert bid_get_for_user(user=user, bid_id=bid.pk) == bid
    else:
        with pytest.raises(Http404):
            bid_get_for_user(user=user, bid_id=bid.pk)
    assert (bid in bid_list_for_user(user=user, tender=tender)) is allowed
    assert bid.user_can_download_file(user) is allowed
    client.force_login(user)
    # API detail and list
    response = client.get(f"/api/procurement/bids/{bid.pk}/")
    assert response.status_code == (200 if allowed else 404)
    if not allowed:
        assert PRICE not in response.content.decode()
        assert "未找到" in response.json()["detail"]
    listing = client.get(f"/api/procurement/tenders/{tender.pk}/bids/")
    assert listing.status_code == 200
    assert (PRICE in listing.content.decode()) is allowed
    # file download
    download = client.get(reverse("core:file-download", args=[stored.pk]))
    assert download.status_code == (200 if allowed else 404)
    if allowed:
        assert b"".join(download.streaming_content) == PDF
    # admin: never shows a sealed bid, to anyone
    changelist = client.get(reverse("admin:procurement_bid_changelist"))
    assert PRICE not in changelist.content.decode() or tender.opened_at is not None
    change = client.get(reverse("admin:procurement_bid_change", args=[bid.pk]))
    if tender.opened_at is None:
        assert change.status_code in (302, 403, 404)
        assert PRICE not in change.content.decode()
    client.logout()


@pytest.mark.parametrize(("who", "before", "after"), TABLE)
def test_bid_sealed_until_opening(client, world, clock, sealed, who, before, after):
    tender, bid, stored = sealed
    check_everywhere(client, world, tender, bid, stored, who, before)
    # at the deadline but not yet opened: still sealed
    clock.move_to(tender.bid_deadline + dt.timedelta(seconds=1))
    tender.refresh_from_db()
    bid.refresh_from_db()
    check_everywhere(client, world, tender, bid, stored, who, before)
    bids_opened_at_deadline(clock, tender)
    tender.refresh_from_db()
    bid.refresh_from_db()
    check_everywhere(client, world, tender, bid, stored, who, after)


def test_superuser_admin_sees_no_sealed_bid(client, world, sealed):
    tender, bid, _stored = sealed
    client.force_login(world.superuser)
    changelist = client.get(reverse("admin:procurement_bid_changelist"))
    assert changelist.status_code == 200
    assert PRICE not in changelist.content.decode()
    assert "0 投标文件" in changelist.content.decode() or "0 " in changelist.content.decode()
    for name in ("admin:procurement_bid_change", "admin:procurement_bid_history",
                 "admin:procurement_bid_delete"):
        response = client.get(reverse(name, args=[bid.pk]), follow=True)
        assert PRICE not in response.content.decode()
    tender_page = client.get(reverse("admin:procurement_tender_change", args=[tender.pk]))
    assert tender_page.status_code == 200
    assert PRICE not in tender_page.content.decode()
    audit = client.get(reverse("admin:core_auditentry_changelist"))
    assert PRICE not in audit.content.decode()
    assert PRICE.replace(".", "") not in audit.content.decode()


def test_admin_after_opening_shows_price_not_proposal(client, world, clock, sealed):
    tender, bid, _stored = sealed
    bids_opened_at_deadline(clock, tender)
    client.force_login(world.superuser)
    page = client.get(reverse("admin:procurement_bid_change", args=[bid.pk]))
    assert page.status_code == 200
    assert "287654.32" in page.content.decode() or "287,654.32" in page.content.decode()
    assert "服务方案0" not in page.content.decode()


def test_rival_sees_opening_record_after_opening_only(client, world, clock, sealed):
    tender, bid, _stored = sealed
    client.force_login(world.supplier_staff[1])
    url = f"/api/procurement/tenders/{tender.pk}/opening-record/"
    assert tender_opening_record(tender=tender) is None
    response = client.get(url)
    assert response.status_code == 404 and PRICE not in response.content.decode()
    assert client.get(url + "?export=csv").status_code == 404
    bids_opened_at_deadline(clock, tender)
    client.force_login(world.supplier_staff[1])  # the session expired while time moved on
    response = client.get(url)
    assert response.status_code == 200
    assert PRICE in response.content.decode()
    assert "服务方案0" not in response.content.decode()  # names and prices, no proposals
    csv = client.get(url + "?export=csv")
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert PRICE in text and world.suppliers[0].name in text


def test_withdrawn_bid_not_shown_to_purchaser(world, clock, sealed):
    tender, _bid, _stored = sealed
    from procurement.services.bids import bid_submit, bid_withdraw

    extra = bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[3],
                       organization=world.suppliers[3], price=Decimal("1000"), proposal="x")
    bid_withdraw(bid=extra, actor=world.supplier_staff[3])
    bids_opened_at_deadline(clock, tender)
    tender.refresh_from_db()
    visible = list(bid_list_for_user(user=world.purchaser, tender=tender))
    assert extra not in visible and len(visible) == 3
    assert all(b.status == Bid.Status.QUALIFIED for b in visible)


def test_committee_expert_reads_bids_after_opening_and_bidder_uploads_only_before(
        world, clock, sealed):
    from tests.worlds import tender_evaluated

    tender, bid, _stored = sealed
    assert bid.user_can_upload_file(world.supplier_staff[0])
    assert not bid.user_can_upload_file(world.supplier_staff[1])
    assert not bid.user_can_upload_file(world.superuser)
    bids_opened_at_deadline(clock, tender)
    tender.refresh_from_db()
    bid.refresh_from_db()
    assert not bid.user_can_upload_file(world.supplier_staff[0])
    outsider = world.experts[0] if world.experts else None
    tender_evaluated(world, tender=tender, technical=15, commercial=15, seed="fixed")
    seated = tender.committee.members.first().expert
    assert bid_get_for_user(user=seated, bid_id=bid.pk) == bid
    assert len(bid_list_for_user(user=seated, tender=tender)) == 3
    assert outsider is None or outsider in [m.expert for m in tender.committee.members.all()]
