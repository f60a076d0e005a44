"""Every dashboard and monitoring page runs the same number of queries for a city of 10 projects
and for one of 10,000 (issue 9, Performance), on the city generator of benchmarks/citygen.py.

The small city is measured, rolled back, then the large one is measured: a page whose queries
grow with the rows fails. Both cities skip service records and most volunteers (their pages are pinned in
their own tests) to stay around half a minute; the benchmark times the full city on PostgreSQL.
"""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks import citygen
from benchmarks.citygen import PAGES

TODAY = datetime.date(2026, 11, 30)

pytestmark = pytest.mark.django_db


def _counts(city) -> dict:
    from accounts.models import User

    clients = {}
    for role, username in city.users.items():
        clients[role] = Client()
        clients[role].force_login(User.objects.get(username=username))
    counts = {}
    for name, role in PAGES:
        client = clients[role]
        url = reverse(name)
        assert client.get(url).status_code == 200, name  # warm: sessions, caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, name
        counts[name] = len(queries)
    return counts


class _Rollback(Exception):
    def __init__(self, counts):
        self.counts = counts


def test_ten_and_ten_thousand_projects_run_the_same_queries():
    from django.db import transaction

    try:  # the small city, measured, then rolled back (a savepoint) for the large one
        with transaction.atomic():
            raise _Rollback(_counts(citygen.generate(scale=0.005, today=TODAY,
                                                     records_per_month=0, volunteer_scale=0.001)))
    except _Rollback as small:
        small_counts = small.counts
    assert all(n > 0 for n in small_counts.values())
    city = citygen.generate(scale=5, today=TODAY, records_per_month=0, volunteer_scale=0.001)
    assert city.counts["procurement.ServiceProject"] == 10_000
    assert _counts(city) == small_counts
