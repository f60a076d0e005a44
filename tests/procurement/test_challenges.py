"""Challenges (质疑): who may file and answer, the 7-working-day windows, signing suspension."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Holiday, Notification
from procurement.models import Challenge, Contract, TenderAmendment
from procurement.services.amendments import tender_amend
from procurement.services.awards import award_confirm
from procurement.services.challenges import (
    challenge_answer,
    challenge_assess,
    challenge_submit,
    challenge_withdraw,
)
from procurement.services.clarifications import question_answer, question_ask
from procurement.services.contracts import contract_sign
from procurement.services.tenders import tender_extend_deadline, tender_publish
from tests.worlds import (
    PROCUREMENT_WORLD,
    TZ,
    audit_count,
    bids_opened_at_deadline,
    bids_submitted,
    criteria,
    project_budget_confirmed,
    tender_evaluated,
    tender_published,
    world_build,
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
    # Published Mon 03-02: the announcement ends Mon 03-09 (5 working days, 87号令16); the
    # documents are provided until then; 7 working days later is Wed 03-18 (条例53(一)).
    assert tender.announcement_ends_on == dt.date(2026, 3, 9)
    assert tender.documents_until == dt.date(2026, 3, 9)
    clock.move_to(at(dt.date(2026, 3, 18), hour=23))  # 7th working day: still in time
    file(world, tender)
    clock.move_to(at(dt.date(2026, 3, 19), hour=0))
    with pytest.raises(ServiceError, match="第五十二条") as error:
        file(world, tender, i=1)
    assert "2026-03-18" in str(error.value.messages)
    assert "第五十三条第一项" in str(error.value.messages)
    assert Challenge.objects.count() == 1


def test_document_window_runs_from_the_end_of_the_announcement_regulation_53_1(
        world, tender, clock):
    # Under the old count (7 working days from publication) Thu 03-12 was already too late.
    clock.move_to(at(dt.date(2026, 3, 12)))
    assert file(world, tender).subject == Challenge.Subject.DOCUMENT


def test_document_window_runs_from_the_last_day_documents_are_provided_regulation_53_1(
        world, clock):
    tender = tender_published(world, documents_until=dt.date(2026, 3, 16))
    # Documents taken on their last day (Mon 03-16) → 7 working days → Wed 03-25.
    clock.move_to(at(dt.date(2026, 3, 25)))
    file(world, tender)
    clock.move_to(at(dt.date(2026, 3, 26)))
    with pytest.raises(ServiceError, match="2026-03-25"):
        file(world, tender, i=1)


def test_window_counts_working_days_across_a_holiday(world, tender, clock):
    Holiday.objects.create(date=dt.date(2026, 3, 11), name="测试假日")
    Holiday.objects.create(date=dt.date(2026, 3, 12), name="测试假日")
    clock.move_to(at(dt.date(2026, 3, 20)))  # Friday: 7th working day after 03-09, two days off
    file(world, tender)
    clock.move_to(at(dt.date(2026, 3, 23)))
    with pytest.raises(ServiceError, match="第五十二条"):
        file(world, tender, i=1)


@pytest.mark.parametrize(("published", "announcement_end", "last_day"), [
    # 春节 02-15..23 off, Sat 02-14 and Sat 02-28 worked: Thu 02-12 → 02-13, 02-14, 02-24,
    # 02-25, 02-26; then 02-27, 02-28, 03-02 .. 03-06.
    (dt.date(2026, 2, 12), dt.date(2026, 2, 26), dt.date(2026, 3, 6)),
    # 国庆 10-01..07 off, Sat 10-10 worked: Mon 09-28 → 09-29, 09-30, 10-08, 10-09, 10-10;
    # then 10-12 .. 10-16, 10-19, 10-20.
    (dt.date(2026, 9, 28), dt.date(2026, 10, 10), dt.date(2026, 10, 20)),
])
def test_document_window_on_the_2026_holidays_regulation_53_1(clock, published,
                                                               announcement_end, last_day):
    clock.move_to(at(published, hour=9))
    w = world_build(**PROCUREMENT_WORLD)
    tender = tender_published(w)
    assert tender.announcement_ends_on == announcement_end
    clock.move_to(at(last_day, hour=17))
    file(w, tender)
    clock.move_to(at(last_day + dt.timedelta(days=1), hour=9))
    with pytest.raises(ServiceError, match=last_day.isoformat()):
        file(w, tender, i=1)
    assert Challenge.objects.count() == 1


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
    assert second.answer_due == dt.date(2026, 3, 11)
    clock.move_to(at(dt.date(2026, 3, 12), hour=0))
    late = challenge_answer(challenge=second, actor=world.purchaser, answer="已说明。",
                            upheld=None, may_change_result=False, late_reason="需核实专家意见")
    assert late.status == Challenge.Status.ANSWERED and late.answered_late
    assert late.late_reason == "需核实专家意见"
    assert audit_count("challenge.answer") == 2


def test_late_answer_needs_a_recorded_reason_law_53(world, tender, clock):
    first, second = file(world, tender), file(world, tender, i=1)  # Mon 03-02 → due Wed 03-11
    clock.move_to(at(dt.date(2026, 3, 11), hour=23))
    answered = challenge_answer(challenge=first, actor=world.purchaser, answer="已说明。",
                                upheld=None, may_change_result=False, late_reason="不会记录")
    assert not answered.answered_late and answered.late_reason == ""
    clock.move_to(at(dt.date(2026, 3, 12), hour=0))
    before = audit_count()
    for reason in ("", "  "):
        with pytest.raises(ServiceError, match="第五十三条") as error:
            challenge_answer(challenge=second, actor=world.purchaser, answer="答复。",
                             upheld=False, may_change_result=False, late_reason=reason)
        assert "2026-03-11" in str(error.value.messages)
    second.refresh_from_db()
    assert second.status == Challenge.Status.SUBMITTED and audit_count() == before


def test_late_answer_across_the_national_day_holiday_law_53(clock, client):
    # Filed Wed 09-23: 09-24, (中秋 09-25..27), 09-28, 09-29, 09-30, (国庆 10-01..07), 10-08,
    # 10-09 and the 调休 Saturday 10-10 → due 10-10.
    clock.move_to(at(dt.date(2026, 9, 23), hour=9))
    w = world_build(**PROCUREMENT_WORLD)
    tender = tender_published(w)
    challenge = file(w, tender)
    assert challenge.answer_due == dt.date(2026, 10, 10)
    clock.move_to(at(dt.date(2026, 10, 11), hour=9))  # Sunday, one day late
    with pytest.raises(ServiceError, match="2026-10-10"):
        challenge_answer(challenge=challenge, actor=w.purchaser, answer="答复。", upheld=False,
                         may_change_result=False)
    late = challenge_answer(challenge=challenge, actor=w.purchaser, answer="答复。",
                            upheld=False, may_change_result=False, late_reason="国庆假期")
    assert late.answered_late
    entry = AuditEntry.objects.filter(action="challenge.answer").get()
    assert entry.after["answered_late"] is True and entry.after["late_reason"] == "国庆假期"
    client.force_login(w.purchaser)
    page = client.get(reverse("procurement:challenge-detail", args=[challenge.pk]))
    assert 'data-late="answer"' in page.content.decode() and "国庆假期" in page.content.decode()


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


# Challenges of amended content (更正公告): 87号令第27条 makes it part of the documents; 94号令第11条
# counts 7 working days from obtaining it — its publication, when every known holder is notified.

def amend_at(world, clock, tender, when, **kw):
    clock.move_to(when)
    kw.setdefault("content", "增加夜间服务要求。")
    return tender_amend(tender=tender, actor=world.purchaser, **kw)


def test_amended_content_can_be_challenged_7_working_days_from_its_publication_94号令11(
        world, tender, clock):
    # Ordinary document window ends Wed 03-18; the amendment of Fri 03-13 runs to Tue 03-24.
    amendment = amend_at(world, clock, tender, at(dt.date(2026, 3, 13)))
    clock.move_to(at(dt.date(2026, 3, 20)))
    with pytest.raises(ServiceError, match="2026-03-18"):  # not naming it: ordinary window
        file(world, tender)
    clock.move_to(at(dt.date(2026, 3, 24), hour=23))
    challenge = challenge_submit(tender=tender, actor=world.supplier_staff[0],
                                 organization=world.suppliers[0], subject="document",
                                 grounds="更正后的夜间服务要求指向特定供应商。", amendment=amendment)
    assert challenge.amendment == amendment
    assert AuditEntry.objects.get(action="challenge.submit").after["amendment"] == amendment.pk
    clock.move_to(at(dt.date(2026, 3, 25), hour=0))
    with pytest.raises(ServiceError, match="第2版更正公告") as error:
        challenge_submit(tender=tender, actor=world.supplier_staff[1],
                         organization=world.suppliers[1], subject="document",
                         grounds="同上。", amendment=amendment)
    assert "2026-03-24" in str(error.value.messages) and "第十一条" in str(error.value.messages)
    assert Challenge.objects.count() == 1


def test_an_early_amendment_keeps_the_ordinary_window_87号令27(world, tender, clock):
    # Published Tue 03-03: 7 working days end Thu 03-12, before the ordinary Wed 03-18.
    amendment = amend_at(world, clock, tender, at(dt.date(2026, 3, 3)))
    clock.move_to(at(dt.date(2026, 3, 18), hour=17))
    assert challenge_submit(tender=tender, actor=world.supplier_staff[0],
                            organization=world.suppliers[0], subject="document",
                            grounds="理由。", amendment=amendment).amendment == amendment


def test_clarifications_and_extensions_are_challengeable_like_amendments_87号令27(
        world, tender, clock):
    clock.move_to(at(dt.date(2026, 3, 13)))
    question = question_ask(tender=tender, actor=world.supplier_staff[3],
                            organization=world.suppliers[3], question="服务时段？")
    clarified = question_answer(question=question, actor=world.purchaser, answer="含夜间。",
                                affects_responses=True).amendment
    tender_extend_deadline(tender=tender, actor=world.purchaser,
                           new_deadline=tender.bid_deadline + dt.timedelta(days=30),
                           reason="场地调整")
    extension = TenderAmendment.objects.get(tender=tender, kind="extension")
    clock.move_to(at(dt.date(2026, 3, 24)))
    for i, amendment in enumerate((clarified, extension)):
        assert challenge_submit(tender=tender, actor=world.supplier_staff[i],
                                organization=world.suppliers[i], subject="document",
                                grounds="理由。", amendment=amendment).amendment == amendment


@pytest.mark.parametrize(("published", "amended", "last_day", "method"), [
    # 国庆 10-01…10-07 off, Sat 10-10 worked: Wed 09-30 → 10-08, 10-09, 10-10, 10-12 … 10-15.
    (at(dt.date(2026, 9, 1), hour=9), at(dt.date(2026, 9, 30)), dt.date(2026, 10, 15), "open"),
    # 春节 02-15…02-23 off, Sat 02-14 and 02-28 worked: Fri 02-13 → 02-14, 02-24 … 02-28, 03-02.
    (at(dt.date(2026, 1, 26), hour=9), at(dt.date(2026, 2, 13)), dt.date(2026, 3, 2),
     "consultation"),
])
def test_amendment_window_on_the_2026_holidays_94号令11(clock, published, amended, last_day,
                                                      method):
    clock.move_to(published)
    w = world_build(**PROCUREMENT_WORLD)
    tender = tender_publish(project=project_budget_confirmed(w), actor=w.purchaser,
                            method=method, bid_deadline=published + dt.timedelta(days=60),
                            price_weight=Decimal("20"), criteria=criteria(Decimal("20")))
    amendment = amend_at(w, clock, tender, amended)
    clock.move_to(at(last_day, hour=17))
    challenge_submit(tender=tender, actor=w.supplier_staff[0], organization=w.suppliers[0],
                     subject="document", grounds="理由。", amendment=amendment)
    clock.move_to(at(last_day + dt.timedelta(days=1), hour=9))
    with pytest.raises(ServiceError, match=last_day.isoformat()):
        challenge_submit(tender=tender, actor=w.supplier_staff[1], organization=w.suppliers[1],
                         subject="document", grounds="理由。", amendment=amendment)
    assert Challenge.objects.count() == 1


def test_an_amendment_of_another_tender_or_subject_is_refused(world, tender, clock):
    other = tender_published(world)
    foreign = amend_at(world, clock, other, at(dt.date(2026, 3, 3)))
    own = amend_at(world, clock, tender, at(dt.date(2026, 3, 3), hour=11))
    with pytest.raises(ServiceError, match="本项目的更正公告"):
        challenge_submit(tender=tender, actor=world.supplier_staff[0],
                         organization=world.suppliers[0], subject="document", grounds="理由。",
                         amendment=foreign)
    bids_opened_at_deadline(clock, tender)
    with pytest.raises(ServiceError, match="采购文件"):
        challenge_submit(tender=tender, actor=world.supplier_staff[0],
                         organization=world.suppliers[0], subject="step", grounds="理由。",
                         amendment=own)
    assert not Challenge.objects.exists()
