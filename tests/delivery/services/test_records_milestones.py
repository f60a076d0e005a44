import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.roles import Role
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from delivery.models import MilestoneReport, ServiceRecord
from delivery.selectors import service_record_list_for_user
from delivery.services.milestones import milestone_accept, milestone_return, milestone_submit
from delivery.services.records import record_deadline, service_record_add, service_record_confirm
from evaluation.models import PerformanceEvaluation
from finance.models import PaymentTranche
from procurement.models import Contract, ServiceProject
from tests.factories import user_with_role
from tests.worlds import contract_signed, social_worker_add, supplier_staff_of

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def contract(world):
    return contract_signed(world)


@pytest.fixture
def worker(world, contract):
    return social_worker_add(world, world.suppliers.index(contract.supplier), code="W07")


def _add(contract, worker, *, served_on=None, site="幸福社区活动室", deliverable=None):
    return service_record_add(
        contract=contract, actor=worker, deliverable=deliverable or contract.project.deliverables.first(),
        served_on=served_on or timezone.localdate(), site=site, participants=8, description="入户探访",
    )


def test_service_record_code_and_audit(contract, worker):
    day = timezone.localdate()
    record = _add(contract, worker, served_on=day)
    assert record.code == f"CASE-C{contract.pk:03d}-{day:%Y%m%d}-S01-W07"
    assert not record.is_late
    again = _add(contract, worker, served_on=day)
    assert again.code == record.code + "-2"
    other_site = _add(contract, worker, served_on=day, site="社区广场",
                      deliverable=contract.project.deliverables.last())
    assert other_site.code.startswith("SEV-") and "-S02-" in other_site.code
    assert AuditEntry.objects.filter(action="service_record.add").count() == 3


def test_late_record_boundary():
    served = dt.date(2026, 3, 2)
    assert record_deadline(served) == dt.datetime(2026, 3, 4, 0, 0, tzinfo=SHANGHAI)


def test_late_flag(contract, worker):
    with time_machine.travel(dt.datetime(2026, 3, 4, 0, 30, tzinfo=SHANGHAI)):
        Contract.objects.filter(pk=contract.pk).update(start_date=dt.date(2026, 1, 1))
        late = _add(contract, worker, served_on=dt.date(2026, 3, 2))
        on_time = _add(contract, worker, served_on=dt.date(2026, 3, 3))
    assert late.is_late and not on_time.is_late


def test_service_record_rules(world, contract, worker):
    with pytest.raises(ServiceError):
        _add(contract, worker, served_on=timezone.localdate() + dt.timedelta(days=1))
    from tests.worlds import CASE_AND_EVENTS, project_approved
    foreign = project_approved(world, design=CASE_AND_EVENTS).deliverables.first()
    with pytest.raises(ServiceError):
        _add(contract, worker, deliverable=foreign)
    Contract.objects.filter(pk=contract.pk).update(status=Contract.Status.DRAFT)
    with pytest.raises(ServiceError):
        _add(contract, worker)
    assert not ServiceRecord.objects.exists()


def test_service_record_denied(world, contract):
    rival_worker = social_worker_add(world, next(i for i, o in enumerate(world.suppliers) if o != contract.supplier))
    for actor in (rival_worker, supplier_staff_of(world, contract), world.purchaser, world.community):
        with pytest.raises(PermissionDenied):
            _add(contract, actor)
    assert not ServiceRecord.objects.exists()


def test_service_record_confirm(world, contract, worker):
    record = _add(contract, worker)
    with pytest.raises(PermissionDenied):
        service_record_confirm(record=record, actor=user_with_role(Role.COMMUNITY))
    with pytest.raises(PermissionDenied):
        service_record_confirm(record=record, actor=worker)
    service_record_confirm(record=record, actor=world.community)
    record.refresh_from_db()
    assert record.confirmed_by == world.community
    with pytest.raises(ServiceError):
        service_record_confirm(record=record, actor=world.community)


