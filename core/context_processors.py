"""Template context shared by every page."""

from functools import cache

from core.models import Notification


def notifications(request) -> dict:
    """Expose the unread notification count, queried lazily and at most once per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notification_count": 0}

    @cache
    def unread_notification_count() -> int:
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    return {"unread_notification_count": unread_notification_count}
