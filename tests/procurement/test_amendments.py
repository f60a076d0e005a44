"""Amendments (更正公告) and re-confirmation: 87号令第27条 (tenders, 15 days), 磋商办法第10条
(磋商, 5 days), 74号令第29条 (谈判, 3 working days); the version each bid answers, receipts
(item 12) and the committee flag at opening for a bid left on an old version."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import PermissionDenied, ServiceError
from core.models import Notification
from office.formsets import formset_data
from procurement.forms.criteria import tender_criteria_rows
from procurement.models import Bid, BidFlag, BidReceipt, Tender, TenderAmendment
from procurement.selectors import tender_opening_record
from procurement.services.amendments import bid_reconfirm, earliest_amended_deadline, tender_amend
from procurement.services.bids import bid_submit, bid_withdraw, bids_open
from procurement.services.clarifications import question_answer, question_ask
from procurement.services.tenders import tender_extend_deadline, tender_publish
from procurement.tasks import open_due_tenders
from tests.worlds import (
    TZ,
    audit_count,
    bid_files,
    bids_submitted,
    criteria,
    project_budget_confirmed,
    tender_published,
)

pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def publish(world, clock, *, published, deadline, method="open", price_weight=Decimal("10")):
    """Publish a tender at ``published`` (the clock moves there) due at ``deadline``."""
    clock.move_to(published)
    project = project_budget_confirmed(world)
    return tender_publish(project=project, actor=world.purchaser, method=method,
                          bid_deadline=deadline, price_weight=price_weight,
                          criteria=criteria(price_weight))


def amend(world, tender, **kw):
    kw.setdefault("content", "服务对象范围补充说明。")
    return tender_amend(tender=tender, actor=world.purchaser, **kw)


@pytest.fixture
def tender(world, clock):
    tender = tender_published(world)  # open tender published START, deadline in 21 days
    bids_submitted(world, tender)
    return tender


# Versions and re-confirmation ------------------------------------------------------------------

def test_bids_answer_the_version_they_saw_and_receipts_carry_it_87号令27(world, tender):
    assert tender.version == 1
    assert set(Bid.objects.filter(tender=tender).values_list("tender_version", flat=True)) == {1}
    assert set(BidReceipt.objects.values_list("tender_version", flat=True)) == {1}
    amendment = amend(world, tender, affects_bids=True)
    tender.refresh_from_db()
    assert tender.version == amendment.version == 2
    late = bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[3],
                      organization=world.suppliers[3], price="260000.00", proposal="方案")
    assert late.tender_version == 2
    assert late.receipts.get().tender_version == 2


def test_every_bidder_is_told_to_reconfirm_87号令27(world, tender):
    amend(world, tender, affects_bids=True, content="增加夜间服务要求。")
    for staff in world.supplier_staff[:3]:
        note = Notification.objects.get(recipient=staff, title__contains="更正公告")
        assert "增加夜间服务要求" in note.body and "重新确认" in note.body
    assert not Notification.objects.filter(recipient=world.outsiders["social_org"]).exists()
    assert audit_count("tender.amend") == 1


def test_bidder_reconfirms_with_a_receipt_item12(world, tender):
    amend(world, tender, affects_bids=True)
    bid = Bid.objects.get(tender=tender, organization=world.suppliers[0])
    bid_reconfirm(bid=bid, actor=world.supplier_staff[0])
    bid.refresh_from_db()
    assert bid.tender_version == 2
    receipt = bid.receipts.order_by("-pk").first()
    assert receipt.kind == BidReceipt.Kind.RECONFIRMED and receipt.tender_version == 2
    assert receipt.issued_at.microsecond == 0
    assert audit_count("bid.reconfirm") == 1
    with pytest.raises(ServiceError, match="无需重新确认"):
        bid_reconfirm(bid=bid, actor=world.supplier_staff[0])


@pytest.mark.parametrize("who", ["rival", "purchaser", "community", "other_social_org", "admin",
                                 "superuser"])
def test_only_the_bidder_reconfirms(world, tender, who):
    amend(world, tender, affects_bids=True)
    bid = Bid.objects.get(tender=tender, organization=world.suppliers[0])
    with pytest.raises(PermissionDenied):
        bid_reconfirm(bid=bid, actor=world.users()[who])
    bid.refresh_from_db()
    assert bid.tender_version == 1


def test_reconfirm_refused_after_the_deadline_and_for_a_withdrawn_bid(world, tender, clock):
    amend(world, tender, affects_bids=True)
    bid = Bid.objects.get(tender=tender, organization=world.suppliers[0])
    bid_withdraw(bid=bid, actor=world.supplier_staff[0])
    with pytest.raises(ServiceError, match="重新确认"):
        bid_reconfirm(bid=bid, actor=world.supplier_staff[0])
    other = Bid.objects.get(tender=tender, organization=world.suppliers[1])
    tender.refresh_from_db()
    clock.move_to(tender.bid_deadline)
    with pytest.raises(ServiceError, match="重新确认"):
        bid_reconfirm(bid=other, actor=world.supplier_staff[1])


def test_resubmitting_answers_the_new_version(world, tender):
    amend(world, tender, affects_bids=True)
    bid = Bid.objects.get(tender=tender, organization=world.suppliers[0])
    bid_withdraw(bid=bid, actor=world.supplier_staff[0])
    again = bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0],
                       organization=world.suppliers[0], price="285000.00", proposal="新方案")
    assert again.pk == bid.pk and again.tender_version == 2


# Opening: the record shows the version; an outdated bid is flagged, never refused ------------

def test_opening_flags_a_bid_left_on_the_old_version_for_the_committee_87号令27_63(world, tender,
                                                                             clock):
    amend(world, tender, affects_bids=True)
    for i in (0, 1):
        bid_reconfirm(bid=Bid.objects.get(tender=tender, organization=world.suppliers[i]),
                      actor=world.supplier_staff[i])
    tender.refresh_from_db()
    clock.move_to(tender.bid_deadline + dt.timedelta(minutes=1))
    bids_open(tender=tender, actor=None)
    tender.refresh_from_db()
    assert tender.status == Tender.Status.OPENED  # the outdated bid still counts
    stale = Bid.objects.get(tender=tender, organization=world.suppliers[2])
    assert stale.status == Bid.Status.QUALIFIED
    flag = BidFlag.objects.get(tender=tender, kind=BidFlag.Kind.OUTDATED_VERSION)
    assert list(flag.bids.all()) == [stale] and "第1版" in flag.reason
    record = {r["bid_id"]: r for r in tender_opening_record(tender=tender)}
    assert record[stale.pk]["tender_version"] == 1 and record[stale.pk]["outdated"]
    assert sum(1 for r in record.values() if not r["outdated"] and r["tender_version"] == 2) == 2


def test_an_amendment_not_affecting_bids_needs_no_reconfirmation(world, tender, clock):
    amend(world, tender, affects_bids=False, content="更正联系人电话。")
    tender.refresh_from_db()
    assert tender.version == 2
    clock.move_to(tender.bid_deadline + dt.timedelta(minutes=1))
    tender = bids_open(tender=tender, actor=None)
    assert not BidFlag.objects.filter(kind=BidFlag.Kind.OUTDATED_VERSION).exists()
    assert not any(r["outdated"] for r in tender_opening_record(tender=tender))


def test_the_opening_task_follows_a_postponed_deadline(world, clock):
    tender = publish(world, clock, published=at(2026, 9, 1, 9), deadline=at(2026, 9, 28, 9, 30))
    bids_submitted(world, tender)
    clock.move_to(at(2026, 9, 17, 10))
    amend(world, tender, affects_bids=True)
    clock.move_to(at(2026, 9, 28, 9, 31))  # the old deadline has passed
    assert open_due_tenders() == []
    clock.move_to(at(2026, 10, 8, 9, 30))
    assert open_due_tenders() == [tender.pk]


# The deadline moves when an amendment affecting bids comes too late (2026 calendar) -----------

def test_exactly_15_days_before_the_deadline_keeps_it_87号令27(world, clock):
    tender = publish(world, clock, published=at(2026, 9, 1, 9), deadline=at(2026, 10, 9, 9, 30))
    clock.move_to(at(2026, 9, 24, 9, 30))
    amendment = amend(world, tender, affects_bids=True)
    assert amendment.new_deadline == at(2026, 10, 9, 9, 30)
    assert not amendment.deadline_postponed_by_law


def test_a_minute_late_moves_it_to_the_adjusted_working_saturday_87号令27(world, clock):
    """10-09 09:30 is 15 days minus a minute away; 10-10 (Saturday) is a 调休 working day."""
    tender = publish(world, clock, published=at(2026, 9, 1, 9), deadline=at(2026, 10, 9, 9, 30))
    clock.move_to(at(2026, 9, 24, 9, 31))
    amendment = amend(world, tender, affects_bids=True)
    tender.refresh_from_db()
    assert amendment.deadline_postponed_by_law
    assert tender.bid_deadline == amendment.new_deadline == at(2026, 10, 10, 9, 30)
    assert amendment.old_deadline == at(2026, 10, 9, 9, 30)


def test_postponed_past_the_national_day_holiday_87号令27(world, clock):
    """15 days from 09-17 10:00 falls in 国庆 (10-01…10-07): the first working day after it."""
    tender = publish(world, clock, published=at(2026, 9, 1, 9), deadline=at(2026, 9, 28, 9, 30))
    clock.move_to(at(2026, 9, 17, 10))
    amendment = amend(world, tender, affects_bids=True)
    assert amendment.new_deadline == at(2026, 10, 8, 9, 30)
    notes = Notification.objects.filter(title__contains="更正公告")
    assert all("2026-10-08 09:30" in n.body for n in notes)


def test_a_late_amendment_not_affecting_bids_keeps_the_deadline_87号令27(world, clock):
    tender = publish(world, clock, published=at(2026, 9, 1, 9), deadline=at(2026, 9, 28, 9, 30))
    clock.move_to(at(2026, 9, 27, 9))
    amendment = amend(world, tender, affects_bids=False)
    assert amendment.new_deadline == at(2026, 9, 28, 9, 30)


def test_consultation_5_days_across_spring_festival_磋商办法10(world, clock):
    """5 days from 02-10 09:00 is 02-15, inside 春节 (02-15…02-23): moved to 02-24."""
    tender = publish(world, clock, published=at(2026, 1, 26, 9), deadline=at(2026, 2, 13, 9, 30),
                     method="consultation", price_weight=Decimal("20"))
    clock.move_to(at(2026, 2, 10, 9))
    amendment = amend(world, tender, affects_bids=True)
    assert amendment.new_deadline == at(2026, 2, 24, 9, 30)


def test_consultation_exactly_5_days_keeps_the_deadline_磋商办法10(world, clock):
    tender = publish(world, clock, published=at(2026, 1, 26, 9), deadline=at(2026, 2, 13, 9, 30),
                     method="consultation", price_weight=Decimal("20"))
    clock.move_to(at(2026, 2, 8, 9, 30))
    assert amend(world, tender, affects_bids=True).new_deadline == at(2026, 2, 13, 9, 30)


def test_negotiation_3_working_days_74号令29(world, clock):
    tender = tender_published(world, method="negotiation", days=5, price_weight=Decimal("0"))
    # START Monday 03-02 09:00; deadline Saturday 03-07 09:00 → 3 working days after 03-02 is 03-05.
    clock.move_to(at(2026, 3, 4, 9))  # Wednesday: 3 working days → Monday 03-09
    amendment = amend(world, tender, affects_bids=True)
    assert amendment.new_deadline == at(2026, 3, 9, 9)


def test_earliest_amended_deadline_has_no_rule_for_single_source(world):
    assert earliest_amended_deadline(
        Tender(method=Tender.Method.SINGLE_SOURCE, bid_deadline=at(2026, 3, 10, 9)),
        at(2026, 3, 9, 9)) is None


def test_a_later_deadline_given_by_the_purchaser_is_kept_when_it_suffices(world, clock):
    tender = publish(world, clock, published=at(2026, 9, 1, 9), deadline=at(2026, 9, 28, 9, 30))
    clock.move_to(at(2026, 9, 17, 10))
    amendment = amend(world, tender, affects_bids=True, bid_deadline=at(2026, 10, 12, 14))
    assert amendment.new_deadline == at(2026, 10, 12, 14) and not amendment.deadline_postponed_by_law


# What may be amended, and refusals --------------------------------------------------------------

def test_changing_the_criteria_affects_bids_and_is_checked(world, tender):
    new = [{"name": "服务方案", "kind": "technical", "max_score": Decimal("60")},
           {"name": "团队与经验", "kind": "commercial", "max_score": Decimal("30")},
           {"name": "价格", "kind": "price", "max_score": Decimal("10")}]
    amendment = amend(world, tender, criteria=new)
    assert amendment.affects_bids and "criteria" in amendment.changes
    assert sorted(tender.criteria.values_list("max_score", flat=True)) == [10, 30, 60]
    bad = [{"name": "服务方案", "kind": "technical", "max_score": Decimal("80")},
           {"name": "价格", "kind": "price", "max_score": Decimal("10")}]
    with pytest.raises(ServiceError, match="100"):
        amend(world, tender, criteria=bad)
    assert TenderAmendment.objects.count() == 1


def test_refusals_leave_nothing_behind(world, tender, clock):
    with pytest.raises(ServiceError, match="更正事项"):
        amend(world, tender, content="  ")
    with pytest.raises(ServiceError, match="提前"):
        amend(world, tender, bid_deadline=tender.bid_deadline - dt.timedelta(days=1))
    with pytest.raises(ServiceError, match="排序规则"):
        amend(world, tender, tie_rule="coin")
    clock.move_to(tender.bid_deadline)
    with pytest.raises(ServiceError, match="投标截止前"):
        amend(world, tender)
    assert not TenderAmendment.objects.exists() and audit_count("tender.amend") == 0
    tender.refresh_from_db()
    assert tender.version == 1


@pytest.mark.parametrize("who", ["social_org", "community", "finance", "other_purchaser", "admin",
                                 "superuser"])
def test_only_the_purchaser_amends(world, tender, who):
    with pytest.raises(PermissionDenied):
        tender_amend(tender=tender, actor=world.users()[who], content="更正")
    assert not TenderAmendment.objects.exists()


# Pages -------------------------------------------------------------------------------------------

AMEND_URL = "/workspace/procurement/tenders/{}/amend/"


def amend_post(tender, rows=None, *, price_weight=None, deleted=(), **fields) -> dict:
    """Return what the amendment page posts: its fields and the criteria table, by default the
    rows the page shows (the tender's current criteria) and the current price weight."""
    rows = tender_criteria_rows(tender) if rows is None else rows
    weight = tender.price_weight if price_weight is None else price_weight
    return {"content": "更正服务地点。", "confirm": "on", "price_weight": str(weight),
            **formset_data("criteria", rows, deleted=deleted), **fields}


def criteria_table(page: str) -> str:
    """Return the criteria table's part of a page (its errors are shown there)."""
    return page.split('data-formset="criteria"', 1)[1].split("</fieldset>", 1)[0]


def test_amend_page_publishes_and_lists_amendments(world, tender, client):
    client.force_login(world.purchaser)
    url = AMEND_URL.format(tender.pk)
    assert client.get(url).status_code == 200
    response = client.post(url, amend_post(tender, affects_bids="on", confirm=""))
    assert response.status_code == 200 and not TenderAmendment.objects.exists()  # no confirm
    assert "请勾选确认。" in response.content.decode()
    response = client.post(url, amend_post(tender, affects_bids="on"))
    assert response.status_code == 302
    page = client.get(f"/workspace/procurement/tenders/{tender.pk}/").content.decode()
    assert "更正服务地点。" in page and "第2版" in page
    client.logout()
    public = client.get(f"/portal/tenders/{tender.pk}/").content.decode()
    assert "更正公告" in public and "更正服务地点。" in public and "第2版" in public


def test_amend_page_shows_the_current_criteria_as_table_rows(world, tender, client):
    client.force_login(world.purchaser)
    page = client.get(AMEND_URL.format(tender.pk)).content.decode()
    table = criteria_table(page)
    assert 'name="criteria-0-name" value="服务方案"' in table
    assert 'name="criteria-1-name" value="团队与经验"' in table
    assert '<option value="commercial" selected>商务</option>' in table  # Chinese kinds
    assert 'name="criteria-2-name"' in table  # one blank row to add a criterion without JS
    assert 'name="criteria-TOTAL_FORMS" value="3"' in table
    # Price comes from the weight, not a row.
    assert 'value="价格"' not in table and 'name="criteria-3-name"' not in table
    assert 'name="price_weight" value="10.00"' in page
    assert "<output data-total>100.00</output>" in table  # 50 + 40 + price 10
    assert "office/formset.js" in page and 'name="criteria"' not in page  # no CSV box


def test_amend_page_unchanged_table_leaves_the_criteria_alone(world, tender, client):
    client.force_login(world.purchaser)
    response = client.post(AMEND_URL.format(tender.pk), amend_post(tender))
    assert response.status_code == 302
    amendment = TenderAmendment.objects.get(tender=tender)
    # An amendment of the text only: the rows sent back as shown change no criteria, so the
    # amendment does not force the bidders to re-confirm.
    assert not amendment.affects_bids and "criteria" not in amendment.changes
    assert sorted(tender.criteria.values_list("max_score", flat=True)) == [10, 40, 50]


def test_amend_page_replaces_the_criteria_from_the_table(world, tender, client):
    client.force_login(world.purchaser)
    rows = [*tender_criteria_rows(tender),
            {"name": "管理与承诺", "kind": "commercial", "max_score": "40",
             "description": "服务承诺明确。"}]
    response = client.post(AMEND_URL.format(tender.pk), amend_post(tender, rows, deleted=(1,)))
    assert response.status_code == 302
    amendment = TenderAmendment.objects.get(tender=tender)
    assert amendment.affects_bids and "criteria" in amendment.changes
    assert list(tender.criteria.order_by("kind", "name").values_list(
        "name", "kind", "max_score", "description")) == [
        ("管理与承诺", "commercial", Decimal("40.00"), "服务承诺明确。"),
        ("价格", "price", Decimal("10.00"), ""),
        ("服务方案", "technical", Decimal("50.00"), "")]
    assert audit_count("tender.amend") == 1


def test_amend_page_changes_the_price_weight_with_the_rows(world, tender, client):
    client.force_login(world.purchaser)
    rows = [{"name": "服务方案", "kind": "technical", "max_score": "50"},
            {"name": "团队与经验", "kind": "commercial", "max_score": "30"}]
    response = client.post(AMEND_URL.format(tender.pk),
                           amend_post(tender, rows, price_weight="20"))
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.price_weight == 20
    assert sorted(tender.criteria.values_list("kind", "max_score")) == [
        ("commercial", 30), ("price", 20), ("technical", 50)]


@pytest.mark.parametrize(("rows", "weight", "message"), [
    # 60 + 40 + price 10
    ([{"name": "服务方案", "kind": "technical", "max_score": "60"},
      {"name": "团队与经验", "kind": "commercial", "max_score": "40"}], "10",
     "评分项分值合计100分，加上价格分10分共110分，应为100分。"),
    # the weight alone changed: the rows no longer make 100
    (None, "20", "评分项分值合计90分，加上价格分20分共110分，应为100分。"),
    # a row without its kind, a score that is not a number
    ([{"name": "服务方案", "kind": "", "max_score": "x"}], "10", "第1行 类型"),
    ([], "10", "评分标准（价格分按价格分权重自动加入）：至少填写一行。"),
    # the form's sum is right, the service refuses the weight (open tender ≥ 10%)
    ([{"name": "服务方案", "kind": "technical", "max_score": "55"},
      {"name": "团队与经验", "kind": "commercial", "max_score": "40"}], "5", "不得低于10%"),
])
def test_amend_page_shows_criteria_errors_on_the_table(world, tender, client, rows, weight,
                                                       message):
    client.force_login(world.purchaser)
    response = client.post(AMEND_URL.format(tender.pk),
                           amend_post(tender, rows, price_weight=weight))
    assert response.status_code == 200
    assert message in criteria_table(response.content.decode())
    assert not TenderAmendment.objects.exists() and audit_count("tender.amend") == 0
    tender.refresh_from_db()
    assert tender.version == 1 and tender.price_weight == 10
    assert sorted(tender.criteria.values_list("max_score", flat=True)) == [10, 40, 50]


@pytest.mark.parametrize("who", ["social_org", "other_purchaser", "community"])
def test_amend_page_is_404_for_others(world, tender, client, who):
    client.force_login(world.users()[who])
    assert client.get(f"/workspace/procurement/tenders/{tender.pk}/amend/").status_code == 404
    assert client.post(f"/workspace/procurement/tenders/{tender.pk}/amend/",
                       {"content": "x", "confirm": "on"}).status_code == 404
    assert not TenderAmendment.objects.exists()


def test_bid_page_reconfirms(world, tender, client):
    amend(world, tender, affects_bids=True)
    bid = Bid.objects.get(tender=tender, organization=world.suppliers[0])
    client.force_login(world.supplier_staff[0])
    page = client.get(f"/workspace/procurement/bids/{bid.pk}/").content.decode()
    assert 'class="office-form reconfirm"' in page
    url = f"/workspace/procurement/bids/{bid.pk}/reconfirm/"
    client.post(url, {})  # unconfirmed: nothing happens
    bid.refresh_from_db()
    assert bid.tender_version == 1
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    bid.refresh_from_db()
    assert bid.tender_version == 2
    page = client.get(f"/workspace/procurement/bids/{bid.pk}/").content.decode()
    assert 'class="office-form reconfirm"' not in page and "重新确认" in page  # the receipt row
    client.force_login(world.supplier_staff[1])
    assert client.post(url, {"confirm": "on"}).status_code == 404


def test_ocds_release_lists_the_amendments(world, tender, client):
    amend(world, tender, content="更正服务时间。")
    package = client.get(f"/portal/tenders/{tender.pk}/ocds.json").json()
    (release,) = [r for r in package["releases"] if "tenderAmendment" in r["tag"]]
    assert release["tender"]["amendments"][0]["description"] == "更正服务时间。"
    record = client.get(f"/portal/tenders/{tender.pk}/ocds-record.json").json()
    compiled = record["records"][0]["compiledRelease"]
    assert compiled["tender"]["amendments"][0]["description"] == "更正服务时间。"
    deadline = timezone.localtime(tender.bid_deadline).isoformat(timespec="seconds")
    assert compiled["tender"]["tenderPeriod"]["endDate"] == deadline


def test_a_bid_prepared_on_the_old_version_is_refused_87号令27(world, tender):
    """The version is the one the bidder saw: an amendment between the form and the submission
    refuses the bid with a message instead of stamping a version the bidder never read."""
    amend(world, tender, affects_bids=True)
    with pytest.raises(ServiceError, match="第2版") as error:
        bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[3], organization=world.suppliers[3],
                   price="260000.00", proposal="方案", tender_version=1)
    assert error.value.code == "tender_version"
    assert not Bid.objects.filter(organization=world.suppliers[3]).exists()
    bid = bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[3], organization=world.suppliers[3],
                     price="260000.00", proposal="方案", tender_version=2)
    assert bid.tender_version == 2


