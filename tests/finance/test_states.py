"""finance/states.py: each declared transition works; every other one refuses and changes nothing."""

import pytest
from viewflow import fsm

from finance.models import PaymentTranche
from finance.states import BudgetCommitmentStates, PaymentTrancheStates
from tests.states import cases, check_declared, check_undeclared, declared, undeclared

FLOWS = [BudgetCommitmentStates, PaymentTrancheStates]


@pytest.mark.parametrize(("flow_class", "method", "source", "target"), cases(FLOWS, declared))
def test_declared_transition_moves_the_status(flow_class, method, source, target):
    check_declared(flow_class, method, source, target)


@pytest.mark.parametrize(("flow_class", "method", "status"), cases(FLOWS, undeclared))
def test_undeclared_transition_refuses_and_changes_nothing(flow_class, method, status):
    check_undeclared(flow_class, method, status)


def test_a_paid_tranche_cannot_be_paid_twice():
    tranche = PaymentTranche(status=PaymentTranche.Status.PAID)
    with pytest.raises(fsm.NoTransition):
        PaymentTrancheStates(tranche).pay()
    assert tranche.status == PaymentTranche.Status.PAID
