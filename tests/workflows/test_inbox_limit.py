"""The inbox shows a bounded number of rows per section, with exact counts and a "show all" link."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from tests.factories import OrganizationFactory, user_with_role
from tests.worlds import PAGE_WORLD, rows_at_stage, world_build
from workflows.views.home import HomeView

pytestmark = pytest.mark.django_db


def _inbox(user, query=""):
    client = Client()
    client.force_login(user)
    html = client.get(reverse("home") + query).content.decode()
    return int(re.search(r'data-count="(\d+)"', html).group(1)), html


def test_sections_are_capped_but_counts_stay_exact(monkeypatch):
    world = world_build(**PAGE_WORLD)
    staff = user_with_role(Role.SOCIAL_ORG, OrganizationFactory(social_org=True, name="第三社工服务社"))
    rows_at_stage(world, 5, "published")  # five open tenders this organization may bid on
    monkeypatch.setattr(HomeView, "section_limit", 3)

    count, html = _inbox(staff)
    assert count == 5
    assert html.count('class="inbox-work"') == 3
    assert "（5）" in html  # the section heading counts every item
    assert 'href="?all=1"' in html

    count, html = _inbox(staff, "?all=1")
    assert count == 5
    assert html.count('class="inbox-work"') == 5
    assert 'href="?all=1"' not in html


def test_no_show_all_link_under_the_limit():
    world = world_build(**PAGE_WORLD)
    staff = user_with_role(Role.SOCIAL_ORG, OrganizationFactory(social_org=True, name="第四社工服务社"))
    rows_at_stage(world, 2, "published")
    count, html = _inbox(staff)
    assert count == 2
    assert html.count('class="inbox-work"') == 2
    assert 'href="?all=1"' not in html


def test_flow_task_sections_are_limited_and_counted_in_sql(world, monkeypatch):
    """The purchaser's approval tasks: the database returns the first `section_limit` of each
    section with the section's count, so neither the rows read nor the queries grow."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.workflows.test_task_access import submitted_project
    from workflows.selectors import task_inbox_for_user

    monkeypatch.setattr(HomeView, "section_limit", 3)
    client = Client()
    client.force_login(world.purchaser)
    seen = {}
    for size in (4, 9):
        for n in range(4 if seen else 0, size):
            submitted_project(world, n)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("home")).content.decode()
        seen[size] = len(queries)
        assert html.count('class="inbox-task"') == 3
        assert int(re.search(r'data-count="(\d+)"', html).group(1)) >= size
        assert f"（{size}）" in html  # the section heading counts every task
        assert 'href="?all=1"' in html
        items = task_inbox_for_user(world.purchaser, limit=3)
        assert len(items) == 3 and {i.section_total for i in items} == {size}
        # The oldest first, as without the limit.
        assert [i.task.pk for i in items] == [
            i.task.pk for i in task_inbox_for_user(world.purchaser)][:3]
    assert seen[4] == seen[9]
    _count, html = _inbox(world.purchaser, "?all=1")
    assert html.count('class="inbox-task"') == 9
