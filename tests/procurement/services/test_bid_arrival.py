"""The deadline belongs to the bidder (issue 11 item 1): a bid's time is when its request reached
the server (core.middleware.ArrivalTimeMiddleware), not when the tender's lock was obtained.

A request that arrived before the deadline but got the lock after it is accepted; one that
arrived at or after it is refused; the client cannot supply the arrival, and a stamp in the
future or older than MAX_ARRIVAL_AGE is refused."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.exceptions import ServiceError
from core.middleware import ArrivalTimeMiddleware
from procurement.models import Bid, BidIntake, BidReceipt
from procurement.services import bids as bids_service
from procurement.services.amendments import bid_reconfirm, tender_amend
from procurement.services.arrival import MAX_ARRIVAL_AGE, arrival_check
from procurement.services.bid_files import bid_file_remove, bid_files_add
from procurement.services.bids import bid_submit, bid_withdraw
from procurement.services.intake import bid_intakes_process
from tests.worlds import bid_files, tender_published

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)


def submit(world, tender, **kw):
    return bid_submit(tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
                      price=Decimal("280000.00"), proposal="方案", files=bid_files(), **kw)


def test_arrived_before_deadline_is_accepted_though_the_lock_came_after(world, clock):
    tender = tender_published(world)
    arrived = tender.bid_deadline - SECOND
    clock.move_to(tender.bid_deadline + 2 * SECOND)  # the lock is obtained after the deadline
    bid = submit(world, tender, arrived_at=arrived)
    assert bid.status == Bid.Status.SUBMITTED
    bid.refresh_from_db()
    assert bid.arrived_at == arrived
    receipt = BidReceipt.objects.get(bid=bid)
    assert receipt.issued_at == arrived.replace(microsecond=0)


def test_arrived_after_deadline_is_refused(world, clock):
    tender = tender_published(world)
    clock.move_to(tender.bid_deadline + 2 * SECOND)
    for arrived in (tender.bid_deadline, tender.bid_deadline + dt.timedelta(milliseconds=100)):
        with pytest.raises(ServiceError, match="投标截止时间已过"):
            submit(world, tender, arrived_at=arrived)
    assert not Bid.objects.exists()


def test_without_arrival_the_current_time_is_judged(world, clock):
    tender = tender_published(world)
    clock.move_to(tender.bid_deadline)
    with pytest.raises(ServiceError, match="投标截止时间已过"):
        submit(world, tender)


@pytest.mark.parametrize("offset", [SECOND, -(MAX_ARRIVAL_AGE + SECOND)])
def test_an_arrival_in_the_future_or_too_old_is_refused(world, clock, offset):
    tender = tender_published(world)
    with pytest.raises(ServiceError) as refused:
        submit(world, tender, arrived_at=dt.datetime.now(dt.UTC) + offset)
    assert refused.value.code == "arrival"
    assert not Bid.objects.exists()


def test_arrival_bounds(clock):
    now = dt.datetime.now(dt.UTC)
    assert arrival_check(None) == now
    assert arrival_check(now - MAX_ARRIVAL_AGE) == now - MAX_ARRIVAL_AGE
    with pytest.raises(ServiceError):
        arrival_check(now.replace(tzinfo=None))


def test_files_withdrawal_and_reconfirmation_are_judged_by_arrival(world, clock):
    tender = tender_published(world)
    bid = submit(world, tender)
    staff = world.supplier_staff[0]
    tender_amend(tender=tender, actor=world.purchaser, content="更正内容")
    arrived = tender.bid_deadline - SECOND
    clock.move_to(tender.bid_deadline + SECOND)
    with pytest.raises(ServiceError, match="截止"):
        bid_files_add(bid=bid, actor=staff, files=bid_files())
    stored = bid_files_add(bid=bid, actor=staff, files=bid_files(), arrived_at=arrived)
    assert len(stored) == 1
    with pytest.raises(ServiceError, match="截止"):
        bid_file_remove(bid=bid, stored_file_id=stored[0].pk, actor=staff)
    bid_file_remove(bid=bid, stored_file_id=stored[0].pk, actor=staff, arrived_at=arrived)
    with pytest.raises(ServiceError):
        bid_reconfirm(bid=bid, actor=staff)
    bid_reconfirm(bid=bid, actor=staff, arrived_at=arrived)
    with pytest.raises(ServiceError, match="截止"):
        bid_withdraw(bid=bid, actor=staff)
    bid = bid_withdraw(bid=bid, actor=staff, arrived_at=arrived)
    assert bid.status == Bid.Status.WITHDRAWN and bid.withdrawn_at == arrived


def test_the_middleware_stamps_arrival_and_overwrites_what_the_client_sent(clock):
    seen = {}

    def view(request):
        seen["at"] = request.arrived_at
        return None

    request = RequestFactory().post("/", {"arrived_at": "2000-01-01T00:00:00Z"})
    request.arrived_at = "forged"
    ArrivalTimeMiddleware(view)(request)
    assert seen["at"] == dt.datetime.now(dt.UTC)


@pytest.fixture
def slow_lock(clock):
    """Make the tender's lock be obtained `delay` after the request arrived."""
    def delayed(delay):
        original = bids_service._shared_tender

        def locked(tender):
            clock.move_to(dt.datetime.now(dt.UTC) + delay)
            return original(tender)

        return mock.patch.object(bids_service, "_shared_tender", locked)

    return delayed


