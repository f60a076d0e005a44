"""Load for the PostgreSQL restart test: a loop of transactions, each a notification to three
users and an audit entry (core.notifications.notify, core.audit.audit_record), run as
``python -m tests.faults.pg_writer SECONDS`` on DATABASE_URL while the test restarts the server.

A failed transaction (the server went away) is counted and the loop goes on after dropping the
broken connection, as a request would on its next turn. Prints JSON: the batches committed and
the number of failed attempts (after a first line "ready").
"""

import json
import sys
import time

import django


def main(seconds: float) -> dict:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import InterfaceError, OperationalError, close_old_connections, transaction

    from core.audit import audit_record
    from core.notifications import notify

    User = get_user_model()
    users = [User.objects.get_or_create(username=f"faults-{i}", defaults={"email": ""})[0]
             for i in range(3)]
    print("ready", flush=True)  # the test restarts the server only after this line
    committed, failed, i = [], 0, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        i += 1
        try:
            with transaction.atomic():
                notify(recipients=users, title=f"faults batch {i}")
                time.sleep(0.01)  # a transaction that spans some time, as real ones do
                audit_record(actor=None, action="faults.batch", after={"i": i})
            committed.append(i)
        except (OperationalError, InterfaceError):
            failed += 1
            close_old_connections()
            time.sleep(0.1)
    return {"committed": committed, "failed": failed, "attempts": i}


if __name__ == "__main__":
    print(json.dumps(main(float(sys.argv[1]))))
