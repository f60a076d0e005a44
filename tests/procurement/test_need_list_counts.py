"""The need list counts each need's supporters for the page it shows (issue 11 item 3): in SQL
only to sort or export by the count, otherwise for the page's own rows in one query."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement.models import Need
from tests import factories
from tests.worlds import PAGE_WORLD, rows_at_stage, world_build

pytestmark = pytest.mark.django_db


def _counts(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', html)]


def test_the_page_shows_each_needs_supporters_sorted_or_not(client):
    world = world_build(**PAGE_WORLD)
    rows_at_stage(world, 3, "submitted")  # each with one supported and one declined need
    supported = Need.objects.filter(supports__isnull=False).order_by("pk").first()
    for _n in range(3):
        factories.NeedSupportFactory(need=supported, user=factories.user_with_role(
            "resident", world.community_org))
    expected = sorted((n.supports.count() for n in Need.objects.all()), reverse=True)
    client.force_login(world.community)
    url = reverse("procurement:need-list")
    plain = _counts(client.get(url).content.decode())
    assert sorted(plain, reverse=True) == expected and 4 in plain
    assert _counts(client.get(url, {"o": "-support_count"}).content.decode()) == expected
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    rows_at_stage(world, 6, "submitted")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(small) == len(large)
