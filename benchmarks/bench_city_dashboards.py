"""Dashboards and lists at city scale on PostgreSQL: queries and median time at 10 projects and
at the whole city (~2,000 projects, ~2 M service records; benchmarks/citygen.py).

Creates its own databases on the server of ``--database-url`` (``<name>_tmpl`` migrated once,
``<name>_small`` and ``<name>_full`` copied from it), fills each with citygen at one scale,
runs ANALYZE, and requests each page of PAGES with the Django test client as a user of the role
that reads it. Target: the query count is the same at both scales (bounded: lists paginate,
dashboards aggregate in SQL); the time ratio is printed (200× the rows), and WARN above
TARGET_RATIO. The databases are dropped at the end unless ``--keep``.

    .venv/bin/python benchmarks/bench_city_dashboards.py [--scale 1.0] [--database-url URL]
        [--strict] [--keep]
"""

import argparse
import atexit
import time
from urllib.parse import urlsplit, urlunsplit

import _common

# The pages measured, with their viewers: citygen.PAGES (shared with tests/test_city_scale_queries.py).
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_city"
SMALL_PROJECTS = 10
REPEAT = 5
TARGET_RATIO = 10.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help="PostgreSQL server and base name of the databases to create "
                             f"(default {DEFAULT_URL})")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="scale of the large city (1.0: ~2,000 projects, ~2 M records)")
    parser.add_argument("--records-per-month", type=int, default=None,
                        help="service records per contract-month (default: citygen's)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a target is missed (default: report WARN, exit 0)")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    return parser.parse_args()


def with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class Server:
    """Create and drop this script's databases through the server's maintenance database."""

    def __init__(self, url: str):
        import psycopg

        self.url = url
        self.base = urlsplit(url).path.lstrip("/") or "bench_city"
        if self.base == "test" or self.base.startswith("test_") or self.base == "postgres":
            raise SystemExit(f"refusing to use database {self.base!r}: pick a name of your own")
        self.admin = psycopg.connect(with_name(url, "postgres"), autocommit=True)

    def name(self, suffix: str) -> str:
        return f"{self.base}_{suffix}"

    def create(self, suffix: str, template: str | None = None) -> str:
        name = self.name(suffix)
        self.drop(suffix)
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        self.admin.execute(sql)
        return name

    def drop(self, suffix: str) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name(suffix)}" WITH (FORCE)')


def use_database(name: str) -> None:
    """Point Django's default connection at another database of the same server."""
    from django.conf import settings
    from django.db import connection

    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name


def measure(client, url: str) -> tuple[int, float, int, tuple[float, str]]:
    """Return (queries, median ms over REPEAT, status, (slowest query ms, its SQL))."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    status = client.get(url).status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    count = len(queries)
    slowest = max(((float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries),
                  default=(0.0, ""))
    ms = _common.median_ms(lambda: client.get(url), repeat=REPEAT, warmup=0)
    return count, ms, status, slowest


def run_scale(label: str, scale: float, server: Server, template: str, args, pages):
    import citygen
    from django.db import connection
    from django.test import Client

    connection.close()  # a template must have no connection while it is copied
    use_database(server.create(label, template=template))
    started = time.perf_counter()
    kwargs = {"records_per_month": args.records_per_month} if args.records_per_month else {}
    city = citygen.generate(scale, verbose=scale > 0.05, **kwargs)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{label}: generated {city.counts['procurement.ServiceProject']:,} projects, "
          f"{city.counts['finance.BudgetEnvelope']:,} envelopes, "
          f"{city.counts['procurement.Contract']:,} contracts, "
          f"{city.counts['delivery.ServiceRecord']:,} service records, "
          f"{city.counts['planning.Volunteer']:,} volunteers in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    from accounts.models import User

    clients = {}
    for role, username in city.users.items():
        clients[role] = Client()
        clients[role].force_login(User.objects.get(username=username))
    return {name: measure(clients[role], url) for name, role, url in pages}


def main() -> None:
    args = parse_args()
    server = Server(args.database_url)
    template = server.create("tmpl")
    suffixes = ("tmpl", "small", "full")
    if not args.keep:
        atexit.register(lambda: [server.drop(s) for s in reversed(suffixes)])
    _common.setup(database_url=with_name(args.database_url, template))
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.urls import NoReverseMatch, reverse

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    print(f"machine: {_common.machine()}")
    import citygen

    pages = []
    for name, role in citygen.PAGES:
        try:
            pages.append((name, role, reverse(name)))
        except NoReverseMatch:
            print(f"{name}: not on this branch, skipped")
    small_scale = SMALL_PROJECTS / 2_000
    small = run_scale("small", small_scale, server, template, args, pages)
    full = run_scale("full", args.scale, server, template, args, pages)
    from django.db import connection

    connection.close()

    misses = []
    print(f"page: queries small / full; median ms small / full (ratio ×, target: same queries, "
          f"time < {TARGET_RATIO:g}×); slowest query at full")
    for name, _role, _url in pages:
        q_small, ms_small, st_small, _slow = small[name]
        q_full, ms_full, st_full, (slow_ms, slow_sql) = full[name]
        ratio = ms_full / ms_small if ms_small else 0.0
        bounded = q_small == q_full
        ok = bounded and ratio < TARGET_RATIO and st_small == st_full == 200
        if not ok:
            misses.append(name)
        notes = [] if bounded else ["UNBOUNDED queries"]
        if st_small != 200 or st_full != 200:
            notes.append(f"status {st_small}/{st_full}")
        print(f"{name}: {q_small} / {q_full} queries; {ms_small:.0f} / {ms_full:.0f} ms "
              f"({ratio:.1f} ×) {_common.verdict(ok)}{'  ' + ', '.join(notes) if notes else ''}"
              f"  [slowest {slow_ms:.0f} ms: {' '.join(slow_sql.split())[:90]}]")
    if args.keep:
        print("kept databases: " + ", ".join(server.name(s) for s in suffixes))
    _common.finish(misses=misses, strict=args.strict)


if __name__ == "__main__":
    main()
