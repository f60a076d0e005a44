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


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    data_dir = _common.setup(keep=args.keep)
    from django.urls import reverse

    from accounts.roles import Role
    from procurement.models import ServiceProject

    print(f"machine: {_common.machine()}")
    if args.keep:
        print(f"data dir: {data_dir}")
    cast = _common.demo_district(raise_threshold=True)
    _common.keep_connection()
    clients = _common.clients_for({role: cast.one(Role(role)) if role else None
                                   for _label, _name, role in PAGES})
    walk = _common.demo_projects_builder(cast)

    def grow(size: int) -> str:
        walk(size)
        return f"built {size} projects ({ServiceProject.objects.count()} in the database)"

    results = _common.scale_run(
        SIZES, grow, PAGES,
        lambda page: _common.measure_page(clients[page[2]], reverse(page[1]), repeat=REPEAT))

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
