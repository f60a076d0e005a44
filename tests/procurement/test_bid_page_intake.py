"""The bid page close to the deadline (issue 11 items 1 and 2): a bid arriving within
BID_PAGE_INTAKE_MINUTES before the deadline is recorded as an intake (its arrival at once, the
bid entered right after, procurement.services.intake) and the page follows it to the receipt;
earlier it is entered in the request as before."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from procurement.models import Bid, BidIntake, BidReceipt
from procurement.services.intake import bid_intakes_process
from tests.worlds import bid_files, tender_published

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _no_wake_up_left():
    cache.clear()  # the wake-up keys of another test (procurement.services.intake)
    yield
    cache.clear()


def submit(client, world, tender, n=0, **fields):
    client.force_login(world.supplier_staff[n])
    url = reverse("procurement:bid-submit", args=[tender.pk])
    data = {"organization": world.suppliers[n].pk, "price": "280000.00", "proposal": "服务方案",
            "files": bid_files(), "tender_version": tender.version, **fields}
    return client.post(url, data)


def intake_url(intake):
    return reverse("procurement:bid-intake", args=[intake.pk])


def test_near_the_deadline_the_page_records_the_arrival_and_follows_it_to_the_receipt(
        client, world, clock):
    tender = tender_published(world)
    arrival = tender.bid_deadline - 10 * MINUTE
    clock.move_to(arrival)
    response = submit(client, world, tender)
    intake = BidIntake.objects.get()
    assert response.status_code == 302 and response["Location"] == intake_url(intake)
    assert not Bid.objects.exists()  # entered after the answer
    page = client.get(intake_url(intake))
    html = page.content.decode()
    assert page.status_code == 200 and "登记中" in html and "正在录入" in html
    assert '<meta http-equiv="refresh" content="2">' in html
    assert arrival.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M:%S") in html
    # A worker enters it after the deadline: judged by its recorded arrival.
    clock.move_to(tender.bid_deadline + MINUTE)
    assert bid_intakes_process(tender=tender) == 1
    bid = Bid.objects.get()
    assert bid.arrived_at == arrival and bid.documents.exists()
    assert BidReceipt.objects.filter(bid=bid).exists()
    followed = client.get(intake_url(intake))
    assert followed.status_code == 302
    assert followed["Location"] == reverse("procurement:bid-detail", args=[bid.pk])
    detail = client.get(followed["Location"]).content.decode()
    assert "投标文件已递交" in detail and "到达时间" in detail


def test_earlier_the_page_enters_the_bid_in_the_request(client, world, clock):
    tender = tender_published(world)
    clock.move_to(tender.bid_deadline - 31 * MINUTE)
    response = submit(client, world, tender)
    bid = Bid.objects.get()
    assert response["Location"] == reverse("procurement:bid-detail", args=[bid.pk])
    assert not BidIntake.objects.exists()


def test_with_the_window_off_the_page_always_enters_in_the_request(client, world, clock,
                                                                   settings):
    settings.BID_PAGE_INTAKE_MINUTES = 0
    tender = tender_published(world)
    clock.move_to(tender.bid_deadline - dt.timedelta(seconds=1))
    response = submit(client, world, tender)
    assert response.status_code == 302 and Bid.objects.count() == 1
    assert not BidIntake.objects.exists()


def test_a_bid_larger_than_an_intake_holds_is_entered_in_the_request(client, world, clock,
                                                                     settings):
    settings.BID_INTAKE_MAX_BYTES = 100
    tender = tender_published(world)
    clock.move_to(tender.bid_deadline - MINUTE)
    submit(client, world, tender)
    assert Bid.objects.count() == 1 and not BidIntake.objects.exists()


def test_after_the_deadline_the_page_refuses_at_once_and_records_nothing(client, world, clock):
    tender = tender_published(world)
    clock.move_to(tender.bid_deadline + dt.timedelta(milliseconds=1))
    response = submit(client, world, tender)
    assert response.status_code == 200 and "投标截止时间已过" in response.content.decode()
    assert not BidIntake.objects.exists() and not Bid.objects.exists()


def test_refused_when_entered_the_page_says_why_and_offers_to_submit_again(client, world,
                                                                          clock):
    tender = tender_published(world)
    clock.move_to(tender.bid_deadline - 40 * MINUTE)
    submit(client, world, tender)  # entered in the request
    clock.move_to(tender.bid_deadline - 5 * MINUTE)
    submit(client, world, tender)  # a second bid of the same organization: recorded, then refused
    intake = BidIntake.objects.get()
    assert bid_intakes_process(tender=tender) == 1
    page = client.get(intake_url(intake))
    html = page.content.decode()
    assert page.status_code == 200 and "未被接受" in html and "投标未被录入" in html
    intake.refresh_from_db()
    assert intake.refusal_message in html
    assert reverse("procurement:bid-submit", args=[tender.pk]) in html
    assert 'http-equiv="refresh"' not in html
    assert Bid.objects.count() == 1


def test_only_its_submitter_follows_it(client, world, clock):
    tender = tender_published(world)
    clock.move_to(tender.bid_deadline - MINUTE)
    submit(client, world, tender)
    intake = BidIntake.objects.get()
    for other in (world.supplier_staff[1], world.purchaser, world.community):
        client.force_login(other)
        assert client.get(intake_url(intake)).status_code == 404
    client.logout()
    assert client.get(intake_url(intake)).status_code == 302  # to the sign-in page


def test_the_page_reads_little_in_a_rush(client, world, clock, django_assert_max_num_queries):
    """The page's POST close to the deadline: the session, the user, the tender's row, the
    memberships (with the organizations: the one chosen is not read again) and the insert; a
    published tender's visibility is answered from its row
    (procurement.permissions.published_tender_is_public)."""
    tender = tender_published(world)
    clock.move_to(tender.bid_deadline - MINUTE)
    client.force_login(world.supplier_staff[0])
    data = {"organization": world.suppliers[0].pk, "price": "280000.00", "proposal": "方案",
            "files": bid_files(), "tender_version": tender.version}
    with django_assert_max_num_queries(5):
        response = client.post(reverse("procurement:bid-submit", args=[tender.pk]), data)
    assert response.status_code == 302 and BidIntake.objects.count() == 1


def test_who_sees_a_tender_is_the_same_from_its_row_as_from_the_list(world):
    """The rule answered from a tender's row agrees with the list's scope for every user, on a
    draft and on a published tender."""
    from procurement.models import Tender
    from procurement.selectors import tender_list_for_user

    published = tender_published(world)
    draft = tender_published(world)
    Tender.objects.filter(pk=draft.pk).update(status=Tender.Status.DRAFT)
    draft.refresh_from_db()
    for name, user in world.users().items():
        if user is None:
            continue
        for tender in (published, draft):
            listed = tender_list_for_user(user=user).filter(pk=tender.pk).exists()
            assert user.has_perm("procurement.view_tender", tender) == listed, (name, tender.status)


def test_an_organization_not_the_users_is_refused_on_the_page(client, world, clock):
    """The organization chosen is taken from the user's memberships; any other id is refused
    with the field's message, as before (not one of the choices)."""
    tender = tender_published(world)
    clock.move_to(tender.bid_deadline - MINUTE)
    for organization in (world.suppliers[1].pk, 2**70, "x"):
        response = submit(client, world, tender, organization=organization)
        assert response.status_code == 200
        assert "请选择您所在的社会组织" in response.content.decode(), organization
    assert not BidIntake.objects.exists()
