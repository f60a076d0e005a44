import datetime

import pytest

from core import calendar
from core.calendar import add_working_days, is_working_day, working_days_between
from core.models import Holiday

pytestmark = pytest.mark.django_db
D = datetime.date


class TestOfficialData:
    def test_2026_loaded_from_state_council_notice(self):
        rows = Holiday.objects.filter(date__year=2026)
        assert rows.filter(kind=Holiday.Kind.HOLIDAY).count() == 33
        assert set(rows.filter(kind=Holiday.Kind.WORKDAY).values_list("date", flat=True)) == {
            D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20),
            D(2026, 10, 10),
        }
        assert not rows.filter(provisional=True).exists()

    def test_2027_is_marked_provisional(self):
        rows = Holiday.objects.filter(date__year=2027)
        assert rows.exists()
        assert not rows.filter(provisional=False).exists()
        assert rows.get(date=D(2027, 2, 6)).name == "春节"


class TestSpringFestival2026:
    def test_swapped_saturday_is_working(self):
        assert D(2026, 2, 14).weekday() == 5
        assert is_working_day(D(2026, 2, 14))
        assert is_working_day(D(2026, 2, 28))

    def test_weekdays_inside_holiday_are_off(self):
        assert not is_working_day(D(2026, 2, 16))  # Monday
        assert not is_working_day(D(2026, 2, 23))  # Monday, last day
        assert is_working_day(D(2026, 2, 24))

    def test_plain_weekend_is_off(self):
        assert not is_working_day(D(2026, 3, 7))
        assert is_working_day(D(2026, 3, 9))

    def test_add_working_days_across_the_holiday(self):
        assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
        assert add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
        # 5-working-day announcement published on Thursday 12 Feb
        assert add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)

    def test_working_days_between_is_half_open(self):
        # (13 Feb, 28 Feb]: 14, 24, 25, 26, 27, 28
        assert working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 6
        assert working_days_between(D(2026, 2, 14), D(2026, 2, 14)) == 0
        assert working_days_between(D(2026, 2, 28), D(2026, 2, 13)) == -6


class TestNationalDay2026:
    def test_sunday_before_is_working(self):
        assert is_working_day(D(2026, 9, 20))

    def test_add_across_golden_week(self):
        assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
        assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
        assert add_working_days(D(2026, 9, 30), 4) == D(2026, 10, 12)

    def test_accepts_aware_datetime_in_shanghai(self):
        from zoneinfo import ZoneInfo

        late = datetime.datetime(2026, 9, 30, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
        assert add_working_days(late, 1) == D(2026, 10, 8)
        utc = datetime.datetime(2026, 10, 9, 17, 0, tzinfo=datetime.UTC)  # 10 Oct 01:00 CST
        assert is_working_day(utc)


def test_negative_n_rejected():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 5), -1)


def test_one_query_per_year(django_assert_num_queries):
    calendar.clear_cache()
    with django_assert_num_queries(1):
        assert working_days_between(D(2026, 1, 1), D(2026, 12, 31)) > 200
    with django_assert_num_queries(0):
        is_working_day(D(2026, 6, 1))
    with django_assert_num_queries(1):
        add_working_days(D(2026, 12, 30), 3)  # crosses into 2027


def test_cache_follows_holiday_changes():
    day = D(2026, 3, 2)  # an ordinary Monday
    assert is_working_day(day)
    row = Holiday.objects.create(date=day, name="临时假日", kind=Holiday.Kind.HOLIDAY)
    assert not is_working_day(day)
    row.kind = Holiday.Kind.WORKDAY
    row.save()
    assert is_working_day(day)
    Holiday.objects.filter(date=D(2026, 2, 14)).delete()
    assert not is_working_day(D(2026, 2, 14))


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def monotonic(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(calendar.time, "monotonic", clock)
    return clock


def test_a_change_in_another_process_is_seen_within_a_second(monotonic):
    """Another process's change: this one's cache is not cleared by the signal, but the shared
    calendar version moves after that commit and is compared at most once a second."""
    from django.core.cache import cache

    day = D(2026, 3, 2)  # an ordinary Monday
    calendar.clear_cache()
    assert is_working_day(day)
    Holiday.objects.bulk_create([Holiday(date=day, name="临时假日", kind=Holiday.Kind.HOLIDAY)])
    assert is_working_day(day)  # no signal here, as in another process: the cached year
    cache.set(calendar.VERSION_KEY, "another process's change")
    monotonic.now += 0.5
    assert is_working_day(day)  # compared at most once a second
    monotonic.now += 0.6
    assert not is_working_day(day)


def test_a_change_here_moves_the_shared_version_after_its_commit(
        django_capture_on_commit_callbacks):
    from django.core.cache import cache

    before = cache.get(calendar.VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Holiday.objects.create(date=D(2026, 3, 3), name="临时假日", kind=Holiday.Kind.HOLIDAY)
    assert cache.get(calendar.VERSION_KEY) == before  # not before the commit
    for callback in callbacks:
        callback()
    assert cache.get(calendar.VERSION_KEY) not in (None, before)


def test_with_the_shared_cache_down_the_calendar_still_answers(monkeypatch, monotonic):
    """Redis unreachable: the version cannot be asked nor written; the calendar still answers
    from the table, and cached years expire after CACHE_SECONDS."""
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    day = D(2026, 3, 4)
    calendar.clear_cache()
    assert is_working_day(day)
    Holiday.objects.bulk_create([Holiday(date=day, name="临时假日", kind=Holiday.Kind.HOLIDAY)])
    monotonic.now += calendar.CACHE_SECONDS + 1
    assert not is_working_day(day)
    Holiday.objects.create(date=D(2026, 3, 5), name="临时假日", kind=Holiday.Kind.HOLIDAY)
    assert not is_working_day(D(2026, 3, 5))  # this process's own change: at once
