"""API throttles: per signed-in user and per anonymous address, 429 with a Chinese message."""

import pytest
from django.conf import settings
from django.urls import path, reverse
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from accounts.roles import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


class _PublicApi(APIView):
    """The project's API is for signed-in users (403 comes before the throttle); a public
    endpoint shows the anonymous rate."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("public/", _PublicApi.as_view()),
]


@pytest.fixture
def low_rates(monkeypatch):
    # DRF reads the rates into the class once at import: patch the class's copy.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute",
                                                               "anon": "2/minute"})


def test_throttles_are_configured_per_user_and_anonymous():
    rest = settings.REST_FRAMEWORK
    assert rest["DEFAULT_THROTTLE_CLASSES"] == [
        "core.throttling.AnonRateThrottle",  # DRF's, open while the cache is down
        "core.throttling.UserRateThrottle",
    ]
    # "token": per API token on /api/v1/ (api.throttling, tests/api/test_tokens.py)
    assert set(rest["DEFAULT_THROTTLE_RATES"]) == {"anon", "user", "token"}
    assert rest["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT  # no forged X-Forwarded-For


def test_a_user_over_the_rate_gets_429_in_chinese(client, low_rates):
    client.force_login(user_with_role(Role.PURCHASER))
    url = reverse("procurement-api:tender-list")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(url)
    assert response.status_code == 429
    assert "请求过于频繁" in response.json()["detail"]
    assert int(response["Retry-After"]) >= 1


def test_users_are_counted_apart(client, low_rates):
    url = reverse("procurement-api:tender-list")
    client.force_login(user_with_role(Role.PURCHASER))
    for _ in range(3):
        client.get(url)
    assert client.get(url).status_code == 429
    client.force_login(user_with_role(Role.PURCHASER))
    assert client.get(url).status_code == 200


@pytest.mark.urls(__name__)
def test_anonymous_clients_are_counted_by_address(client, low_rates):
    url = "/public/"
    answers = [client.get(url, REMOTE_ADDR="198.51.100.7").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    # A forged X-Forwarded-For does not make a new client (no trusted proxy configured).
    forged = client.get(url, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert forged.status_code == 429
    assert client.get(url, REMOTE_ADDR="198.51.100.8").status_code == 200
