"""The OpenAPI schema documents the errors each API view can answer (core/api_schema.py), and
an unmatched /api/ URL answers JSON like every other API error."""

import pytest
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _operations(schema):
    for route, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield route, method.upper(), operation


@pytest.fixture
def schema(client):
    client.force_login(user_with_role(Role.PURCHASER))
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_every_operation_documents_the_errors_it_can_answer(schema):
    operations = list(_operations(schema))
    assert len(operations) >= 7
    for route, method, operation in operations:
        if route.startswith("/api/v1/"):
            continue  # public reads, 401 and 400 on lists: tests/api/test_schema.py
        codes = set(operation["responses"])
        where = f"{method} {route}: {sorted(codes)}"
        # Every API view wants a signed-in user and is throttled.
        assert {"403", "429"} <= codes, where
        if "{" in route or any(p["name"] == "page" for p in operation.get("parameters", [])):
            assert "404" in codes, where
        if method == "POST":
            assert {"400", "415"} <= codes, where
        else:
            assert "400" not in codes, where
        # Session authentication sends no challenge: 403, never 401 (docs/api.md).
        assert "401" not in codes, where


def test_error_bodies_and_retry_after_are_described(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    assert set(components["Error"]["properties"]) == {"detail", "code"}
    assert components["ValidationError"]["additionalProperties"] == {}
    tenders = schema["paths"]["/api/procurement/tenders/{id}/bids/"]
    not_found = tenders["get"]["responses"]["404"]
    assert not_found["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    refused = tenders["post"]["responses"]["400"]["content"]["application/json"]["schema"]
    assert refused == {"$ref": "#/components/schemas/ValidationError"}
    throttled = tenders["get"]["responses"]["429"]
    assert throttled["headers"]["Retry-After"]["schema"] == {"type": "integer"}


def test_an_operations_own_documentation_is_kept(schema):
    # The success responses the views declare stay as they were.
    bids = schema["paths"]["/api/procurement/tenders/{id}/bids/"]
    assert "201" in bids["post"]["responses"] and "200" in bids["get"]["responses"]


class _Challenging(APIView):
    authentication_classes = [BasicAuthentication, SessionAuthentication]

    def get(self, request):
        return Response({})


class _Public(APIView):
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request):
        return Response({})


def test_401_when_an_authenticator_challenges_and_nothing_for_a_public_unthrottled_view():
    generated = SchemaGenerator(patterns=[
        path("api/challenging/", _Challenging.as_view()),
        path("api/public/", _Public.as_view()),
    ]).get_schema(request=None, public=True)
    challenging = generated["paths"]["/api/challenging/"]["get"]["responses"]
    assert {"401", "403", "429"} <= set(challenging)
    assert set(generated["paths"]["/api/public/"]["get"]["responses"]) == {"200"}


def test_an_unmatched_api_url_answers_json_404_and_a_page_url_the_404_page(client):
    client.force_login(user_with_role(Role.PURCHASER))
    response = client.get("/api/procurement/bids/abc/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。", "code": "not_found"}
    page = client.get("/workspace/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
