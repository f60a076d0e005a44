"""Keep the current request's client address for the audit log."""

from contextvars import ContextVar

client_address: ContextVar[str | None] = ContextVar("client_address", default=None)


def get_client_address() -> str | None:
    """Return the client address of the request being served, if any."""
    return client_address.get()


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_address.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)
