"""The inputs of bench/coverage.py and the methods it times, each run in a fresh process.

Every method reads the same saved inputs: node lon/lat and segments, green
space (lon/lat WKB with areas), residential land (lon/lat WKB). Ours starts
from those. The baselines are also handed the origin points (25 m cells of
residential land) and the park entry nodes, both made once by our code when
the inputs were prepared and not timed for them: they only do the network part.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np

# Imported here, before any clock starts (it brings in shapely and SciPy).
from wenming.coverage.network import Projection

CELL_M = 25.0
ENTRANCE_GAP_M = 20.0
MAX_ACCESS_M = 300.0
# GB/T 51346-2019: green space of 400 m² serves 300 m, a park of 1 ha 500 m.
TIERS = ((400.0, 300.0), (10_000.0, 500.0))
GREEN = ("park", "garden", "playground", "green")
CENTRE = (111.67, 40.82)


def square(km: float):
    """A lon/lat square of ``km`` a side around the Hohhot centre."""
    from shapely.geometry import box

    half_lon = km / 2 / (111.32 * math.cos(math.radians(CENTRE[1])))
    half_lat = km / 2 / 110.57
    return box(CENTRE[0] - half_lon, CENTRE[1] - half_lat, CENTRE[0] + half_lon, CENTRE[1] + half_lat)


def radius_of(area: np.ndarray) -> np.ndarray:
    """The radius each green space serves: the largest tier its area reaches (0 below all)."""
    radius = np.zeros(len(area))
    for smallest, distance in TIERS:
        radius = np.where(area >= smallest, distance, radius)
    return radius


# -- preparing the inputs ---------------------------------------------------------------------------


def prepare(extract, folder: Path) -> dict:
    """Save an Extract's network and polygons, and the origins and entries the baselines are given."""
    import shapely

    from wenming.coverage import compute
    from wenming.coverage import network as nw

    folder.mkdir(parents=True, exist_ok=True)
    green = [f.geometry for f in extract.features if f.kind in GREEN]
    residential = [f.geometry for f in extract.features if f.kind == "residential"]
    # Areas as the product stores them: on an equal-area projection around the data.
    projection = nw.Projection.around(extract.lons, extract.lats)
    green_m = projection.geometry(np.asarray(green, dtype=object))
    area = shapely.area(green_m) if len(green) else np.zeros(0)
    np.savez(folder / "network.npz", lons=extract.lons, lats=extract.lats, u=extract.u, v=extract.v)
    np.savez(folder / "polygons.npz", green_area=area, **_packed("green", green), **_packed("residential", residential))

    started = time.perf_counter()
    network = extract.network()
    origins = compute.sample_land(projection.geometry(np.asarray(residential, dtype=object)), CELL_M)
    radius = radius_of(area)
    served = np.flatnonzero(radius > 0)
    sources = compute.polygon_sources(network, green_m[served], ENTRANCE_GAP_M)
    entry_radius = radius[served][sources.facility]
    given = time.perf_counter() - started
    np.savez(
        folder / "given.npz",
        x=origins.x,
        y=origins.y,
        weight=origins.weight,
        entry=sources.nodes,
        entry_radius=entry_radius,
    )
    return {
        "nodes": len(extract.lons),
        "segments": len(extract.u),
        "green": len(green),
        "served_green": len(served),
        "parks_1ha": int((radius == 500).sum()),
        "residential": len(residential),
        "origins": len(origins),
        "entry_nodes": len(np.unique(sources.nodes)),
        "given_s": given,
    }


def load_network(folder: Path):
    with np.load(folder / "network.npz") as f:
        return f["lons"], f["lats"], f["u"], f["v"]


def _packed(name: str, geometries) -> dict:
    """Geometries as one WKB byte buffer and the offsets into it."""
    import shapely

    wkb = shapely.to_wkb(np.asarray(geometries, dtype=object)) if len(geometries) else []
    offsets = np.r_[0, np.cumsum([len(b) for b in wkb], dtype=np.int64)]
    return {name: np.frombuffer(b"".join(wkb), np.uint8), f"{name}_offsets": offsets}


