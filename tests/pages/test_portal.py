"""Public portal: what anonymous visitors see, what stays sealed, and pinned query counts."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement.models import Contract, Tender
from tests.pages.fakes import fake_builder
from tests.worlds import PAGE_WORLD, rows_at_stage, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_build(**PAGE_WORLD)


def test_index_is_public_and_lists_published_items(client, world):
    rows_at_stage(world, 1, "closed")
    rows_at_stage(world, 1, "published")
    response = client.get(reverse("portal:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "采购公告" in html
    assert "淮南市阳光社会工作服务中心" in html  # award result and contract party
    assert "优" in html  # grade of the closed project
    assert "不属于政府购买服务范围。" in html  # declined need with its reason
    assert 'href="/static/portal/portal.css"' in html
    assert "cdn" not in html.lower()


def test_sealed_tender_shows_no_bid_data(client, world):
    (project,) = rows_at_stage(world, 1, "published")
    tender = project.current_tender
    response = client.get(reverse("portal:tender-detail", args=[tender.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert tender.code in html
    assert "95,000" not in html and "95000" not in html
    assert "淮南市同心社工服务社" not in html
    assert "投标文件在投标截止时间前密封" in html
    data = client.get(reverse("portal:tender-ocds", args=[tender.pk])).json()
    assert not any("bids" in r or "awards" in r for r in data["releases"])
    (release,) = [r for r in data["releases"] if r["tag"] == ["tender"]]
    assert release["tender"]["value"] == {"amount": 100000.0, "currency": "CNY"}


def test_opened_tender_shows_opening_record(client, world):
    (project,) = rows_at_stage(world, 1, "opened")
    tender = project.current_tender
    html = client.get(reverse("portal:tender-detail", args=[tender.pk])).content.decode()
    assert "95,000.00" in html and "98,000.00" in html  # 千分位, as documents print amounts
    assert "淮南市同心社工服务社" in html
    data = client.get(reverse("portal:tender-ocds", args=[tender.pk])).json()
    (opening,) = [r for r in data["releases"] if "bids" in r]
    prices = sorted(b["value"]["amount"] for b in opening["bids"]["details"])
    assert prices == [95000.0, 98000.0]


def test_draft_tender_and_unsigned_contract_are_not_public(client, world):
    (project,) = rows_at_stage(world, 1, "published")
    Tender.objects.filter(pk=project.current_tender.pk).update(status=Tender.Status.DRAFT)
    assert client.get(reverse("portal:tender-detail", args=[project.current_tender.pk])).status_code == 404
    (awarded,) = rows_at_stage(world, 1, "awarded")
    contract = awarded.contract
    assert contract.status == Contract.Status.DRAFT
    assert client.get(reverse("portal:contract-detail", args=[contract.pk])).status_code == 404
    assert client.get(reverse("portal:contract-pdf", args=[contract.pk])).status_code == 404


def test_signed_contract_pdf_is_public_attachment(client, world):
    (project,) = rows_at_stage(world, 1, "signed")
    contract = project.contract
    with fake_builder("contract_pdf") as builder:
        response = client.get(reverse("portal:contract-pdf", args=[contract.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    builder.assert_called_once_with(contract)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E6%9C%8D%E5%8A%A1%E5%90%88%E5%90%8C-" in disposition


def test_awarded_tender_release_has_award_and_contract(client, world):
    (project,) = rows_at_stage(world, 1, "signed")
    data = json.loads(
        client.get(reverse("portal:tender-ocds-record", args=[project.current_tender.pk])).content
    )
    compiled = data["records"][0]["compiledRelease"]
    assert compiled["awards"][0]["suppliers"][0]["name"] == "淮南市阳光社会工作服务中心"
    assert compiled["contracts"][0]["id"] == project.contract.code


PORTAL_LIST_PAGES = ["portal:index", "portal:tender-list", "portal:award-list",
                     "portal:contract-list", "portal:grade-list", "portal:need-list"]


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", PORTAL_LIST_PAGES)
def test_portal_list_query_count_does_not_grow(client, world, name):
    rows_at_stage(world, 5, "closed")
    url = reverse(name)
    small = _count(client, url)
    rows_at_stage(world, 45, "closed")
    assert _count(client, url) == small
