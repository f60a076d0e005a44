"""`./scripts/run` on PostgreSQL does not grow its connection count (issue 11, acceptance).

The development server (runserver, what scripts/run starts) serves each request on a new thread;
with persistent connections each thread's connection stayed open. This starts runserver on the
test's PostgreSQL database with the development defaults, keeps 20 browser-like (keep-alive)
HTTP connections open after three requests each, and counts the server's database connections
in pg_stat_activity: with persistent connections (DEVSERVER_DB_CONN_MAX_AGE=60) there are 20.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _connections(application: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                       [application])
        return cursor.fetchone()[0]


def test_the_development_server_does_not_pile_up_connections(tmp_path):
    if connection.vendor != "postgresql":
        if os.environ.get("CI") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail("the suite runs on PostgreSQL but the connection is not PostgreSQL")
        pytest.skip("needs PostgreSQL (DATABASE_URL); runs in CI's PostgreSQL pass")
    db = connection.settings_dict
    application = f"devserver-{os.getpid()}"
    url = (f"postgres://{db['USER']}{':' + db['PASSWORD'] if db.get('PASSWORD') else ''}"
           f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
           f"?application_name={application}")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DB_CONN_MAX_AGE", "DJANGO_PRODUCTION", "DATABASE_URL"))}
    env.update(DATABASE_URL=url, DATA_DIR=str(tmp_path))
    env.update({k[len("DEVSERVER_"):]: v for k, v in os.environ.items()
                if k.startswith("DEVSERVER_")})  # by hand: DEVSERVER_DB_CONN_MAX_AGE=60 fails
    port = _free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}",
                               "--noreload"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/portal/tenders/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.5)
        # Browsers keep their HTTP connections open: runserver keeps a thread for each, and a
        # persistent database connection lived as long as that thread.
        import http.client

        clients = []
        for _ in range(20):
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for _ in range(3):
                client.request("GET", "/portal/tenders/")
                response = client.getresponse()
                assert response.status == 200
                response.read()
            clients.append(client)
        time.sleep(1)
        after = _connections(application)
        for client in clients:
            client.close()
        assert after <= 2, f"{after} connections left open by the development server"
    finally:
        server.terminate()
        server.wait(timeout=30)
