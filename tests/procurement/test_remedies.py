"""After an upheld challenge on the result (政府采购质疑和投诉办法第十六条, 87号令第六十四条,
条例第五十四条): re-evaluate, award the next ranked, or re-tender; signing waits for one of them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry
from evaluation.models import ScoreItem
from evaluation.services.scoring import score_correct
from finance.models import PaymentTranche
from procurement.models import Award, Bid, Challenge, Contract, ServiceProject, Tender
from procurement.services.awards import award_confirm, award_confirm_due
from procurement.services.challenges import challenge_answer, challenge_submit
from procurement.services.contracts import contract_sign
from procurement.services.remedies import (
    pending_remedy,
    remedy_next_ranked,
    remedy_reevaluate,
    remedy_retender,
)
from procurement.services.tenders import tender_publish
from tests.worlds import TZ, criteria, tender_evaluated, tender_opened

pytestmark = pytest.mark.django_db

FOUR = (Decimal("290000.00"), Decimal("280000.00"), Decimal("270000.00"), Decimal("260000.00"))


def _staff_of(world, organization):
    return world.supplier_staff[world.suppliers.index(organization)]


def awarded_and_challenged(world, *, prices=FOUR, upheld=True, subject="result"):
    """Return (tender, award, challenge): the award confirmed, a loser's challenge answered."""
    tender = tender_evaluated(world, tender=tender_opened(world, prices=prices))
    award = award_confirm(tender=tender, actor=world.purchaser)
    loser = tender.bids.exclude(pk=award.bid_id).order_by("rank").first().organization
    challenge = challenge_submit(tender=tender, actor=_staff_of(world, loser), organization=loser,
                                 subject=subject, grounds="中标人资格证明文件与事实不符。")
    challenge = challenge_answer(challenge=challenge, actor=world.purchaser,
                                 answer="经核实，质疑成立。" if upheld else "质疑不成立。",
                                 upheld=upheld, may_change_result=True)
    tender.refresh_from_db()
    return tender, award, challenge


def test_upheld_result_challenge_blocks_signing_until_a_remedy_law_54_order94_16(world):
    tender, award, challenge = awarded_and_challenged(world)
    assert pending_remedy(tender.pk) == challenge
    with pytest.raises(ServiceError) as refused:
        contract_sign(contract=award.contract, actor=world.purchaser)
    assert refused.value.code == "challenge_upheld"


def test_next_ranked_awarded_when_enough_qualified_remain_order94_16(world):
    tender, award, challenge = awarded_and_challenged(world)
    old_bid, old_contract = award.bid, award.contract
    assert PaymentTranche.objects.filter(contract=old_contract).exists()
    second = tender.bids.get(rank=2)
    new = remedy_next_ranked(challenge=challenge, actor=world.purchaser,
                             reason="中标人资格证明文件虚假。")
    assert new.bid == second and new.amount == second.price
    assert not Contract.objects.filter(pk=old_contract.pk).exists()
    assert not PaymentTranche.objects.filter(contract_id=old_contract.pk).exists()
    assert PaymentTranche.objects.filter(contract=new.contract).exists()  # finance re-planned
    assert new.contract.supplier == second.organization
    old_bid.refresh_from_db()
    assert old_bid.status == Bid.Status.DISQUALIFIED and "质疑成立" in old_bid.disqualification_reason
    tender.refresh_from_db()
    assert tender.status == Tender.Status.AWARDED
    challenge.refresh_from_db()
    assert challenge.remedy == Challenge.Remedy.NEXT_RANKED and challenge.remedied_by == world.purchaser
    entry = AuditEntry.objects.get(action="challenge.remedy")
    assert entry.after["set_aside"] == old_bid.pk and entry.after["bid"] == second.pk
    assert entry.after["contract"] == old_contract.code  # the voided contract stays on record
    assert pending_remedy(tender.pk) is None
    contract_sign(contract=new.contract, actor=world.purchaser)  # signing no longer blocked


def test_next_ranked_refused_below_the_statutory_number_order94_16_law_36(world):
    tender, award, challenge = awarded_and_challenged(world, prices=FOUR[:3])
    with pytest.raises(ServiceError) as refused:
        remedy_next_ranked(challenge=challenge, actor=world.purchaser, reason="资格不符")
    assert refused.value.code == "too_few" and "重新开展采购活动" in refused.value.messages[0]
    assert Award.objects.get(tender=tender).bid == award.bid  # nothing changed
    challenge.refresh_from_db()
    assert challenge.remedy == Challenge.Remedy.NONE


