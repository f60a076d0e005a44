"""Hand side effects to celery without letting a broker outage break the request.

Every side effect a service schedules (a notification's e-mail, a document's PDF, a reminder's
e-mail) is first written to the database in the service's own transaction: the Notification
with ``email_sent_at`` empty, the Document with ``file_inputs_hash`` different from its
``inputs_hash``, the Reminder with ``email_sent_at`` empty. That row is the outbox. After the
commit ``enqueue_on_commit`` asks celery to do the work now; if the broker (Redis) is down the
request still answers at once (the row is saved, the send is only logged), and a beat sweeper
(``core.tasks.send_pending_emails``, ``core.tasks.render_pending_documents``,
``workflows.tasks.send_task_reminders``) finds the row later and does the work. The tasks are
idempotent under a row lock, so the sweeper and a late or redelivered task never do it twice.

A send fails fast: no publish retry, no result-store subscription (``ignore_result``), and the
broker's connection attempt is bounded by CELERY_BROKER_TRANSPORT_OPTIONS (config/settings.py).
docs/deployment.md "Faults and recovery" explains the cases.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> bool:
    """Send ``task(*args)`` to the broker; return False (and log) when it cannot be sent.

    Eager mode (the tests, CELERY_TASK_ALWAYS_EAGER) runs the task here and lets its errors
    through: there is no broker to lose, and a failing task must not be hidden."""
    if task.app.conf.task_always_eager:
        task.apply_async(args)
        return True
    try:
        task.apply_async(args, retry=False, ignore_result=True)
    except Exception:  # any broker error: the outbox row stays, a sweeper delivers it
        logger.warning("could not enqueue %s%r; a sweeper will retry it", task.name, args,
                       exc_info=True)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Enqueue ``task(*args)`` after the current transaction commits (never if it rolls back)."""
    transaction.on_commit(lambda: enqueue(task, *args))
