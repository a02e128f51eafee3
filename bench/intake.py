"""Intake throughput on the Hohhot demo: services.intake() one case at a time, against a
bare bulk insert of the same Case rows (Case.objects.bulk_create), on the same fresh database.

Each intake locates the point (STRtree), looks for duplicates, numbers the case, routes,
registers and dispatches it (trusted sources), starts its clock, writes its events and
notifications, in its own transaction. The simulator's bulk path is shown for comparison.

python bench/intake.py [--n N] [--database postgres://user@host:5432/name]

With a PostgreSQL URL a fresh database named NAME_bench_PID is created on that server
and dropped at the end; the default is a SQLite file in a temporary directory.
"""

import argparse
import sys
import time

from fresh import fresh_wenming

TRUSTED = [("inspection", "ducha"), ("grid", "wangge"), ("supervision", "ducha"), ("leader", "chuangcheng")]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=3000, help="cases per method (default 3000)")
    parser.add_argument("--database", default="sqlite", help="sqlite (default) or a postgres:// URL")
    args = parser.parse_args()

    fresh_wenming(args.database)
    import django
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries, transaction
    from django.test.utils import CaptureQueriesContext

    from wenming.cases import demo as cases_demo
    from wenming.cases import services, simulation
    from wenming.cases.models import Case, CaseEvent, Category
    from wenming.org import demo as org_demo
    from wenming.org import lookup

    started = time.perf_counter()
    org_demo.load()
    cases_demo.load_routing()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"demo load: {time.perf_counter() - started:.1f} s")

    # The same reports for both methods: points inside urban grids, categories as the simulator weighs them.
    rng = np.random.default_rng(1)
    index = lookup.get_index()
    urban = [a for a in index.refs if a.level == "district" and a.code in org_demo.URBAN_DISTRICTS]
    bounds = np.array([index.geoms[index.refs.index(a)].bounds for a in urban])
    points = []
    while len(points) < args.n:
        lons = rng.uniform(bounds[:, 0].min(), bounds[:, 2].max(), 4 * args.n)
        lats = rng.uniform(bounds[:, 1].min(), bounds[:, 3].max(), 4 * args.n)
        for lon, lat, found in zip(lons, lats, index.locate_many(lons, lats), strict=True):
            if found and found.deepest.level == "grid" and found.chain[1].code in org_demo.URBAN_DISTRICTS:
                points.append((float(lon), float(lat)))
    points = points[: args.n]
    categories = list(Category.objects.filter(parent__isnull=False, is_active=True).order_by("kind", "code"))
    weights = np.array([simulation.CATEGORY_WEIGHTS.get(c.kind + c.code, simulation.OTHER_WEIGHT) for c in categories])
    picks = rng.choice(len(categories), size=args.n, p=weights / weights.sum())
    users = {u.username: u for u in get_user_model().objects.filter(username__in={u for _s, u in TRUSTED})}

    def report(i):
        source, username = TRUSTED[i % len(TRUSTED)]
        lon, lat = points[i]
        return dict(
            source=source,
            category=categories[picks[i]],
            lon=lon,
            lat=lat,
            user=users[username],
            description="路边有人乱扔垃圾，请尽快处理",
            address="新城区海拉尔东路街道新华大街12号附近",
        )

    with CaptureQueriesContext(connection) as captured:
        services.intake(**report(0))
    queries_per_intake = len(captured.captured_queries)

    reset_queries()
    started = time.perf_counter()
    for i in range(1, args.n):
        services.intake(**report(i))
    intake_seconds = time.perf_counter() - started
    intake_rate = (args.n - 1) / intake_seconds
    events = CaseEvent.objects.count()
    statuses = dict(Case.objects.values_list("status").annotate(n=django.db.models.Count("id")))

    # Baseline: the same Case rows, as they came out of intake, inserted in bulk (no events).
    skip = {"id", "number", "client_key"}
    fields = [f.attname for f in Case._meta.concrete_fields if f.name not in skip]
    rows = list(Case.objects.order_by("id").values(*fields))
    copies = [Case(number=f"B{i:012d}", **row) for i, row in enumerate(rows)]
    started = time.perf_counter()
    with transaction.atomic():
        Case.objects.bulk_create(copies, batch_size=1000)
    bulk_rate = len(copies) / (time.perf_counter() - started)

    # For comparison: the simulator's bulk path, cases with all their events.
    result = simulation.simulate(30, max(args.n // 30, 1000), seed=1)
    simulated_rate = result["cases_per_second"]

    print(
        f"intake: {args.n:,} cases, {events / args.n:.1f} events each, statuses {statuses}; "
        f"{queries_per_intake} queries per intake"
    )
    print(f"{'method':<52}{'cases/s':>10}{'× baseline':>12}")
    for name, rate in [
        ("baseline: Case.objects.bulk_create (no events)", bulk_rate),
        ("services.intake(), one at a time", intake_rate),
        (f"simulate() bulk path, with {result['events'] / result['cases']:.1f} events each", simulated_rate),
    ]:
        print(f"{name:<52}{rate:>10,.0f}{rate / bulk_rate:>12.3f}")


if __name__ == "__main__":
    sys.exit(main())
