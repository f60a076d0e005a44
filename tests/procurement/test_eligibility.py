"""Supplier eligibility from the registry (issue 7 item 9), checked at bid submission and shown
in the opening record.

政府采购法第二十二条 (supplier conditions; (五) 前三年内无重大违法记录; 第二款 特定条件),
实施条例第十九条 (a ban ends with its period), 财库〔2016〕125号 (信用记录查询: those on the
失信 lists are refused). The frozen clock is Monday 2026-03-02 (tests/procurement/conftest.py).
"""

import datetime as dt

import pytest

from accounts.models import AnnualInspection, CreditListing, Qualification
from accounts.services.registry import (
    registry_inspection_record,
    registry_listing_record,
    registry_listing_remove,
    registry_qualification_record,
    registry_qualification_revoke,
    registry_rating_record,
)
from core.exceptions import ServiceError
from procurement.models import Bid
from procurement.selectors import tender_opening_record
from procurement.services.bids import bid_submit
from procurement.services.eligibility import bid_eligibility_require
from tests.worlds import bid_files, bids_opened_at_deadline, tender_published

pytestmark = pytest.mark.django_db

D = dt.date
REASON = "本项目为社区矫正对象帮扶服务，须由具备社会工作服务资质、管理规范的机构承接。"


def _bid(world, tender, i=0):
    return bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[i],
                      organization=world.suppliers[i], price="280000.00", proposal="方案")


def _refusal(world, tender, i=0) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        _bid(world, tender, i)
    assert {e.code for e in caught.value.error_list} == {"eligibility"}
    return caught.value


def _listing(world, i=0, **kw):
    data = {"kind": CreditListing.Kind.PROCUREMENT, "source": CreditListing.Source.CCGP,
            "decision": "淮南市财政局 淮财购〔2026〕1号", "listed_on": D(2026, 1, 5),
            "queried_on": D(2026, 3, 2)}
    data.update(kw)
    return registry_listing_record(organization=world.suppliers[i], actor=world.admin, **data)


def test_procurement_blacklisted_supplier_cannot_bid_and_is_told_only_about_itself_125号(world):
    """财库〔2016〕125号: a supplier on the 政府采购严重违法失信行为记录名单 is refused; the
    message names its own listing and says nothing about any other bid (issue 7 item 8/9)."""
    tender = tender_published(world)
    _bid(world, tender, 1)  # a rival bid exists
    _listing(world, excluded_until=D(2027, 1, 4))
    error = _refusal(world, tender)
    text = " ".join(error.messages)
    assert "政府采购严重违法失信行为记录名单" in text and "淮财购〔2026〕1号" in text
    assert world.suppliers[1].name not in text and "其他" not in text and "投标人" not in text
    assert not Bid.objects.filter(tender=tender, organization=world.suppliers[0]).exists()


@pytest.mark.parametrize(("day", "excluded"), [
    (D(2026, 10, 7), True),   # the last day of the ban is 国庆 2026's last holiday
    (D(2026, 10, 8), False),  # the ban has run out (条例19第二款), a working day
    (D(2026, 2, 15), False),  # 春节 2026 eve: before the ban starts
    (D(2026, 2, 16), True),   # the ban's first day, inside the 春节 span
])
def test_ban_runs_over_its_period_inclusive_on_the_2026_calendar_条例19(world, day, excluded):
    """A ban excludes from its first to its last day inclusive, holidays or not (calendar days),
    and ends with its period (条例19第二款)."""
    tender = tender_published(world)
    _listing(world, listed_on=D(2026, 2, 10), excluded_from=D(2026, 2, 16),
             excluded_until=D(2026, 10, 7))
    if excluded:
        with pytest.raises(ServiceError):
            bid_eligibility_require(tender=tender, organization=world.suppliers[0], on=day)
    else:
        assert bid_eligibility_require(tender=tender, organization=world.suppliers[0],
                                       on=day).eligible


