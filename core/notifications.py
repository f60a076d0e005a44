"""In-app notifications and e-mail sent by celery after the transaction commits."""

from collections.abc import Iterable

from django.db import transaction

from core.models import Notification


def notify(*, recipients: Iterable, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Create one notification per recipient and e-mail them after commit."""
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, title=str(title), body=str(body), url=url))
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.pk is not None]
    if not ids:  # backends without RETURNING on bulk_create
        ids = list(
            Notification.objects.filter(recipient_id__in=seen, title=str(title))
            .order_by("-id").values_list("id", flat=True)[: len(rows)]
        )
    if ids:
        from core.tasks import send_notification_emails

        transaction.on_commit(lambda: send_notification_emails.delay(ids))
    return created


def unread_count(user) -> int:
    """Return how many notifications the user has not read."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
