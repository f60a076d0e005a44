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
