"""Celery tasks: open tenders whose bid deadline has passed (reads the domain deadline)."""

import logging

from celery import shared_task
from django.utils import timezone

from core.crypto import SealingError
from core.exceptions import ServiceError

logger = logging.getLogger(__name__)


@shared_task(name="procurement.tasks.open_tender")
def open_tender(tender_id: int) -> str:
    """Open one tender if its deadline has passed; a no-op when already opened."""
    from procurement.models import Tender
    from procurement.services.bids import bids_open

    tender = Tender.objects.filter(pk=tender_id).first()
    if tender is None:
        return "missing"
    try:
        tender = bids_open(tender=tender, actor=None)
    except ServiceError:
        return "not_due"
    return tender.status


@shared_task(name="procurement.tasks.open_due_tenders")
def open_due_tenders() -> list[int]:
    """Open every published tender whose bid deadline has passed, each in its own transaction.

    Safe to run twice (bids_open is idempotent) and follows deadline extensions because it reads
    ``Tender.bid_deadline`` each time. It catches up: after beat was down over a deadline, the
    first run opens every tender whose deadline passed meanwhile (bids that arrived after the
    deadline were refused by their arrival time all along). Two runs at once (two beats, or a
    redelivered task) open each tender once: the tender's row lock orders them and the later
    one finds it opened. Returns the tenders this run opened.
    """
    from core.files import atomic_with_files
    from procurement.models import Tender
    from procurement.services.bids import bids_open
    from procurement.services.intake import bid_intakes_process

    due = list(
        Tender.objects.filter(status=Tender.Status.PUBLISHED, bid_deadline__lte=timezone.now())
        .order_by("bid_deadline", "pk").values_list("pk", flat=True)
    )
    opened = []
    for tender_id in due:
        try:
            # Its bids still in intake first, each in its own transaction (bids_open enters
            # the rest under the tender's lock, and waits for one a worker is entering).
            bid_intakes_process(tender=Tender(pk=tender_id))
            with atomic_with_files():  # the bids' clear copies go if its commit fails
                # Lock first: another run that got here before us has opened it already.
                if not Tender.objects.select_for_update().filter(
                        pk=tender_id, status=Tender.Status.PUBLISHED).exists():
                    continue
                tender = bids_open(tender=Tender(pk=tender_id), actor=None)
        except SealingError:  # this process lacks the KEK: the tender would never open
            logger.exception("opening tender %s failed: its bids cannot be unsealed here",
                             tender_id)
            continue
        except ServiceError:  # the deadline moved, or a bid is still being entered (intake)
            continue
        except Exception:  # one broken tender must not stop the others
            logger.exception("opening tender %s failed", tender_id)
            continue
        opened.append(tender.pk)
    _resend_lost_openings(exclude=opened)
    return opened


def _resend_lost_openings(*, exclude) -> int:
    """Send ``tender_opened`` again for the day's openings, each the latest tender of its project.

    bids_open sends it after commit; a process that died between the commit and that hook left
    the project's flow waiting for an opening that happened. The receivers are idempotent (a
    flow already past the wait is not advanced again), so resending is harmless; only the latest
    tender of a project counts, since a re-tender's flow waits for its own opening.
    """
    import datetime as dt

    from django.db.models import Exists, OuterRef

    from procurement.models import Tender
    from procurement.signals import tender_opened

    newer = Tender.objects.filter(project_id=OuterRef("project_id"), pk__gt=OuterRef("pk"))
    recent = (Tender.objects.filter(opened_at__gte=timezone.now() - dt.timedelta(days=1))
              .exclude(pk__in=exclude).exclude(Exists(newer)).order_by("pk"))
    sent = 0
    for tender in recent:
        try:
            tender_opened.send(sender=Tender, tender=tender,
                               failed=tender.status == Tender.Status.FAILED)
        except Exception:  # one broken flow must not stop the others
            logger.exception("resending tender_opened for tender %s failed", tender.pk)
            continue
        sent += 1
    return sent


@shared_task(name="procurement.tasks.process_tender_intakes")
def process_tender_intakes(tender_id: int) -> int:
    """Enter the bids received by intake for the tender (procurement.services.intake), and keep
    entering new ones until none has come for longer than WAKE_SECONDS (the requests that came
    meanwhile did not queue another task). Eager (tests, demo): no wait, it runs right after
    the request's commit. Idempotent: two at once share the rows (each row locked, skipped by
    the other)."""
    from procurement.services.intake import WAKE_SECONDS, bid_intakes_drain

    quiet = 0.0 if process_tender_intakes.app.conf.task_always_eager else WAKE_SECONDS + 0.2
    return bid_intakes_drain(tender_id, quiet_seconds=quiet)


@shared_task(name="procurement.tasks.process_pending_bid_intakes")
def process_pending_bid_intakes() -> int:
    """Sweeper: enter every intake still pending (its task lost with the broker, or a worker
    that died); a running one is skipped (row lock), so nothing is entered twice."""
    from procurement.services.intake import bid_intakes_process

    return bid_intakes_process()
