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
