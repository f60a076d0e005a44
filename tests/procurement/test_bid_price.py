"""Offer integrity (issue 7 item 6): a price is taken exactly as the bidder typed it, in the one
form the bid form shows (半角数字, at most two decimals), or refused with the reason; never rounded.

The law: a bid's price is the supplier's offer (政府采购法 第四十三条: the contract follows the
bid; 87号令 第五十九条: 投标文件中报价金额 大写与小写不一致的 … are corrected only by rules the
tender states, never silently). Checked on the service, the page and the API.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.exceptions import ServiceError
from procurement.models import Bid
from procurement.services.bids import bid_submit, parse_bid_price
from tests.worlds import audit_count, bid_files, tender_published

pytestmark = pytest.mark.django_db

ACCEPTED = [
    ("280000", Decimal("280000.00")),
    ("280000.5", Decimal("280000.50")),
    ("280000.55", Decimal("280000.55")),
    (" 0.01 ", Decimal("0.01")),
    (Decimal("280000.50"), Decimal("280000.50")),
    (Decimal("100.000"), Decimal("100.00")),  # the same amount, no rounding involved
    (280000, Decimal("280000.00")),
]

# value, code, a word of the message
REFUSED = [
    ("280000.555", "price_decimals", "两位小数"),
    ("0.001", "price_decimals", "两位小数"),
    (Decimal("280000.005"), "price_decimals", "两位小数"),
    ("２８００００", "price_form", "全角"),
    ("280000．00", "price_form", "全角"),
    ("二十八万", "price_form", "全角"),
    ("280,000.00", "price_form", "千位分隔符"),
    ("280 000", "price_form", "千位分隔符"),
    ("2.8e5", "price_form", "科学计数法"),
    ("2.8E5", "price_form", "科学计数法"),
    ("-280000", "price", "大于0"),
    ("0", "price", "大于0"),
    ("0.00", "price", "大于0"),
    (Decimal("-1"), "price", "大于0"),
    ("+280000", "price_form", "格式"),
    (".5", "price_form", "格式"),
    ("5.", "price_form", "格式"),
    ("¥280000", "price_form", "全角"),
    ("NaN", "price_form", "格式"),
    ("1234567890123", "price", "过大"),
    (280000.5, "price_form", "浮点数"),
    ("", "price", "填写"),
]


@pytest.mark.parametrize(("value", "expected"), ACCEPTED)
def test_price_in_the_form_shown_is_taken_exactly(value, expected):
    assert parse_bid_price(value) == expected


@pytest.mark.parametrize(("value", "code", "word"), REFUSED)
def test_price_in_another_form_is_refused_never_rounded_offer_integrity_87_59(value, code, word):
    with pytest.raises(ServiceError) as error:
        parse_bid_price(value)
    assert error.value.code == code
    assert word in " ".join(error.value.messages)


@pytest.mark.parametrize("price", ["280000.555", "２８００００", "280,000.00", "2.8e5", "0"])
def test_bid_submit_refuses_the_price_and_changes_nothing_offer_integrity_87_59(world, price):
    tender = tender_published(world)
    before = audit_count()
    with pytest.raises(ServiceError):
        bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
                   price=price, proposal="方案")
    assert not Bid.objects.exists() and audit_count() == before


def test_bid_submit_stores_the_price_as_typed(world):
    tender = tender_published(world)
    bid = bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
                     price="280000.5", proposal="方案")
    bid.refresh_from_db()
    assert bid.price is None and bid.is_sealed  # encrypted at rest until opening
    assert Bid.objects.unsealed().get(pk=bid.pk).price == Decimal("280000.50")


@pytest.mark.parametrize(("price", "word"), [
    ("280000.555", "两位小数"), ("２８００００", "全角"), ("280,000.00", "千位分隔符"),
    ("2.8e5", "科学计数法"), ("-5", "大于0"),
])
def test_bid_form_shows_why_the_price_is_refused(client, world, price, word):
    tender = tender_published(world)
    client.force_login(world.supplier_staff[0])
    url = reverse("procurement:bid-submit", args=[tender.pk])
    html = client.get(url).content.decode()
    assert 'placeholder="280000.00"' in html and "千位分隔符" in html  # the form shown
    response = client.post(url, {"organization": world.suppliers[0].pk, "price": price,
                                 "proposal": "方案"})
    assert response.status_code == 200
    assert word in response.content.decode()
    assert not Bid.objects.exists()
    response = client.post(url, {"organization": world.suppliers[0].pk, "price": "280000.50",
                                 "proposal": "方案", "files": bid_files()})
    assert response.status_code == 302
    assert Bid.objects.unsealed().get().price == Decimal("280000.50")  # sealed at rest


@pytest.mark.parametrize(("price", "word"), [
    ("280000.555", "两位小数"), ("２８００００", "全角"), ("280,000.00", "千位分隔符"),
    ("2.8e5", "科学计数法"), ("0", "大于0"), (280000.5, "字符串"), (280000, "字符串"),
])
def test_api_refuses_the_price_with_a_chinese_message(client, world, price, word):
    tender = tender_published(world)
    client.force_login(world.supplier_staff[0])
    url = reverse("procurement-api:tender-bids", args=[tender.pk])
    response = client.post(url, {"organization": world.suppliers[0].pk, "price": price,
                                 "proposal": "方案"}, content_type="application/json")
    assert response.status_code == 400
    assert word in response.content.decode()
    assert not Bid.objects.exists()


def test_api_submits_a_price_in_the_form_shown(client, world):
    tender = tender_published(world)
    client.force_login(world.supplier_staff[0])
    url = reverse("procurement-api:tender-bids", args=[tender.pk])
    payload = {"organization": world.suppliers[0].pk, "price": "280000.50", "proposal": "方案"}
    response = client.post(url, payload, content_type="application/json")
    assert response.status_code == 400 and "未附任何材料" in response.json()["detail"]
    assert not Bid.objects.exists()  # a bid carries its documents: multipart
    response = client.post(url, {**payload, "files": bid_files(), "kinds": ["投标函"]})
    assert response.status_code == 201, response.content
    assert response.json()["price"] == "280000.50"
    assert list(Bid.objects.get().documents.values_list("kind", flat=True)) == ["投标函"]
    assert Bid.objects.unsealed().get().price == Decimal("280000.50")  # sealed at rest


def test_api_submission_by_a_rival_or_purchaser_is_not_found(client, world):
    tender = tender_published(world)
    url = reverse("procurement-api:tender-bids", args=[tender.pk])
    for user in (world.purchaser, world.supplier_staff[1]):
        client.force_login(user)
        response = client.post(url, {"organization": world.suppliers[0].pk, "price": "1.00",
                                     "proposal": "方案"}, content_type="application/json")
        assert response.status_code == 404
    assert not Bid.objects.exists()
