"""Clarification and challenge pages: each role through its own login; others get 404."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry
from procurement.models import Challenge, TenderQuestion
from tests.worlds import audit_count, bids_submitted, tender_published

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tender(world, clock):
    tender = tender_published(world)
    bids_submitted(world, tender)
    return tender


def test_question_asked_answered_and_published_without_the_asker(world, tender):
    asker, rival = world.supplier_staff[0], world.supplier_staff[1]
    qa = reverse("procurement:tender-qa", args=[tender.pk])
    response = login(asker).post(qa, {"organization": world.suppliers[0].pk,
                                      "question": "是否接受联合体投标？"})
    assert response.status_code == 302
    question = TenderQuestion.objects.get()
    assert question.asked_by == asker
    page = login(rival).get(qa).content.decode()
    assert "联合体" not in page  # not yet published, and not the rival's own question
    purchaser_page = login(world.purchaser).get(qa).content.decode()
    assert "联合体" in purchaser_page and world.suppliers[0].name in purchaser_page
    answer_url = reverse("procurement:question-answer", args=[question.pk])
    assert login(world.outsiders["purchaser"]).post(answer_url, {"answer": "否"}).status_code == 404
    assert login(rival).post(answer_url, {"answer": "否"}).status_code == 404
    unconfirmed = login(world.purchaser).post(answer_url, {"answer": "不接受联合体投标。"})
    assert unconfirmed.status_code == 200 and "请确认：答复并公开澄清问题" in unconfirmed.content.decode()
    question.refresh_from_db()
    assert not question.published and question.answered_at is None
    assert login(world.purchaser).post(answer_url, {"answer": "不接受联合体投标。",
                                                    "confirmed": "1"}).status_code == 302
    question.refresh_from_db()
    assert question.published and question.answered_by == world.purchaser
    for html in (login(rival).get(qa).content.decode(),
                 Client().get(reverse("portal:tender-detail", args=[tender.pk])).content.decode()):
        assert "是否接受联合体投标" in html and "不接受联合体投标" in html
        assert world.suppliers[0].name not in html


def test_question_form_denied_to_wrong_roles(world, tender):
    qa = reverse("procurement:tender-qa", args=[tender.pk])
    for who in ("resident", "community", "purchaser", "admin"):
        response = login(world.users()[who]).post(qa, {"organization": world.suppliers[0].pk,
                                                      "question": "问"})
        assert response.status_code == 404, who
    # another organization's staff cannot ask in the first one's name
    response = login(world.outsiders["social_org"]).post(
        qa, {"organization": world.suppliers[0].pk, "question": "问"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not TenderQuestion.objects.exists()


def test_challenge_filed_and_answered_through_the_pages(world, tender):
    bidder = world.supplier_staff[0]
    url = reverse("procurement:challenge-submit", args=[tender.pk])
    assert login(bidder).get(url).status_code == 200
    response = login(bidder).post(url, {"organization": world.suppliers[0].pk,
                                        "subject": "document", "grounds": "资格条件设置不合理。"})
    challenge = Challenge.objects.get()
    detail = reverse("procurement:challenge-detail", args=[challenge.pk])
    assert response.status_code == 302 and response["Location"] == detail
    pending = login(world.purchaser).get(reverse("procurement:qa-pending")).content.decode()
    assert detail in pending
    for who in ("other_purchaser", "community", "resident", "admin", "superuser"):
        assert login(world.users()[who]).get(detail).status_code == 404, who
    assert login(world.supplier_staff[1]).get(detail).status_code == 404
    assert login(bidder).post(detail, {"outcome": "upheld", "answer": "x"}).status_code == 404
    before = audit_count("challenge.answer")
    answer = {"outcome": "rejected", "answer": "资格条件符合规定。"}
    unconfirmed = login(world.purchaser).post(detail, answer)
    assert unconfirmed.status_code == 200 and "请确认：答复质疑" in unconfirmed.content.decode()
    assert audit_count("challenge.answer") == before
    response = login(world.purchaser).post(detail, {**answer, "confirmed": "1"})
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.REJECTED and not challenge.may_change_result
    assert audit_count("challenge.answer") == before + 1
    assert "资格条件符合规定" in login(bidder).get(detail).content.decode()


def test_challenge_assess_and_withdraw_pages(world, tender):
    bidder = world.supplier_staff[0]
    login(bidder).post(reverse("procurement:challenge-submit", args=[tender.pk]),
                       {"organization": world.suppliers[0].pk, "subject": "document",
                        "grounds": "理由"})
    challenge = Challenge.objects.get()
    detail = reverse("procurement:challenge-detail", args=[challenge.pk])
    assert login(world.purchaser).post(detail, {"action": "assess"}).status_code == 302
    challenge.refresh_from_db()
    assert not challenge.may_change_result
    withdraw = reverse("procurement:challenge-withdraw", args=[challenge.pk])
    assert login(world.supplier_staff[1]).post(withdraw, {"confirmed": "1"}).status_code == 404
    audits = AuditEntry.objects.count()
    page = login(bidder).post(withdraw)  # the confirmation page first: nothing changes
    assert page.status_code == 200 and "请确认：撤回质疑" in page.content.decode()
    challenge.refresh_from_db()
    assert challenge.status != Challenge.Status.WITHDRAWN and AuditEntry.objects.count() == audits
    assert login(bidder).post(withdraw, {"confirmed": "1"}).status_code == 302
    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.WITHDRAWN


def test_challenge_form_refuses_empty_input_and_wrong_roles(world, tender):
    url = reverse("procurement:challenge-submit", args=[tender.pk])
    response = login(world.supplier_staff[0]).post(url, {})
    assert response.status_code == 200 and "此项为必填项" in response.content.decode()
    for who in ("resident", "purchaser", "community", "admin", "superuser"):
        assert login(world.users()[who]).get(url).status_code == 404, who
    assert not Challenge.objects.exists()


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_qa_pages_run_the_same_number_of_queries_for_few_and_many_rows(world, tender):
    from procurement.services.challenges import challenge_submit
    from procurement.services.clarifications import question_answer, question_ask

    def add(n):
        for k in range(n):
            i = k % 4
            q = question_ask(tender=tender, actor=world.supplier_staff[i],
                             organization=world.suppliers[i], question=f"问题{k}")
            if k % 2:
                question_answer(question=q, actor=world.purchaser, answer=f"答复{k}")
            challenge_submit(tender=tender, actor=world.supplier_staff[i],
                             organization=world.suppliers[i], subject="document",
                             grounds=f"理由{k}")

    purchaser, bidder = login(world.purchaser), login(world.supplier_staff[0])
    urls = [(purchaser, reverse("procurement:qa-pending")),
            (purchaser, reverse("procurement:tender-qa", args=[tender.pk])),
            (bidder, reverse("procurement:tender-qa", args=[tender.pk])),
            (Client(), reverse("portal:tender-detail", args=[tender.pk]))]
    add(2)
    few = [_queries(c, u) for c, u in urls]
    add(20)
    many = [_queries(c, u) for c, u in urls]
    assert few == many


def test_challenge_of_an_amendment_through_the_page_94号令11(world, tender, clock):
    """The form lists the tender's 更正公告 with their windows; the challenge names one."""
    import datetime as dt

    from procurement.services.amendments import tender_amend
    from tests.worlds import TZ

    clock.move_to(dt.datetime(2026, 3, 13, 10, tzinfo=TZ))
    amendment = tender_amend(tender=tender, actor=world.purchaser, content="增加夜间服务要求。")
    clock.move_to(dt.datetime(2026, 3, 24, 10, tzinfo=TZ))  # ordinary window ended 03-18
    url = reverse("procurement:challenge-submit", args=[tender.pk])
    bidder = login(world.supplier_staff[0])
    page = bidder.get(url).content.decode()
    assert "第2版更正公告的内容" in page and "2026-03-24" in page
    response = bidder.post(url, {"organization": world.suppliers[0].pk, "subject": "document",
                                 "grounds": "夜间服务要求不合理。"})
    assert response.status_code == 200 and "2026-03-18" in response.content.decode()
    other = tender_published(world)
    clock.move_to(dt.datetime(2026, 3, 24, 11, tzinfo=TZ))
    foreign = tender_amend(tender=other, actor=world.purchaser, content="其他项目。")
    response = bidder.post(url, {"organization": world.suppliers[0].pk, "subject": "document",
                                 "amendment": foreign.pk, "grounds": "理由。"})
    assert response.status_code == 200 and "请选择本项目的更正公告" in response.content.decode()
    response = bidder.post(url, {"organization": world.suppliers[0].pk, "subject": "document",
                                 "amendment": amendment.pk, "grounds": "夜间服务要求不合理。"})
    challenge = Challenge.objects.get()
    assert response.status_code == 302 and challenge.amendment == amendment
    detail = login(world.purchaser).get(response["Location"]).content.decode()
    assert "第2版更正公告的内容" in detail


def test_answer_affecting_responses_through_the_page_is_a_clarification_notice_87号令27(
        world, tender):
    login(world.supplier_staff[3]).post(
        reverse("procurement:tender-qa", args=[tender.pk]),
        {"organization": world.suppliers[3].pk, "question": "服务时段？"})
    question = TenderQuestion.objects.get()
    purchaser = login(world.purchaser)
    response = purchaser.post(reverse("procurement:question-answer", args=[question.pk]),
                              {"answer": "含夜间。", "affects_responses": "on", "confirmed": "1"},
                              follow=True)
    page = response.content.decode()
    assert "答复已作为澄清公告发布（采购文件第2版）" in page
    question.refresh_from_db()
    assert question.amendment.version == 2
    detail = purchaser.get(reverse("procurement:tender-detail", args=[tender.pk])).content.decode()
    assert 'id="amendment-2"' in detail and "含夜间。" in detail


def test_challenge_form_has_no_amendment_field_without_amendments(world, tender):
    page = login(world.supplier_staff[0]).get(
        reverse("procurement:challenge-submit", args=[tender.pk])).content.decode()
    assert 'name="amendment"' not in page and 'name="grounds"' in page
