from decimal import Decimal as D

import pytest

from accounts.roles import Role
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from delivery.services.milestones import milestone_accept, milestone_submit
from delivery.services.records import service_record_add
from evaluation.models import PerformanceEvaluation
from evaluation.selectors import performance_evaluation_list_for_user
from evaluation.services.performance import (
    output_achievement,
    party_score_submit,
    performance_evaluation_finalize,
    performance_evaluation_open,
    satisfaction_submit,
    weighted_total,
)
from finance.models import PaymentTranche
from procurement.models import Contract, ServiceProject
from tests.factories import user_with_role
from tests.worlds import contract_signed, social_worker_add, supplier_staff_of

pytestmark = pytest.mark.django_db


def cats(budget=10, output=50, effect=30, satisfaction=10):
    return {"budget": D(budget), "output": D(output), "effect": D(effect), "satisfaction": D(satisfaction)}


@pytest.fixture
def contract(world):
    contract = contract_signed(world)
    staff = supplier_staff_of(world, contract)
    milestone_accept(report=milestone_submit(contract=contract, actor=staff, kind="mid_term", summary="m"),
                     actor=world.purchaser)
    return contract


@pytest.fixture
def evaluation(world, contract):
    staff = supplier_staff_of(world, contract)
    milestone_accept(report=milestone_submit(contract=contract, actor=staff, kind="final", summary="f"),
                     actor=world.purchaser)
    return PerformanceEvaluation.objects.get(contract=contract)


def _actors(world, contract, evaluation):
    return {"purchaser": world.purchaser, "community": world.community,
            "third_party": evaluation.third_party_expert, "self": supplier_staff_of(world, contract)}


def test_open_is_idempotent_and_needs_delivery(world, contract, evaluation):
    assert performance_evaluation_open(contract=contract) == evaluation
    other = contract_signed(world)
    Contract.objects.filter(pk=other.pk).update(status=Contract.Status.DRAFT)
    with pytest.raises(ServiceError):
        performance_evaluation_open(contract=other)


def test_third_party_expert_not_recused(world, contract):
    from accounts.models import ExpertRecusal
    for expert in world.experts[1:]:
        ExpertRecusal.objects.create(expert=expert.expert_profile, credit_code=contract.supplier.credit_code)
    evaluation = performance_evaluation_open(contract=contract)
    assert evaluation.third_party_expert == world.experts[0]


def test_full_evaluation_good_grade_pays_full_final_tranche(world, contract, evaluation):
    actors = _actors(world, contract, evaluation)
    satisfaction_submit(evaluation=evaluation, actor=world.resident, score=80)
    with pytest.raises(ServiceError):
        satisfaction_submit(evaluation=evaluation, actor=world.resident, score=90)
    party_score_submit(evaluation=evaluation, party="purchaser", actor=actors["purchaser"],
                       category_scores=cats(8, 40, 27, 9))   # 84
    party_score_submit(evaluation=evaluation, party="community", actor=actors["community"],
                       category_scores=cats(9, 45, 27, 9))   # 90
    party_score_submit(evaluation=evaluation, party="third_party", actor=actors["third_party"],
                       category_scores=cats(8, 40, 24, 8))   # 80
    evaluation.refresh_from_db()
    assert evaluation.status == PerformanceEvaluation.Status.OPEN
    party_score_submit(evaluation=evaluation, party="self", actor=actors["self"],
                       category_scores=cats(10, 48, 28, 10))  # 96
    evaluation.refresh_from_db()
    # (84×30 + 90×20 + 80×30 + 80×10 + 96×10) / 100 = 84.80
    assert evaluation.total == D("84.80") and evaluation.grade == "good"
    assert evaluation.status == PerformanceEvaluation.Status.FINALIZED
    final = contract.tranches.get(condition="final")
    assert final.status == PaymentTranche.Status.DUE and final.payable_amount == final.amount
    contract.refresh_from_db()
    assert contract.status == Contract.Status.COMPLETED
    assert contract.project.status == ServiceProject.Status.SETTLEMENT
    assert Notification.objects.filter(recipient=world.finance, title__contains="尾款").exists()
    assert AuditEntry.objects.filter(action="performance.finalize", target_id=str(evaluation.pk)).exists()
    assert AuditEntry.objects.filter(action="performance.party_score").count() == 4


