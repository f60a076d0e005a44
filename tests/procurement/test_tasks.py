import datetime as dt

import pytest

from config.beat import BEAT_SCHEDULE
from procurement.models import Tender
from procurement.services.tenders import tender_extend_deadline
from procurement.tasks import open_due_tenders, open_tender
from tests.worlds import audit_count, bids_submitted, tender_published

pytestmark = pytest.mark.django_db


def test_beat_entry_names_the_task():
    assert BEAT_SCHEDULE["open-due-bids"]["task"] == open_due_tenders.name
    assert open_due_tenders.name == "procurement.tasks.open_due_tenders"


def test_extended_deadline_delays_automatic_opening(world, clock):
    tender = tender_published(world)
    bids_submitted(world, tender)
    old = tender.bid_deadline
    new = old + dt.timedelta(days=5)
    tender_extend_deadline(tender=tender, actor=world.purchaser, new_deadline=new,
                           reason="澄清影响投标文件编制")
    clock.move_to(old + dt.timedelta(minutes=1))
    assert open_due_tenders.delay().get() == []
    tender.refresh_from_db()
    assert tender.status == Tender.Status.PUBLISHED and tender.opened_at is None
    clock.move_to(new)
    assert open_due_tenders.delay().get() == [tender.pk]
    tender.refresh_from_db()
    assert tender.status == Tender.Status.OPENED and tender.opened_at == new
    # the beat runs again (or two workers race): nothing more happens
    open_due_tenders()
    open_tender(tender.pk)
    assert audit_count("tender.open") == 1


def test_open_tender_single(world, clock):
    tender = tender_published(world)
    bids_submitted(world, tender)
    assert open_tender(tender.pk) == "not_due"
    clock.move_to(tender.bid_deadline)
    assert open_tender(tender.pk) == Tender.Status.OPENED
    assert open_tender(tender.pk) == Tender.Status.OPENED
    assert open_tender(999999) == "missing"
    assert audit_count("tender.open") == 1
