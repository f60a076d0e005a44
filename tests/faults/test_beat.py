"""Beat down over a deadline, and two beats at once: each tender is opened once, and a bid that
arrived after its deadline is refused even though nobody has opened the tender yet."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from core.models import Notification
from procurement.models import Bid, Tender
from procurement.services import bids as bid_services
from procurement.tasks import open_due_tenders
from tests.worlds import (
    PRICES,
    PROCUREMENT_WORLD,
    audit_count,
    bid_files,
    bids_submitted,
    tender_published,
    world_build,
)

pytestmark = [pytest.mark.faults]


@pytest.mark.django_db
def test_beat_down_over_deadlines_opens_every_due_tender_once_on_return(client):
    world = world_build(**PROCUREMENT_WORLD)
    early, late = tender_published(world, days=21), tender_published(world, days=23)
    bids_submitted(world, early)
    bids_submitted(world, late)
    later = tender_published(world, days=40)
    # Beat is down from before the first deadline until two days after the second.
    with time_machine.travel(late.bid_deadline + dt.timedelta(days=2), tick=False):
        assert Tender.objects.filter(status=Tender.Status.PUBLISHED).count() == 3
        # Not opened yet, but past its deadline: a bid is judged by its arrival and refused.
        client.force_login(world.supplier_staff[3])
        response = client.post(f"/api/procurement/tenders/{early.pk}/bids/", {
            "organization": world.suppliers[3].pk, "price": "270000.00", "proposal": "迟到",
            "files": bid_files()})
        assert response.status_code == 400 and "投标截止时间已过" in response.content.decode()
        assert not Bid.objects.filter(organization=world.suppliers[3]).exists()

        # Beat is back: its first run catches up with every deadline that passed meanwhile.
        assert sorted(open_due_tenders()) == sorted([early.pk, late.pk])
        assert open_due_tenders() == []  # and the next run finds nothing more
    assert audit_count("tender.open") == 2
    statuses = dict(Tender.objects.values_list("pk", "status"))
    assert statuses[early.pk] != Tender.Status.PUBLISHED != statuses[late.pk]
    assert statuses[later.pk] == Tender.Status.PUBLISHED
    assert Bid.objects.filter(tender=early).count() == len(PRICES)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_beats_open_a_tender_once(monkeypatch):
    if connection.vendor != "postgresql":
        from tests.faults.conftest import unavailable

        unavailable("needs PostgreSQL: two connections opening at once")
    world = world_build(**PROCUREMENT_WORLD)
    tender = tender_published(world)
    bids_submitted(world, tender)
    notes_before = Notification.objects.count()

    real = bid_services.flag_collusion_signals
    both_started = threading.Barrier(2, timeout=30)

    def slow_flags(*args, **kwargs):  # keep the first opening's lock held a while
        threading.Event().wait(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(bid_services, "flag_collusion_signals", slow_flags)
    results, errors = [], []

    def beat():
        try:
            both_started.wait()
            results.append(open_due_tenders())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(tender.bid_deadline + dt.timedelta(minutes=1), tick=True):
        threads = [threading.Thread(target=beat) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors, errors
    assert sorted(results) == [[], [tender.pk]]  # one run opened it, the other found it open
    assert audit_count("tender.open") == 1
    tender.refresh_from_db()
    assert tender.status == Tender.Status.OPENED
    one_opening = Notification.objects.count() - notes_before
    assert one_opening > 0
    # Once more, as a third beat would: nothing more is sent.
    with time_machine.travel(tender.bid_deadline + dt.timedelta(minutes=2), tick=False):
        assert open_due_tenders() == []
    assert Notification.objects.count() - notes_before == one_opening


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_real_beats_back_after_a_deadline_open_it_once(postgres_db, shared_storage,
                                                           make_worker, make_beat):
    """Real processes: the deadline passes while no beat runs; then two beats (each sending the
    opening every second) and two workers run at once for several seconds. The tender is
    opened once, by one of them, and the later runs find it opened."""
    import time

    from django.utils import timezone

    from tests.faults.conftest import wait_for

    world = world_build(**PROCUREMENT_WORLD)
    tender = tender_published(world)
    bids_submitted(world, tender)
    Tender.objects.filter(pk=tender.pk).update(
        bid_deadline=timezone.now() - dt.timedelta(minutes=5))  # passed with beat down
    make_worker("w1"), make_worker("w2")
    beats = [make_beat("beat1"), make_beat("beat2")]
    wait_for(lambda: Tender.objects.get(pk=tender.pk).status != Tender.Status.PUBLISHED, 90,
             what="a beat's opening to run")
    wait_for(lambda: all(beat.sent("open-due-bids") >= 4 for beat in beats), 60,
             what="both beats to send the opening again")
    time.sleep(2)  # the last runs sent, done by the workers
    for beat in beats:
        beat.stop()
    assert audit_count("tender.open") == 1
    assert Tender.objects.get(pk=tender.pk).status == Tender.Status.OPENED
    assert Bid.objects.filter(tender=tender, status=Bid.Status.QUALIFIED).count() == len(PRICES)
