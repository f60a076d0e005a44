"""Clarification Q&A (澄清答疑): who may ask and answer, sealed askers; an answer affecting
responses is a clarification amendment (87号令第27条, 磋商办法第10条, 74号令第29条)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.calendar import is_working_day
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from procurement.models import Bid, BidFlag, Tender, TenderAmendment, TenderQuestion
from procurement.services.amendments import bid_reconfirm
from procurement.services.clarifications import question_answer, question_ask
from procurement.services.tenders import tender_publish
from tests.worlds import (
    TZ,
    audit_count,
    bids_opened_at_deadline,
    bids_submitted,
    criteria,
    project_budget_confirmed,
    tender_published,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender(world, clock):
    tender = tender_published(world)  # open tender, deadline in 21 days
    bids_submitted(world, tender)
    return tender


def ask(world, tender, i=3, text="服务人数是否包括周边社区？"):
    return question_ask(tender=tender, actor=world.supplier_staff[i],
                        organization=world.suppliers[i], question=text)


def test_supplier_asks_and_the_purchaser_is_told(world, tender):
    question = ask(world, tender)
    assert question.organization == world.suppliers[3] and not question.published
    assert audit_count("question.ask") == 1
    assert Notification.objects.filter(recipient=world.purchaser,
                                       title__contains="收到澄清问题").exists()


@pytest.mark.parametrize("who", ["purchaser", "community", "resident", "finance",
                                 "other_purchaser", "admin", "superuser"])
def test_ask_denied_for_wrong_role(world, tender, who):
    before = audit_count()
    with pytest.raises(PermissionDenied):
        question_ask(tender=tender, actor=world.users()[who], organization=world.suppliers[0],
                     question="问题")
    assert not TenderQuestion.objects.exists() and audit_count() == before


def test_ask_denied_for_another_organization(world, tender):
    with pytest.raises(PermissionDenied):
        question_ask(tender=tender, actor=world.outsiders["social_org"],
                     organization=world.suppliers[0], question="问题")
    assert not TenderQuestion.objects.exists()


def test_ask_refused_after_the_deadline_and_when_empty(world, tender, clock):
    with pytest.raises(ServiceError):
        ask(world, tender, text="  ")
    clock.move_to(tender.bid_deadline + dt.timedelta(minutes=1))
    with pytest.raises(ServiceError, match="投标截止前"):
        ask(world, tender)
    assert not TenderQuestion.objects.exists()


def test_answer_is_published_to_every_bidder_and_asker_without_the_askers_name(world, tender):
    question = ask(world, tender)
    answered = question_answer(question=question, actor=world.purchaser, answer="包括。")
    assert answered.published and answered.answered_by == world.purchaser
    assert audit_count("question.answer") == 1
    for staff in world.supplier_staff:  # three bidders and the (non-bidding) asker
        note = Notification.objects.get(recipient=staff, title__contains="澄清答疑已发布")
        assert "包括。" in note.body and "服务人数" in note.body
        assert world.suppliers[3].name not in note.title + note.body
        assert world.supplier_staff[3].username not in note.body
    assert not Notification.objects.filter(recipient=world.outsiders["social_org"]).exists()
    with pytest.raises(ServiceError, match="已答复"):
        question_answer(question=question, actor=world.purchaser, answer="再答")


@pytest.mark.parametrize("who", ["social_org", "community", "finance", "other_purchaser",
                                 "admin", "superuser"])
def test_answer_denied(world, tender, who):
    question = ask(world, tender)
    before = audit_count()
    with pytest.raises(PermissionDenied):
        question_answer(question=question, actor=world.users()[who], answer="答")
    question.refresh_from_db()
    assert question.answered_at is None and not question.published and audit_count() == before


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def test_late_answer_affecting_responses_is_a_clarification_amendment_87号令27(
        world, tender, clock):
    """87号令第27条 "澄清或者修改": the answer makes version 2, its public text is the
    amendment, the 15-day rule postpones the deadline and every bidder must re-confirm."""
    old_deadline = tender.bid_deadline
    clock.move_to(old_deadline - dt.timedelta(days=10))  # 10 days left, 15 required (open)
    question = ask(world, tender)
    question_answer(question=question, actor=world.purchaser, answer="服务人数调整为300人。",
                    affects_responses=True)
    tender.refresh_from_db()
    question.refresh_from_db()
    amendment = question.amendment
    assert amendment.kind == TenderAmendment.Kind.CLARIFICATION and amendment.affects_bids
    assert tender.version == amendment.version == 2 and tender.required_bid_version() == 2
    assert "服务人数是否包括周边社区" in amendment.content and "300人" in amendment.content
    assert world.suppliers[3].name not in amendment.content
    # Answered Fri 03-13 09:00 + 15 days = Sat 03-28: the first working day, Mon 03-30, same time.
    assert timezone.localtime(question.answered_at) == at(2026, 3, 13, 9)
    assert tender.bid_deadline == amendment.new_deadline == at(2026, 3, 30, 9)
    assert amendment.old_deadline == old_deadline and amendment.deadline_postponed_by_law
    assert audit_count("tender.amend") == 1 and audit_count("tender.extend_deadline") == 0
    assert AuditEntry.objects.get(action="question.answer").after["amendment"] == amendment.pk
    for staff in world.supplier_staff:  # three bidders and the asker: one notice each
        note = Notification.objects.get(recipient=staff, title__contains="澄清公告")
        assert "第2版" in note.title and "300人" in note.body and "重新确认" in note.body
        assert "2026-03-30 09:00" in note.body
        assert world.suppliers[3].name not in note.body
        assert not Notification.objects.filter(recipient=staff,
                                               title__contains="澄清答疑已发布").exists()


def test_bids_left_on_the_version_before_the_clarification_are_flagged_at_opening_87号令27(
        world, tender, clock):
    question_answer(question=ask(world, tender), actor=world.purchaser, answer="包括。",
                    affects_responses=True)
    tender.refresh_from_db()
    bid_reconfirm(bid=Bid.objects.get(tender=tender, organization=world.suppliers[0]),
                  actor=world.supplier_staff[0])
    bids_opened_at_deadline(clock, tender)
    flagged = {b.organization_id for f in BidFlag.objects.filter(
        tender=tender, kind=BidFlag.Kind.OUTDATED_VERSION) for b in f.bids.all()}
    assert flagged == {world.suppliers[1].pk, world.suppliers[2].pk}


def test_answers_not_affecting_responses_make_no_amendment_87号令27(world, tender, clock):
    old_deadline = tender.bid_deadline
    clock.move_to(old_deadline - dt.timedelta(days=2))  # late, but not affecting responses
    question = question_answer(question=ask(world, tender, text="另一个问题"),
                               actor=world.purchaser, answer="答二")
    tender.refresh_from_db()
    assert tender.bid_deadline == old_deadline and tender.version == 1
    assert question.amendment is None and not TenderAmendment.objects.exists()
    assert audit_count("tender.amend") == 0 and audit_count("tender.extend_deadline") == 0


def test_an_early_answer_affecting_responses_keeps_the_deadline_but_makes_a_version_87号令27(
        world, tender):
    old_deadline = tender.bid_deadline  # 21 days left: early enough
    question = question_answer(question=ask(world, tender), actor=world.purchaser,
                               answer="答一", affects_responses=True)
    tender.refresh_from_db()
    assert tender.bid_deadline == old_deadline and tender.version == 2
    assert not question.amendment.deadline_postponed_by_law


def test_consultation_uses_its_own_configured_days_磋商办法10(world, clock, settings):
    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES, "CLARIFICATION_MIN_DAYS_CONSULTATION": 7}
    tender = tender_published(world, method="consultation", days=12, price_weight=20)
    assert tender.method == Tender.Method.CONSULTATION
    clock.move_to(tender.bid_deadline - dt.timedelta(days=8))  # 8 ≥ 7: no extension
    question_answer(question=ask(world, tender), actor=world.purchaser, answer="答",
                    affects_responses=True)
    tender.refresh_from_db()
    deadline = tender.bid_deadline
    clock.move_to(deadline - dt.timedelta(days=6))  # 6 < 7: 7 days from now, on a working day
    answered = question_answer(question=ask(world, tender, text="问二"), actor=world.purchaser,
                               answer="答二", affects_responses=True)
    tender.refresh_from_db()
    assert tender.version == 3
    assert tender.bid_deadline >= answered.answered_at + dt.timedelta(days=7)
    assert tender.bid_deadline < answered.answered_at + dt.timedelta(days=10)
    assert is_working_day(timezone.localdate(tender.bid_deadline))


@pytest.mark.parametrize(("answered", "deadline"), [
    # 国庆 10-01…10-07 off, Sat 10-10 worked. From Tue 09-29: 09-30, 10-08, 10-09 → kept.
    (at(2026, 9, 29, 9), at(2026, 10, 9, 9, 30)),
    # From Wed 09-30: 10-08, 10-09, 10-10 (调休 Saturday) → moved to Sat 10-10 09:30.
    (at(2026, 9, 30, 9), at(2026, 10, 10, 9, 30)),
])
def test_negotiation_clarification_3_working_days_across_national_day_74号令29(
        world, clock, answered, deadline):
    clock.move_to(at(2026, 9, 21, 9))
    tender = tender_publish(project=project_budget_confirmed(world), actor=world.purchaser,
                            method="negotiation", bid_deadline=at(2026, 10, 9, 9, 30),
                            price_weight=Decimal("0"), criteria=criteria(Decimal("0")))
    clock.move_to(answered)
    question_answer(question=ask(world, tender), actor=world.purchaser, answer="答",
                    affects_responses=True)
    tender.refresh_from_db()
    assert tender.bid_deadline == deadline and tender.version == 2
