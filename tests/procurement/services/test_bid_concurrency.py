"""Bids under a rush (issue 11 item 2): a bid holds its tender only in share, the audit log
appends side by side (core.audit streams), so bids on one tender or on different tenders do
not wait for each other, while whatever changes the tender still waits for open bids; a burst
loses nothing; a bid POST runs a pinned number of queries."""

import threading
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from core.audit import verify_chain
from core.exceptions import ServiceError
from core.models import AuditEntry
from procurement.models import Bid, Tender
from procurement.services.bids import bid_submit
from tests.worlds import bid_files, tender_published

# bid_submit of a first bid with one file, the services' own queries (the request adds its
# session, user and membership reads): see test_bid_submit_runs_a_pinned_number_of_queries.
# 28 before the sealing at rest, which reads the tender's wrapped data key (procurement.sealing).
BID_SUBMIT_QUERIES = 30


def _submit(world, tender, i, price="280000.00"):
    return bid_submit(tender=tender, actor=world.supplier_staff[i], organization=world.suppliers[i],
                      price=Decimal(price), proposal=f"方案{i}", files=bid_files())


@pytest.mark.django_db
def test_bid_submit_runs_a_pinned_number_of_queries(world):
    tender = tender_published(world)
    _submit(world, tender, 0)  # warm caches (content types, calendar) as a running server has
    with CaptureQueriesContext(connection) as queries:
        _submit(world, tender, 1)
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) <= BID_SUBMIT_QUERIES, "\n".join(sql)
    # The tender's own row is the only one locked for the bid, and in share: never FOR UPDATE
    # on the tender (which made bids on one tender run one at a time) nor on its joins.
    if connection.vendor == "postgresql":
        tender_locks = [s for s in sql if "procurement_tender" in s and " FOR " in s]
        assert tender_locks == [f"SELECT * FROM procurement_tender WHERE id = {tender.pk} FOR SHARE"]
        assert sum("core_auditchainhead" in s and "SKIP LOCKED" in s for s in sql) == 2


# ---------------------------------------------------------------------------------------------
# PostgreSQL: real row locks, several connections

# committed_world: tests/procurement/conftest.py


class HeldTransaction(threading.Thread):
    """Run ``action`` in a thread of its own (own connection) and keep its transaction open
    until released: the locks it took (a bid's tender share and audit stream head, an intake's
    tender share) stay held meanwhile."""

    def __init__(self, action):
        super().__init__()
        self.action = action
        self.held, self.release = threading.Event(), threading.Event()
        self.error = None

    def run(self):
        try:
            with transaction.atomic():
                self.action()
                self.held.set()
                self.release.wait(30)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
            self.held.set()
        finally:
            connection.close()


def _within(seconds: float):
    """Run the block's statements with lock_timeout: waiting on a lock longer fails."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{int(seconds * 1000)}ms'")


@pytest.mark.postgres
def test_an_open_bid_blocks_no_other_bid_but_blocks_changing_its_tender(committed_world):
    world = committed_world
    tender_a, tender_b = tender_published(world), tender_published(world)
    held = HeldTransaction(lambda: _submit(world, tender_a, 0))
    held.start()
    try:
        assert held.held.wait(30) and held.error is None, held.error
        with transaction.atomic():  # another tender: its own row, another audit stream
            _within(2)
            _submit(world, tender_b, 1)
        with transaction.atomic():  # the same tender: share locks do not conflict
            _within(2)
            _submit(world, tender_a, 2)
        # Whatever changes the tender (opening, an amendment: FOR UPDATE) waits for the open bid.
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            _within(0.5)
            Tender.objects.select_for_update().get(pk=tender_a.pk)
    finally:
        held.release.set()
        held.join()
    assert held.error is None, held.error
    assert Bid.objects.filter(tender=tender_a).count() == 2
    assert Bid.objects.filter(tender=tender_b).count() == 1
    streams = set(AuditEntry.objects.filter(action="bid.submit").values_list("stream", flat=True))
    assert len(streams) >= 2  # the held bid's stream and another one
    assert verify_chain() == (True, None, "ok")


def _burst(targets):
    """Call each target from its own thread, released together; return results or errors."""
    gate = threading.Barrier(len(targets))
    results = [None] * len(targets)

    def run(index, target):
        try:
            gate.wait(10)
            results[index] = target()
        except Exception as exc:  # noqa: BLE001 - returned to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.postgres
def test_a_burst_on_one_tender_loses_nothing_and_refuses_a_double_bid(committed_world):
    world = committed_world
    tender = tender_published(world)
    suppliers = range(len(world.suppliers))
    # Every supplier once, and the first one a second time at the same instant.
    results = _burst([lambda i=i: _submit(world, tender, i) for i in suppliers]
                     + [lambda: _submit(world, tender, 0, price="270000.00")])
    bids = [r for r in results if isinstance(r, Bid)]
    refused = [r for r in results if not isinstance(r, Bid)]
    assert len(bids) == len(world.suppliers), refused
    assert len(refused) == 1 and isinstance(refused[0], ServiceError)
    assert refused[0].code == "duplicate"
    stored = Bid.objects.filter(tender=tender)
    assert set(stored.values_list("pk", flat=True)) == {b.pk for b in bids}
    assert stored.filter(organization=world.suppliers[0]).count() == 1
    assert AuditEntry.objects.filter(action="bid.submit").count() == len(world.suppliers)
    assert verify_chain() == (True, None, "ok")
