"""Keep the current request's client address for the audit log."""

import ipaddress
from contextvars import ContextVar

from django.conf import settings

client_address: ContextVar[str | None] = ContextVar("client_address", default=None)


def get_client_address() -> str | None:
    """Return the client address of the request being served, if any."""
    return client_address.get()


def request_client_address(request) -> str | None:
    """Return the client's address, trusting settings.TRUSTED_PROXY_COUNT proxies' X-Forwarded-For.

    Each trusted proxy appends the address it saw, so the client is the entry that many places
    from the right; anything further left was written by the client and is not trusted.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR") or None
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_address.set(request_client_address(request))
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)
