"""Every list page: time at 10,000 rows against 100 (issue 11 item 3: within 2×).

Builds the test world (tests.worlds.world_build) and a few seed projects at several stages with
their rows (tests.worlds.rows_at_stage: need, project, deliverable, commitment, tender, bids,
committee, award, contract, tranches, payments, reports, service records, evaluation). The seeds
are then copied (benchmarks/_common.copied_graph_builder), every row of the graph with its
foreign keys pointing at the copies and its unique codes suffixed, to 100 and then to 10,000
projects. The lists whose rows are not a project's (notifications, the audit log, the supplier
registry, identity-change requests) get their own rows copied to 100 and 10,000 the same way.
Each list page is requested with the Django test client by the first role that may open it;
the script prints queries, median ms at both sizes and the ratio per page.

On SQLite (a temporary file) by default; ``--database-url postgres://…/NAME`` runs on a database
``NAME_lists`` it creates on that server (refusing test*, postgres) and drops at the end.

    .venv/bin/python benchmarks/bench_list_scaling.py [--database-url URL] [--strict] [--keep]
"""

import argparse
import os

import _common

# BENCH_LIST_SIZES=8,40 for a quick trial of the script itself.
SIZES = tuple(int(n) for n in os.environ.get("BENCH_LIST_SIZES", "100,10000").split(","))
REPEAT = int(os.environ.get("BENCH_LIST_REPEAT", "7"))
TARGET_RATIO = 2.0
SEED_STAGES = ("closed", "signed", "published", "submitted")
APPS = ("procurement", "finance", "delivery", "evaluation")
# (label, url name, roles to try in order: the first that answers 200 is timed; None is
# anonymous, rows: "projects" or the separately copied rows of ROWS)
PAGES = [
    ("projects", "procurement:project-list", ("purchaser",), "projects"),
    ("projects (community)", "procurement:project-list", ("community",), "projects"),
    ("tenders", "procurement:tender-list", ("purchaser",), "projects"),
    ("tenders (bidder)", "procurement:tender-list", ("supplier",), "projects"),
    ("contracts", "procurement:contract-list", ("purchaser",), "projects"),
    ("needs", "procurement:need-list", ("community", "purchaser"), "projects"),
    ("service records", "delivery:record-list", ("purchaser", "community", "social_worker"),
     "projects"),
    ("milestones", "delivery:milestone-list", ("purchaser", "community"), "projects"),
    ("tranches", "finance:tranche-list", ("finance",), "projects"),
    ("ledger", "finance:ledger", ("finance",), "projects"),
    ("performance", "evaluation:performance-list", ("purchaser", "community"), "projects"),
    ("scores (expert)", "evaluation:score-list", ("expert",), "projects"),
    ("experts", "evaluation:expert-list", ("purchaser", "admin"), "experts: not copied"),
    ("plan monitor", "planning:monitor", ("purchaser", "finance", "admin"), "projects"),
    ("portal tenders", "portal:tender-list", (None,), "projects"),
    ("portal awards", "portal:award-list", (None,), "projects"),
    ("portal contracts", "portal:contract-list", (None,), "projects"),
    ("portal grades", "portal:grade-list", (None,), "projects"),
    ("portal declined needs", "portal:need-list", (None,), "projects"),
    ("notifications", "core:notification-list", ("purchaser",), "notifications"),
    ("audit admin", "admin:core_auditentry_changelist", ("superuser", "admin"), "audit"),
    ("registry", "accounts:registry-list", ("admin",), "registry"),
    ("identity changes", "accounts:identity-change-list", ("admin",), "identity changes"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None,
                        help="run on PostgreSQL: server and base name (creates NAME_lists)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a target is missed (default: report WARN, exit 0)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary DATA_DIR (and the PostgreSQL database)")
    return parser.parse_args()


def row_builders(world, purchaser) -> dict:
    """Return grow(size) per kind of separately copied rows (seeds made here when none exist)."""
    from django.utils import timezone

    from accounts.models import Organization, OrganizationIdentityChange
    from core.models import AuditEntry, Notification

    supplier = world.suppliers[0]
    if not Notification.objects.filter(recipient=purchaser).exists():
        Notification.objects.bulk_create(
            Notification(recipient=purchaser, title=f"基准通知{n}", body="基准数据", url="/")
            for n in range(SIZES[0]))
    if not OrganizationIdentityChange.objects.exists():
        OrganizationIdentityChange.objects.create(
            organization=supplier, status=OrganizationIdentityChange.Status.REJECTED,
            name=f"{supplier.name}（更名）", reason="基准数据", requested_by=world.supplier_staff[0],
            requested_at=timezone.now(), reviewed_by=world.admin, reviewed_at=timezone.now())
    seeds = {
        "notifications": list(Notification.objects.filter(recipient=purchaser)
                              .order_by("pk")[:SIZES[0]]),
        "audit": list(AuditEntry.objects.order_by("pk")[:SIZES[0]]),
        "registry": list(Organization.objects.filter(kind=Organization.Kind.SOCIAL_ORG)
                         .order_by("pk")),
        "identity changes": list(OrganizationIdentityChange.objects.order_by("pk")),
    }
    counted = {"notifications": lambda: Notification.objects.filter(recipient=purchaser).count(),
               "audit": AuditEntry.objects.count,
               "registry": Organization.objects.filter(kind=Organization.Kind.SOCIAL_ORG).count,
               "identity changes": OrganizationIdentityChange.objects.count}
    builders = {}
    for kind, rows in seeds.items():
        if not rows:
            print(f"{kind}: no seed rows; its list is measured without growth")
            continue
        copy = _common.copied_graph_builder(rows, ())

        def grow(size, copy=copy, kind=kind):
            copy(size)
            return f"{counted[kind]()} {kind}"

        builders[kind] = grow
    return builders


def main() -> None:
    args = parse_args()
    server = database = None
    if args.database_url:
        from bench_city_dashboards import Server, with_name

        server = Server(args.database_url)
        database = with_name(args.database_url, server.create("lists"))
        if not args.keep:
            import atexit

            atexit.register(server.drop, "lists")
    data_dir = _common.setup(keep=args.keep, database_url=database)
    from django.urls import reverse

    from procurement.models import Need
    from tests.worlds import PAGE_WORLD, rows_at_stage, world_build

    print(f"machine: {_common.machine()}")
    if args.keep:
        print(f"data dir: {data_dir}" + (f", database {database}" if database else ""))
    _common.keep_connection()
    world = world_build(**PAGE_WORLD)
    seeds = [p for stage in SEED_STAGES for p in rows_at_stage(world, 1, stage)]
    users = {"purchaser": world.purchaser, "community": world.community,
             "finance": world.finance, "supplier": world.supplier_staff[0],
             "social_worker": world.social_worker, "expert": world.experts[0],
             "admin": world.admin, "superuser": world.superuser, None: None}
    clients = _common.clients_for(users)
    chosen = {}
    for label, name, roles, _rows in PAGES:
        for role in roles:
            if clients[role].get(reverse(name)).status_code == 200:
                chosen[label] = role
                break
        else:
            print(f"{label}: no role of {roles} may open {name}; skipped")
    projects = _common.copied_graph_builder(
        seeds, APPS, extra={Need: list(Need.objects.order_by("pk"))})
    others = row_builders(world, world.purchaser)

    def grow(size: int) -> str:
        built = [projects(size)]
        built += [other(size) for other in others.values()]
        return ", ".join(built)

    timed = [page for page in PAGES if page[0] in chosen]
    results = _common.scale_run(SIZES, grow, timed, lambda page: _common.measure_page(
        clients[chosen[page[0]]], reverse(page[1]), repeat=REPEAT))

    small, large = SIZES
    misses = []
    print(f"page (role) [rows]: queries at {small} / {large} rows; median ms of {REPEAT} "
          f"(ratio ×, target < {TARGET_RATIO:g}×)")
    for label, _name, _roles, rows in timed:
        (q_small, ms_small), (q_large, ms_large) = results[(label, small)], results[(label, large)]
        ratio = ms_large / ms_small
        ok = ratio < TARGET_RATIO and q_small == q_large
        if not ok:
            misses.append(label)
        print(f"{label} ({chosen[label] or 'anonymous'}) [{rows}]: {q_small} / {q_large} queries; "
              f"{ms_small:.1f} / {ms_large:.1f} ms ({ratio:.2f} ×) {_common.verdict(ok)}",
              flush=True)
    _common.finish(misses=misses, strict=args.strict)


if __name__ == "__main__":
    main()
