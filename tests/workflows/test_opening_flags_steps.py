"""The committee's steps show the opening flags (条例18) to the purchaser and the committee."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine

from tests.factories import CommitteeMemberFactory, EvaluationCommitteeFactory
from tests.worlds import TZ, bids_opened_at_deadline, bids_submitted, tender_published
from workflows.views.steps import CommitteeFormStep, ScoreStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ), tick=False) as traveller:
        yield traveller


def _step(cls, user, tender):
    process = SimpleNamespace(project=tender.project)
    return cls(task=SimpleNamespace(process=SimpleNamespace(coerced=process)), user=user)


def test_committee_steps_show_same_legal_representative_flag_law_18(clock, world):
    for org in world.suppliers[:2]:
        org.legal_representative = "王芳"
        org.save(update_fields=["legal_representative"])
    tender = tender_published(world)
    bids_submitted(world, tender, prices=[Decimal("280000"), Decimal("270000"),
                                          Decimal("260000")])
    tender = bids_opened_at_deadline(clock, tender)
    rows = dict(_step(CommitteeFormStep, world.purchaser, tender).summary())
    [(label, reason)] = [(k, v) for k, v in rows.items() if str(k).startswith("开标提示")]
    assert "第十八条" in str(label) and "“王芳”" in reason
    expert = world.experts[0]
    committee = EvaluationCommitteeFactory(tender=tender, formed_by=world.purchaser)
    CommitteeMemberFactory(committee=committee, expert=expert, chair=True)
    assert any(str(k).startswith("开标提示") for k, _v in _step(ScoreStep, expert, tender).summary())
    # A bidder reaching the same summary sees nothing of it.
    assert not any(str(k).startswith("开标提示")
                   for k, _v in _step(CommitteeFormStep, world.supplier_staff[0], tender).summary())
