"""Lists that stay fast at 10,000 rows (issue 11 item 3; benchmarks/bench_list_scaling.py): a
page sorts its keys, not its rows (core.lists.KeysFirstPaginator), and a scope without joins
filters the list's own table directly (core.authz.scoped)."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import authz
from core.lists import KeysFirstPaginator
from finance.models import PaymentTranche
from procurement.models import Contract, ServiceProject
from tests.worlds import PAGE_WORLD, rows_at_stage, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_build(**PAGE_WORLD)


def _projects(user):
    from procurement.selectors import project_list_for_user

    return project_list_for_user(user=user).order_by("-created_at", "-id")


def test_a_page_holds_the_rows_of_a_plain_paginator_in_its_order(world):
    rows_at_stage(world, 7, "signed")
    rows = _projects(world.purchaser)
    for number in (1, 2, 3):
        plain = Paginator(rows, 3).get_page(number)
        keyed = KeysFirstPaginator(rows, 3).get_page(number)
        assert [p.pk for p in keyed.object_list] == [p.pk for p in plain.object_list]
        assert keyed.paginator.count == plain.paginator.count == 7
        assert keyed.has_next() == plain.has_next()


def test_the_keys_are_sorted_alone_and_the_rows_read_by_key(world):
    rows_at_stage(world, 4, "signed")
    rows = _projects(world.purchaser)
    with CaptureQueriesContext(connection) as queries:
        page = KeysFirstPaginator(rows, 2).get_page(1)
        shown = [(p.code, p.community.name, p.purchaser.name, p.current_tender) for p in page]
    sql = [q["sql"] for q in queries.captured_queries]
    read = next(s for s in sql if '"accounts_organization"' in s and "serviceproject" in s)
    # The page's keys are sorted and cut in a subquery selecting the key only (no joined
    # columns carried through the sort); the outer query reads those rows by key, joined.
    outer, inner = read.split(" IN (SELECT ", 1)
    assert " WHERE " in outer and "purchaser_id" in outer.split(" WHERE ")[0]
    assert inner.split(" FROM ")[0].count(",") == 0 and "LIMIT 2" in inner, read
    assert len(shown) == 2 and all(community for _code, community, _p, _t in shown)
    # count, the page with its joins, the tenders prefetched: as a plain paginator.
    assert len(queries) == 3, sql


def test_a_list_that_is_not_a_queryset_pages_as_django_does():
    page = KeysFirstPaginator(list(range(10)), 4).get_page(3)
    assert list(page.object_list) == [8, 9]


@pytest.mark.parametrize("who", ["purchaser", "community", "finance"])
def test_a_scope_without_joins_filters_the_table_directly_with_the_same_rows(world, who):
    rows_at_stage(world, 3, "closed")
    user = getattr(world, who)
    direct = authz.scoped(user, "procurement.view_serviceproject", ServiceProject.objects.all())
    sql = str(direct.query)
    # No join in the outer FROM, no "pk IN (the scope's own table joined)" wrapper.
    assert " JOIN " not in sql.split(" WHERE ", 1)[0] and 'IN (SELECT V0."id"' not in sql, sql
    through_subquery = ServiceProject.objects.filter(pk__in=ServiceProject._base_manager.filter(
        authz.scope_q(user, "procurement.view_serviceproject")).values("pk"))
    assert set(direct) == set(through_subquery) and direct.count() == len(set(direct)) > 0


def test_the_supplier_and_the_expert_still_see_their_projects_through_the_subqueries(world):
    rows_at_stage(world, 2, "closed")
    contract = Contract.objects.select_related("project", "supplier").first()
    supplier_staff = next(u for u in world.supplier_staff
                          if u.memberships.filter(organization=contract.supplier).exists())
    seen = authz.scoped(supplier_staff, "procurement.view_serviceproject",
                        ServiceProject.objects.all())
    assert contract.project in seen
    assert supplier_staff.has_perm("procurement.view_serviceproject", contract.project)
    expert = world.experts[0]
    seated = ServiceProject.objects.filter(tenders__committee__members__expert=expert).distinct()
    assert seated.exists()
    assert set(seated) <= set(authz.scoped(expert, "procurement.view_serviceproject",
                                           ServiceProject.objects.all()))


def test_the_tranche_list_reads_the_tranche_table_alone(client, world):
    rows_at_stage(world, 3, "closed")
    client.force_login(world.finance)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("finance:tranche-list"))
    assert response.status_code == 200
    count = next(q["sql"] for q in queries.captured_queries
                 if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "finance_paymenttranche"'))
    assert " JOIN " not in count.split(" WHERE ")[0], count
    shown = response.context["page"].paginator.count
    assert shown == PaymentTranche.objects.filter(
        contract__project__budget_commitment__envelope__finance_bureau__in=world.finance
        .memberships.values("organization")).count() > 0
