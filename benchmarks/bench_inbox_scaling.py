"""Inbox and list pages: time and queries at 10 and at 100 projects; inbox at 500 and 5,000 tasks.

Builds a district with the demo app (real services and workflow tasks), walks N projects to a
rotation of stages that leave work in the purchaser's inbox, and requests each page with the
Django test client as purchaser staff (the ledger as finance staff). Target: 10× the projects costs < 3× the time (sublinear:
pages paginate, counts come from the database, related rows are fetched in bounded queries).

Then the purchaser's open tasks are multiplied (copies of the open tasks the walk left, same
processes) to 500 and to 5,000, and the inbox is timed at each (issue 11 item 3: within 2×;
the database picks and counts each section's first rows, workflows.selectors.task_inbox_for_user).

    .venv/bin/python benchmarks/bench_inbox_scaling.py [--strict] [--keep]
"""

import re

import _common

SIZES = (10, 100)
REPEAT = 7
TARGET_RATIO = 3.0
OPEN_TASKS = (500, 5000)
TASK_TARGET_RATIO = 2.0
# (label, url name, role of the user who opens it): the ledger is the finance bureau's page.
PAGES = [
    ("inbox (purchaser)", "home", "purchaser"),
    ("project list (purchaser)", "procurement:project-list", "purchaser"),
    ("contract list (purchaser)", "procurement:contract-list", "purchaser"),
    ("ledger (finance)", "finance:ledger", "finance"),
]


CODE = re.compile(r"\b(?:XM|CG|HT)\d{4}-\d{5}\b")  # project, tender, contract numbers


def measure(client, url: str) -> tuple[int, float, int]:
    """Return (queries of one request, median ms over REPEAT requests, distinct codes shown)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    count = len(queries)  # now: the next request's request_started clears the log
    ms = _common.median_ms(lambda: client.get(url), repeat=REPEAT, warmup=0)
    return count, ms, len(set(CODE.findall(response.content.decode())))


def fill_open_tasks(user, total: int) -> int:
    """Copy the user's open inbox tasks until they number `total`; return the number."""
    import datetime as dt

    from viewflow.workflow.models import Task

    from workflows.selectors import task_inbox_queryset

    templates = list(task_inbox_queryset(user))
    have = len(templates)
    fields = [f for f in Task._meta.concrete_fields if not f.primary_key]
    copies = []
    for n in range(max(0, total - have)):
        source = templates[n % len(templates)]
        task = Task(**{f.attname: getattr(source, f.attname) for f in fields})
        task.created = source.created + dt.timedelta(microseconds=n + 1)
        copies.append(task)
    Task.objects.bulk_create(copies, batch_size=500)
    return task_inbox_queryset(user).count()


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    data_dir = _common.setup(keep=args.keep)
    from django.urls import reverse
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from accounts.roles import Role
    from procurement.models import ServiceProject

    print(f"machine: {_common.machine()}")
    if args.keep:
        print(f"data dir: {data_dir}")
    cast = _common.demo_district()
    _common.keep_connection()
    clients = _common.clients_for({role: cast.one(Role(role))
                                   for role in {role for _label, _name, role in PAGES}})
    walk = _common.demo_projects_builder(cast)

    def grow(size: int) -> str:
        walk(size)
        open_tasks = Task.objects.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).count()
        return (f"built {size} projects ({ServiceProject.objects.count()} in the database, "
                f"{open_tasks} open tasks)")

    results = _common.scale_run(
        SIZES, grow, PAGES, lambda page: measure(clients[page[2]], reverse(page[1])))

    small, large = SIZES
    misses = []
    print(f"page: queries at {small} / at {large}; median ms at {small} / at {large} "
          f"(ratio ×, target < {TARGET_RATIO:g}×)")
    for label, _name, _role in PAGES:
        q_small, ms_small, codes_small = results[(label, small)]
        q_large, ms_large, codes = results[(label, large)]
        ratio = ms_large / ms_small
        ok = ratio < TARGET_RATIO
        if not ok:
            misses.append(label)
        print(f"{label}: {q_small} / {q_large} queries; {ms_small:.1f} / {ms_large:.1f} ms "
              f"({ratio:.2f} ×) {_common.verdict(ok)}  [codes shown: {codes_small} / {codes}]")

    purchaser = cast.one(Role.PURCHASER)
    timed = {}
    for total in OPEN_TASKS:
        have = fill_open_tasks(purchaser, total)
        timed[total] = (have, *measure(clients["purchaser"], reverse("home")))
    (n_small, q_small, ms_small, _c), (n_large, q_large, ms_large, _d) = (
        timed[t] for t in OPEN_TASKS)
    ratio = ms_large / ms_small
    ok = ratio < TASK_TARGET_RATIO
    if not ok:
        misses.append("inbox at open tasks")
    print(f"inbox (purchaser) at {n_small} / {n_large} open tasks: {q_small} / {q_large} queries; "
          f"{ms_small:.1f} / {ms_large:.1f} ms ({ratio:.2f} ×, target < {TASK_TARGET_RATIO:g}×) "
          f"{_common.verdict(ok)}")
    _common.finish(misses=misses, strict=args.strict)


if __name__ == "__main__":
    main()
