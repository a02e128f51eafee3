"""Point → area lookup on the Hohhot demo: the STRtree index against testing every polygon.

python bench/lookup.py [--points N]
"""

import argparse
import sys
import time

from fresh import fresh_wenming


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=20000)
    parser.add_argument("--baseline-points", type=int, default=500)
    args = parser.parse_args()

    fresh_wenming()
    import numpy as np
    import shapely

    from wenming.org import demo, lookup
    from wenming.org.models import Area

    started = time.perf_counter()
    counts = demo.load()
    print(f"demo load: {time.perf_counter() - started:.2f} s for {counts}")

    urban = shapely.union_all(
        [shapely.geometry.shape(a.boundary) for a in Area.objects.filter(code__in=demo.URBAN_DISTRICTS)]
    )
    minx, miny, maxx, maxy = urban.bounds
    rng = np.random.default_rng(1)
    lons = rng.uniform(minx, maxx, args.points)
    lats = rng.uniform(miny, maxy, args.points)

    started = time.perf_counter()
    index = lookup.get_index()
    build = time.perf_counter() - started
    print(f"index build: {build * 1000:.0f} ms over {len(index.refs)} areas")

    started = time.perf_counter()
    singles = [index.locate(x, y) for x, y in zip(lons, lats, strict=True)]
    single_rate = args.points / (time.perf_counter() - started)

    started = time.perf_counter()
    batch = index.locate_many(lons, lats)
    batch_rate = args.points / (time.perf_counter() - started)
    assert [s and s.deepest for s in singles] == [b and b.deepest for b in batch]

    # Baseline: no index, test every area's polygon, keep the deepest hit.
    geoms = list(index.geoms)
    n = args.baseline_points
    scanned = []
    started = time.perf_counter()
    for x, y in zip(lons[:n], lats[:n], strict=True):
        point = shapely.Point(x, y)
        hits = [i for i, g in enumerate(geoms) if g.covers(point)]
        scanned.append(min(hits, key=lambda i: (-index.depth[i], index.refs[i].code)) if hits else None)
    scan_rate = n / (time.perf_counter() - started)
    # Both methods must give the same answers.
    assert [index.refs[i] if i is not None else None for i in scanned] == [s and s.deepest for s in singles[:n]]

    inside = sum(1 for s in singles if s is not None)
    print(f"points: {args.points} ({inside} inside the city)")
    print(f"{'method':<34}{'points/s':>12}{'× baseline':>12}")
    for name, rate in [
        ("baseline: test every polygon", scan_rate),
        ("index, one point at a time", single_rate),
        ("index, batch (locate_many)", batch_rate),
    ]:
        print(f"{name:<34}{rate:>12,.0f}{rate / scan_rate:>12.1f}")


if __name__ == "__main__":
    sys.exit(main())
