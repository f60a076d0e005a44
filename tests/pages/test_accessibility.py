"""Accessibility in the HTML itself (issue 8 item 9): a skip link to a focusable <main>, exactly
one <h1>, decorative Material icons hidden from screen readers. The browser crawl
(tests/e2e/test_crawl.py) checks the same on every page of every role; these run in a second.
"""

import re

import pytest
from django.urls import reverse

from tests.worlds import PAGE_WORLD, rows_at_stage, world_build

pytestmark = pytest.mark.django_db

SKIP = '<a class="skip-link" href="#main-content">跳到主要内容</a>'


def _accessible(html: str) -> None:
    assert SKIP in html
    assert re.search(r'<main[^>]* id="main-content"', html)
    assert html.index(SKIP) < html.index('id="main-content"')
    assert len(re.findall(r"<h1[\s>]", html)) == 1, re.findall(r"<h1[^>]*>[^<]*", html)
    icons = re.findall(r'<i class="material-icons"(?![^>]*aria-hidden="true")[^>]*>', html)
    assert icons == []


@pytest.fixture
def world():
    return world_build(**PAGE_WORLD)


@pytest.mark.parametrize("name", ["home", "procurement:project-list", "core:notification-list",
                                  "evaluation:performance-list"])
def test_office_pages_have_a_skip_link_one_h1_and_silent_icons(client, world, name):
    rows_at_stage(world, 1, "closed")
    client.force_login(world.purchaser)
    _accessible(client.get(reverse(name)).content.decode())


def test_project_page_has_one_h1(client, world):
    project = rows_at_stage(world, 1, "closed")[0]
    client.force_login(world.purchaser)
    _accessible(client.get(reverse("procurement:project-detail", args=[project.pk])).content.decode())


def test_login_and_not_found_pages_have_a_skip_link_and_one_h1(client):
    _accessible(client.get(reverse("login")).content.decode())
    _accessible(client.get("/workspace/no-such-page/").content.decode())


def test_portal_has_a_skip_link_and_one_h1(client):
    _accessible(client.get(reverse("portal:index")).content.decode())


def test_favicon_ico_answers_with_the_platform_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("office/favicon.svg")
