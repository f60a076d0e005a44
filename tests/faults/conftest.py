"""Fault tests: real Redis, PostgreSQL and celery processes that the tests stop, kill and restart.

Never the shared servers: each test starts its own redis-server on a free port, and the
PostgreSQL restart test its own cluster (initdb in a temporary folder). The celery workers run
``tests.faults.worker_app`` (the project's app plus fault points) on the test database.
Missing binaries skip the tests outside CI and fail them in CI (CI=1).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN_DIRS = ["/usr/local/bin", *sorted(map(str, Path("/usr/lib/postgresql").glob("*/bin")),
                                         reverse=True)]


def unavailable(reason: str):
    """Skip, or fail when CI requires the fault tests to run."""
    if os.environ.get("CI") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.fail(f"{reason} (CI runs the fault tests on PostgreSQL)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2, what: str = "condition"):
    """Poll ``predicate`` until it returns a true value; return it or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@pytest.fixture
def postgres_db():
    """The test database must be PostgreSQL: the worker processes share it with the test."""
    from django.db import connection

    if connection.vendor != "postgresql":
        unavailable("needs PostgreSQL (DATABASE_URL); runs in CI's PostgreSQL pass")
    return connection.settings_dict


def database_url(settings_dict) -> str:
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    return (f"postgres://{settings_dict['USER']}{password}@{settings_dict['HOST'] or '127.0.0.1'}"
            f":{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}")


class RedisServer:
    """A redis-server of our own on a free port, stopped and started again on the same port."""

    def __init__(self, folder: Path):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.folder = folder
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        import redis

        client = redis.Redis(port=self.port, socket_timeout=1)
        wait_for(lambda: _ping(client), 20, what="redis-server to answer")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()  # an outage, not a clean shutdown
            self.proc.wait(10)
        self.proc = None


def _ping(client) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    if not server.binary:
        unavailable("redis-server is not installed")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_on(redis_server, settings, monkeypatch):
    """Send this process's tasks to our redis-server for real (not eagerly); restore after."""
    from config.celery import app

    for name in [k for k in os.environ if k.startswith("CELERY_")]:
        monkeypatch.delenv(name)  # celery prefers CELERY_BROKER_URL over its configuration

    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager",
                                      "broker_transport_options")}
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_server.url
    # The redis options of config/settings.py even when this run's broker is the filesystem.
    app.conf.broker_transport_options = settings.REDIS_BROKER_TRANSPORT_OPTIONS
    _reset_pools(app)
    yield app
    app.conf.update(saved)
    _reset_pools(app)


def _reset_pools(app):
    """Forget every pooled broker connection: kombu keeps producer pools per broker URL in a
    process-wide registry, and a pool closed here must not be handed out again."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


class Worker:
    """A celery worker process (prefork, one child) on the test database and our redis."""

    LOG = "worker.log"
    COMMAND = ["-A", "tests.faults.worker_app", "worker", "--pool=prefork", "-c", "1",
               "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    READY = "ready."  # in the log once it takes tasks

    def __init__(self, folder: Path, env: dict):
        self.folder = folder
        self.env = env
        self.proc = None

    def command(self) -> list[str]:
        return self.COMMAND

    def start(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        log = open(self.folder / self.LOG, "ab")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", *self.command()],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: self.READY in self.log() or self.proc.poll() is not None, 90,
                 what=f"{type(self).__name__} to start")
        assert self.proc.poll() is None, self.log()

    def log(self) -> str:
        path = self.folder / self.LOG
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self):
        """SIGKILL the worker and its pool children (a machine lost, no clean shutdown)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def faults_dir(tmp_path):
    folder = tmp_path / "faults"
    folder.mkdir()
    return folder


@pytest.fixture
def shared_storage(settings, tmp_path):
    """Files where the worker (DATA_DIR=tmp/data) keeps them, so this process sees its PDFs."""
    location = tmp_path / "data" / "files"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(location), "base_url": None}}}
    settings.MEDIA_ROOT = location
    return location


