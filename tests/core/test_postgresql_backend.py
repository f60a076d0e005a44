"""core.postgresql: a kept connection is checked before a request reuses it without a round
trip when nothing arrived on it while it sat idle, and with ``SELECT 1`` when something did (a
server that ends a connection says so and closes the socket). tests/faults/test_postgres_restart.py
restarts a real server under gunicorn."""

import select
import time
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.postgresql import base as django_postgresql

pytestmark = pytest.mark.django_db


def _readable(raw, seconds: float) -> bool:
    poller = select.poll()
    poller.register(raw.pgconn.socket, select.POLLIN)
    return bool(poller.poll(seconds * 1000))


@pytest.fixture
def kept(postgresql_required):
    """A second connection to the test database, opened and idle, as a worker keeps one."""
    other = connection.copy()
    other.ensure_connection()
    yield other
    other.close()


def test_postgresql_is_served_by_the_checking_backend(postgresql_required):
    assert settings.DATABASES["default"]["ENGINE"] == "core.postgresql"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]


def test_an_idle_healthy_connection_is_usable_without_a_round_trip(kept):
    with mock.patch.object(django_postgresql.DatabaseWrapper, "is_usable",
                           side_effect=AssertionError("SELECT 1 sent")):
        assert kept.is_usable()
    with kept.cursor() as cursor:  # and it is used as it is
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)


def test_a_connection_the_server_ended_is_not_usable_and_is_replaced(kept):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [kept.connection.info.backend_pid])
    assert _readable(kept.connection, 5)  # the server's goodbye arrived
    assert kept.is_usable() is False
    # As a request would: the check at the first cursor closes it and a new one is opened.
    kept.health_check_done = False
    kept.close_if_health_check_failed()
    assert kept.connection is None
    with kept.cursor() as cursor:
        cursor.execute("SELECT 3")
        assert cursor.fetchone() == (3,)


def test_a_connection_inside_a_transaction_is_asked(kept):
    kept.connection.execute("BEGIN")
    with mock.patch.object(django_postgresql.DatabaseWrapper, "is_usable",
                           return_value=True) as asked:
        assert kept.is_usable()
    asked.assert_called_once()
    kept.connection.execute("ROLLBACK")


def test_something_waiting_on_an_idle_connection_makes_it_asked(kept):
    kept.connection.execute("LISTEN core_backend_test")
    sender = connection.copy()  # autocommit: the notice leaves at once
    try:
        with sender.cursor() as cursor:
            cursor.execute("NOTIFY core_backend_test")
    finally:
        sender.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not _readable(kept.connection, 0.1):
        pass
    with mock.patch.object(django_postgresql.DatabaseWrapper, "is_usable",
                           return_value=True) as asked:
        assert kept.is_usable()
    asked.assert_called_once()
