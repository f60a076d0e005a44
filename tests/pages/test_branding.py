"""The platform's name and icon on the login, error, office and portal pages (issue 8 item 9)."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PLATFORM = "三社联动服务项目采购与评价平台"
FOREIGN = ("Viewflow Demo", "Django Material", "Page not found")


def _branded(html: str) -> None:
    assert PLATFORM in html
    assert '<link rel="icon" href="/static/office/favicon.svg"' in html
    for text in FOREIGN:
        assert text not in html


def test_login_page_names_the_platform(client):
    html = client.get(reverse("login")).content.decode()
    _branded(html)
    assert f"<title>登录 · {PLATFORM}</title>" in html


def test_not_found_page_is_ours_in_chinese(client):
    response = client.get("/workspace/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    _branded(html)
    assert "404 页面不存在" in html


def test_office_page_title_and_icon(client):
    client.force_login(UserFactory())
    html = client.get(reverse("home")).content.decode()
    _branded(html)


@pytest.mark.parametrize("language, lang", [("zh-hans", "zh-Hans"), ("en", "en")])
def test_portal_lang_follows_the_language(client, language, lang):
    client.cookies["django_language"] = language
    html = client.get(reverse("portal:index"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{lang}">' in html
    assert '<link rel="icon" href="/static/office/favicon.svg"' in html


def test_favicon_ships_with_the_install():
    assert finders.find("office/favicon.svg")


def test_server_error_page_renders_without_a_request():
    """Django renders 500.html with no context at all: it must not depend on the request."""
    from django.template import loader

    html = loader.get_template("500.html").render()
    _branded(html)
    assert "500 服务器错误" in html


def test_notifications_page_is_a_back_office_page_with_the_menu(client):
    client.force_login(UserFactory())
    html = client.get(reverse("core:notification-list")).content.decode()
    _branded(html)
    assert 'class="vf-page__menu' in html and "mdc-top-app-bar__navigation-icon" in html
    assert html.count("<h1") == 1