def test_page_bid_arriving_one_second_before_the_deadline_is_accepted(client, world, clock,
                                                                     slow_lock):
    tender = tender_published(world)
    client.force_login(world.supplier_staff[0])
    url = reverse("procurement:bid-submit", args=[tender.pk])
    page = client.get(url).content.decode()
    assert "服务器时间" in page
    post = {"organization": world.suppliers[0].pk, "price": "280000.00", "proposal": "方案",
            "files": bid_files()}
    clock.move_to(tender.bid_deadline - SECOND)
    client.force_login(world.supplier_staff[0])  # a session younger than the 21 days moved
    response = client.post(url, post)
    # So close to the deadline the page records the arrival and the bid is entered after it
    # (BID_PAGE_INTAKE_MINUTES, tests/procurement/test_bid_page_intake.py): by a worker that
    # waits 3 s for the tender's lock, past the deadline.
    intake = BidIntake.objects.get()
    assert response["Location"] == reverse("procurement:bid-intake", args=[intake.pk])
    with slow_lock(3 * SECOND):
        assert bid_intakes_process(tender=tender) == 1
    assert Bid.objects.get().arrived_at == tender.bid_deadline - SECOND


def test_page_bid_arriving_after_the_deadline_is_refused(client, world, clock):
    tender = tender_published(world)
    client.force_login(world.supplier_staff[0])
    url = reverse("procurement:bid-submit", args=[tender.pk])
    clock.move_to(tender.bid_deadline + dt.timedelta(milliseconds=1))
    client.force_login(world.supplier_staff[0])
    response = client.post(url, {"organization": world.suppliers[0].pk, "price": "280000.00",
                                 "proposal": "方案", "files": bid_files()})
    assert "投标截止时间已过" in response.content.decode()
    assert not Bid.objects.exists()


def test_api_bid_arrival_is_the_servers_not_the_clients(client, world, clock, slow_lock):
    tender = tender_published(world)
    client.force_login(world.supplier_staff[0])
    url = f"/api/procurement/tenders/{tender.pk}/bids/"
    data = {"organization": world.suppliers[0].pk, "price": "280000.00", "proposal": "方案",
            "files": bid_files(), "arrived_at": (tender.bid_deadline - SECOND).isoformat()}
    clock.move_to(tender.bid_deadline - SECOND)
    client.force_login(world.supplier_staff[0])
    with slow_lock(3 * SECOND):
        response = client.post(url, data)
    assert response.status_code == 201, response.content
    bid = Bid.objects.get()
    assert bid.arrived_at == tender.bid_deadline - SECOND
    # After the deadline a client claiming an earlier arrival is still refused.
    clock.move_to(tender.bid_deadline + SECOND)
    client.force_login(world.supplier_staff[1])
    response = client.post(url, {**data, "organization": world.suppliers[1].pk,
                                 "files": bid_files()})
    assert response.status_code == 400 and "投标截止时间已过" in response.content.decode()
    assert list(Bid.objects.all()) == [bid]
