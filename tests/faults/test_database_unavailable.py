"""A request that finds the database unreachable answers 503 with Retry-After (not 500)."""

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from core.middleware import DatabaseUnavailableMiddleware


@pytest.mark.parametrize("error", [OperationalError("server closed the connection"),
                                   InterfaceError("connection already closed")])
def test_page_answers_503_with_retry_after(error):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(RequestFactory().get("/portal/tenders/"), error)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "请稍后重试" in response.content.decode()


def test_api_answers_json_and_other_errors_pass_through():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/api/procurement/tenders/")
    response = middleware.process_exception(request, OperationalError("the database is gone"))
    assert response.status_code == 503
    assert "请稍后重试" in json.loads(response.content)["detail"]
    assert middleware.process_exception(request, ValueError("a bug")) is None


def test_the_middleware_is_installed(settings):
    assert "core.middleware.DatabaseUnavailableMiddleware" in settings.MIDDLEWARE


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/workspace/", "/api/v1/bids/"])
def test_a_signed_in_request_answers_503_when_its_user_cannot_be_read(client, monkeypatch, path):
    """The database gone before the view: the session and the user are read first of all
    (core.middleware.SignedInUserMiddleware), so that read answers 503 too, not a 500."""
    from tests.factories import UserFactory

    client.force_login(UserFactory())

    def unreachable(user_id):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("accounts.selectors.user_with_memberships", unreachable)
    response = client.get(path)
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "5"
    body = response.json()["detail"] if path.startswith("/api/") else response.content.decode()
    assert "请稍后重试" in body


def test_the_user_is_read_right_after_authentication(settings):
    middleware = settings.MIDDLEWARE
    position = middleware.index("core.middleware.SignedInUserMiddleware")
    assert middleware[position - 1] == "django.contrib.auth.middleware.AuthenticationMiddleware"
