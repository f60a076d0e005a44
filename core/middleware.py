"""Request middleware: the client address for the audit log, and the one page error mapping."""

import ipaddress
from contextvars import ContextVar

from django.conf import settings
from django.utils import timezone

client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
# When the request being served reached the server (ArrivalTimeMiddleware), or the arrival a
# bid service is judging (procurement.services.arrival.judged_by_arrival).
arrival: ContextVar = ContextVar("arrival", default=None)


def current_arrival():
    """Return the arrival time of the request (or bid service call) being served, if any."""
    return arrival.get()


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


def request_arrived_at(request):
    """Return when the request reached the server (ArrivalTimeMiddleware), or None outside one.

    Works for a DRF Request too (it hands unknown attributes to the Django request)."""
    return getattr(request, "arrived_at", None)


class ArrivalTimeMiddleware:
    """Stamp ``request.arrived_at`` with the server's clock, first thing, before any lock,
    queue or session lookup: a bid's time is when it arrived (procurement.services.arrival).

    Listed first in settings.MIDDLEWARE. The client has no say in it: nothing in the request is
    read, and whatever the client sends under that name is overwritten here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.arrived_at = timezone.now()
        token = arrival.set(request.arrived_at)
        try:
            return self.get_response(request)
        finally:
            arrival.reset(token)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = client_address.set(request_client_address(request))
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)


class ServiceErrorMiddleware:
    """Answer the errors services raise, for every page, in one place.

    A core ``PermissionDenied`` (a rule refused the user) becomes a 404, the same answer as a
    missing object, so a page never reveals that something exists; a ``ServiceError`` that no
    form turned into form errors becomes a 400 page with its messages. Django's own
    ``PermissionDenied`` (the admin site, login-protected viewflow pages) keeps its 403. The API
    has the same mapping in ``core.exceptions.api_exception_handler``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.http import Http404
        from django.shortcuts import render

        from core.exceptions import PermissionDenied, ServiceError

        if isinstance(exception, PermissionDenied):
            raise Http404 from exception
        if isinstance(exception, ServiceError):
            return render(request, "core/service_error.html",
                          {"messages_list": exception.messages}, status=400)
        return None


RETRY_AFTER_SECONDS = 5


def database_unavailable_response(request, exception):
    """Return the 503 answer (with Retry-After) to a request that found the database
    unreachable, or None when the exception is something else."""
    import logging

    from django.db import InterfaceError, OperationalError
    from django.http import HttpResponse, JsonResponse
    from django.utils.translation import gettext as _

    if not isinstance(exception, OperationalError | InterfaceError):
        return None
    logging.getLogger(__name__).error("database unavailable: %s", exception, exc_info=True)
    message = _("系统暂时无法连接数据库，本次操作未生效，请稍后重试。")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when the database is unreachable (PostgreSQL restarting or
    failing over), instead of a 500: the request changed nothing (its transaction, if any, was
    rolled back with the connection) and may simply be sent again. The next request reconnects
    (CONN_HEALTH_CHECKS). docs/deployment.md "Faults and recovery"."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_unavailable_response(request, exception)


class SignedInUserMiddleware:
    """Read the signed-in user (its session, then the user with its memberships) before any
    other middleware asks for it, right after AuthenticationMiddleware: a database unreachable
    there answers 503 with Retry-After as in a view (database_unavailable_response), not a 500
    from whichever middleware happened to ask first. No read for a request without a session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.db import InterfaceError, OperationalError

        user = getattr(request, "user", None)
        if user is not None:
            try:
                user.is_authenticated  # noqa: B018 - the lazy user, read here
            except (OperationalError, InterfaceError) as exc:
                return database_unavailable_response(request, exc)
        return self.get_response(request)
