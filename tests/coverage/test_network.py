"""The walking network: exact snapping, one multi-source Dijkstra pass, distances
from origins through either end of their segment. Networks are laid out in
metres and turned into lon/lat with a fixed projection, so answers are exact."""

import math

import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra

from wenming.coverage import network as nw
from wenming.coverage.compute import point_sources, walking_distance
from wenming.coverage.network import Network, Projection, build
from wenming.geo.measure import distance_m

P = Projection(111.1, 40.05)


def make(points, segments, projection=P) -> Network:
    """A network from node positions in metres and (u, v) index pairs."""
    points = np.asarray(points, float).reshape(-1, 2)
    lon, lat = projection.inverse(points[:, 0], points[:, 1])
    segments = np.asarray(segments, int).reshape(-1, 2)
    return build(lon, lat, segments[:, 0], segments[:, 1], projection=projection)


def street(*xs, y=0.0):
    """Nodes along y = const and the segments joining them in order."""
    points = [(x, y) for x in xs]
    return points, [(i, i + 1) for i in range(len(xs) - 1)]


def walk(network, origins, facilities, *, limit=5000.0, max_access=300.0):
    origins = np.asarray(origins, float).reshape(-1, 2)
    facilities = np.asarray(facilities, float).reshape(-1, 2)
    sources = point_sources(network, facilities[:, 0], facilities[:, 1])
    snap = network.snap(origins[:, 0], origins[:, 1])
    return walking_distance(network, snap, sources, limit, max_access)


# -- the projection ---------------------------------------------------------------


def test_the_projection_goes_there_and_back_to_a_millimetre():
    x = np.array([0.0, 1234.5, -20000.0, 35000.0])
    y = np.array([0.0, -987.6, 15000.0, -40000.0])
    lon, lat = P.inverse(x, y)
    bx, by = P.forward(lon, lat)
    assert np.abs(bx - x).max() < 1e-3 and np.abs(by - y).max() < 1e-3


def test_projected_distances_across_a_city_are_true_to_one_part_in_ten_thousand():
    x = np.array([-20000.0, 25000.0, 3000.0])
    y = np.array([-15000.0, 18000.0, 40000.0])
    lon, lat = P.inverse(x, y)
    for i, j in ((0, 1), (1, 2), (0, 2)):
        planar = math.hypot(x[i] - x[j], y[i] - y[j])
        assert distance_m(lon[i], lat[i], lon[j], lat[j]) == pytest.approx(planar, rel=1e-4)


def test_building_with_a_fixed_projection_keeps_the_metres_exact():
    network = make(*street(0, 100, 250))
    assert network.x == pytest.approx([0, 100, 250], abs=1e-6)
    assert network.y == pytest.approx([0, 0, 0], abs=1e-6)
    assert network.length == pytest.approx([100, 150], abs=1e-6)


# -- walking distance on hand-made streets ---------------------------------------------


def test_the_walk_is_the_access_plus_the_distance_along_the_street():
    network = make(*street(0, 100, 200, 300))
    # 10 m from the street at x=50, a toilet 5 m off the street at x=250.
    d = walk(network, [(50, 10)], [(250, -5)])
    assert d[0] == pytest.approx(10 + 200 + 5, abs=0.01)


def test_the_walk_leaves_its_segment_by_whichever_end_is_nearer_the_facility():
    # A street from x=0 to x=100; beyond its west end a toilet 60 m down a side
    # street, beyond its east end one 100 m further east.
    points = [(0, 0), (100, 0), (0, -60), (200, 0)]
    network = make(points, [(0, 1), (0, 2), (1, 3)])
    d = walk(network, [(30, 10), (80, 10)], [(0, -60), (200, 0)])
    assert d[0] == pytest.approx(10 + 30 + 60, abs=0.01)  # west: 90 < east: 70 + 100
    assert d[1] == pytest.approx(10 + 20 + 100, abs=0.01)  # east: 120 < west: 80 + 60


def test_an_origin_and_a_facility_on_the_same_long_segment_walk_straight_to_each_other():
    # One 400 m segment without any node between the origin and the toilet:
    # the walk does not go round by an end of the segment.
    network = make(*street(0, 400))
    d = walk(network, [(80, 10), (300, -10), (250, 3)], [(250, 0)])
    assert d == pytest.approx([10 + 170, 10 + 50, 3], abs=0.01)


def test_the_walk_along_a_long_segment_is_the_same_whichever_way_it_is_digitised():
    forward = make(*street(0, 400))
    backward = make([(400, 0), (0, 0)], [(0, 1)])
    for network in (forward, backward):
        assert walk(network, [(80, 10), (390, 0)], [(250, 0)]) == pytest.approx([180, 140], abs=0.01)


def test_a_facility_on_a_node_is_reached_with_no_distance_left_over():
    network = make(*street(0, 100, 200))
    d = walk(network, [(100, 0), (200, 0)], [(100, 0)])
    assert d[0] == pytest.approx(0, abs=0.01)
    assert d[1] == pytest.approx(100, abs=0.01)


