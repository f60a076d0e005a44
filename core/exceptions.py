"""Errors raised by services, and their one mapping for the API.

Pages: ``core.middleware.ServiceErrorMiddleware`` answers a ``PermissionDenied`` with 404 and an
uncaught ``ServiceError`` with 400; forms turn a ``ServiceError`` into form errors
(``office.shell.call_service``). The API: ``api_exception_handler`` below, the same mapping as JSON.
"""

import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError


class ServiceError(ValidationError):
    """A business rule refused the action; the message is safe to show to the user."""


class PermissionDenied(DjangoPermissionDenied):
    """The actor may not perform the action on this object."""

    def __init__(self, reason: str = ""):
        super().__init__(reason)
        self.reason = reason


def api_exception_handler(exc, context):
    """Answer API errors as JSON in the user's language: denial 404, ServiceError 400.

    A rule's refusal answers 404 like a missing object (never revealing it exists), both with
    the view's ``not_found_message``; a business rule's refusal answers 400
    ``{"detail": "<messages>"}``; a malformed body answers 400 and a throttled client 429, both in
    the user's language (DRF's own messages are English).
    """
    from django.http import Http404
    from django.utils.translation import gettext as _
    from rest_framework.exceptions import APIException, ErrorDetail, NotFound, ParseError, Throttled
    from rest_framework.views import exception_handler

    if isinstance(exc, PermissionDenied | Http404):
        view = context.get("view")
        exc = NotFound(getattr(view, "not_found_message", None) or _("未找到。"))
    elif isinstance(exc, ServiceError):
        refused = APIException(" ".join(str(m) for m in exc.messages))
        refused.status_code = 400
        exc = refused
    elif isinstance(exc, ParseError):
        exc = ParseError(_("请求内容格式不正确，请提交有效的 JSON。"))
    elif isinstance(exc, Throttled):
        wait = max(1, math.ceil(exc.wait or 1))
        exc.detail = ErrorDetail(
            _("请求过于频繁，请在 %(seconds)s 秒后再试。") % {"seconds": wait}, code="throttled")
    return exception_handler(exc, context)
