"""Beat tasks of the chain: viewflow timers (viewflow's own celery timer task is PRO-only) and
task reminders (workflows.reminders)."""

import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone


@shared_task
def fire_due_timers() -> None:
    """Fire every viewflow timer node whose time has come."""
    from viewflow.workflow.timers import fire_due_timers as fire

    fire()


@shared_task(bind=True, autoretry_for=(IntegrityError,), max_retries=2, default_retry_delay=60)
def send_task_reminders(self) -> dict:
    """Send today's task reminders (once each), then mail the reminders whose e-mail failed.

    Two runs at once collide on the reminders' unique key: the loser rolls back and retries,
    finding what the winner sent.
    """
    from workflows.models import Reminder
    from workflows.reminders import reminders_send

    started = timezone.now()
    counts = reminders_send()
    if settings.REMINDER_EMAIL:
        unsent = list(
            Reminder.objects.filter(
                email_wanted=True, email_sent_at__isnull=True, created_at__lt=started,
                created_at__gte=started - datetime.timedelta(days=7),
            ).order_by("pk").values_list("pk", flat=True)[:500]
        )
        if unsent:
            from core.queue import enqueue

            enqueue(send_reminder_emails, unsent)
    return counts


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_reminder_emails(self, reminder_ids: list[int]) -> int:
    """E-mail the given reminders that are still unsent; safe to run twice (retried on failure)."""
    from workflows.models import Reminder

    if not settings.REMINDER_EMAIL:
        return 0
    sent = 0
    for pk in reminder_ids:
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(of=("self",)).select_related("user")
                .filter(pk=pk, email_wanted=True, email_sent_at__isnull=True).first()
            )
            if reminder is None or not reminder.user.email:
                continue
            send_mail(reminder.title, reminder.body or reminder.title,
                      settings.DEFAULT_FROM_EMAIL, [reminder.user.email])
            reminder.email_sent_at = timezone.now()
            reminder.save(update_fields=["email_sent_at"])
            sent += 1
    return sent