def test_an_origin_on_a_part_of_the_network_without_facilities_is_not_covered_through_another_part():
    # Two streets 50 m apart that never meet; the toilet is on the north one.
    south_points, south = street(0, 100, 200)
    north_points, north = street(0, 100, 200, y=50)
    network = make(south_points + north_points, south + [(u + 3, v + 3) for u, v in north])
    d = walk(network, [(100, -5), (100, 55)], [(100, 50)])
    assert math.isinf(d[0])
    assert d[1] == pytest.approx(5, abs=0.01)


def test_an_origin_farther_than_the_access_limit_from_any_street_is_unreachable():
    network = make(*street(0, 100, 200))
    d = walk(network, [(100, 299), (100, 301), (100, 5000)], [(100, 0)], max_access=300)
    assert d[0] == pytest.approx(299, abs=0.01)
    assert math.isinf(d[1]) and math.isinf(d[2])


def test_distances_beyond_the_limit_are_infinite():
    network = make(*street(0, 100, 200, 300, 400))
    node_distance = network.distances_from([0], [0.0], limit=250)
    assert node_distance[:3] == pytest.approx([0, 100, 200], abs=0.01)
    assert np.isinf(node_distance[3:]).all()


def test_each_source_starts_with_its_own_offset():
    network = make(*street(0, 100, 200, 300))
    # Node 0 with 500 m still to go, node 3 with 10 m: node 1 is nearer node 3's facility.
    node_distance = network.distances_from([0, 3], [500.0, 10.0], limit=10_000)
    assert node_distance == pytest.approx([310, 210, 110, 10], abs=0.01)


def test_the_cheapest_of_several_offsets_at_one_node_counts():
    network = make(*street(0, 100))
    node_distance = network.distances_from([1, 1, 1], [70.0, 5.0, 40.0], limit=10_000)
    assert node_distance == pytest.approx([105, 5], abs=0.01)


def test_no_sources_leave_every_node_unreached():
    network = make(*street(0, 100))
    assert np.isinf(network.distances_from([], [], limit=1000)).all()


def test_the_virtual_source_is_never_a_shortcut_between_two_facilities(monkeypatch):
    # Facilities at both ends of a 1 km street. The virtual source's edges lead
    # out of it only: in the graph searched, the walk from one facility's
    # neighbourhood to the other's stays 1 km, and the street graph kept for
    # the next search is left as it was.
    network = make(*street(*range(0, 1001, 100)))
    searched = []

    def spy(graph, **options):
        searched.append(graph)
        return dijkstra(graph, **options)

    monkeypatch.setattr(nw, "dijkstra", spy)
    node_distance = network.distances_from([0, 10], [0.0, 0.0], limit=10_000)
    assert node_distance[5] == pytest.approx(500, abs=0.01)
    (graph,) = searched
    virtual = network.node_count
    assert graph[virtual].nnz == 2 and graph[:, virtual].nnz == 0
    assert dijkstra(graph, directed=True, indices=1)[9] == pytest.approx(800, abs=1e-6)
    assert dijkstra(graph, directed=True, indices=0)[10] == pytest.approx(1000, abs=1e-6)
    kept = network.graph()
    assert kept[virtual].nnz == 0 and kept[:, virtual].nnz == 0


def test_the_virtual_source_has_no_way_back_into_the_network():
    # Two facilities far apart, each 10 m from its own neighbourhood: with a
    # two-way source an origin near one could "walk" into the source and out at
    # the other; with one-way edges each neighbourhood is measured only through streets.
    points = [(0, 0), (100, 0), (5000, 0), (5100, 0)]
    network = make(points, [(0, 1), (2, 3), (1, 2)])
    sources_near_a = network.distances_from([0], [0.0], limit=100_000)
    both = network.distances_from([0, 3], [0.0, 0.0], limit=100_000)
    only_b = network.distances_from([3], [0.0], limit=100_000)
    assert both == pytest.approx(np.minimum(sources_near_a, only_b), abs=1e-6)
    assert sources_near_a[3] == pytest.approx(5100, abs=0.01)


def test_a_segment_listed_several_times_counts_once_not_summed():
    points = [(0, 0), (100, 0), (200, 0)]
    network = make(points, [(0, 1), (1, 0), (0, 1), (1, 2)])
    assert network.distances_from([0], [0.0], limit=1000) == pytest.approx([0, 100, 200], abs=0.01)


def test_parallel_segments_between_two_nodes_keep_the_shortest():
    # Three ways joining nodes 0 and 1, two of them through their own bends.
    points = [(0, 0), (100, 0), (50, 80), (50, -30)]
    network = make(points, [(0, 2), (2, 1), (0, 1), (0, 3), (3, 1)])
    graph = network.graph()
    assert graph[0, 1] == pytest.approx(100, abs=1e-6)
    assert network.distances_from([0], [0.0], limit=1000)[1] == pytest.approx(100, abs=0.01)


