"""Celery tasks: open tenders whose bid deadline has passed (reads the domain deadline)."""

import logging

from celery import shared_task
from django.utils import timezone

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
    ``Tender.bid_deadline`` each time.
    """
    from procurement.models import Tender
    from procurement.services.bids import bids_open

    due = list(
        Tender.objects.filter(status=Tender.Status.PUBLISHED, bid_deadline__lte=timezone.now())
        .order_by("bid_deadline", "pk").values_list("pk", flat=True)
    )
    opened = []
    for tender_id in due:
        try:
            tender = bids_open(tender=Tender(pk=tender_id), actor=None)
        except ServiceError:  # the deadline moved between the query and the lock
            continue
        except Exception:  # one broken tender must not stop the others
            logger.exception("opening tender %s failed", tender_id)
            continue
        opened.append(tender.pk)
    return opened
