"""Back-office lists: time at 10,000 projects against 100 (issue 11 item 3: within 2×).

Builds the test world (tests.worlds.world_build) and a few seed projects at several stages with
their rows (tests.worlds.rows_at_stage: need, project, deliverable, commitment, tender, bids,
committee, award, contract, tranches, payments, reports, service records, evaluation). The seeds
are then copied, every row of the graph with its foreign keys pointing at the copies and its
unique codes suffixed, to 100 and then to 10,000 projects. Each list page (core.lists
FilteredListMixin users) is requested with the Django test client by the first role that may
see it; the script prints queries, median ms and the ratio 10,000 / 100 per page.

    .venv/bin/python benchmarks/bench_list_scaling.py [--strict] [--keep]
"""

import os

import _common

# BENCH_LIST_SIZES=8,40 for a quick trial of the script itself.
SIZES = tuple(int(n) for n in os.environ.get("BENCH_LIST_SIZES", "100,10000").split(","))
REPEAT = 5
TARGET_RATIO = 2.0
SEED_STAGES = ("closed", "signed", "published", "submitted")
APPS = ("procurement", "finance", "delivery", "evaluation")
# (label, url name, roles to try in order: the first that answers 200 is timed)
PAGES = [
    ("projects", "procurement:project-list", ("purchaser",)),
    ("tenders", "procurement:tender-list", ("purchaser",)),
    ("tenders (bidder)", "procurement:tender-list", ("supplier",)),
    ("contracts", "procurement:contract-list", ("purchaser",)),
    ("needs", "procurement:need-list", ("community", "purchaser")),
    ("service records", "delivery:record-list", ("purchaser", "community", "social_worker")),
    ("milestones", "delivery:milestone-list", ("purchaser", "community")),
    ("tranches", "finance:tranche-list", ("finance",)),
    ("ledger", "finance:ledger", ("finance",)),
    ("performance", "evaluation:performance-list", ("purchaser", "community")),
    ("scores (expert)", "evaluation:score-list", ("expert",)),
]


def graph_models(root):
    """Return the models of APPS reachable from root through foreign keys, parents first."""
    from django.apps import apps

    members = {root}
    grown = True
    while grown:
        grown = False
        for model in apps.get_models():
            if model._meta.app_label not in APPS or model in members:
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


def copy_graph(projects, needs, copies: int, start: int) -> int:
    """Copy the seed projects' graph and the seed needs `copies` times (copy numbers start…);
    return the rows written. A model whose copies break a constraint is reported and skipped."""
    from django.db import IntegrityError, transaction
    from django.db.models import Q

    from procurement.models import Need, ServiceProject

    order = graph_models(ServiceProject)
    sources = {ServiceProject: list(projects)}
    for model in order[1:]:
        links = [f for f in model._meta.concrete_fields
                 if f.is_relation and f.related_model in sources and f.related_model is not model]
        q = Q(pk__in=[])
        for f in links:
            q |= Q(**{f"{f.attname}__in": [r.pk for r in sources[f.related_model]]})
        sources[model] = list(model.objects.filter(q).order_by("pk"))
    sources[Need] = list(needs)
    order = [Need, *order]
    new_pk: dict = {}
    written = 0
    for model in order:
        rows = sources.get(model, [])
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        made = []
        for c in range(start, start + copies):
            for row in rows:
                values = {}
                for f in fields:
                    value = getattr(row, f.attname)
                    if f.is_relation and (f.related_model, value) in new_pk:
                        value = new_pk[(f.related_model, value)][c - start]
                    elif f.unique and isinstance(value, str) and value:
                        suffix = f"-{c}"
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


def measure(client, url: str) -> tuple[int, float]:
    """Return (queries of one request, median ms over REPEAT requests)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries), _common.median_ms(lambda: client.get(url), repeat=REPEAT, warmup=0)


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    data_dir = _common.setup(keep=args.keep)
    import time

    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection, transaction
    from django.test import Client
    from django.urls import reverse

    from procurement.models import Need, ServiceProject
    from tests.worlds import PAGE_WORLD, rows_at_stage, world_build

    print(f"machine: {_common.machine()}")
    if args.keep:
        print(f"data dir: {data_dir}")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    world = world_build(**PAGE_WORLD)
    seeds = [p for stage in SEED_STAGES for p in rows_at_stage(world, 1, stage)]
    needs = list(Need.objects.order_by("pk"))
    users = {"purchaser": world.purchaser, "community": world.community,
             "finance": world.finance, "supplier": world.supplier_staff[0],
             "social_worker": world.social_worker, "expert": world.experts[0]}
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    chosen = {}
    for label, name, roles in PAGES:
        for role in roles:
            if clients[role].get(reverse(name)).status_code == 200:
                chosen[label] = role
                break
        else:
            print(f"{label}: no role of {roles} may open {name}; skipped")

    results = {}
    copies_made = 1
    for size in SIZES:
        started = time.perf_counter()
        wanted = size // len(seeds)
        with transaction.atomic():
            written = copy_graph(seeds, needs, wanted - copies_made, copies_made)
        copies_made = wanted
        # Planner statistics, as PostgreSQL's autovacuum keeps them (SQLite keeps none itself).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"{ServiceProject.objects.count()} projects ({written} rows written in "
              f"{time.perf_counter() - started:.1f} s)")
        for label, name, _roles in PAGES:
            if label in chosen:
                results[(label, size)] = measure(clients[chosen[label]], reverse(name))

    small, large = SIZES
    misses = []
    print(f"page (role): queries at {small} / {large} projects; median ms (ratio ×, "
          f"target < {TARGET_RATIO:g}×)")
    for label, _name, _roles in PAGES:
        if label not in chosen:
            continue
        (q_small, ms_small), (q_large, ms_large) = results[(label, small)], results[(label, large)]
        ratio = ms_large / ms_small
        ok = ratio < TARGET_RATIO
        if not ok:
            misses.append(label)
        print(f"{label} ({chosen[label]}): {q_small} / {q_large} queries; "
              f"{ms_small:.1f} / {ms_large:.1f} ms ({ratio:.2f} ×) {_common.verdict(ok)}")
    _common.finish(misses=misses, strict=args.strict)


if __name__ == "__main__":
    main()
