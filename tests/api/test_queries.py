"""Every authenticated /api/v1/ list runs a bounded number of queries: the same at 2 rows as at
12 (cursor pagination, select_related in the selectors, one count query for needs)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.api_tokens import issue_test_token
from tests.worlds import rows_at_stage

LISTS = [("needs", "community"), ("needs", "resident"), ("bids", "supplier"),
         ("seats", "expert"), ("service-records", "purchaser"), ("payments", "finance"),
         ("payments", "supplier"), ("tenders", "purchaser"), ("tokens", "admin")]


def _user(world, who):
    return {"supplier": world.supplier_staff[0], "expert": world.experts[0],
            "admin": world.admin}.get(who) or getattr(world, who)


@pytest.mark.parametrize(("name", "who"), LISTS)
def test_list_queries_do_not_grow_with_rows(api, world, django_assert_max_num_queries, name,
                                            who):
    user = _user(world, who)
    for _ in range(2):
        issue_test_token(user)
    rows_at_stage(world, 2, "closed")
    url = reverse(f"api-v1:{name}")
    api.get(user, url)  # the token's first use writes last_used_at
    with CaptureQueriesContext(connection) as small:
        first = api.get(user, url)
    assert first.status_code == 200
    assert first.json()["results"], f"{name} as {who} shows nothing: the pin would prove nothing"
    rows_at_stage(world, 10, "closed")
    for _ in range(10):
        issue_test_token(user)
    with django_assert_max_num_queries(len(small)):
        body = api.get(user, url).json()
    assert len(body["results"]) > len(first.json()["results"])
