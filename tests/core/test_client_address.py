"""The audit log's client address behind reverse proxies (TRUSTED_PROXY_COUNT)."""

import pytest
from django.test import RequestFactory

from core.middleware import request_client_address


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.2"),  # no proxy configured: the header is ignored
        (1, "203.0.113.7", "203.0.113.7"),  # nginx appended the client it saw
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client forged the left entry
        (2, "203.0.113.7, 198.51.100.1", "203.0.113.7"),  # two proxies
        (2, "203.0.113.7", "10.0.0.2"),  # fewer entries than proxies: fall back
        (1, "not-an-ip", "10.0.0.2"),
        (1, "", "10.0.0.2"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert request_client_address(request) == expected
