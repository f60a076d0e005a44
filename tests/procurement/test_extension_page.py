"""The deadline extension page (issue 8 item 4): the purchaser postpones the bid deadline from the
tender page with a reason and a new local time, confirms, and the service records the 延期
amendment and tells the bidders; nothing changes before the confirmation."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from core.models import AuditEntry, Notification
from procurement.models import TenderAmendment
from tests.worlds import bids_submitted, tender_published

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def tender(world):
    tender = tender_published(world)
    bids_submitted(world, tender, prices=[280000])
    return tender


def local(value: dt.datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def test_the_purchaser_extends_the_deadline_after_confirming(client, world, tender):
    client.force_login(world.purchaser)
    detail = client.get(reverse("procurement:tender-detail", args=[tender.pk])).content.decode()
    url = reverse("procurement:tender-extend", args=[tender.pk])
    assert url in detail
    assert 'type="datetime-local"' in client.get(url).content.decode()
    new = (tender.bid_deadline + dt.timedelta(days=5)).astimezone(SHANGHAI).replace(
        hour=9, minute=30, second=0, microsecond=0)
    post = {"new_deadline": local(new), "reason": "社区反映准备时间不足"}
    audits = AuditEntry.objects.count()
    page = client.post(url, post)
    html = page.content.decode()
    assert page.status_code == 200 and "请确认：延长投标截止时间" in html
    assert 'name="confirmed" value="1"' in html and "社区反映准备时间不足" in html
    tender.refresh_from_db()
    assert tender.version == 1 and AuditEntry.objects.count() == audits  # nothing yet
    response = client.post(url, {**post, "confirmed": "1"})
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.bid_deadline == new and tender.version == 2
    amendment = TenderAmendment.objects.get(tender=tender)
    assert amendment.kind == TenderAmendment.Kind.EXTENSION and "社区反映准备时间不足" in amendment.content
    assert Notification.objects.filter(recipient=world.supplier_staff[0],
                                       title__contains="投标截止时间已延长").exists()
    assert "已延长至" in client.get(response.url).content.decode()


@pytest.mark.parametrize(("value", "message"), [
    ("", "此项为必填项。"), ("明天", "请填写有效的日期和时间。"), ("earlier", "必须晚于原截止时间"),
])
def test_bad_input_answers_in_chinese(client, world, tender, value, message):
    client.force_login(world.purchaser)
    if value == "earlier":
        value = local(tender.bid_deadline - dt.timedelta(days=1))
    response = client.post(reverse("procurement:tender-extend", args=[tender.pk]),
                           {"new_deadline": value, "reason": "理由", "confirmed": "1"})
    assert response.status_code == 200 and message in response.content.decode()
    tender.refresh_from_db()
    assert tender.version == 1


def test_others_get_404(client, world, tender):
    url = reverse("procurement:tender-extend", args=[tender.pk])
    for user in (world.supplier_staff[0], world.community):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"new_deadline": "2030-01-01T09:00", "reason": "x",
                                 "confirmed": "1"}).status_code == 404
