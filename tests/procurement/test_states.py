"""procurement/states.py: each declared transition works; every other one refuses and changes nothing."""

import pytest
from viewflow import fsm

from procurement.models import ServiceProject, Tender
from procurement.states import (
    BidStates,
    ChallengeStates,
    ContractStates,
    NeedStates,
    ServiceProjectStates,
    TenderStates,
)
from tests.states import cases, check_declared, check_undeclared, declared, undeclared

FLOWS = [NeedStates, ServiceProjectStates, TenderStates, BidStates, ContractStates,
         ChallengeStates]


@pytest.mark.parametrize(("flow_class", "method", "source", "target"), cases(FLOWS, declared))
def test_declared_transition_moves_the_status(flow_class, method, source, target):
    check_declared(flow_class, method, source, target)


@pytest.mark.parametrize(("flow_class", "method", "status"), cases(FLOWS, undeclared))
def test_undeclared_transition_refuses_and_changes_nothing(flow_class, method, status):
    check_undeclared(flow_class, method, status)


def test_every_flow_refuses_something():
    assert all(undeclared(flow) for flow in FLOWS)


def test_the_project_life_in_order():
    project = ServiceProject()
    states = ServiceProjectStates(project)
    for step in ["submit", "send_back", "submit", "approve", "confirm_budget", "start_tendering",
                 "start_tendering", "start_evaluation", "award", "start_delivery",
                 "start_performance_review", "settle", "close"]:
        getattr(states, step)()
    assert project.status == ServiceProject.Status.CLOSED


def test_a_closed_project_cannot_be_cancelled_and_stays_closed():
    project = ServiceProject(status=ServiceProject.Status.CLOSED)
    with pytest.raises(fsm.NoTransition):
        ServiceProjectStates(project).cancel()
    assert project.status == ServiceProject.Status.CLOSED


def test_a_tender_is_created_published():
    assert TenderStates.created_as == Tender.Status.PUBLISHED
