"""Questions and challenges in the purchaser's inbox (issue 8 item 4): the workspace home lists
unanswered clarification questions and open challenges with the day each answer is due, overdue
in red, and the menu entry 答疑与质疑 carries their count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from procurement.selectors.questions import qa_inbox_for_user, question_answer_due
from procurement.services.challenges import challenge_submit
from procurement.services.clarifications import question_ask
from tests.worlds import bids_submitted, tender_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender(world):
    tender = tender_published(world)  # Monday 03-02 09:00, deadline Monday 03-23 09:00
    bids_submitted(world, tender)
    return tender


def ask(world, tender, text="是否接受联合体投标？"):
    return question_ask(tender=tender, actor=world.supplier_staff[0],
                        organization=world.suppliers[0], question=text)


def test_a_question_is_due_when_an_answer_still_leaves_the_deadline_87号令27(world, tender):
    question = ask(world, tender)
    assert question_answer_due(tender=tender, asked_at=question.asked_at) == dt.date(2026, 3, 8)


def test_a_negotiation_question_is_due_3_working_days_before_74号令29(world):
    tender = tender_published(world, method="negotiation", price_weight=Decimal("0"))
    deadline_day = tender.bid_deadline.date()  # Monday 03-23
    assert deadline_day == dt.date(2026, 3, 23)
    assert question_answer_due(tender=tender, asked_at=tender.published_at) == dt.date(2026, 3, 18)


def test_a_question_asked_after_that_day_is_due_on_the_deadline_day(world, tender, clock):
    clock.move_to(dt.datetime(2026, 3, 12, 10, 0, tzinfo=dt.UTC))
    question = ask(world, tender)
    assert question_answer_due(tender=tender, asked_at=question.asked_at) == dt.date(2026, 3, 23)


def test_the_home_lists_questions_and_challenges_with_their_due_days(client, world, tender,
                                                                     clock):
    ask(world, tender)
    challenge = challenge_submit(tender=tender, actor=world.supplier_staff[1],
                                 organization=world.suppliers[1], subject="document",
                                 grounds="资格条件排斥潜在供应商")
    [question_row, challenge_row] = qa_inbox_for_user(user=world.purchaser)
    assert (question_row.kind, question_row.due) == ("question", dt.date(2026, 3, 8))
    assert (challenge_row.kind, challenge_row.due) == ("challenge", challenge.answer_due)
    client.force_login(world.purchaser)
    html = client.get(reverse("home")).content.decode()
    assert "答疑与质疑（2）" in html and "2026-03-08" in html
    assert challenge.answer_due.isoformat() in html and "已逾期" not in html
    assert reverse("procurement:challenge-detail", args=[challenge.pk]) in html
    assert "答疑与质疑（2）</span>" in html  # the menu entry with its count
    clock.move_to(dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC))  # the question's day has passed
    client.force_login(world.purchaser)  # a purchaser's session ends after 2 idle hours
    html = client.get(reverse("home")).content.decode()
    assert 'class="inbox-qa-row overdue"' in html and "1 项已逾期" in html
    pending = client.get(reverse("procurement:qa-pending")).content.decode()
    assert "2026-03-08" in pending and "已逾期" in pending


def test_others_see_no_qa_section(client, world, tender):
    ask(world, tender)
    for user in (world.supplier_staff[0], world.community, world.outsiders["purchaser"]):
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert "inbox-qa" not in html and "答疑与质疑（" not in html