@pytest.fixture
def celery_env(postgres_db, redis_server, faults_dir, tmp_path, settings) -> dict:
    """The environment of the celery processes: the test database, our redis-server, and this
    process's sealing keys (a worker without them cannot open a tender's bids)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CELERY_", "DATABASE_URL", "DB_CONN_MAX_AGE", "EMAIL_",
                                "SEALING_"))}
    env.update(
        DATABASE_URL=database_url(postgres_db), CELERY_BROKER_URL=redis_server.url,
        CELERY_RESULT_BACKEND=redis_server.url, DATA_DIR=str(tmp_path / "data"),
        FAULTS_DIR=str(faults_dir), EMAIL_BACKEND="tests.faults.mailbox.EmailBackend",
        PYTHONPATH=str(ROOT),
    )
    if settings.SEALING_KEKS:
        env["SEALING_KEKS"] = settings.SEALING_KEKS
    else:
        env["SEALING_KEK_FILE"] = str(settings.SEALING_KEK_FILE)
    return env


def _starter(kind: type, celery_env: dict, tmp_path: Path, default: str):
    """Yield a function starting processes of ``kind`` (a folder each under tmp_path); every
    one started is stopped at the end."""
    started = []

    def make(name: str = default):
        process = kind(tmp_path / name, celery_env)
        process.start()
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()


@pytest.fixture
def make_worker(celery_env, tmp_path):
    """Return a function starting a worker; every worker started is stopped at the end."""
    yield from _starter(Worker, celery_env, tmp_path, "w1")


class Beat(Worker):
    """A celery beat process (tests.faults.beat_app: the opening entry every second), with a
    schedule file of its own."""

    LOG = "beat.log"
    READY = "beat: Starting"

    def command(self) -> list[str]:
        return ["-A", "tests.faults.beat_app", "beat", "-s", str(self.folder / "schedule"),
                "--loglevel=INFO"]

    def sent(self, entry: str) -> int:
        """Return how many times this beat sent the entry."""
        return self.log().count(f"Sending due task {entry} ")


@pytest.fixture
def make_beat(celery_env, tmp_path):
    """Return a function starting a beat; every beat started is stopped at the end."""
    yield from _starter(Beat, celery_env, tmp_path, "beat1")


def mails(faults_dir: Path) -> list[dict]:
    import json

    folder = faults_dir / "mail"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.exists() else []


def paused(faults_dir: Path, name: str) -> int:
    """Wait until a worker process sits in the fault point ``name``; return its pid."""
    marker = faults_dir / f"in-{name}"
    wait_for(marker.exists, 60, what=f"a worker to reach the fault point {name}")
    return int(marker.read_text())


# PostgreSQL cluster of our own -----------------------------------------------------------------

def pg_binary(name: str) -> str | None:
    for folder in PG_BIN_DIRS:
        path = Path(folder) / name
        if path.exists():
            return str(path)
    return None


class PgCluster:
    """initdb in a temporary folder, served on a free port; stopped and started at will."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0  # PostgreSQL refuses to run as root

    def _run(self, *args, check=True, timeout=120):
        command = [str(a) for a in args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, timeout=timeout, capture_output=True,
                              text=True)

    def init(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
            os.chmod(self.folder, 0o755)
        self._run(pg_binary("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8")

    def start(self):
        self._run(pg_binary("pg_ctl"), "-D", self.data, "-l", self.folder / "pg.log", "-w",
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off -c max_connections=40", "start")

    def stop(self):
        result = self._run(pg_binary("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop",
                           check=False)
        if result.returncode and "Is server running?" not in result.stderr:
            raise AssertionError(f"pg_ctl stop failed: {result.stdout}{result.stderr}")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture
def pg_cluster():
    missing = [n for n in ("initdb", "pg_ctl") if not pg_binary(n)]
    if missing:
        unavailable(f"PostgreSQL server binaries missing: {', '.join(missing)}")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        unavailable("running as root needs runuser to start PostgreSQL as postgres")
    # Not under pytest's tmp_path: every pytest session as root makes /tmp/pytest-of-root private
    # again, and the postgres user must reach its data folder for the whole test.
    folder = Path(tempfile.mkdtemp(prefix="sanshe-faults-pg-"))
    os.chmod(folder, 0o755)
    cluster = PgCluster(folder / "pg")
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def task_runs(worker: Worker, task_name: str) -> int:
    """How many runs of ``task_name`` the worker has finished (succeeded) so far."""
    import re

    return len(re.findall(rf"Task {re.escape(task_name)}\[[^\]]+\] succeeded", worker.log()))


SAMPLE_TEMPLATE = "core/document_sample.html"


def sample_context(number: str = "GZ-001") -> dict:
    return {"title": "故障恢复测试文书", "number": number, "paragraphs": ["用于故障测试。"],
            "rows": [{"name": "社区活动", "amount": "1000.00"}]}
