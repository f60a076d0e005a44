"""PostgreSQL restarted under load: the app reconnects and nothing is half-written.

Our own cluster (never the shared server), loaded with the test database's schema (pg_dump), a
gunicorn worker with persistent connections (DB_CONN_MAX_AGE=60, as in production) and a writer
running notify + audit_record transactions (tests/faults/pg_writer.py). The server is stopped
(fast shutdown: open transactions are rolled back) and started again while both run.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psycopg
import pytest

from tests.faults.conftest import ROOT, database_url, free_port, unavailable, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.django_db]


def _status(url: str) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.monotonic() - started


@pytest.fixture
def app_db(pg_cluster, postgres_db):
    """A database on our cluster with the test database's schema and its migration rows."""
    for tool in ("pg_dump", "psql"):
        if not shutil.which(tool):
            unavailable(f"{tool} is not installed")
    subprocess.run(["psql", pg_cluster.url("postgres"), "-qc", "CREATE DATABASE app"],
                   check=True, capture_output=True)
    dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", database_url(postgres_db)],
                          check=True, capture_output=True)
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", pg_cluster.url("app")],
                   input=dump.stdout, check=True, capture_output=True)
    with psycopg.connect(pg_cluster.url("app"), autocommit=True) as conn:
        # The test database may have been flushed by an earlier transactional test: start empty.
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT IN ('django_migrations', 'django_content_type', 'auth_permission')")]
        conn.execute("SET sanshe.audit_truncate = 'allow'")
        conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
    return pg_cluster.url("app")


def test_postgres_restart_under_load(pg_cluster, app_db, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CELERY_", "DATABASE_URL", "DB_CONN_MAX_AGE", "DJANGO_"))}
    env.update(DATABASE_URL=app_db, DATA_DIR=str(tmp_path / "data"), DJANGO_DEBUG="0",
               DB_CONN_MAX_AGE="60", PYTHONPATH=str(ROOT),
               DJANGO_SETTINGS_MODULE="config.settings")
    port = free_port()
    base = f"http://127.0.0.1:{port}/portal/tenders/"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-w", "1",
         "-b", f"127.0.0.1:{port}", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=open(tmp_path / "gunicorn.log", "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT)
    writer = None
    try:
        wait_for(lambda: _try(base) == 200, 90, 0.5, "gunicorn to answer")
        assert _status(base)[0] == 200  # the worker now holds a persistent connection
        writer = subprocess.Popen([sys.executable, "-m", "tests.faults.pg_writer", "14"],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=open(tmp_path / "writer.log", "wb"))  # noqa: SIM115
        assert writer.stdout.readline().strip() == b"ready"
        time.sleep(2)
        # A restart between two requests: the first request after it already works, since the
        # kept connection is checked (CONN_HEALTH_CHECKS) and replaced, not used dead.
        pg_cluster.stop()  # fast shutdown: every open transaction is rolled back
        pg_cluster.start()
        first_status, _ = _status(base)
        time.sleep(2)
        # A request while the server is down answers an error at once (no hang), and the next
        # one after the restart works again.
        pg_cluster.stop()
        down_status, down_time = _status(base)
        time.sleep(2)
        pg_cluster.start()
        up_status, _ = _status(base)
        out, _ = writer.communicate(timeout=90)
        result = json.loads(out)
    finally:
        if writer and writer.poll() is None:
            writer.kill()
        server.terminate()
        server.wait(20)
    print(f"first request after a restart: {first_status}; request while down: {down_status} "
          f"in {down_time:.2f}s; after restart: {up_status}; "
          f"writer: {len(result['committed'])} committed, {result['failed']} failed")
    assert first_status == 200, (tmp_path / "gunicorn.log").read_text(errors="replace")[-3000:]
    assert down_status == 503 and down_time < 10  # core.middleware.DatabaseUnavailableMiddleware
    assert up_status == 200, (tmp_path / "gunicorn.log").read_text(errors="replace")[-3000:]

    committed = set(result["committed"])
    assert result["failed"] >= 1, "the restart did not interrupt the writer"
    last_failure = max(set(range(1, result["attempts"] + 1)) - committed)
    assert any(i > last_failure for i in committed), "the writer never wrote after the restart"
    with psycopg.connect(app_db) as conn:
        notes = dict(conn.execute(
            "SELECT title, count(*) FROM core_notification GROUP BY title").fetchall())
        audited = {int(r[0]) for r in conn.execute(
            "SELECT after->>'i' FROM core_auditentry WHERE action = 'faults.batch'")}
    # Every transaction is whole or absent: three notifications and one audit entry, or nothing.
    batches = {int(title.rsplit(" ", 1)[1]): n for title, n in notes.items()}
    assert set(batches.values()) == {3}
    assert set(batches) == audited == committed
    # The audit chain has no gap or broken link across the restart.
    check = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from core.audit import "
         "verify_chain; print(verify_chain(anchor={}))"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert check.stdout.strip().startswith("(True"), check.stdout + check.stderr


def _try(url: str) -> int:
    try:
        return _status(url)[0]
    except OSError:
        return 0
