"""finance answers procurement's signals inside the procurement step's transaction."""

import pytest

from core.exceptions import ServiceError
from core.models import AuditEntry
from finance.models import BudgetCommitment, PaymentTranche
from procurement.models import ServiceProject
from procurement.services.projects import project_close
from procurement.services.tenders import HAS_COMMITTED_BUDGET
from procurement.signals import contract_drafted, contract_signed, project_ended
from tests.worlds import contract_signed as build_signed_contract

pytestmark = pytest.mark.django_db


def test_procurement_reads_finance_committed_status_by_its_value():
    # procurement may not import finance, so it names the committed status by its value.
    assert HAS_COMMITTED_BUDGET.children == [("budget_commitment__status",
                                              BudgetCommitment.Status.COMMITTED)]


def _uids(signal) -> set:
    return {entry[0][0] for entry in signal.receivers}  # lookup key = (dispatch_uid, sender id)


def test_finance_receivers_are_connected_once():
    assert "finance.plan_tranches" in _uids(contract_drafted)
    assert "finance.first_tranche_due" in _uids(contract_signed)
    assert "finance.settle_commitment" in _uids(project_ended)


def test_closing_with_an_open_tranche_is_refused_and_rolls_back(world):
    contract = build_signed_contract(world)
    project = contract.project
    # Skip the performance evaluation: the final tranche is still pending.
    ServiceProject.objects.filter(pk=project.pk).update(status=ServiceProject.Status.SETTLEMENT)
    audits = AuditEntry.objects.count()
    with pytest.raises(ServiceError) as refused:
        project_close(project=project, actor=world.purchaser)
    assert refused.value.code == "tranches"
    project.refresh_from_db()
    contract.refresh_from_db()
    assert project.status == ServiceProject.Status.SETTLEMENT and project.closed_at is None
    assert contract.status == contract.Status.SIGNED
    assert BudgetCommitment.objects.get(project=project).status == BudgetCommitment.Status.COMMITTED
    assert AuditEntry.objects.count() == audits
    assert PaymentTranche.objects.filter(contract=contract, status="pending").exists()