def test_service_record_list_scoped_and_constant(world, contract, worker, django_assert_num_queries):
    for _ in range(3):
        _add(contract, worker)
    for user, n in ((worker, 3), (world.purchaser, 3), (world.community, 3),
                    (world.supplier_staff[0] if contract.supplier != world.suppliers[0] else world.supplier_staff[1], 0)):
        fresh = type(user).objects.get(pk=user.pk)
        with django_assert_num_queries(2):
            assert len(list(service_record_list_for_user(user=fresh))) == n


def test_mid_term_accept_makes_tranche_due(world, contract):
    staff = supplier_staff_of(world, contract)
    with pytest.raises(ServiceError, match="中期"):
        milestone_submit(contract=contract, actor=staff, kind="final", summary="终期")
    report = milestone_submit(contract=contract, actor=staff, kind="mid_term", summary="中期执行情况")
    assert Notification.objects.filter(recipient=world.purchaser, title__contains="中期报告").exists()
    with pytest.raises(ServiceError):
        milestone_submit(contract=contract, actor=staff, kind="mid_term", summary="again")
    for actor in (staff, world.finance, user_with_role(Role.PURCHASER)):
        with pytest.raises(PermissionDenied):
            milestone_accept(report=report, actor=actor)
    milestone_accept(report=report, actor=world.purchaser, comment="同意")
    report.refresh_from_db()
    assert report.status == MilestoneReport.Status.ACCEPTED
    assert contract.tranches.get(condition="mid_term").status == PaymentTranche.Status.DUE
    assert Notification.objects.filter(recipient=world.finance, title__contains="中期款").exists()
    assert AuditEntry.objects.filter(action="milestone.accept", target_id=str(report.pk)).exists()
    with pytest.raises(ServiceError):
        milestone_accept(report=report, actor=world.purchaser)


def test_milestone_return_and_resubmit(world, contract):
    staff = supplier_staff_of(world, contract)
    report = milestone_submit(contract=contract, actor=staff, kind="mid_term", summary="x")
    with pytest.raises(ServiceError):
        milestone_return(report=report, actor=world.purchaser, reason="")
    milestone_return(report=report, actor=world.purchaser, reason="缺少活动照片")
    report.refresh_from_db()
    assert report.status == MilestoneReport.Status.RETURNED
    assert Notification.objects.filter(recipient=staff, title__contains="退回").exists()
    assert contract.tranches.get(condition="mid_term").status == PaymentTranche.Status.PENDING
    milestone_submit(contract=contract, actor=staff, kind="mid_term", summary="补充后")


def test_milestone_submit_denied(world, contract):
    rival = next(u for u, o in zip(world.supplier_staff, world.suppliers, strict=True) if o != contract.supplier)
    for actor in (rival, world.purchaser, world.community):
        with pytest.raises(PermissionDenied):
            milestone_submit(contract=contract, actor=actor, kind="mid_term", summary="x")
    assert not MilestoneReport.objects.exists()


def test_final_accept_opens_performance_evaluation(world, contract):
    staff = supplier_staff_of(world, contract)
    milestone_accept(report=milestone_submit(contract=contract, actor=staff, kind="mid_term", summary="m"),
                     actor=world.purchaser)
    final = milestone_submit(contract=contract, actor=staff, kind="final", summary="终期")
    milestone_accept(report=final, actor=world.purchaser)
    evaluation = PerformanceEvaluation.objects.get(contract=contract)
    assert evaluation.third_party_expert_id in {u.pk for u in world.experts}
    contract.project.refresh_from_db()
    assert contract.project.status == ServiceProject.Status.PERFORMANCE_REVIEW
    for user in (world.purchaser, world.community, staff, evaluation.third_party_expert, world.resident):
        assert Notification.objects.filter(recipient=user, title__contains="绩效评价").exists(), user
