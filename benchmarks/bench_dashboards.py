"""Dashboards per role and the public statistics page: time and queries at 10 and 100 projects.

Builds a district with the demo app (real services, the same rotation of stages as
bench_inbox_scaling), then requests each dashboard as the role it is for (the statistics page
anonymously). Target: 10× the projects costs < 3× the time, with the same number of queries
(the dashboards aggregate in SQL; their query counts are pinned in tests/workflows/dashboards).

    .venv/bin/python benchmarks/bench_dashboards.py [--strict] [--keep]
"""

import _common

SIZES = (10, 100)
REPEAT = 7
TARGET_RATIO = 3.0
# (label, url name, role of the user who opens it; None: anonymous)
PAGES = [
    ("finance dashboard", "workflows:dashboard-finance", "finance"),
    ("purchaser dashboard", "workflows:dashboard-purchaser", "purchaser"),
    ("community dashboard", "workflows:dashboard-community", "community"),
    ("social-org dashboard", "workflows:dashboard-social-org", "social_org"),
    ("portal statistics", "portal:statistics", None),
]


def measure(client, url: str) -> tuple[int, float]:
    """Return (queries of one request, median ms over REPEAT requests)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries), _common.median_ms(lambda: client.get(url), repeat=REPEAT, warmup=0)


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    data_dir = _common.setup(keep=args.keep)
    import time
    from decimal import Decimal

    from bench_inbox_scaling import build_projects
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import Client
    from django.urls import reverse

    from accounts.roles import Role
    from demo.cast import cast_build
    from finance.models import BudgetEnvelope
    from procurement.models import ServiceProject

    print(f"machine: {_common.machine()}")
    if args.keep:
        print(f"data dir: {data_dir}")
    # 100 projects of a few categories add up past the open-tender threshold, and approval then
    # stops at the split-purchase warning (条例28); the benchmark is about reading, not that rule.
    from django.conf import settings

    settings.PLATFORM_RULES = {**settings.PLATFORM_RULES,
                               "OPEN_TENDER_THRESHOLD": Decimal("1000000000.00")}
    cast = cast_build(district="tianjiaan")
    BudgetEnvelope.objects.filter(division=cast.district).update(amount=Decimal("100000000.00"))
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    clients = {}
    for _label, _name, role in PAGES:
        clients[role] = Client()
        if role:
            clients[role].force_login(cast.one(Role(role)))

    results = {}
    built = 0
    for size in SIZES:
        started = time.perf_counter()
        build_projects(cast, start=built, stop=size)
        built = size
        print(f"built {size} projects in {time.perf_counter() - started:.1f} s "
              f"({ServiceProject.objects.count()} in the database)")
        for label, name, role in PAGES:
            results[(label, size)] = measure(clients[role], reverse(name))

    small, large = SIZES
    misses = []
    print(f"page: queries at {small} / at {large}; median ms at {small} / at {large} "
          f"(ratio ×, target < {TARGET_RATIO:g}× and the same queries)")
    for label, _name, _role in PAGES:
        q_small, ms_small = results[(label, small)]
        q_large, ms_large = results[(label, large)]
        ratio = ms_large / ms_small
        ok = ratio < TARGET_RATIO and q_small == q_large
        if not ok:
            misses.append(label)
        print(f"{label}: {q_small} / {q_large} queries; {ms_small:.1f} / {ms_large:.1f} ms "
              f"({ratio:.2f} ×) {_common.verdict(ok)}")
    _common.finish(misses=misses, strict=args.strict)


if __name__ == "__main__":
    main()
