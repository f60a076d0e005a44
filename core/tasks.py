"""Celery tasks of the core app: adapters that take ids and are safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from core.models import Notification


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
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
    """Retry e-mail for notifications from the last day that were never sent."""
    since = timezone.now() - timezone.timedelta(days=1)
    ids = list(
        Notification.objects.filter(
            email_sent_at__isnull=True, send_email=True, created_at__gte=since,
            recipient__email__gt="",
        ).values_list("id", flat=True)[:500]
    )
    return send_notification_emails(ids) if ids else 0


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_document(self, document_id: int) -> str:
    """Render a generated document if its file is missing or stale; return its SHA-256."""
    from core.documents import document_render
    from core.models import Document

    try:
        return document_render(document_id=document_id).sha256
    except Document.DoesNotExist:
        return ""


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def audit_anchor_export() -> dict:
    """Export the audit chain head (core.audit.audit_anchor): daily, from beat."""
    from core.audit import audit_anchor

    return audit_anchor()
