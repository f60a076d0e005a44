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
