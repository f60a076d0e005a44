"""Celery tasks of the core app: adapters that take ids and are safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import OperationalError, transaction
from django.utils import timezone

from core.models import Notification

# Transient faults a task is retried on: the mail server or the network (OSError) and the
# database going away under it (PostgreSQL restarted: psycopg's OperationalError). A retried
# task is safe: each one re-checks its row under a lock and does nothing already done.
TRANSIENT = (OSError, OperationalError)


@shared_task(bind=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def send_notification_emails(self, notification_ids: list[int]) -> int:
    """E-mail the given notifications whose recipient has an address; skip ones already sent."""
    sent = 0
    for pk in notification_ids:
        with transaction.atomic():
            n = (
                Notification.objects.select_for_update()
                .select_related("recipient")
                .filter(pk=pk, email_sent_at__isnull=True, send_email=True).first()
            )
            if n is None or not n.recipient.email:
                continue
            send_mail(n.title, n.body or n.title, settings.DEFAULT_FROM_EMAIL, [n.recipient.email])
            n.email_sent_at = timezone.now()
            n.save(update_fields=["email_sent_at"])
            sent += 1
    return sent


@shared_task
def send_pending_emails() -> int:
    """Retry e-mail for notifications from the last day that were never sent (beat, every five
    minutes): the sweeper of the notification outbox (core.queue), so mail whose task was never
    queued (broker down) or was lost goes out once the broker and a worker are back."""
    since = timezone.now() - timezone.timedelta(days=1)
    ids = list(
        Notification.objects.filter(
            email_sent_at__isnull=True, send_email=True, created_at__gte=since,
            recipient__email__gt="",
        ).values_list("id", flat=True)[:500]
    )
    return send_notification_emails(ids) if ids else 0


@shared_task(bind=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def render_document(self, document_id: int) -> str:
    """Render a generated document if its file is missing or stale; return its SHA-256."""
    from core.documents import document_render
    from core.models import Document

    try:
        return document_render(document_id=document_id).sha256
    except Document.DoesNotExist:
        return ""


@shared_task
def render_pending_documents(limit: int = 50) -> list[int]:
    """Render documents whose file is missing or older than their inputs (beat, every five
    minutes): the sweeper of the document outbox (core.queue), for renders never queued (broker
    down) or lost. One at a time under the row lock, so a render already running or done is not
    repeated; one that fails is logged and tried again next time."""
    import logging

    from django.db.models import F, Q

    from core.documents import document_render
    from core.models import Document

    pending = list(
        Document.objects.filter(~Q(file_inputs_hash=F("inputs_hash")) | Q(file=""))
        .order_by("pk").values_list("pk", flat=True)[:limit]
    )
    rendered = []
    for pk in pending:
        try:
            document_render(document_id=pk)
        except Document.DoesNotExist:
            continue
        except Exception:  # one broken document must not stop the others
            logging.getLogger(__name__).exception("rendering document %s failed", pk)
            continue
        rendered.append(pk)
    return rendered


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def audit_anchor_export() -> dict:
    """Export the audit chain head (core.audit.audit_anchor): daily, from beat."""
    from core.audit import audit_anchor

    return audit_anchor()


@shared_task
def session_cache_purge(limit: int = 1000) -> int:
    """Remove from the session cache the copies of sessions removed or changed while it was
    unreachable (core.sessions; beat, every 30 s); return how many. While the cache is still
    down nothing is removed and the records wait for the next run."""
    from django.core.cache import caches

    from core.models import SessionCachePurge
    from core.throttling import cache_errors

    rows = list(SessionCachePurge.objects.order_by("pk").values_list("pk", "cache_key")[:limit])
    if not rows:
        return 0
    try:
        caches[settings.SESSION_CACHE_ALIAS].delete_many([key for _pk, key in rows])
    except cache_errors():
        return 0
    SessionCachePurge.objects.filter(pk__in=[pk for pk, _key in rows]).delete()
    return len(rows)
