"""The back office's work queues and case lists with many cases: queries per page and latency.

N cases are simulated into the Hohhot demo (and N/10, to show that the number of queries
per page does not grow with N). Each page is requested through django.test.Client
against the real views, as the city campaign office's admin (sees everything), a district
leader (one district) and a department handler (the cases assigned to 市公安交管支队; the
demo's handler of 市城管局 gets no cases under the demo's routing, so the benchmark adds one).

python bench/case_lists.py [--n 1000000] [--postgres postgres://user@host:5432/name [--no-sqlite]]
                           [--repeat 30] [--fresh]

The generated databases are kept in bench/results/ (SQLite) or on the PostgreSQL server
(databases NAME_<N>), so a rerun only measures; --fresh builds them again. Each database
is built and measured in a process of its own, whose peak RSS stands in for a server worker.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

RESULTS = Path(__file__).resolve().parent / "results"
SEED = 20261129
BENCH_HANDLER = "bench_jj"
USERS = [("city admin", "chuangcheng"), ("district leader", "xinchengqu"), ("department handler", BENCH_HANDLER)]
TIME_BUDGET_S = 20  # per page and user; at least MIN_SAMPLES requests are made anyway
MIN_SAMPLES = 5


# ---------------------------------------------------------------------------
# The driver: build what is missing, measure each database in its own process, print.


def database_key(backend: str, n: int, postgres: str | None) -> dict:
    if backend == "sqlite":
        return {"data_dir": str(RESULTS / f"case_lists-sqlite-{n}"), "url": ""}
    parts = urlsplit(postgres)
    name = f"{parts.path.lstrip('/') or 'wenming_bench'}_{n}"
    return {
        "data_dir": str(RESULTS / f"case_lists-postgres-{n}"),
        "url": urlunsplit(parts._replace(path=f"/{name}")),
        "name": name,
        "admin_url": urlunsplit(parts._replace(path="/postgres", query="")),
    }


def run_worker(role: str, backend: str, n: int, key: dict, repeat: int) -> dict:
    env = {
        **os.environ,
        "WENMING_DATA_DIR": key["data_dir"],
        "DJANGO_SETTINGS_MODULE": "wenming.settings",
        "WENMING_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }
    env.pop("WENMING_DATABASE_URL", None)
    if key["url"]:
        env["WENMING_DATABASE_URL"] = key["url"]
    command = [sys.executable, __file__, "--worker", role, "--n", str(n), "--repeat", str(repeat)]
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"the {role} worker for {backend} N={n:,} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ensure_built(backend: str, n: int, key: dict, fresh: bool) -> dict:
    marker = Path(key["data_dir"]) / "built.json"
    if fresh or not marker.exists():
        if backend == "sqlite":
            shutil.rmtree(key["data_dir"], ignore_errors=True)
        else:
            import psycopg

            with psycopg.connect(key["admin_url"], autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{key["name"]}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{key["name"]}"')
            marker.unlink(missing_ok=True)
        Path(key["data_dir"]).mkdir(parents=True, exist_ok=True)
        print(f"building {backend} N={n:,} …", file=sys.stderr, flush=True)
        built = run_worker("build", backend, n, key, 0)
        marker.write_text(json.dumps(built))
    return json.loads(marker.read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="cases in the large database (default 1,000,000)")
    parser.add_argument("--postgres", help="also measure PostgreSQL: a postgres:// URL (databases NAME_<N> are made)")
    parser.add_argument("--repeat", type=int, default=30, help="requests per page for the latency (default 30)")
    parser.add_argument("--no-sqlite", action="store_true", help="with --postgres: measure PostgreSQL only")
    parser.add_argument("--fresh", action="store_true", help="build the databases again")
    parser.add_argument("--worker", choices=["build", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = build(args.n) if args.worker == "build" else measure(args.repeat)
        print(json.dumps(result, default=str))
        return
    if args.n < 10:
        parser.error("--n must be at least 10")

    RESULTS.mkdir(exist_ok=True)
    sizes = [args.n // 10, args.n]
    backends = ([] if args.no_sqlite and args.postgres else ["sqlite"]) + (["postgres"] if args.postgres else [])
    for backend in backends:
        measured = {}
        for n in sizes:
            key = database_key(backend, n, args.postgres)
            built = ensure_built(backend, n, key, args.fresh)
            print(
                f"{backend} N={n:,}: {built['cases']:,} cases, {built['events']:,} events "
                f"(built in {built['seconds']:.0f} s, {built['cases_per_second']:,.0f} cases/s, "
                f"peak RSS {built['peak_rss_mib']:.0f} MiB)",
                flush=True,
            )
            measured[n] = run_worker("measure", backend, n, key, args.repeat)
        print_table(backend, sizes, measured)


def print_table(backend: str, sizes: list[int], measured: dict) -> None:
    small, large = sizes
    print()
    print(f"{backend}: queries per page and latency over {measured[large]['repeat']} requests (fewer if slow)")
    header = (
        f"{'user':<19}{'page':<26}{'queries':>9}{'':>3}{f'N={small:,} median':>18}{'p95':>8}"
        f"{f'N={large:,} median':>20}{'p95':>8}{'×N/10':>7}{'slowest query':>15}"
    )
    print(header)
    print("-" * len(header))
    for row_small, row_large in zip(measured[small]["pages"], measured[large]["pages"], strict=True):
        queries = f"{row_small['queries']}/{row_large['queries']}"
        flag = "" if row_small["queries"] == row_large["queries"] else " !"
        ratio = row_large["median_ms"] / row_small["median_ms"] if row_small["median_ms"] else float("nan")
        print(
            f"{row_large['user']:<19}{pad(row_large['page'], 26)}{queries:>9}{flag:<3}"
            f"{row_small['median_ms']:>16.1f}ms{row_small['p95_ms']:>6.0f}ms"
            f"{row_large['median_ms']:>18.1f}ms{row_large['p95_ms']:>6.0f}ms{ratio:>7.1f}"
            f"{row_large['slowest_query_ms']:>13.1f}ms"
        )
    for n in sizes:
        print(f"peak RSS of the measuring process, N={n:,}: {measured[n]['peak_rss_mib']:.0f} MiB")
    print(
        "queries: at N/10 / at N (a '!' marks a count that grows with N); slowest query: at N, from the counted request"
    )


def pad(text: str, width: int) -> str:
    """Left-justify, counting Chinese characters as two columns as terminals draw them."""
    import unicodedata

    drawn = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - drawn, 0)


# ---------------------------------------------------------------------------
# Workers (run with the database chosen by the environment).


def setup():
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # static files are served from the packages
    django.setup()


def build(n: int) -> dict:
    setup()
    from django.core.management import call_command
    from django.db import connection

    from wenming.cases import demo as cases_demo
    from wenming.cases.simulation import simulate
    from wenming.core.progress import progress_bar
    from wenming.org import demo as org_demo
    from wenming.org import services
    from wenming.org.models import Role, Unit

    call_command("migrate", verbosity=0)
    org_demo.load()
    cases_demo.load_routing()
    services.create_person(
        username=BENCH_HANDLER,
        real_name="基准测试",
        password=org_demo.DEMO_PASSWORD,
        role=Role.HANDLER,
        unit=Unit.objects.get(code="150100-JJ"),
        position="基准测试用户",
    )
    days = next(d for d in (400, 500, 250, 200, 100, 50, 40, 25, 20, 10, 8, 5, 4, 2, 1) if n % d == 0 and n >= d)
    with progress_bar(n, f"simulate {n:,}", disable=False) as advance:
        result = simulate(days, n // days, SEED, progress=advance)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum would have done by the time users look
    return {k: result[k] for k in ("cases", "events", "seconds", "cases_per_second", "peak_rss_mib")}


def measure(repeat: int) -> dict:
    setup()
    import resource

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wenming.cases.models import Case
    from wenming.cases.views import PAGE_SIZE
    from wenming.org.scope import visible

    pages = []
    for label, username in USERS:
        user = get_user_model().objects.get(username=username)
        client = Client()
        client.force_login(user)
        mine = visible(user, Case.objects.all())
        last_page = max((mine.count() + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        # A case in the same state at every N, so that its page makes the same queries.
        newest = mine.filter(status="closed").order_by("-created_at", "-id").values_list("number", flat=True).first()
        urls = [
            ("queue: to accept", "/office/cases/?queue=to_accept"),
            ("queue: overdue", "/office/cases/?queue=overdue"),
            ("status: closed", "/office/cases/?status=closed"),
            ("search: 垃圾", "/office/cases/?q=垃圾"),
            ("all, page 1", "/office/cases/"),
            (f"all, last page ({last_page:,})", f"/office/cases/?page={last_page}"),
            ("map points", "/office/cases/points.geojson"),
            ("map points: overdue", "/office/cases/points.geojson?queue=overdue"),
            ("case page (closed)", f"/office/cases/{newest}/"),
        ]
        for page, url in urls:
            response = client.get(url)  # warm-up: caches, the area index, SQLite pages
            assert response.status_code == 200, (url, response.status_code)
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            # Read now: the log is cleared by the next request.
            queries = [float(q["time"]) * 1000 for q in captured.captured_queries]
            times = []
            started = time.perf_counter()
            while len(times) < repeat and (len(times) < MIN_SAMPLES or time.perf_counter() - started < TIME_BUDGET_S):
                t = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            pages.append(
                {
                    "user": label,
                    "page": page,
                    "url": url,
                    "queries": len(queries),
                    "slowest_query_ms": max(queries, default=0.0),
                    "median_ms": statistics.median(times),
                    "p95_ms": times[min(len(times) - 1, int(0.95 * len(times)))],
                    "samples": len(times),
                }
            )
            print(f"  {label:<19}{page:<28}{pages[-1]['median_ms']:>9.1f} ms", file=sys.stderr, flush=True)
    return {
        "pages": pages,
        "repeat": repeat,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "vendor": connection.vendor,
    }


if __name__ == "__main__":
    sys.exit(main())
