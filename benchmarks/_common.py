"""Shared set-up for the benchmark scripts: a throwaway SQLite database and timing helpers.

Import this module before anything from Django: ``setup()`` points DATA_DIR at a new temporary
directory (database, files, embedded broker), makes celery run tasks inline as the tests do,
calls ``django.setup()`` and runs the migrations there. The real ``var/`` and any
``DATABASE_URL`` are never touched.
"""

import argparse
import atexit
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args(description: str) -> argparse.Namespace:
    """Return the command-line options every benchmark accepts."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a target is missed (default: report WARN, exit 0)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary DATA_DIR (its path is printed) for inspection")
    return parser.parse_args()


def setup(*, keep: bool = False, database_url: str | None = None) -> Path:
    """Create a temporary DATA_DIR, configure and start Django there, migrate; return the dir.

    ``database_url`` (a database the script created for itself, e.g. on PostgreSQL) replaces
    the temporary SQLite file; any DATABASE_URL of the environment is still ignored.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    data_dir = Path(tempfile.mkdtemp(prefix="sanshe-bench-"))
    if not keep:
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DJANGO_PRODUCTION",
                 "EMAIL_HOST"):
        os.environ.pop(name, None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"  # side effects (notifications…) run inline
    os.environ["DJANGO_DEBUG"] = "0"  # no debug toolbar-style overhead; queries counted explicitly

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    import logging

    logging.disable(logging.INFO)  # celery's eager "Task … succeeded" lines
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # filesystem broker: no hostname
    return data_dir


def machine() -> str:
    """Return a one-line description of the machine and software this run measured."""
    import django
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
        cpu = model or cpu
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"Django {django.get_version()}, {_database(connection)}")


def _database(connection) -> str:
    if connection.vendor == "postgresql":
        version = connection.pg_version  # e.g. 150020
        return f"PostgreSQL {version // 10000}.{version % 100}"
    return "SQLite"


def median_ms(func: Callable[[], object], *, repeat: int, warmup: int = 1) -> float:
    """Return the median wall-clock time of func in milliseconds over repeat runs after warmup."""
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def verdict(ok: bool) -> str:
    """Return PASS or WARN."""
    return "PASS" if ok else "WARN"


def finish(*, misses: list[str], strict: bool) -> None:
    """Print the summary line and exit (1 only with --strict and a missed target)."""
    if misses:
        print(f"result: WARN ({len(misses)} target(s) missed: {', '.join(misses)})")
        sys.exit(1 if strict else 0)
    print("result: PASS")
    sys.exit(0)
