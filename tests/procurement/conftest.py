"""Fixtures of the procurement tests: a frozen clock and the test world (tests/worlds.py)."""

import datetime as dt

import pytest
import time_machine

from core import calendar
from tests.worlds import PROCUREMENT_WORLD, TZ, World, world_build

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday, no holiday nearby


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def clock():
    """Freeze time at START (Monday 2026-03-02 09:00 Asia/Shanghai); move it with clock.move_to."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db, clock) -> World:
    return world_build(**PROCUREMENT_WORLD)


@pytest.fixture
def committed_world(django_db_serialized_rollback, transactional_db, postgresql_required,
                    clock) -> World:
    """The test world committed (several connections see it), on PostgreSQL only: for tests
    of real row locks between threads (bids and intakes under a rush)."""
    return world_build(**PROCUREMENT_WORLD)
