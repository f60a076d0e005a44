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


# The shared data builder and measuring loop (bench_dashboards, bench_inbox_scaling and
# bench_list_scaling grow their data to each size and time their pages the same way). ----------

# Stages whose next step is the purchaser's (plus two that only add rows to the lists).
STAGE_ROTATION = [
    "project_submitted",   # approve
    "budget_confirmed",    # publish the tender
    "evaluated",           # confirm the award
    "awarded",             # sign the contract
    "mid_term_submitted",  # accept the mid-term report
    "in_delivery",
    "bids_submitted",
]


def keep_connection() -> None:
    """Keep one database connection across test-client requests, as the test runner does
    (SQLite sets CONN_MAX_AGE=0, which would time a reconnect on every request)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


def clients_for(users: dict) -> dict:
    """Return a logged-in test client per key of users (a user, or None: anonymous)."""
    from django.test import Client

    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        if user is not None:
            clients[key].force_login(user)
    return clients


def measure_page(client, url: str, *, repeat: int, expect_ok: bool = True) -> tuple[int, float]:
    """Return (queries of one request, median ms over repeat requests) after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    if expect_ok and response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    count = len(queries)  # now: the next request's request_started clears the log
    return count, median_ms(lambda: client.get(url), repeat=repeat, warmup=0)


def demo_district(*, raise_threshold: bool = False):
    """Return the demo cast of one district ready for a hundred projects walked through the
    services: envelopes large enough, the split-purchase warning (化整为零, which the demo's
    walk does not answer) out of the way — the benchmarks read. ``raise_threshold`` also lifts
    the open-tender threshold (bench_dashboards has always measured with it lifted)."""
    from decimal import Decimal

    from django.conf import settings

    import procurement.services.projects as project_services
    from demo.cast import cast_build
    from finance.models import BudgetEnvelope

    if raise_threshold:
        settings.PLATFORM_RULES = {**settings.PLATFORM_RULES,
                                   "OPEN_TENDER_THRESHOLD": Decimal("1000000000.00")}
    project_services.split_purchase_warning = lambda **_kw: None
    cast = cast_build(district="tianjiaan")
    BudgetEnvelope.objects.filter(division=cast.district).update(amount=Decimal("100000000.00"))
    return cast


def demo_projects_builder(cast):
    """Return grow(size): walk demo projects up to size (STAGE_ROTATION, one transaction each)."""
    import dataclasses

    from django.db import transaction

    from demo.projects import PROJECTS
    from demo.stages import build_project_at_stage

    built = [0]

    def grow(size: int) -> str:
        for index in range(built[0], size):
            base = PROJECTS[index % len(PROJECTS)]
            spec = dataclasses.replace(base, title=f"{base.title}（批次{index + 1}）")
            with transaction.atomic():
                build_project_at_stage(STAGE_ROTATION[index % len(STAGE_ROTATION)], cast=cast,
                                       spec=spec)
        built[0] = size
        return f"built {size} projects"

    return grow


def graph_models(root, apps_labels) -> list:
    """Return the models of apps_labels reachable from root through foreign keys, parents first."""
    from django.apps import apps

    members = {root}
    grown = True
    while grown:
        grown = False
        for model in apps.get_models():
            if model._meta.app_label not in apps_labels or model in members:
                continue
            if any(f.is_relation and f.many_to_one | f.one_to_one and f.related_model in members
                   for f in model._meta.concrete_fields):
                members.add(model)
                grown = True
    ordered = []
    while len(ordered) < len(members):
        before = len(ordered)
        for model in sorted(members - set(ordered), key=lambda m: m._meta.label):
            parents = {f.related_model for f in model._meta.concrete_fields
                       if f.is_relation and f.related_model in members
                       and f.related_model is not model}
            if parents <= set(ordered):
                ordered.append(model)
        if len(ordered) == before:
            raise SystemExit(f"foreign-key cycle among {members - set(ordered)}")
    return ordered


def copy_rows(order: list, sources: dict, copies: int, start: int) -> int:
    """Copy the rows of sources (model -> seed rows), models in order (parents first), `copies`
    times (copy numbers start…): foreign keys to a copied row point at its copy, unique text
    is suffixed with the copy number. Return the rows written; a model whose copies break a
    constraint is reported and skipped."""
    from django.db import IntegrityError, transaction
    from django.db.models import UniqueConstraint

    new_pk: dict = {}
    written = 0
    for model in order:
        rows = sources.get(model, [])
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        unique = {f.name for f in fields if f.unique} | {
            c.fields[0] for c in model._meta.constraints
            if isinstance(c, UniqueConstraint) and len(c.fields) == 1}
        made = []
        for c in range(start, start + copies):
            for i, row in enumerate(rows):
                values = {}
                for f in fields:
                    value = getattr(row, f.attname)
                    if f.is_relation and (f.related_model, value) in new_pk:
                        value = new_pk[(f.related_model, value)][c - start]
                    elif f.name in unique and isinstance(value, str) and value:
                        suffix = f"-{c}"
                        if len(value) + len(suffix) > f.max_length:  # seed and copy numbers
                            suffix = f"-{c}-{i}"
                        value = value[:f.max_length - len(suffix)] + suffix
                    values[f.attname] = value
                made.append(model(**values))
        try:
            with transaction.atomic():
                model.objects.bulk_create(made, batch_size=500)
        except IntegrityError as error:
            print(f"  {model._meta.label}: not copied ({error})")
            continue
        written += len(made)
        per_row = len(rows)
        for i, row in enumerate(rows):
            new_pk[(model, row.pk)] = [made[k * per_row + i].pk for k in range(copies)]
    return written


def copied_graph_builder(root_rows: list, apps_labels, extra: dict | None = None):
    """Return grow(size): copy root_rows (e.g. seed projects) with every row of apps_labels
    reachable from them by foreign key, and the rows of extra (model -> rows, copied first),
    until size // len(root_rows) copies of the seeds exist (the seeds count as the first)."""
    from django.db import transaction
    from django.db.models import Q

    root = type(root_rows[0])
    order = graph_models(root, apps_labels)
    sources = {root: list(root_rows)}
    for model in order[1:]:
        links = [f for f in model._meta.concrete_fields
                 if f.is_relation and f.related_model in sources and f.related_model is not model]
        q = Q(pk__in=[])
        for f in links:
            q |= Q(**{f"{f.attname}__in": [r.pk for r in sources[f.related_model]]})
        sources[model] = list(model.objects.filter(q).order_by("pk"))
    for model, rows in (extra or {}).items():
        sources[model] = list(rows)
    order = [*(extra or {}), *order]
    made = [1]

    def grow(size: int) -> str:
        wanted = max(1, size // len(root_rows))
        from finance.services.ledger import envelope_totals_refresh

        with transaction.atomic():
            written = copy_rows(order, sources, wanted - made[0], made[0])
            envelope_totals_refresh()  # bulk_create passes no receiver: the ledger's totals
        made[0] = wanted
        return f"{root.objects.count()} {root._meta.verbose_name_plural} ({written} rows written)"

    return grow


def scale_run(sizes, grow, pages: list, measure) -> dict:
    """For each size: grow the data to it (then ANALYZE, as PostgreSQL's autovacuum would),
    print what was built, and measure each page; return {(label, size): measure(page)} for
    pages given as (label, …) tuples."""
    from django.db import connection

    results = {}
    for size in sizes:
        started = time.perf_counter()
        built = grow(size)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"{built} in {time.perf_counter() - started:.1f} s", flush=True)
        for page in pages:
            results[(page[0], size)] = measure(page)
    return results
