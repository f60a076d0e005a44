"""Celery: the beat schedule names real tasks, and a real worker answers on each broker."""

import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from celery import Celery

from config.beat import BEAT_SCHEDULE

ROOT = Path(__file__).resolve().parent.parent


def test_beat_schedule_names_only_registered_tasks():
    from config.celery import app

    app.loader.import_default_modules()
    assert BEAT_SCHEDULE, "the beat schedule is empty"
    missing = {name: e["task"] for name, e in BEAT_SCHEDULE.items() if e["task"] not in app.tasks}
    assert not missing, f"beat entries name unregistered tasks: {missing}"


def test_settings_use_the_beat_schedule(settings):
    assert settings.CELERY_BEAT_SCHEDULE is BEAT_SCHEDULE


def test_healthcheck_task_returns_token_eagerly():
    from config.celery import healthcheck

    assert healthcheck.delay("abc").get(timeout=5)["token"] == "abc"


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL") or ""
    return url if url.startswith("redis://") else "redis://127.0.0.1:6379/15"


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 1):
            return True
    except OSError:
        return False


def _start_worker(env_overrides: dict, queue: str, tmp_path: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.pop("DATABASE_URL", None)  # the worker does not need the test database
    env.update(env_overrides)
    env["DATA_DIR"] = str(tmp_path / "data")
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed by the caller's cleanup
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-c", "1",
         "-Q", queue, "-n", f"{queue}@%h", "--without-heartbeat", "--without-gossip",
         "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def _stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture
def clean_celery_env(monkeypatch):
    """Drop CELERY_* variables: celery prefers them over the client's own broker/backend."""
    for name in [k for k in os.environ if k.startswith("CELERY_")]:
        monkeypatch.delenv(name)


def _round_trip(client: Celery, worker_env: dict, tmp_path: Path) -> dict:
    queue = f"test-{uuid.uuid4().hex[:12]}"
    token = uuid.uuid4().hex
    proc = _start_worker(worker_env, queue, tmp_path)
    try:
        result = client.send_task("config.healthcheck", args=[token], queue=queue)
        try:
            value = result.get(timeout=90)
        except Exception as exc:
            log = (tmp_path / "worker.log").read_text(errors="replace")
            raise AssertionError(f"worker did not answer: {exc!r}\n--- worker log ---\n{log}") from exc
    finally:
        _stop_worker(proc)
    assert value["token"] == token
    assert value["data_dir"] == str(tmp_path / "data")
    return value


@pytest.mark.worker
def test_real_worker_runs_task_on_embedded_filesystem_broker(tmp_path, clean_celery_env):
    broker = tmp_path / "data" / "broker"
    for sub in ("queue", "processed", "control", "results"):
        (broker / sub).mkdir(parents=True)
    client = Celery("test-client", broker="filesystem://", backend=f"file://{broker / 'results'}")
    client.conf.broker_transport_options = {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "processed_folder": str(broker / "processed"),
        "control_folder": str(broker / "control"),
    }
    value = _round_trip(client, {}, tmp_path)
    assert value["broker"] == "filesystem"


@pytest.mark.worker
@pytest.mark.redis
def test_real_worker_runs_task_on_redis(tmp_path, monkeypatch):
    url = _redis_url()
    if not _reachable(url):
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is unreachable and CI is set")
        pytest.skip(f"Redis at {url} is unreachable (set CI=1 to make this a failure)")
    for name in [k for k in os.environ if k.startswith("CELERY_")]:
        monkeypatch.delenv(name)  # celery prefers these over the client's own broker/backend
    client = Celery("test-client", broker=url, backend=url)
    value = _round_trip(client, {"CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url}, tmp_path)
    assert value["broker"] == "redis"