def _unpacked(f, name: str) -> np.ndarray:
    import shapely

    data, offsets = f[name].tobytes(), f[f"{name}_offsets"]
    return shapely.from_wkb([data[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)])


def load_polygons(folder: Path):
    with np.load(folder / "polygons.npz") as f:
        return _unpacked(f, "green"), f["green_area"], _unpacked(f, "residential")


def load_given(folder: Path):
    with np.load(folder / "given.npz") as f:
        return {k: f[k] for k in f.files}


def share(weight, covered) -> float:
    return float(weight[covered].sum() / weight.sum()) if weight.sum() else float("nan")


class Clock:
    """Stage times, in the order taken."""

    def __init__(self):
        self.stages: dict[str, float] = {}
        self.started = self.last = time.perf_counter()

    def __call__(self, stage: str):
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + now - self.last
        self.last = now

    @property
    def total(self) -> float:
        return self.last - self.started


# -- the methods ------------------------------------------------------------------------------------


def ours(folder: Path) -> tuple[Clock, float]:
    """The product's path (services.coverage._parks), from lon/lat and polygons to the covered share."""
    from wenming.coverage import compute
    from wenming.coverage import network as nw

    lons, lats, u, v = load_network(folder)
    green, area, residential = load_polygons(folder)
    clock = Clock()
    network = nw.build(lons, lats, u, v)
    project = network.projection.geometry
    clock("build network (projection)")
    radius = radius_of(area)
    served = np.flatnonzero(radius > 0)
    green_m, residential_m = project(green[served]), project(residential)
    del green, residential  # the product keeps only the projected copies too
    clock("project polygons")
    origins = compute.sample_land(residential_m, CELL_M)
    clock("sample land (25 m)")
    network._pieces()
    clock("segment index")
    snap = network.snap(origins.x, origins.y)
    clock("snap origins")
    sources = compute.polygon_sources(network, green_m, ENTRANCE_GAP_M)
    clock("park entries")
    network.graph()
    clock("graph")
    d = compute.tiered_distance(network, snap, sources, radius[served], MAX_ACCESS_M)
    clock("tiered pass")
    covered = share(origins.weight, d <= (radius.max() if len(radius) else 0.0))
    clock("share")
    return clock, covered


def _projected(lons, lats, u, v):
    """Node x/y in metres on our projection (the baselines' distances are in the same metres)."""
    x, y = Projection.around(lons, lats).forward(lons, lats)
    return x, y, u.astype(np.int64), v.astype(np.int64)


def _covered(given, access, d300, d500) -> np.ndarray:
    """Origins mapped to a node: covered when the straight line to it plus its distance fits a tier."""
    return (access <= MAX_ACCESS_M) & ((access + d300 <= 300.0) | (access + d500 <= 500.0))