def test_zero_length_segments_and_loops_are_walked_through():
    # Two nodes at the same place (an OpenStreetMap duplicate) and a loop on one node.
    points = [(0, 0), (100, 0), (100, 0), (200, 0)]
    network = make(points, [(0, 1), (1, 2), (2, 3), (3, 3)])
    assert network.distances_from([0], [0.0], limit=1000) == pytest.approx([0, 100, 100, 200], abs=0.01)
    d = walk(network, [(100, 10), (200, 5)], [(0, 0)])
    assert d == pytest.approx([110, 205], abs=0.01)


# -- snapping -------------------------------------------------------------------------


def brute_force_nearest(network, px, py):
    coords = np.empty((network.edge_count, 2, 2))
    coords[:, 0, 0], coords[:, 0, 1] = network.x[network.u], network.y[network.u]
    coords[:, 1, 0], coords[:, 1, 1] = network.x[network.v], network.y[network.v]
    segments = shapely.linestrings(coords)
    tree = shapely.STRtree(segments)
    (point, edge), d = tree.query_nearest(shapely.points(px, py), return_distance=True, all_matches=False)
    distance = np.empty(len(px))
    distance[point] = d
    return distance


def random_network(rng, segments, span, long_share=0.1):
    """Random straight segments: mostly short ones, some far longer than a snapping piece."""
    ax, ay = rng.uniform(-span, span, segments), rng.uniform(-span, span, segments)
    length = np.where(rng.random(segments) < long_share, rng.uniform(300, 3000, segments), rng.uniform(0, 80, segments))
    angle = rng.uniform(0, 2 * np.pi, segments)
    bx, by = ax + length * np.cos(angle), ay + length * np.sin(angle)
    points = np.column_stack([np.r_[ax, bx], np.r_[ay, by]])
    pairs = np.column_stack([np.arange(segments), np.arange(segments) + segments])
    return make(points, pairs)


@pytest.mark.parametrize("seed", range(6))
def test_snapping_finds_the_truly_nearest_segment(seed, monkeypatch):
    # Small chunks so that the parallel path runs too.
    monkeypatch.setattr(nw, "SNAP_CHUNK", 700)
    rng = np.random.default_rng(seed)
    network = random_network(rng, segments=int(rng.integers(1, 400)), span=2000)
    near = rng.uniform(-2500, 2500, (3000, 2))
    far = rng.uniform(-1, 1, (200, 2)) * rng.choice([10_000, 100_000], (200, 1))
    points = np.vstack([near, far])
    snap = network.snap(points[:, 0], points[:, 1])
    expected = brute_force_nearest(network, points[:, 0], points[:, 1])
    assert snap.distance == pytest.approx(expected, abs=1e-6)
    # The reported segment, along and beyond describe that nearest foot.
    assert snap.along + snap.beyond == pytest.approx(network.length[snap.edge], abs=1e-6)
    ux, uy = network.x[network.u[snap.edge]], network.y[network.u[snap.edge]]
    vx, vy = network.x[network.v[snap.edge]], network.y[network.v[snap.edge]]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(network.length[snap.edge] > 0, snap.along / network.length[snap.edge], 0)
    foot_x, foot_y = ux + t * (vx - ux), uy + t * (vy - uy)
    assert np.hypot(points[:, 0] - foot_x, points[:, 1] - foot_y) == pytest.approx(expected, abs=1e-6)


def test_snapping_onto_a_single_segment_network_works():
    network = make(*street(0, 1000))
    snap = network.snap([500, -50, 2000], [30, 0, 0])
    assert snap.distance == pytest.approx([30, 50, 1000], abs=1e-6)
    assert snap.along == pytest.approx([500, 0, 1000], abs=1e-6)
    assert snap.beyond == pytest.approx([500, 1000, 0], abs=1e-6)


def test_snapping_onto_a_network_of_one_short_segment_works():
    network = make(*street(0, 50))  # a single snapping piece
    snap = network.snap([25, 80, -3], [4, 0, 4])
    assert snap.distance == pytest.approx([4, 30, 5], abs=1e-6)
    assert snap.along == pytest.approx([25, 50, 0], abs=1e-6)


def test_snapping_nothing_or_onto_nothing_gives_empty_answers():
    network = make(*street(0, 100))
    assert len(network.snap([], []).edge) == 0
    empty = Network(
        P,
        np.zeros(0),
        np.zeros(0),
        np.zeros(0, np.int32),
        np.zeros(0, np.int32),
        np.zeros(0, np.int8),
        np.zeros(0, np.int32),
    )
    assert len(empty.snap([1.0], [2.0]).edge) == 1


# -- storage ------------------------------------------------------------------------


def test_a_network_survives_storage_unchanged():
    points, segments = street(0, 100, 200)
    lon, lat = P.inverse(np.array(points)[:, 0], np.array(points)[:, 1])
    network = build(
        lon, lat, [0, 1], [1, 2], street_class=[0, 4], street_name=[1, 0], names=["", "长安街"], projection=P
    )
    again = Network.from_bytes(network.to_bytes())
    assert again.projection == P
    assert np.array_equal(again.x, network.x) and np.array_equal(again.y, network.y)
    assert again.u.tolist() == [0, 1] and again.v.tolist() == [1, 2]
    assert again.street_class.tolist() == [0, 4] and again.street_name.tolist() == [1, 0]
    assert again.names == ["", "长安街"]
