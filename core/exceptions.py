"""Errors raised by services; views map them to form errors (ServiceError) and 404 (PermissionDenied)."""

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
    """Answer a malformed API request body in the user's language (DRF's parse error is not)."""
    from django.utils.translation import gettext as _
    from rest_framework.exceptions import ParseError
    from rest_framework.views import exception_handler

    if isinstance(exc, ParseError):
        exc = ParseError(_("请求内容格式不正确，请提交有效的 JSON。"))
    return exception_handler(exc, context)
