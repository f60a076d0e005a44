"""Grants against the whole chain, through the scenarios of the permission matrix.

* While a project is delegated, every purchaser row of docs/roles.md is refused to the
  purchaser's other staff (nothing changes) and done by the delegate; the purchaser's tasks leave
  the others' inboxes and come back on revocation.
* A 纪检/审计 supervisor and a third-party evaluator granted the project or its contract are
  refused every service of the matrix, at every stage, without any change.
"""

import datetime
from collections import defaultdict

import pytest
import time_machine

from accounts.models import Organization
from accounts.roles import Role
from core.exceptions import PermissionDenied
from demo.cast import cast_build
from demo.stages import build_project_at_stage
from procurement.services.grants import (
    contract_grant_evaluation,
    project_grant_delegate,
    project_grant_supervision,
    project_revoke_delegate,
)
from tests.factories import user_with_role
from tests.test_permissions_matrix import MATRIX, SCENARIOS, World, snapshot

pytestmark = pytest.mark.django_db

PURCHASER_ROWS = sorted(s for s in SCENARIOS if "purchaser" in MATRIX[s])


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def _world(stage: str, *, with_flows: bool = False) -> World:
    cast = cast_build()
    return World(cast=cast, other=None,
                 build=build_project_at_stage(stage, cast=cast, with_flows=with_flows), extra={})


def _prepared(world: World, prepare):
    """Run a scenario's preparation; return the time travel to stop afterwards, if any."""
    if prepare == "after_deadline":
        travel = time_machine.travel(
            world.build.tender.bid_deadline + datetime.timedelta(minutes=5), tick=False)
        travel.start()
        return travel
    if prepare is not None:
        prepare(world)
    return None


@pytest.mark.parametrize("service", PURCHASER_ROWS)
def test_delegated_project_purchaser_rows_belong_to_the_delegate(service):
    stage, prepare, call = SCENARIOS[service]
    world = _world(stage)
    staff = world.build.purchaser_staff
    officer = next(u for u in world.cast.by_role(Role.PURCHASER) if u.pk != staff.pk)
    project_grant_delegate(project=world.build.project, user=officer, actor=staff)
    travel = _prepared(world, prepare)
    try:
        before = snapshot()
        with pytest.raises(PermissionDenied):
            call(world, _fresh(staff), "purchaser")
        assert snapshot() == before, f"{service} by the non-delegate changed state"
        call(world, _fresh(officer), "purchaser")
        assert snapshot()["audit"] > before["audit"]
    finally:
        if travel is not None:
            travel.stop()


def test_delegation_moves_the_purchaser_tasks_and_revocation_returns_them():
    from workflows.permissions import can_act_on_task
    from workflows.selectors import task_inbox_queryset

    world = _world("project_submitted", with_flows=True)
    project, staff = world.build.project, world.build.purchaser_staff
    officer = next(u for u in world.cast.by_role(Role.PURCHASER) if u.pk != staff.pk)

    def approve_tasks(user):
        return [t for t in task_inbox_queryset(_fresh(user))
                if t.flow_task.name == "approve"]

    assert approve_tasks(staff) and approve_tasks(officer)
    task = approve_tasks(staff)[0]
    project_grant_delegate(project=project, user=officer, actor=staff)
    assert approve_tasks(staff) == []
    assert approve_tasks(officer) == [task]
    assert not can_act_on_task(_fresh(staff), task)
    assert can_act_on_task(_fresh(officer), task)
    project_revoke_delegate(project=project, user=officer, actor=staff)
    assert approve_tasks(staff) == [task]
    assert can_act_on_task(_fresh(staff), task)


def _by_stage() -> dict[str, list[str]]:
    stages = defaultdict(list)
    for service, (stage, _prepare, _call) in SCENARIOS.items():
        stages[stage].append(service)
    # Scenarios without a preparation first: a preparation moves the stage's state on.
    return {stage: sorted(services, key=lambda s: (SCENARIOS[s][1] is not None, s))
            for stage, services in stages.items()}


STAGES = _by_stage()


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_supervisor_and_third_party_are_refused_every_action(stage):
    world = _world(stage)
    cast, build = world.cast, world.build
    auditor_org = cast.supervisor  # the demo cast's 田家庵区审计局
    auditor = user_with_role(Role.SUPERVISOR, auditor_org)
    if build.project is not None:  # before the design there is nothing to grant
        project_grant_supervision(project=build.project, organization=auditor_org,
                                  actor=build.purchaser_staff)
    grantees = [("supervisor", auditor)]
    if build.contract is not None:
        evaluator = user_with_role(Role.EVALUATOR, cast.evaluator)
        contract_grant_evaluation(contract=build.contract, organization=cast.evaluator,
                                  actor=build.purchaser_staff)
        grantees.append(("third party", evaluator))
    assert Organization.objects.filter(kind="supervisor").count() == 1
    for service in STAGES[stage]:
        _stage, prepare, call = SCENARIOS[service]
        travel = _prepared(world, prepare)
        try:
            for label, user in grantees:
                before = snapshot()
                with pytest.raises(PermissionDenied):
                    call(world, _fresh(user), "purchaser")
                assert snapshot() == before, f"{service} by the {label} changed state"
        finally:
            if travel is not None:
                travel.stop()
