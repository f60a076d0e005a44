"""A bid's time is its arrival (到达时间): when the request reached the server.

core.middleware.ArrivalTimeMiddleware stamps ``request.arrived_at`` before anything else runs
(before any lock, session lookup or queue); the bid page and the API hand it to the bid
services as ``arrived_at``. The deadline is compared with it, never with the time the tender's
row lock was obtained: a bid that arrived before the deadline is never refused for lateness
however long it waited for the lock, and one that arrived at or after it is always refused.

The client never supplies it. A caller that does pass one is still held to a bound: not in the
future, and not older than MAX_ARRIVAL_AGE. No request is served that long after it arrived
(gunicorn kills a worker at --timeout 60, docs/deployment.md), so an older stamp is a bug or an
abuse, refused rather than believed. Other callers (the demo, celery, the shell) pass nothing
and get the current time.
"""

import datetime as dt
import functools

from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ServiceError
from core.middleware import arrival

# Twice the gunicorn worker timeout (60 s): the longest a request can wait for its lock.
MAX_ARRIVAL_AGE = dt.timedelta(seconds=120)


def arrival_check(arrived_at=None, *, now=None, recorded=False) -> dt.datetime:
    """Return the arrival time to judge the deadline by: ``arrived_at`` if it is a plausible
    server stamp, the current time when None; refuse a naive, future or stale one.

    ``recorded``: the stamp was saved by the server with the request it belongs to (a
    BidIntake, procurement.services.intake) and is judged however long ago it was made; still
    refused when naive or in the future."""
    now = now or timezone.now()
    if arrived_at is None:
        return now
    if timezone.is_naive(arrived_at):
        raise ServiceError(_("到达时间无效。"), code="arrival")
    if arrived_at > now:
        raise ServiceError(_("到达时间不能晚于服务器当前时间。"), code="arrival")
    if not recorded and now - arrived_at > MAX_ARRIVAL_AGE:
        raise ServiceError(_("请求等待时间过长，请重新提交。"), code="arrival")
    return arrived_at


def deadline_passed(tender, arrived_at) -> bool:
    """Return whether a request that arrived at ``arrived_at`` came at or after the deadline."""
    return arrived_at >= tender.bid_deadline


def judged_by_arrival(service):
    """Decorate a bid service taking ``arrived_at``: check it (arrival_check), hand the checked
    time on, and make it the arrival Bid.user_can_upload_file judges by while the service runs.
    Put it above @transaction.atomic: a refused arrival opens no transaction."""

    @functools.wraps(service)
    def judged(*args, arrived_at=None, arrival_recorded=False, **kwargs):
        arrived_at = arrival_check(arrived_at, recorded=arrival_recorded)
        token = arrival.set(arrived_at)
        try:
            return service(*args, arrived_at=arrived_at, **kwargs)
        finally:
            arrival.reset(token)

    return judged