def test_bid_form_carries_the_version_it_showed(world, tender, client):
    client.force_login(world.supplier_staff[3])
    url = f"/workspace/procurement/tenders/{tender.pk}/bid/"
    page = client.get(url).content.decode()
    assert 'name="tender_version" value="1"' in page
    amend(world, tender, affects_bids=True)
    response = client.post(url, {"organization": world.suppliers[3].pk, "price": "260000.00",
                                 "proposal": "方案", "tender_version": "1"})
    assert response.status_code == 200 and "第2版" in response.content.decode()
    assert not Bid.objects.filter(organization=world.suppliers[3]).exists()


def test_api_refuses_a_stale_version_87号令27(world, tender, client):
    amend(world, tender, affects_bids=True)
    client.force_login(world.supplier_staff[3])
    url = f"/api/procurement/tenders/{tender.pk}/bids/"
    payload = {"organization": world.suppliers[3].pk, "price": "260000.00", "proposal": "方案"}
    response = client.post(url, {**payload, "tender_version": 1, "files": bid_files()})
    assert response.status_code == 400 and "第2版" in response.content.decode()
    response = client.post(url, {**payload, "tender_version": 2, "files": bid_files()})
    assert response.status_code == 201, response.content
    assert Bid.objects.get(organization=world.suppliers[3]).tender_version == 2


