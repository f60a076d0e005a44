"""PostgreSQL as Django's backend serves it, with a health check that costs no round trip.

With persistent connections (DB_CONN_MAX_AGE) and CONN_HEALTH_CHECKS, Django checks a kept
connection before each request reuses it by sending ``SELECT 1``: one more round trip on every
request, page or API call. In a deadline rush that check was a sixth of a bid's time in the
web workers (py-spy on gunicorn, issue 11 item 2).

A server that ends a connection (a restart, ``pg_terminate_backend``, idle_session_timeout)
sends its reason and closes the socket, so a connection that sat idle and is no longer usable
has something to read. This backend asks the socket (``poll`` with no timeout: a system call,
no message) and sends ``SELECT 1`` only when something arrived, when a transaction is open, or
when the client already knows the connection is broken; a connection with nothing to read and
no transaction is used as it is. A peer that vanished without closing (a cut cable) is not
caught by either check: both wait for TCP to give up. tests/faults/test_postgres_restart.py
restarts a real server between two requests.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


def _nothing_to_read(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return not poller.poll(0)


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        raw = self.connection
        if raw is None or raw.closed:
            return False
        try:
            idle = (raw.pgconn.transaction_status == pq.TransactionStatus.IDLE
                    and _nothing_to_read(raw.pgconn.socket))
        except (AttributeError, OSError, ValueError, base.Database.Error):  # psycopg2: no pgconn
            idle = False
        return idle or super().is_usable()