def bare(folder: Path) -> tuple[Clock, float]:
    """The floor: SciPy's Dijkstra on the segments, origins mapped to their nearest node.

    Two min_only calls, one per tier (limit 300 and 500): the plainest use of
    SciPy; no virtual source, no entry offsets, no snapping to segments.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    inputs, given = load_network(folder), load_given(folder)
    clock = Clock()
    x, y, u, v = _projected(*inputs)
    n = len(x)
    clock("projection")
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    keep = u != v
    lo, hi, length = np.minimum(u, v)[keep], np.maximum(u, v)[keep], np.maximum(length[keep], 1e-3)
    # Parallel segments would be added up by the sparse matrix: keep the shortest.
    order = np.lexsort((length, lo * n + hi))
    key = (lo * n + hi)[order]
    first = np.r_[True, key[1:] != key[:-1]]
    lo, hi, length = lo[order][first], hi[order][first], length[order][first]
    graph = coo_matrix((np.r_[length, length], (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n)).tocsr()
    clock("csgraph")
    access, node = cKDTree(np.column_stack([x, y])).query(np.column_stack([given["x"], given["y"]]), workers=-1)
    clock("origins → nearest node (cKDTree)")
    d = {}
    for r in (300.0, 500.0):
        entries = np.unique(given["entry"][given["entry_radius"] == r])
        d[r] = (
            dijkstra(graph, directed=True, indices=entries, min_only=True, limit=r)
            if len(entries)
            else np.full(n, np.inf)
        )
    clock("dijkstra ×2 (min_only)")
    covered = share(given["weight"], _covered(given, access, d[300.0][node], d[500.0][node]))
    clock("share")
    return clock, covered


def pandana_method(folder: Path) -> tuple[Clock, float]:
    """pandana: contraction hierarchy (its preprocessing), two POI categories, nearest_pois per node."""
    import pandana
    import pandas as pd

    inputs, given = load_network(folder), load_given(folder)
    clock = Clock()
    x, y, u, v = _projected(*inputs)
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    keep = u != v
    clock("projection")
    network = pandana.Network(
        pd.Series(x),
        pd.Series(y),
        pd.Series(u[keep]),
        pd.Series(v[keep]),
        pd.DataFrame({"length": length[keep]}),
        twoway=True,
    )
    clock("pandana.Network (contraction hierarchy)")
    d = {}
    for r in (300.0, 500.0):
        entries = np.unique(given["entry"][given["entry_radius"] == r])
        if len(entries) == 0:
            d[r] = np.full(len(x), np.inf)
            continue
        network.set_pois(f"park{r:.0f}", r, 1, pd.Series(x[entries]), pd.Series(y[entries]))
        found = network.nearest_pois(r, f"park{r:.0f}", num_pois=1, max_distance=np.inf)
        d[r] = found[1].to_numpy()
    clock("set_pois + nearest_pois ×2")
    node = network.get_node_ids(pd.Series(given["x"]), pd.Series(given["y"])).to_numpy()
    access = np.hypot(x[node] - given["x"], y[node] - given["y"])
    clock("origins → get_node_ids")
    covered = share(given["weight"], _covered(given, access, d[300.0][node], d[500.0][node]))
    clock("share")
    return clock, covered


def networkx_method(folder: Path) -> tuple[Clock, float]:
    """networkx and OSMnx: a Graph of the segments, osmnx nearest_nodes, one multi-source Dijkstra per tier."""
    import networkx as nx
    import osmnx

    given = load_given(folder)
    lons, lats, u, v = load_network(folder)
    clock = Clock()
    projection = Projection.around(lons, lats)
    x, y = projection.forward(lons, lats)
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    clock("projection")
    graph = nx.Graph(crs=f"+proj=laea +lat_0={projection.lat0} +lon_0={projection.lon0} +R=6371008.8 +units=m")
    graph.add_nodes_from((i, {"x": a, "y": b}) for i, (a, b) in enumerate(zip(x.tolist(), y.tolist(), strict=True)))
    # Parallel segments: a Graph keeps the last one added, so add the shortest last.
    order = np.argsort(-length, kind="stable")
    edges = zip(u[order].tolist(), v[order].tolist(), length[order].tolist(), strict=True)
    graph.add_weighted_edges_from(edges, weight="length")
    clock("nx.Graph")
    node, access = osmnx.distance.nearest_nodes(graph, given["x"], given["y"], return_dist=True)
    node, access = np.asarray(node, np.int64), np.asarray(access, float)
    clock("origins → osmnx nearest_nodes")
    d = {}
    for r in (300.0, 500.0):
        found = nx.multi_source_dijkstra_path_length(
            graph, set(given["entry"][given["entry_radius"] == r].tolist()), cutoff=r, weight="length"
        )
        d[r] = np.full(len(x), np.inf)
        d[r][np.fromiter(found.keys(), np.int64, len(found))] = np.fromiter(found.values(), float, len(found))
    clock("multi_source_dijkstra ×2")
    covered = share(given["weight"], _covered(given, access, d[300.0][node], d[500.0][node]))
    clock("share")
    return clock, covered


METHODS = {"ours": ours, "bare": bare, "pandana": pandana_method, "networkx": networkx_method}


def run_child(method: str, folder: Path) -> None:
    """Run one method once and print its figures as one JSON line (peak RSS of this process)."""
    import resource

    clock, covered = METHODS[method](folder)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print("RESULT " + json.dumps({"total": clock.total, "stages": clock.stages, "share": covered, "rss_mib": peak}))
