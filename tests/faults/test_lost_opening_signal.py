"""A process that dies right after an opening commits loses its on_commit hook (the flow's
``tender_opened`` signal): beat's next opening run sends it again, and the project's flow moves
on once, never for an older tender of a re-tendered project."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from procurement.models import Tender
from procurement.services.bids import bid_submit
from procurement.tasks import open_due_tenders
from tests.workflows.test_chain_http import Chain, _publish_post
from tests.workflows.test_task_access import submitted_project
from tests.worlds import WORKFLOW_WORLD, bid_files, world_build

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


def test_lost_opening_signal_is_sent_again_by_the_next_run(django_capture_on_commit_callbacks):
    w = world_build(**WORKFLOW_WORLD)
    chain = Chain(w)
    submitted_project(w)
    chain.do(w.purchaser, "立项审批", {"decision": "approve"})
    chain.do(w.finance, "预算审核", {"decision": "confirm", "envelope": w.envelope.pk})
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=21)).replace(microsecond=0)
    chain.do(w.purchaser, "发布采购公告", _publish_post(deadline))
    tender = Tender.objects.get()
    for i in range(2):  # fewer than three: the opening fails it (废标), back to the purchaser
        bid_submit(files=bid_files(), tender=tender, actor=w.supplier_staff[i],
                   organization=w.suppliers[i], price=Decimal("250000.00"), proposal="方案")
    with time_machine.travel(deadline + dt.timedelta(minutes=2), tick=True):
        chain.clients.clear()
        with django_capture_on_commit_callbacks(execute=False) as lost:
            assert open_due_tenders() == [tender.pk]  # committed; then the worker died
        assert lost, "the opening scheduled no after-commit work"
        tender.refresh_from_db()
        assert tender.status == Tender.Status.FAILED
        chain.assert_inboxes({"purchaser": []})  # the flow still waits for the opening

        with django_capture_on_commit_callbacks(execute=True):
            assert open_due_tenders() == []  # beat's next run: nothing to open, signal resent
        chain.assert_inboxes({"purchaser": ["发布采购公告"]})
        with django_capture_on_commit_callbacks(execute=True):
            open_due_tenders()  # and again: the flow is not advanced twice
        chain.assert_inboxes({"purchaser": ["发布采购公告"]})

        # The purchaser re-tenders: the flow now waits for the new tender's opening, and the
        # first (failed) tender's signal is not resent to advance it.
        new_deadline = timezone.localtime(timezone.now() + dt.timedelta(days=21)).replace(
            microsecond=0)
        chain.do(w.purchaser, "发布采购公告", _publish_post(new_deadline, decision="publish"))
        with django_capture_on_commit_callbacks(execute=True):
            assert open_due_tenders() == []
        chain.assert_inboxes({"purchaser": []})
