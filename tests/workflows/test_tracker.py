"""The project at a glance: stages with dates and who acted, from the audit log (issue 8 item 8)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.worlds import contract_signed, project_draft
from workflows.tracker import STAGES, project_tracker


def _by_key(states):
    return {s.key: s for s in states}


def test_tracker_after_signing(world):
    contract = contract_signed(world)
    project = contract.project
    with CaptureQueriesContext(connection) as queries:
        states = _by_key(project_tracker(project))
    assert len(queries) == 1  # one audit query, whatever the project's size
    done = [k for k, s in states.items() if s.done]
    assert done == ["design", "approval", "budget", "tender", "opening", "scoring", "award",
                    "contract"]
    assert states["delivery"].current and not states["delivery"].done
    assert sum(s.current for s in states.values()) == 1
    # Who acted: the purchaser approved; the contract stage ends with the last signature (the
    # supplier's), counted twice; opening and evaluation are the system's.
    assert states["approval"].actor == world.purchaser.display_name
    assert states["contract"].count == 2
    assert states["contract"].actor != world.purchaser.display_name
    assert states["opening"].actor in ("系统", world.purchaser.display_name)
    assert states["tender"].at <= states["opening"].at


def test_tracker_of_a_draft_marks_approval_current(world):
    project = project_draft(world)
    states = project_tracker(project)
    assert [s.key for s in states] == [stage.key for stage in STAGES]
    keyed = _by_key(states)
    assert keyed["design"].done and keyed["approval"].current
    assert not any(s.done for s in states[2:])


def test_project_page_shows_the_tracker_with_names(world, client):
    contract = contract_signed(world)
    client.force_login(world.purchaser)
    html = client.get(reverse("procurement:project-detail", args=[contract.project_id])).content.decode()
    assert 'class="tracker-stage done" data-stage="award"' in html
    assert 'data-stage="delivery" aria-current="step"' in html
    assert world.purchaser.display_name in html


def test_resident_follows_the_project_answering_the_need_without_officials_names(world, client):
    contract = contract_signed(world)
    need = factories.NeedFactory(community=world.community_org, submitted_by=world.resident)
    contract.project.needs.add(need)
    client.force_login(world.resident)
    response = client.get(reverse("procurement:need-detail", args=[need.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert contract.project.title in html
    assert 'data-stage="delivery" aria-current="step"' in html
    assert 'class="tracker-who"' not in html


@pytest.mark.parametrize("language, label", [("en", "Award"), ("zh-hans", "定标")])
def test_tracker_labels_follow_the_language(world, language, label):
    from django.utils import translation

    project = project_draft(world)
    with translation.override(language):
        assert _by_key(project_tracker(project))["award"].label == label


def test_advance_payment_shows_as_begun_and_acceptance_stays_current(world):
    """The first tranche is paid on signing (预付): 资金拨付 has begun, the project stands at delivery."""
    from finance.services.tranches import tranche_approve, tranche_pay

    contract = contract_signed(world)
    first = contract.tranches.order_by("sequence").first()
    tranche_approve(tranche=first, actor=world.finance)
    tranche_pay(tranche=first, actor=world.cashier, voucher_number="PZ-2026-001")
    states = _by_key(project_tracker(contract.project))
    assert states["payment"].partial and not states["payment"].done
    assert states["payment"].count == 1 and states["payment"].at is not None
    assert states["delivery"].current and not states["payment"].current
