"""Generated sub-divisions: partition() of a jagged, county-sized outline (the 400-vertex
district_like_polygon of tests/geo/test_partition.py) into 60 to 2,000 pieces, as the demo
city's streets, communities and grids are made, against the same Voronoi split without Lloyd
relaxation (relax=0), which is the floor of the method.

python bench/partition.py [--pieces 60,500,2000] [--vertices 400] [--repeat 5]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for tests/


def timed(repeat, function, *args, **kwargs):
    """(best, median) seconds of ``repeat`` calls, and the last result."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pieces", default="60,500,2000", help="numbers of pieces, comma-separated")
    parser.add_argument("--vertices", type=int, default=400, help="vertices of the outline (default 400)")
    parser.add_argument("--repeat", type=int, default=5, help="calls per figure; the best and the median are shown")
    args = parser.parse_args()

    from tests.geo.test_partition import district_like_polygon
    from wenming.geo.partition import partition

    boundary = district_like_polygon(args.vertices)
    partition(boundary, 20, seed=0)  # warm up (imports, caches)
    print(f"outline: {args.vertices} vertices, {boundary.area:.4f} square degrees")
    print("× baseline: the best time as a multiple of the baseline's best")
    print(f"{'pieces':>6}  {'method':<38}{'best ms':>10}{'median ms':>11}{'× baseline':>12}")
    for n in (int(p) for p in args.pieces.split(",")):
        base_best, base_median, plain = timed(args.repeat, partition, boundary, n, seed=1, relax=0)
        best, median, pieces = timed(args.repeat, partition, boundary, n, seed=1)
        assert len(plain) == len(pieces) == n
        for name, b, m in [
            ("baseline: Voronoi, no relaxation", base_best, base_median),
            ("partition (relax=2, the default)", best, median),
        ]:
            print(f"{n:>6,}  {name:<38}{b * 1000:>10,.0f}{m * 1000:>11,.0f}{b / base_best:>12.2f}")


if __name__ == "__main__":
    sys.exit(main())
