"""Content-Security-Policy: every page sends it, and no template needs what it forbids."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import user_with_role

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["portal:index", "login"])
def test_public_pages_send_the_policy(client, url):
    response = client.get(reverse(url))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    # Scripts only from our own files: no inline code, no eval.
    assert policy["script-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    # Styles: 'unsafe-inline' for viewflow's style attributes, and nothing from elsewhere.
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]


@pytest.mark.django_db
def test_office_pages_errors_and_the_api_send_it_too(client):
    client.force_login(user_with_role(Role.PURCHASER))
    for url, status in ((reverse("home"), 200), ("/workspace/no-such-page/", 404),
                        (reverse("procurement-api:tender-list"), 200)):
        response = client.get(url)
        assert response.status_code == status, url
        assert _policy(response)["script-src"] == ["'self'"], url


@pytest.mark.django_db
def test_the_office_script_that_replaces_inline_handlers_is_loaded(client):
    page = client.get(reverse("login")).content.decode()
    assert re.search(r'<script src="/static/office/office\.js"', page)


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")",
                           re.IGNORECASE)
HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=\s*["']""", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def _templates():
    for folder in TEMPLATE_DIRS:
        yield from sorted(folder.rglob("*.html"))


def test_templates_have_no_inline_script_handler_or_javascript_url():
    assert len(list(_templates())) > 50
    offenders = []
    for path in _templates():
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)[:60]}")
    assert not offenders, "CSP forbids these; move the code to a static file:\n" + "\n".join(
        offenders)


@pytest.mark.parametrize("snippet, pattern", [
    ("<script>alert(1)</script>", INLINE_SCRIPT),
    ('<button onclick="return confirm(1)">', HANDLER),
    ('<a href="javascript:history.back()">', JS_URL),
])
def test_the_template_scan_sees_each_kind(snippet, pattern):
    assert pattern.search(snippet)
    assert not INLINE_SCRIPT.search('<script src="/static/a.js"></script>')
    assert not HANDLER.search('<button data-confirm="确定？">')
