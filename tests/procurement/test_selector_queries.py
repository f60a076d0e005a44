"""Selectors and API lists run the same number of queries with 5 and with 50 rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organization, User
from procurement.models import Bid, Need
from procurement.selectors import (
    bid_list_for_user,
    need_list_for_user,
    project_list_for_user,
    tender_list_for_user,
)
from procurement.services.bids import bids_open
from tests.factories import OrganizationFactory
from tests.worlds import project_draft, tender_published

pytestmark = pytest.mark.django_db


def fresh(user):
    return User.objects.get(pk=user.pk)  # no cached memberships


def count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def read_needs(user):
    for need in need_list_for_user(user=user):
        _ = (need.community.name, need.submitted_by.real_name, need.support_count)


def read_projects(user):
    for project in project_list_for_user(user=user):
        _ = (project.community.name, project.purchaser.name, project.current_tender)


def read_tenders(user):
    for tender in tender_list_for_user(user=user):
        _ = (tender.project.code, tender.project.purchaser.name, tender.project.community.name)


def add_needs(world, n):
    Need.objects.bulk_create([
        Need(title=f"需求{i}", category="elderly", target_group="老人",
             community=world.community_org, description="d", submitted_by=world.resident)
        for i in range(n)
    ])


@pytest.mark.parametrize(("reader", "who"), [
    (read_needs, "resident"), (read_needs, "community"),
])
def test_need_list_constant(world, reader, who, django_assert_num_queries):
    user = world.users()[who]
    add_needs(world, 5)
    small = count(lambda: reader(fresh(user)))
    add_needs(world, 45)
    assert need_list_for_user(user=fresh(user)).count() == 50
    with django_assert_num_queries(small):
        reader(fresh(user))


def test_project_and_tender_lists_constant(world, django_assert_num_queries):
    for _ in range(5):
        project_draft(world)
    tender_published(world)
    users = world.users()
    small_projects = {who: count(lambda u=users[who]: read_projects(fresh(u)))
                      for who in ("community", "purchaser", "finance")}
    small_tenders = count(lambda: read_tenders(fresh(world.purchaser)))
    for _ in range(44):
        project_draft(world)
    tender_published(world)
    assert project_list_for_user(user=fresh(world.community)).count() == 51
    for who, small in small_projects.items():
        with django_assert_num_queries(small):
            read_projects(fresh(world.users()[who]))
    with django_assert_num_queries(small_tenders):
        read_tenders(fresh(world.purchaser))


def _bids(tender, n, start):
    orgs = [OrganizationFactory(kind=Organization.Kind.SOCIAL_ORG) for _ in range(n)]
    Bid.objects.bulk_create([
        Bid(tender=tender, organization=org, price=Decimal("1000") + start + i, proposal="p",
            submitted_by_id=tender.published_by_id, submitted_at=timezone.now())
        for i, org in enumerate(orgs)
    ])


def test_bid_list_constant_after_opening(world, clock, client, django_assert_num_queries):
    small_tender = tender_published(world)
    _bids(small_tender, 5, 0)
    big_tender = tender_published(world)
    _bids(big_tender, 50, 100)
    clock.move_to(big_tender.bid_deadline + dt.timedelta(minutes=1))
    for tender in (small_tender, big_tender):
        bids_open(tender=tender)
        tender.refresh_from_db()

    def read(tender):
        for bid in bid_list_for_user(user=fresh(world.purchaser), tender=tender):
            _ = (bid.organization.name, bid.submitted_by.username, bid.tender.code)

    small = count(lambda: read(small_tender))
    with django_assert_num_queries(small):
        read(big_tender)
    assert len(bid_list_for_user(user=world.purchaser, tender=big_tender)) == 50
    client.force_login(world.purchaser)
    small_api = count(lambda: client.get(f"/api/procurement/tenders/{small_tender.pk}/bids/"))
    with django_assert_num_queries(small_api):
        response = client.get(f"/api/procurement/tenders/{big_tender.pk}/bids/")
    assert response.json()["count"] == 50
    small_list = count(lambda: client.get("/api/procurement/tenders/"))
    tender_published(world)
    with django_assert_num_queries(small_list):
        client.get("/api/procurement/tenders/")


def test_opening_record_with_digests_and_flags_constant(world, clock, client,
                                                        django_assert_max_num_queries):
    """The opening record's digests and the opening flags add no query per bid."""
    small_tender = tender_published(world)
    _bids(small_tender, 4, 0)
    big_tender = tender_published(world)
    _bids(big_tender, 40, 100)
    for tender in (small_tender, big_tender):  # one same-representative pair in each
        orgs = list(Organization.objects.filter(bids__tender=tender).order_by("pk")[:2])
        Organization.objects.filter(pk__in=[o.pk for o in orgs]).update(
            legal_representative=f"同一人{tender.pk}")
    clock.move_to(big_tender.bid_deadline + dt.timedelta(minutes=1))
    for tender in (small_tender, big_tender):
        bids_open(tender=tender)
    client.force_login(world.purchaser)

    def page(tender):
        return lambda: client.get(f"/workspace/procurement/tenders/{tender.pk}/")

    def api(tender):
        return lambda: client.get(f"/api/procurement/tenders/{tender.pk}/opening-record/")

    small_page, small_api = count(page(small_tender)), count(api(small_tender))
    with django_assert_max_num_queries(small_page):
        html = page(big_tender)().content.decode()
    assert f"同一人{big_tender.pk}" in html
    with django_assert_max_num_queries(small_api):
        assert len(api(big_tender)().json()["bids"]) == 40