def test_residents_weight_redistributed_and_poor_grade_withholds(world, contract, evaluation):
    actors = _actors(world, contract, evaluation)
    for party, actor in actors.items():
        party_score_submit(evaluation=evaluation, party=party, actor=actor, category_scores=cats(5, 25, 15, 5))
    evaluation.refresh_from_db()
    assert evaluation.total == D("50.00") and evaluation.grade == "poor"
    final = contract.tranches.get(condition="final")
    assert final.status == PaymentTranche.Status.WITHHELD and final.payable_amount == D("0.00")


def test_fair_grade_reduces_final_tranche(world, contract, evaluation):
    for party, actor in _actors(world, contract, evaluation).items():
        party_score_submit(evaluation=evaluation, party=party, actor=actor, category_scores=cats(7, 35, 21, 7))
    final = contract.tranches.get(condition="final")
    assert final.payable_amount == (final.amount * D("0.80")).quantize(D("0.01"))
    assert final.status == PaymentTranche.Status.DUE


def test_weighted_total_formula():
    assert weighted_total({"purchaser": D("100"), "community": D("50")}) == D("80.00")


def test_party_score_validation(world, contract, evaluation):
    with pytest.raises(ServiceError, match="产出"):
        party_score_submit(evaluation=evaluation, party="purchaser", actor=world.purchaser,
                           category_scores=cats(output=51))
    with pytest.raises(ServiceError):
        party_score_submit(evaluation=evaluation, party="purchaser", actor=world.purchaser,
                           category_scores={"budget": 1})
    with pytest.raises(ServiceError):
        party_score_submit(evaluation=evaluation, party="residents", actor=world.resident,
                           category_scores=cats())
    party_score_submit(evaluation=evaluation, party="purchaser", actor=world.purchaser, category_scores=cats())
    with pytest.raises(ServiceError):
        party_score_submit(evaluation=evaluation, party="purchaser", actor=world.purchaser,
                           category_scores=cats())


def test_party_score_denied(world, contract, evaluation):
    other_purchaser = user_with_role(Role.PURCHASER)
    rival = next(u for u, o in zip(world.supplier_staff, world.suppliers, strict=True) if o != contract.supplier)
    not_assigned = next(u for u in world.experts if u != evaluation.third_party_expert)
    for party, actor in (("purchaser", other_purchaser), ("purchaser", world.community),
                         ("self", rival), ("third_party", not_assigned), ("community", world.resident)):
        with pytest.raises(PermissionDenied):
            party_score_submit(evaluation=evaluation, party=party, actor=actor, category_scores=cats())
    assert not evaluation.party_scores.exists()


def test_satisfaction_denied_and_range(world, evaluation):
    outsider = user_with_role(Role.RESIDENT)
    with pytest.raises(PermissionDenied):
        satisfaction_submit(evaluation=evaluation, actor=outsider, score=90)
    with pytest.raises(PermissionDenied):
        satisfaction_submit(evaluation=evaluation, actor=world.community, score=90)
    with pytest.raises(ServiceError):
        satisfaction_submit(evaluation=evaluation, actor=world.resident, score=101)


def test_finalize_requires_all_parties(world, evaluation):
    with pytest.raises(ServiceError):
        performance_evaluation_finalize(evaluation=evaluation)


def test_output_achievement_from_service_records(world, contract):
    worker = social_worker_add(world, world.suppliers.index(contract.supplier))
    case, event = contract.project.deliverables.order_by("id")
    from django.utils import timezone
    for _ in range(8):  # 8 of 10 cases → 2/3 of the 25-point share
        service_record_add(contract=contract, actor=worker, deliverable=case, served_on=timezone.localdate(),
                           site="A", participants=1, description="个案")
    for _ in range(4):  # 4 of 4 events → full 25
        service_record_add(contract=contract, actor=worker, deliverable=event, served_on=timezone.localdate(),
                           site="B", participants=30, description="活动")
    evaluation = performance_evaluation_open(contract=contract)
    result = output_achievement(evaluation)
    assert [r["actual"] for r in result["indicators"]] == [D(8), D(4)]
    assert result["suggested_output_score"] == D("41.67")


def test_evaluation_list_scoped(world, evaluation, django_assert_max_num_queries):
    for user, n in ((world.purchaser, 1), (world.resident, 1), (evaluation.third_party_expert, 1),
                    (user_with_role(Role.PURCHASER), 0)):
        fresh = type(user).objects.get(pk=user.pk)
        with django_assert_max_num_queries(3):
            assert len(list(performance_evaluation_list_for_user(user=fresh))) == n
