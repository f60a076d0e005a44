"""Challenges (质疑): who may file and answer, the 7-working-day windows, signing suspension."""

import datetime as dt
from decimal import Decimal

import pytest

from core.exceptions import PermissionDenied, ServiceError
from core.models import Holiday, Notification
from procurement.models import Challenge, Contract
from procurement.services.awards import award_confirm
from procurement.services.challenges import (
    challenge_answer,
    challenge_assess,
    challenge_submit,
    challenge_withdraw,
)
from procurement.services.contracts import contract_sign
from tests.worlds import (
    TZ,
    audit_count,
    bids_opened_at_deadline,
    bids_submitted,
    tender_evaluated,
    tender_published,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender(world, clock):
    """An open tender published on Monday 2026-03-02 with three bids."""
    tender = tender_published(world)
    bids_submitted(world, tender)
    return tender


@pytest.fixture
def awarded(world, clock):
    tender = tender_published(world)
    bids_submitted(world, tender, prices=[Decimal("290000.00"), Decimal("280000.00"),
                                       Decimal("270000.01")])
    bids_opened_at_deadline(clock, tender)
    tender_evaluated(world, tender=tender, technical=15, commercial=15, seed="fixed")
    return award_confirm(tender=tender, actor=world.purchaser).contract


def file(world, tender, subject="document", i=0, grounds="评分标准指向特定供应商。"):
    return challenge_submit(tender=tender, actor=world.supplier_staff[i],
                            organization=world.suppliers[i], subject=subject, grounds=grounds)


def at(day: dt.date, hour=10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def test_supplier_challenges_the_document_and_the_purchaser_is_told(world, tender):
    challenge = file(world, tender, i=3)  # a supplier that has not bid may challenge the document
    assert challenge.status == Challenge.Status.SUBMITTED and challenge.may_change_result
    assert challenge.answer_due == dt.date(2026, 3, 11)  # 7 working days after Mon 03-02
    assert audit_count("challenge.submit") == 1
    assert Notification.objects.filter(recipient=world.purchaser,
                                       title__contains="收到质疑").exists()


@pytest.mark.parametrize("who", ["purchaser", "community", "resident", "finance",
                                 "other_purchaser", "admin", "superuser"])
def test_submit_denied_for_wrong_role(world, tender, who):
    before = audit_count()
    with pytest.raises(PermissionDenied):
        challenge_submit(tender=tender, actor=world.users()[who], organization=world.suppliers[0],
                         subject="document", grounds="理由")
    assert not Challenge.objects.exists() and audit_count() == before


def test_submit_denied_for_another_organization(world, tender):
    with pytest.raises(PermissionDenied):
        challenge_submit(tender=tender, actor=world.outsiders["social_org"],
                         organization=world.suppliers[0], subject="document", grounds="理由")
    assert not Challenge.objects.exists()


def test_step_and_result_need_a_bid_and_the_step_to_have_happened(world, tender, clock):
    with pytest.raises(ServiceError, match="尚未发生"):
        file(world, tender, subject="step")
    bids_opened_at_deadline(clock, tender)
    with pytest.raises(ServiceError, match="参加投标"):
        file(world, tender, subject="step", i=3)
    assert file(world, tender, subject="step").subject == Challenge.Subject.STEP
    with pytest.raises(ServiceError, match="尚未发生"):
        file(world, tender, subject="result", i=1)


def test_late_document_challenge_is_refused_citing_article_52(world, tender, clock):
    clock.move_to(at(dt.date(2026, 3, 11)))  # 7th working day: still in time
    file(world, tender)
    clock.move_to(at(dt.date(2026, 3, 12)))
    with pytest.raises(ServiceError, match="第五十二条") as error:
        file(world, tender, i=1)
    assert "2026-03-11" in str(error.value.messages)
    assert Challenge.objects.count() == 1


def test_window_counts_working_days_across_a_holiday(world, tender, clock):
    Holiday.objects.create(date=dt.date(2026, 3, 4), name="测试假日")
    Holiday.objects.create(date=dt.date(2026, 3, 5), name="测试假日")
    clock.move_to(at(dt.date(2026, 3, 13)))  # Friday: 7th working day with two days off
    file(world, tender)
    clock.move_to(at(dt.date(2026, 3, 16)))
    with pytest.raises(ServiceError, match="第五十二条"):
        file(world, tender, i=1)


def test_result_window_starts_after_the_one_day_announcement(world, awarded, clock):
    tender = awarded.award.tender
    award_day = dt.date(2026, 3, 23)  # Monday; announcement ends Tue 03-24, +7 → Thu 04-02
    assert awarded.award.confirmed_at.astimezone(TZ).date() == award_day
    file(world, tender, subject="result")  # during the announcement
    clock.move_to(at(dt.date(2026, 4, 2)))
    file(world, tender, subject="result", i=1)
    clock.move_to(at(dt.date(2026, 4, 3)))
    with pytest.raises(ServiceError, match="第五十二条"):
        file(world, tender, subject="result", i=2)


@pytest.mark.parametrize("who", ["social_org", "community", "finance", "other_purchaser",
                                 "admin", "superuser"])
def test_answer_and_assess_denied(world, tender, who):
    challenge = file(world, tender)
    before = audit_count()
    with pytest.raises(PermissionDenied):
        challenge_answer(challenge=challenge, actor=world.users()[who], answer="答",
                         upheld=False, may_change_result=False)
    with pytest.raises(PermissionDenied):
        challenge_assess(challenge=challenge, actor=world.users()[who], may_change_result=False)
    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.SUBMITTED and challenge.may_change_result
    assert audit_count() == before


def test_answer_in_time_and_late(world, tender, clock):
    first = file(world, tender)
    answered = challenge_answer(challenge=first, actor=world.purchaser, answer="评分标准合法。",
                                upheld=False, may_change_result=False)
    assert answered.status == Challenge.Status.REJECTED and not answered.answered_late
    assert Notification.objects.filter(recipient=world.supplier_staff[0],
                                       title__contains="质疑已答复").exists()
    with pytest.raises(ServiceError):
        challenge_answer(challenge=first, actor=world.purchaser, answer="再答", upheld=True,
                         may_change_result=True)
    second = file(world, tender, i=1)
    clock.move_to(at(second.answer_due + dt.timedelta(days=1)))
    late = challenge_answer(challenge=second, actor=world.purchaser, answer="已说明。",
                            upheld=None, may_change_result=False)
    assert late.status == Challenge.Status.ANSWERED and late.answered_late
    assert audit_count("challenge.answer") == 2


def test_withdraw_only_by_the_challenger(world, tender):
    challenge = file(world, tender)
    with pytest.raises(PermissionDenied):
        challenge_withdraw(challenge=challenge, actor=world.supplier_staff[1])
    assert challenge_withdraw(challenge=challenge,
                              actor=world.supplier_staff[0]).status == Challenge.Status.WITHDRAWN


def _winner_staff(world, contract):
    return world.supplier_staff[world.suppliers.index(contract.supplier)]


def test_open_challenge_suspends_signing_until_assessed(world, awarded):
    loser = next(i for i, o in enumerate(world.suppliers[:3]) if o != awarded.supplier)
    challenge = file(world, awarded.award.tender, subject="result", i=loser)
    with pytest.raises(ServiceError, match="第五十四条"):
        contract_sign(contract=awarded, actor=world.purchaser)
    awarded.refresh_from_db()
    assert awarded.purchaser_signed_at is None and audit_count("contract.sign") == 0
    challenge_assess(challenge=challenge, actor=world.purchaser, may_change_result=False)
    contract_sign(contract=awarded, actor=world.purchaser)
    contract_sign(contract=awarded, actor=_winner_staff(world, awarded))
    awarded.refresh_from_db()
    assert awarded.status == Contract.Status.SIGNED


def test_rejected_challenge_resumes_signing_and_an_upheld_one_keeps_it_suspended(world, awarded):
    tender = awarded.award.tender
    losers = [i for i, o in enumerate(world.suppliers[:3]) if o != awarded.supplier]
    first = file(world, tender, subject="result", i=losers[0])
    challenge_answer(challenge=first, actor=world.purchaser, answer="不成立。", upheld=False,
                     may_change_result=False)
    contract_sign(contract=awarded, actor=world.purchaser)  # resumed
    second = file(world, tender, subject="result", i=losers[1])
    with pytest.raises(ServiceError, match="第五十四条"):
        contract_sign(contract=awarded, actor=_winner_staff(world, awarded))
    challenge_answer(challenge=second, actor=world.purchaser, answer="成立，另行确定。",
                     upheld=True, may_change_result=True)
    with pytest.raises(ServiceError, match="质疑成立"):
        contract_sign(contract=awarded, actor=_winner_staff(world, awarded))
    awarded.refresh_from_db()
    assert awarded.status == Contract.Status.DRAFT and awarded.supplier_signed_at is None


def test_withdrawn_challenge_resumes_signing(world, awarded):
    loser = next(i for i, o in enumerate(world.suppliers[:3]) if o != awarded.supplier)
    challenge = file(world, awarded.award.tender, subject="result", i=loser)
    challenge_withdraw(challenge=challenge, actor=world.supplier_staff[loser])
    contract_sign(contract=awarded, actor=world.purchaser)
    assert audit_count("contract.sign") == 1