# Deadline extensions and clarifications are amendments too (87号令第27条 "澄清或者修改") ---------

def test_a_deadline_extension_is_an_amendment_not_affecting_bids_87号令27(world, tender, clock):
    """A pure postponement changes the documents (new version, 更正公告 history) but not how
    bids are prepared: nobody must re-confirm and no bid is flagged at opening."""
    old = tender.bid_deadline
    tender_extend_deadline(tender=tender, actor=world.purchaser,
                           new_deadline=old + dt.timedelta(days=3), reason="场地调整")
    tender.refresh_from_db()
    amendment = TenderAmendment.objects.get(tender=tender)
    assert amendment.kind == TenderAmendment.Kind.EXTENSION and not amendment.affects_bids
    assert tender.version == amendment.version == 2 and tender.required_bid_version() == 1
    assert (amendment.old_deadline, amendment.new_deadline) == (old, tender.bid_deadline)
    assert not amendment.deadline_postponed_by_law and "场地调整" in amendment.content
    assert audit_count("tender.extend_deadline") == 1 and audit_count("tender.amend") == 0
    bid = Bid.objects.get(tender=tender, organization=world.suppliers[0])
    assert bid.tender_version == 1  # still current enough: no re-confirmation needed
    clock.move_to(tender.bid_deadline + dt.timedelta(minutes=1))
    tender = bids_open(tender=tender, actor=None)
    assert not BidFlag.objects.filter(kind=BidFlag.Kind.OUTDATED_VERSION).exists()


def test_refused_extension_records_no_amendment(world, tender):
    with pytest.raises(ServiceError):
        tender_extend_deadline(tender=tender, actor=world.purchaser,
                               new_deadline=tender.bid_deadline, reason="x")
    tender.refresh_from_db()
    assert tender.version == 1 and not TenderAmendment.objects.exists()


def test_extensions_and_clarifications_show_in_the_portal_history_87号令27(world, tender, client):
    tender_extend_deadline(tender=tender, actor=world.purchaser,
                           new_deadline=tender.bid_deadline + dt.timedelta(days=3),
                           reason="场地调整")
    question = question_ask(tender=tender, actor=world.supplier_staff[3],
                            organization=world.suppliers[3], question="是否含节假日服务？")
    question_answer(question=question, actor=world.purchaser, answer="含春节期间服务。",
                    affects_responses=True)
    public = client.get(f"/portal/tenders/{tender.pk}/").content.decode()
    assert "场地调整" in public and "延期" in public
    assert "含春节期间服务。" in public and "澄清" in public and 'id="amendment-3"' in public
    assert 'href="#amendment-3"' in public and "澄清公告（第3版，影响投标文件编制）" in public
    assert world.suppliers[3].name not in public
