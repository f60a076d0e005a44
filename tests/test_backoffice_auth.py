"""Every back-office page sends an anonymous visitor to the login page (API: 401/403)."""

import re
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

# Public on purpose. Keep this list explicit and small.
PUBLIC_NAMESPACES = {"portal"}  # the public disclosure portal (公示)
PUBLIC_PREFIXES = (
    "/accounts/",  # login, password reset
    "/logout/",
    "/i18n/",  # language switch
    "/static/",
    "/favicon.ico",  # redirects to the platform icon under /static/
    "/admin/login/",
    "/admin/logout/",
    "/api/v1/public/",  # the partner API's public reads: what the portal publishes (docs/api.md)
)
BACK_OFFICE_PREFIXES = ("/workspace/", "/admin/", "/core/", "/api/", "/account/")
REGEX_META = re.compile(r"[()\[\]{}*+?|\\.]")


def _literal(pattern) -> str | None:
    """Return the literal path piece of a pattern, or None when it takes parameters."""
    if isinstance(pattern, RoutePattern):
        return None if pattern.converters else str(pattern)
    if isinstance(pattern, RegexPattern):
        text = pattern.regex.pattern.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
        return None if REGEX_META.search(text) else text
    return None


def _walk(patterns, prefix="", namespaces=()):
    for entry in patterns:
        piece = _literal(entry.pattern)
        if piece is None:
            continue
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, prefix + piece, ns)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + piece, namespaces


def back_office_urls() -> list[str]:
    urls = set()
    for url, namespaces in _walk(get_resolver().url_patterns):
        if PUBLIC_NAMESPACES & set(namespaces) or url.startswith(PUBLIC_PREFIXES):
            continue
        urls.add(url)
    return sorted(urls)


def test_walk_finds_the_back_office():
    urls = back_office_urls()
    assert "/workspace/" in urls
    assert "/admin/" in urls
    assert "/api/schema/" in urls
    for url in urls:
        resolve(url)  # every collected path is a real route


def test_every_url_is_either_public_or_back_office():
    stray = [u for u in back_office_urls() if not u.startswith(BACK_OFFICE_PREFIXES)]
    assert not stray, f"new top-level area: add it to BACK_OFFICE_PREFIXES or PUBLIC_*: {stray}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", back_office_urls())
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)
    if url.startswith("/api/"):
        assert response.status_code in (401, 403), f"{url} answered {response.status_code}"
        return
    login_pages = {resolve_url(settings.LOGIN_URL), "/admin/login/"}
    assert response.status_code == 302, f"{url} answered {response.status_code}"
    target = urlparse(response["Location"]).path
    assert target in login_pages, f"{url} redirected to {response['Location']}"


@pytest.mark.django_db
def test_viewflow_workflow_app_is_not_mounted(client):
    """viewflow's workflow pages are closed (workflows/site.py): 404, signed in or not."""
    from accounts.models import User

    assert client.get("/workspace/workflow/").status_code == 404
    user = User.objects.create_superuser(username="root2", password="x-Very-long-pass-1")
    client.force_login(user)
    assert client.get("/workspace/workflow/").status_code == 404
