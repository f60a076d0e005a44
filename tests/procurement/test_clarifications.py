"""Clarification Q&A (澄清答疑): who may ask and answer, sealed askers, deadline extension."""

import datetime as dt

import pytest

from core.exceptions import PermissionDenied, ServiceError
from core.models import Notification
from procurement.models import Tender, TenderQuestion
from procurement.services.clarifications import question_answer, question_ask
from tests.worlds import audit_count, bids_submitted, tender_published

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


def test_late_answer_affecting_responses_extends_the_deadline(world, tender, clock):
    old_deadline = tender.bid_deadline
    clock.move_to(old_deadline - dt.timedelta(days=10))  # 10 days left, 15 required (open)
    question = ask(world, tender)
    question_answer(question=question, actor=world.purchaser, answer="服务人数调整为300人。",
                    affects_responses=True)
    tender.refresh_from_db()
    question.refresh_from_db()
    assert tender.bid_deadline == question.answered_at + dt.timedelta(days=15)
    assert tender.bid_deadline > old_deadline
    assert audit_count("tender.extend_deadline") == 1
    assert Notification.objects.filter(recipient=world.supplier_staff[0],
                                       title__contains="投标截止时间已延长").exists()


def test_answers_that_do_not_need_an_extension_leave_the_deadline(world, tender, clock):
    old_deadline = tender.bid_deadline
    # 20 days left: an answer affecting responses is early enough
    question_answer(question=ask(world, tender), actor=world.purchaser, answer="答一",
                    affects_responses=True)
    clock.move_to(old_deadline - dt.timedelta(days=2))
    # late, but not affecting responses
    question_answer(question=ask(world, tender, text="另一个问题"), actor=world.purchaser,
                    answer="答二")
    tender.refresh_from_db()
    assert tender.bid_deadline == old_deadline
    assert audit_count("tender.extend_deadline") == 0


def test_consultation_uses_its_own_configured_days(world, clock, settings):
    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES, "CLARIFICATION_MIN_DAYS_CONSULTATION": 7}
    tender = tender_published(world, method="consultation", days=12, price_weight=20)
    assert tender.method == Tender.Method.CONSULTATION
    clock.move_to(tender.bid_deadline - dt.timedelta(days=8))  # 8 ≥ 7: no extension
    question_answer(question=ask(world, tender), actor=world.purchaser, answer="答",
                    affects_responses=True)
    tender.refresh_from_db()
    deadline = tender.bid_deadline
    clock.move_to(deadline - dt.timedelta(days=6))  # 6 < 7: extend by 7 days from now
    answered = question_answer(question=ask(world, tender, text="问二"), actor=world.purchaser,
                               answer="答二", affects_responses=True)
    tender.refresh_from_db()
    assert tender.bid_deadline == answered.answered_at + dt.timedelta(days=7)