def test_reevaluate_only_for_the_errors_of_87_64_then_award_again_after_national_day(world, clock):
    tender, award, challenge = awarded_and_challenged(world)
    with pytest.raises(ServiceError) as refused:
        remedy_reevaluate(challenge=challenge, actor=world.purchaser, ground="qualification",
                          reason="专家意见不同")
    assert refused.value.code == "ground"
    clock.move_to(dt.datetime(2026, 9, 30, 10, 0, tzinfo=TZ))  # the day before 国庆
    tender = remedy_reevaluate(challenge=challenge, actor=world.purchaser, ground="arithmetic",
                               reason="第2名的技术分汇总计算错误。")
    assert tender.status == Tender.Status.EVALUATED
    assert ServiceProject.objects.get(pk=tender.project_id).status == ServiceProject.Status.EVALUATING
    assert not Award.objects.filter(tender=tender).exists()
    # 5 working days from the re-evaluation (条例43): 10-01…10-07 off, 10-10 (Sat) a 调休 day.
    assert award_confirm_due(tender) == dt.date(2026, 10, 13)
    # The committee corrects a score for the named error; the ranking follows.
    second = tender.bids.get(rank=2)
    chair = tender.committee.members.get(is_chair=True).expert
    for item in ScoreItem.objects.filter(sheet__bid=second, criterion__kind="technical"):
        score_correct(item=item, actor=chair, new_score=Decimal("50"), reason="arithmetic",
                      explanation="汇总错误更正")
    second.refresh_from_db()
    assert second.rank == 1
    clock.move_to(dt.datetime(2026, 10, 14, 9, 0, tzinfo=TZ))
    with pytest.raises(ServiceError) as refused:
        award_confirm(tender=tender, actor=world.purchaser)
    assert refused.value.code == "late_reason"
    clock.move_to(dt.datetime(2026, 10, 13, 17, 0, tzinfo=TZ))
    assert award_confirm(tender=tender, actor=world.purchaser).bid == second
    assert pending_remedy(tender.pk) is None


def test_retender_fails_the_tender_and_a_new_one_may_be_published_order94_16(world, clock):
    tender, award, challenge = awarded_and_challenged(world)
    tender = remedy_retender(challenge=challenge, actor=world.purchaser,
                             reason="评审程序违法，影响中标结果。")
    assert tender.status == Tender.Status.FAILED and "评审程序违法" in tender.failure_reason
    project = ServiceProject.objects.get(pk=tender.project_id)
    assert project.status == ServiceProject.Status.TENDERING
    assert not Contract.objects.filter(project=project).exists()
    again = tender_publish(project=project, actor=world.purchaser, method="open",
                           bid_deadline=tender.bid_deadline + dt.timedelta(days=60),
                           price_weight=Decimal("10"), criteria=criteria())
    assert again.code == f"{tender.code}-2" and again.status == Tender.Status.PUBLISHED


def test_remedies_refused_without_an_upheld_result_challenge_or_to_others(world):
    tender, award, challenge = awarded_and_challenged(world, upheld=False)
    assert pending_remedy(tender.pk) is None
    with pytest.raises(ServiceError) as refused:
        remedy_retender(challenge=challenge, actor=world.purchaser, reason="x")
    assert refused.value.code == "not_upheld"
    upheld = challenge_submit(tender=tender, actor=world.supplier_staff[0],
                              organization=world.suppliers[0], subject="result", grounds="理由")
    challenge_answer(challenge=upheld, actor=world.purchaser, answer="成立", upheld=True,
                     may_change_result=True)
    for user in (*world.supplier_staff, world.admin, world.experts[0]):
        with pytest.raises(PermissionDenied):
            remedy_retender(challenge=upheld, actor=user, reason="x")
    with pytest.raises(ServiceError) as refused:
        remedy_retender(challenge=upheld, actor=world.purchaser, reason="  ")
    assert refused.value.code == "reason"
    remedy_retender(challenge=upheld, actor=world.purchaser, reason="重新采购")
    with pytest.raises(ServiceError) as refused:
        remedy_next_ranked(challenge=upheld, actor=world.purchaser, reason="再来")
    assert refused.value.code == "remedied"


def test_remedy_refused_once_the_contract_is_signed(world):
    tender = tender_evaluated(world, tender=tender_opened(world, prices=FOUR))
    award = award_confirm(tender=tender, actor=world.purchaser)
    contract_sign(contract=award.contract, actor=world.purchaser)
    contract_sign(contract=award.contract, actor=_staff_of(world, award.bid.organization))
    challenge = challenge_submit(tender=tender, actor=world.supplier_staff[0],
                                 organization=world.suppliers[0], subject="result", grounds="理由")
    challenge_answer(challenge=challenge, actor=world.purchaser, answer="成立", upheld=True,
                     may_change_result=True)
    with pytest.raises(ServiceError) as refused:
        remedy_next_ranked(challenge=challenge, actor=world.purchaser, reason="x")
    assert refused.value.code == "signed"


def test_remedy_page_for_the_purchaser_only_with_confirmation(world, client):
    tender, award, challenge = awarded_and_challenged(world)
    url = reverse("procurement:challenge-remedy", args=[challenge.pk])
    client.force_login(world.purchaser)
    detail = client.get(reverse("procurement:challenge-detail", args=[challenge.pk]))
    assert url in detail.content.decode()
    assert client.get(url).status_code == 200
    response = client.post(url, {"remedy": "retender", "reason": "重新采购"})
    assert response.status_code == 200  # the confirmation box is required
    response = client.post(url, {"remedy": "reevaluate", "reason": "汇总错误", "confirm": "on"})
    assert response.status_code == 200 and "第六十四条" in response.content.decode()
    response = client.post(url, {"remedy": "retender", "reason": "重新采购", "confirm": "on"})
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert challenge.remedy == Challenge.Remedy.RETENDER
    assert client.get(url).status_code == 404  # nothing pending any more
    client.force_login(challenge.submitted_by)
    assert client.get(url).status_code == 404
