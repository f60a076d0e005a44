"""In-app notifications and e-mail sent by celery after the transaction commits.

A notification whose e-mail is not sent yet (``email_sent_at`` empty) is its own outbox row:
if the broker is down at commit, ``core.tasks.send_pending_emails`` (beat) sends it later."""

from collections.abc import Iterable

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
        from core.queue import enqueue_on_commit
        from core.tasks import send_notification_emails

        enqueue_on_commit(send_notification_emails, ids)
    return created


def unread_count(user) -> int:
    """Return how many notifications the user has not read."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
