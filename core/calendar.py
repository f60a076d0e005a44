"""Working-day arithmetic on the official calendar, including swapped working days (调休)."""

import datetime
import logging
import threading
import time
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from core.models import Holiday
from core.throttling import cache_errors

logger = logging.getLogger(__name__)

# Per-process cache: year -> (read at, days off, swapped working days). A change of a Holiday
# row clears it here at once and, after its commit, writes a new calendar version to the shared
# cache (Redis with CACHE_URL): every process compares that version at most once a second and
# reads the table again when it changed. Without a shared cache (or while Redis is down) other
# processes read it again after CACHE_SECONDS.
CACHE_SECONDS = 300
VERSION_CHECK_SECONDS = 1.0
VERSION_KEY = "core:calendar:version"
_cache: dict[int, tuple[float, frozenset, frozenset]] = {}
_lock = threading.Lock()
_version = {"seen": None, "checked": float("-inf")}


def clear_cache() -> None:
    """Forget the cached calendar so the next call reads the Holiday table again."""
    with _lock:
        _cache.clear()
        _version["checked"] = float("-inf")


def _publish_version() -> None:
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except cache_errors():
        logger.warning("calendar changed but the shared cache is unreachable: other processes "
                       "see the change within %s s", CACHE_SECONDS, exc_info=True)


@receiver(post_save, sender=Holiday)
@receiver(post_delete, sender=Holiday)
def _holiday_changed(**kwargs) -> None:
    clear_cache()
    # After the commit: a process reading the table before it would keep the old rows.
    transaction.on_commit(_publish_version)


def _check_version(now: float) -> None:
    """Forget this process's calendar when another changed it (the shared version moved)."""
    if now - _version["checked"] < VERSION_CHECK_SECONDS:
        return
    try:
        version = cache.get(VERSION_KEY)
    except cache_errors():
        return  # Redis down: the cached years expire after CACHE_SECONDS instead
    with _lock:
        if version != _version["seen"]:
            _cache.clear()
            _version["seen"] = version
        _version["checked"] = now


def _year(year: int) -> tuple[frozenset, frozenset]:
    now = time.monotonic()
    _check_version(now)
    hit = _cache.get(year)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1], hit[2]
    off, on = set(), set()
    for day, kind in Holiday.objects.filter(date__year=year).values_list("date", "kind"):
        (on if kind == Holiday.Kind.WORKDAY else off).add(day)
    entry = (now, frozenset(off), frozenset(on))
    with _lock:
        _cache[year] = entry
    return entry[1], entry[2]


def _as_date(d) -> datetime.date:
    if isinstance(d, datetime.datetime):
        return timezone.localtime(d).date() if timezone.is_aware(d) else d.date()
    return d


def is_working_day(d) -> bool:
    """Return whether the date is a working day: a weekday that is not a holiday, or 调休上班."""
    d = _as_date(d)
    off, on = _year(d.year)
    if d in on:
        return True
    if d in off:
        return False
    return d.weekday() < 5


def add_working_days(d, n: int) -> datetime.date:
    """Return the n-th working day after d (d itself is not counted; n=0 returns d)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = _as_date(d)
    while n > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(a, b) -> int:
    """Return the number of working days in (a, b]; negative when b is before a."""
    a, b = _as_date(a), _as_date(b)
    if b < a:
        return -working_days_between(b, a)
    count = 0
    day = a
    while day < b:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