def test_dishonest_debtor_excluded_until_removed_125号(world, clock):
    """失信被执行人: without an end date the exclusion lasts until removal from the list."""
    tender = tender_published(world)
    listing = _listing(world, kind=CreditListing.Kind.DEBTOR, source=CreditListing.Source.COURT,
                       decision="(2025)皖0403执123号", listed_on=D(2025, 6, 1))
    assert listing.excluded_until is None
    _refusal(world, tender)
    registry_listing_remove(listing=listing, actor=world.admin, removed_on=D(2026, 3, 2))
    assert _bid(world, tender).status == Bid.Status.SUBMITTED


@pytest.mark.parametrize(("listed_on", "excluded"), [
    (D(2023, 3, 3), True),   # 2026-03-02 is the last day of the 3 years
    (D(2023, 3, 2), False),  # 3 years have passed on 2026-03-02
])
def test_major_violation_excludes_for_three_years_法22(world, listed_on, excluded):
    """政府采购法第二十二条(五): 参加政府采购活动前三年内 … 没有重大违法记录."""
    tender = tender_published(world)
    _listing(world, kind=CreditListing.Kind.MAJOR_VIOLATION, listed_on=listed_on,
             decision="较大数额罚款")
    if excluded:
        _refusal(world, tender)
    else:
        assert _bid(world, tender).status == Bid.Status.SUBMITTED


def test_inactive_organization_cannot_bid_法22(world):
    tender = tender_published(world)
    world.suppliers[0].__class__.objects.filter(pk=world.suppliers[0].pk).update(is_active=False)
    world.suppliers[0].refresh_from_db()
    assert "无效" in " ".join(_refusal(world, tender).messages)


def test_failed_or_missing_annual_inspection_bars_until_a_later_year_passes_法22(world):
    """A 年检 不合格 or a missing 年报 (the latest year concluded) bars the organization; a later
    year's pass restores it."""
    tender = tender_published(world)
    registry_inspection_record(organization=world.suppliers[0], actor=world.admin, year=2024,
                               result=AnnualInspection.Result.PASSED, concluded_on=D(2025, 5, 30))
    registry_inspection_record(organization=world.suppliers[0], actor=world.admin, year=2025,
                               result=AnnualInspection.Result.MISSING, concluded_on=D(2026, 2, 27))
    assert "2025年度" in " ".join(_refusal(world, tender).messages)
    # A correction of the same year keeps one row and the organization may bid again.
    registry_inspection_record(organization=world.suppliers[0], actor=world.admin, year=2025,
                               result=AnnualInspection.Result.BASIC, concluded_on=D(2026, 3, 2))
    assert AnnualInspection.objects.filter(organization=world.suppliers[0]).count() == 2
    assert _bid(world, tender).status == Bid.Status.SUBMITTED


def test_tender_minimum_rating_checked_at_submission_法22第二款(world):
    """The tender may require a minimum 社会组织评估等级; the rating must be valid that day."""
    tender = tender_published(world, min_rating="4A", registry_conditions_reason=REASON)
    registry_rating_record(organization=world.suppliers[0], actor=world.admin, grade="3A",
                           rated_on=D(2024, 6, 1))
    assert "4A" in " ".join(_refusal(world, tender).messages)
    # A 5A that expired the day before does not count.
    registry_rating_record(organization=world.suppliers[1], actor=world.admin, grade="5A",
                           rated_on=D(2021, 3, 2))  # valid until 2026-03-01
    _refusal(world, tender, 1)
    registry_rating_record(organization=world.suppliers[2], actor=world.admin, grade="4A",
                           rated_on=D(2021, 3, 3))  # valid until 2026-03-02, today
    assert _bid(world, tender, 2).status == Bid.Status.SUBMITTED
    world.suppliers[2].refresh_from_db()
    assert world.suppliers[2].rating == "4A"


def test_tender_required_qualification_must_be_valid_that_day_法22第二款(world):
    tender = tender_published(world, required_qualifications=[Qualification.Kind.SOCIAL_WORK],
                              registry_conditions_reason=REASON)
    assert tender.required_qualification_labels == ["社会工作服务机构资质"]
    assert "社会工作服务机构资质" in " ".join(_refusal(world, tender).messages)
    registry_qualification_record(organization=world.suppliers[0], actor=world.admin,
                                  kind=Qualification.Kind.SOCIAL_WORK, number="SG-001",
                                  valid_from=D(2024, 1, 1), valid_until=D(2026, 3, 1))
    _refusal(world, tender)  # expired yesterday
    qualification = registry_qualification_record(
        organization=world.suppliers[0], actor=world.admin, kind=Qualification.Kind.SOCIAL_WORK,
        number="SG-002", valid_from=D(2026, 3, 2))
    registry_qualification_revoke(qualification=qualification, actor=world.admin,
                                  revoked_on=D(2026, 3, 2))
    _refusal(world, tender)  # revoked today
    registry_qualification_record(organization=world.suppliers[0], actor=world.admin,
                                  kind=Qualification.Kind.SOCIAL_WORK, number="SG-003",
                                  valid_from=D(2026, 3, 1), valid_until=D(2026, 3, 2))
    assert _bid(world, tender).status == Bid.Status.SUBMITTED


def test_tender_publish_refuses_unknown_or_unreasoned_registry_conditions_条例20(world):
    """A condition that excludes suppliers is stated with its reason (法22第二款 特定条件;
    条例20(八) no unreasonable condition; RULES.md: a rating never a discriminatory exclusion)."""
    with pytest.raises(ServiceError) as caught:
        tender_published(world, min_rating="6A", registry_conditions_reason=REASON)
    assert caught.value.code == "min_rating"
    with pytest.raises(ServiceError) as caught:
        tender_published(world, required_qualifications=["nonsense"],
                         registry_conditions_reason=REASON)
    assert caught.value.code == "qualifications"
    for conditions in ({"min_rating": "3A"}, {"required_qualifications": ["food"]}):
        with pytest.raises(ServiceError) as caught:
            tender_published(world, registry_conditions_reason="  ", **conditions)
        assert caught.value.code == "registry_reason"
    tender = tender_published(world, min_rating="3A", registry_conditions_reason=REASON)
    assert tender.registry_conditions_reason == REASON


def test_opening_record_shows_rating_and_standing_on_the_opening_day(world, clock, client):
    """The opening record shows each bidder's rating and its registry standing on the opening
    day: a listing that begins after submission shows there for the committee."""
    tender = tender_published(world, min_rating="3A", registry_conditions_reason=REASON)
    for i in range(3):
        registry_rating_record(organization=world.suppliers[i], actor=world.admin,
                               grade=("3A", "4A", "5A")[i], rated_on=D(2025, 1, 1))
        _bid(world, tender, i)
    _listing(world, 2, listed_on=D(2026, 3, 2), excluded_from=tender.bid_deadline.date(),
             excluded_until=D(2027, 3, 1))
    bids_opened_at_deadline(clock, tender, world.purchaser)
    tender.refresh_from_db()
    rows = {row["organization"]: row for row in tender_opening_record(tender=tender)}
    first, last = rows[world.suppliers[0].name], rows[world.suppliers[2].name]
    assert (first["rating"], first["eligible"]) == ("3A", True)
    assert (last["rating"], last["eligible"]) == ("5A", False)
    assert "政府采购严重违法失信行为记录名单" in last["eligibility_reasons"][0]
    client.force_login(world.purchaser)
    html = client.get(f"/workspace/procurement/tenders/{tender.pk}/").content.decode()
    assert "供应商库资格（开标日）" in html and "不符合" in html and "5A" in html


def test_registry_conditions_are_public_with_the_tender_法22第二款(world, client):
    """Suppliers read the conditions and their reason in the announcement before bidding."""
    from django.urls import reverse

    tender = tender_published(world, min_rating="3A",
                              required_qualifications=[Qualification.Kind.SOCIAL_WORK],
                              registry_conditions_reason=REASON)
    html = client.get(reverse("portal:tender-detail", args=[tender.pk])).content.decode()
    assert "最低社会组织评估等级" in html and "3A" in html
    assert "社会工作服务机构资质" in html and REASON in html
