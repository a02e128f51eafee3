"""Coverage arithmetic on hand-made networks: sampling land, entering parks,
tiers in one pass, straight-line buffers, gaps along streets, greedy sites."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

from wenming.coverage import compute
from wenming.coverage.network import Projection, build, class_index
from wenming.coverage.services.coverage import DEFAULT_PARAMETERS, _park_sources

P = Projection(111.1, 40.05)


def make(points, segments, street_class=None, street_name=None, names=None):
    points = np.asarray(points, float).reshape(-1, 2)
    segments = np.asarray(segments, int).reshape(-1, 2)
    lon, lat = P.inverse(points[:, 0], points[:, 1])
    return build(lon, lat, segments[:, 0], segments[:, 1], street_class, street_name, names, projection=P)


def street(xs, y=0.0, first=0):
    """Nodes along y = const (numbered from ``first``) and the segments between them."""
    points = [(x, y) for x in xs]
    return points, [(first + i, first + i + 1) for i in range(len(xs) - 1)]


def snap_of(network, xy):
    xy = np.asarray(xy, float).reshape(-1, 2)
    return network.snap(xy[:, 0], xy[:, 1])


# -- sampling land ----------------------------------------------------------------------


def test_sample_weights_add_up_to_each_polygons_area_exactly():
    rng = np.random.default_rng(7)
    polygons = [
        box(0, 0, 100, 100),
        shapely.affinity.rotate(box(300, 0, 520, 37), 33),
        Polygon([(0, 200), (180, 210), (60, 330)]),
        Polygon(box(400, 200, 600, 400).exterior.coords, [box(450, 250, 550, 350).exterior.coords]),
        MultiPolygon([box(700, 0, 740, 40), box(800, 0, 803, 3)]),
        box(900, 900, 903, 904),  # smaller than a grid cell
        Point(1000, 1000).buffer(60),
    ]
    polygons += [box(x, y, x + w, y + h) for x, y, w, h in rng.uniform([2000, 0, 1, 1], [3000, 1000, 90, 90], (40, 4))]
    origins = compute.sample_land(polygons, 25.0)
    per_polygon = np.bincount(origins.parcel, weights=origins.weight, minlength=len(polygons))
    assert per_polygon == pytest.approx(shapely.area(polygons), rel=1e-12)
    # Every point lies in the polygon it samples, none in a hole.
    assert shapely.contains_xy(np.asarray(polygons, dtype=object)[origins.parcel], origins.x, origins.y).all()


def test_a_square_is_sampled_on_the_grid_with_equal_shares():
    origins = compute.sample_land([box(0, 0, 100, 100)], 25.0)
    assert len(origins) == 16
    assert sorted(set(origins.x.round(6))) == [12.5, 37.5, 62.5, 87.5]
    assert origins.weight == pytest.approx(np.full(16, 625.0))


def test_a_polygon_too_small_for_the_grid_gets_exactly_one_point_with_all_its_area():
    tiny, sliver = box(3, 3, 6, 6), box(1, 1, 301, 2)  # 9 m², and 300 m² one metre wide
    origins = compute.sample_land([tiny, sliver], 25.0)
    assert origins.parcel.tolist() == [0, 1]
    assert origins.weight == pytest.approx([9.0, 300.0])
    assert tiny.contains(Point(origins.x[0], origins.y[0])) and sliver.contains(Point(origins.x[1], origins.y[1]))


def test_given_weights_such_as_population_are_shared_among_a_polygons_points():
    origins = compute.sample_land([box(0, 0, 100, 100), box(200, 0, 203, 3)], 25.0, weights=[1600, 7])
    assert np.bincount(origins.parcel, weights=origins.weight).tolist() == pytest.approx([1600, 7])


def test_no_land_gives_no_sample_points():
    assert len(compute.sample_land([], 25.0)) == 0


# -- entering parks -------------------------------------------------------------------


def two_streets_and_a_diamond_park():
    """A south street (y=0) and a north street (y=100) that never meet, each
    made of 50 m segments, and a diamond-shaped park between them whose points
    come within 5 m of each street at x=150."""
    south_points, south = street(range(0, 301, 50))
    north_points, north = street(range(0, 301, 50), y=100, first=len(south_points))
    network = make(south_points + north_points, south + north)
    park = Polygon([(150, 5), (200, 50), (150, 95), (100, 50)])
    return network, park


def test_a_park_between_two_streets_is_entered_from_both():
    network, park = two_streets_and_a_diamond_park()
    sources = compute.polygon_sources(network, [park], gap=20.0)
    # Both streets hold entries: the origins on either reach the park at x=150.
    d = compute.walking_distance(network, snap_of(network, [(0, -10), (300, 110), (150, 0)]), sources, 5000, 300)
    assert d == pytest.approx([10 + 150 + 5, 10 + 150 + 5, 5], abs=0.01)


def test_a_street_farther_than_the_gap_gives_the_park_no_entry():
    network, park = two_streets_and_a_diamond_park()
    narrower = shapely.affinity.scale(park, yfact=0.5)  # now 27.5 m from each street
    sources = compute.polygon_sources(network, [narrower], gap=20.0)
    assert len(sources) == 0
    d = compute.walking_distance(network, snap_of(network, [(150, 0)]), sources, 5000, 300)
    assert math.isinf(d[0])


def test_a_park_crossed_by_a_long_segment_is_entered_where_the_segment_meets_it():
    # One 2 km segment (far longer than a snapping piece) running into a park.
    network = make([(0, 0), (2000, 0)], [(0, 1)])
    park = box(1500, -50, 1600, 50)
    sources = compute.polygon_sources(network, [park], gap=20.0)
    d = compute.walking_distance(network, snap_of(network, [(0, 10), (1900, 10)]), sources, 5000, 300)
    assert d[0] == pytest.approx(10 + 1500, abs=0.01)
    assert d[1] == pytest.approx(10 + 300, abs=0.01)


def test_a_segment_crossing_a_u_shaped_park_twice_is_entered_at_each_crossing():
    network = make([(0, 0), (2000, 0)], [(0, 1)])
    # Two arms (x 1000–1100 and 1400–1500) joined north of the street.
    park = Polygon(
        [(1000, -50), (1100, -50), (1100, 60), (1400, 60), (1400, -50), (1500, -50), (1500, 100), (1000, 100)]
    )
    sources = compute.polygon_sources(network, [park], gap=20.0)
    d = compute.walking_distance(network, snap_of(network, [(1300, -10), (1200, -10), (1900, -10)]), sources, 5000, 300)
    assert d == pytest.approx([10 + 100, 10 + 100, 10 + 400], abs=0.01)


def test_mapped_entrances_on_a_parks_outline_belong_to_that_park():
    parks = [box(100, 10, 200, 110), box(400, 10, 500, 110)]
    x = np.array([150.0, 150.0, 205.0, 150.0, 300.0])
    y = np.array([10.0, 116.0, 60.0, 60.0, 60.0])
    point, polygon = compute.entrances_of(parks, x, y, tolerance=10.0)
    pairs = sorted(zip(point.tolist(), polygon.tolist(), strict=True))
    # On the south side, 6 m off the north side, 5 m off the east side: yes.
    # In the middle of the park (a building's door) and 100 m away: no.
    assert pairs == [(0, 0), (1, 0), (2, 0)]


def test_a_park_with_mapped_entrances_is_entered_only_there():
    network, park = two_streets_and_a_diamond_park()
    gate = SimpleNamespace(lon=0.0, lat=0.0)
    gate.lon, gate.lat = (float(c) for c in P.inverse(150.0, 5.0))  # the south tip only
    origins = snap_of(network, [(0, -10), (300, 110)])
    open_park = _park_sources(network, [park], [], DEFAULT_PARAMETERS)
    gated = _park_sources(network, [park], [gate], DEFAULT_PARAMETERS)
    assert compute.walking_distance(network, origins, open_park, 5000, 300) == pytest.approx([165, 165], abs=0.01)
    d = compute.walking_distance(network, origins, gated, 5000, 300)
    assert d[0] == pytest.approx(165, abs=0.01)
    assert math.isinf(d[1])  # the north street has no gate


def test_an_entrance_of_another_park_does_not_close_this_ones_sides():
    network, park = two_streets_and_a_diamond_park()
    elsewhere = box(1000, 1000, 1100, 1100)
    gate = SimpleNamespace(lon=0.0, lat=0.0)
    gate.lon, gate.lat = (float(c) for c in P.inverse(1000.0, 1050.0))
    sources = _park_sources(network, [park, elsewhere], [gate], DEFAULT_PARAMETERS)
    d = compute.walking_distance(network, snap_of(network, [(300, 110)]), sources.subset(np.array([0])), 5000, 300)
    assert d[0] == pytest.approx(165, abs=0.01)


# -- straight lines and unreachable land -----------------------------------------------------


def test_land_too_far_from_any_street_is_unreachable_on_foot_but_may_lie_in_a_buffer():
    network = make(*street(range(0, 501, 100)))
    toilet = (250.0, 0.0)
    origins = compute.Origins(np.array([250.0, 250.0]), np.array([100.0, 400.0]), np.ones(2), np.arange(2))
    sources = compute.point_sources(network, [toilet[0]], [toilet[1]])
    d = compute.walking_distance(network, network.snap(origins.x, origins.y), sources, 500, 300)
    assert d[0] == pytest.approx(100, abs=0.01)
    assert math.isinf(d[1])  # 400 m from the street, farther than the 300 m access limit
    covered = compute.buffer_covered(origins, [Point(*toilet)], np.array([500.0]))
    assert covered.tolist() == [True, True]


def test_a_buffer_covers_what_lies_within_the_radius_of_any_facility():
    origins = compute.Origins(
        np.array([0.0, 0.0, 0.0, 500.0]), np.array([99.0, 101.0, 260.0, 0.0]), np.ones(4), np.arange(4)
    )
    facilities = [Point(0, 0), box(-10, 300, 10, 320)]
    covered = compute.buffer_covered(origins, facilities, np.array([100.0, 50.0]))
    assert covered.tolist() == [True, False, True, False]
    assert compute.buffer_covered(origins, [], np.zeros(0)).tolist() == [False] * 4


# -- tiers in one pass ---------------------------------------------------------------------


def random_grid(rng, size=12, spacing=100.0):
    """A jittered grid with a fifth of its blocks' sides missing and some long straight links."""
    ix, iy = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    points = np.column_stack([ix.ravel(), iy.ravel()]) * spacing + rng.normal(0, 12, (size * size, 2))
    index = ix * size + iy
    segments = np.concatenate(
        [
            np.column_stack([index[:-1, :].ravel(), index[1:, :].ravel()]),
            np.column_stack([index[:, :-1].ravel(), index[:, 1:].ravel()]),
        ]
    )
    segments = segments[rng.random(len(segments)) > 0.2]
    long_links = rng.integers(0, size * size, (6, 2))
    return make(points, np.concatenate([segments, long_links]))


@pytest.mark.parametrize("seed", range(8))
def test_both_tiers_in_one_pass_cover_exactly_what_separate_passes_cover(seed):
    rng = np.random.default_rng(seed)
    network = random_grid(rng)
    span = network.x.max()
    facilities = rng.uniform(-50, span + 50, (25, 2))
    radius_of = rng.choice([150.0, 300.0, 500.0], len(facilities))
    origins = rng.uniform(-200, span + 200, (3000, 2))
    snap = network.snap(origins[:, 0], origins[:, 1])
    sources = compute.point_sources(network, facilities[:, 0], facilities[:, 1])

    one_pass = compute.tiered_distance(network, snap, sources, radius_of, 300.0) <= radius_of.max()

    separate = np.zeros(len(origins), bool)
    for radius in np.unique(radius_of):
        members = np.flatnonzero(radius_of == radius)
        d = compute.walking_distance(network, snap, sources.subset(members), radius, 300.0)
        separate |= d <= radius
    assert one_pass.tolist() == separate.tolist()
    assert 0 < one_pass.sum() < len(origins)  # the case is not trivial


def test_a_tiered_pass_is_the_or_of_every_facility_on_its_own():
    rng = np.random.default_rng(99)
    network = random_grid(rng, size=8)
    facilities = rng.uniform(0, 700, (6, 2))
    radius_of = np.array([120.0, 250.0, 120.0, 400.0, 250.0, 120.0])
    origins = rng.uniform(-100, 800, (800, 2))
    snap = network.snap(origins[:, 0], origins[:, 1])
    sources = compute.point_sources(network, facilities[:, 0], facilities[:, 1])
    one_pass = compute.tiered_distance(network, snap, sources, radius_of, 300.0) <= radius_of.max()
    each = np.zeros(len(origins), bool)
    for f, radius in enumerate(radius_of):
        each |= compute.walking_distance(network, snap, sources.subset(np.array([f])), 10_000, 300.0) <= radius
    assert one_pass.tolist() == each.tolist()


def test_no_facilities_in_a_tiered_pass_cover_nothing():
    network = make(*street([0, 100]))
    snap = snap_of(network, [(50, 0)])
    empty = compute.Sources(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
    assert math.isinf(compute.tiered_distance(network, snap, empty, np.zeros(0), 300.0)[0])


# -- gaps along streets ----------------------------------------------------------------------


MAIN, LOCAL = class_index("main"), class_index("local")


def main_street(length=500.0, pieces=5):
    xs = np.linspace(0, length, pieces + 1)
    points, segments = street(xs)
    return points, segments


def test_a_hole_in_the_bins_along_a_main_street_is_one_gap_with_its_ends():
    points, segments = main_street()
    network = make(points, segments, street_class=[MAIN] * 5, street_name=[1] * 5, names=["", "解放路"])
    bins = list(range(0, 161, 40)) + list(range(340, 501, 40))  # every 40 m but for 180 m from 160 to 340
    gaps = compute.street_gaps(network, bins, [5.0] * len(bins), {MAIN: 100.0})
    assert [(g.street, g.street_class, round(g.start_m, 6), round(g.end_m, 6)) for g in gaps] == [(1, MAIN, 160, 340)]
    assert gaps[0].length_m == pytest.approx(180)
    assert (gaps[0].x, gaps[0].y) == pytest.approx((250, 0), abs=1e-6)


def test_bins_too_far_from_the_street_do_not_close_a_gap():
    points, segments = main_street()
    network = make(points, segments, street_class=[MAIN] * 5, street_name=[1] * 5, names=["", "解放路"])
    bins = list(range(0, 161, 40)) + list(range(340, 501, 40))
    x, y = bins + [250.0], [5.0] * len(bins) + [30.0]  # the extra bin stands 30 m away
    gaps = compute.street_gaps(network, x, y, {MAIN: 100.0}, snap_m=20.0)
    assert [(round(g.start_m), round(g.end_m)) for g in gaps] == [(160, 340)]
    # 15 m away it counts, and splits the gap into two stretches shorter than the spacing.
    assert compute.street_gaps(network, bins + [250.0], [5.0] * len(bins) + [15.0], {MAIN: 100.0}) == []


def test_a_street_without_any_bin_is_one_gap_from_end_to_end():
    points, segments = main_street()
    network = make(points, segments, street_class=[MAIN] * 5, street_name=[1] * 5, names=["", "解放路"])
    gaps = compute.street_gaps(network, [], [], {MAIN: 100.0})
    assert [(g.start_m, g.end_m) for g in gaps] == [(0, pytest.approx(500))]


def test_a_street_shorter_than_the_spacing_has_no_gap():
    points, segments = main_street(length=80, pieces=2)
    network = make(points, segments, street_class=[MAIN] * 2, street_name=[1] * 2, names=["", "短街"])
    assert compute.street_gaps(network, [], [], {MAIN: 100.0}) == []


def test_streets_of_classes_without_a_spacing_rule_are_not_looked_at():
    points, segments = main_street()
    network = make(points, segments, street_class=[LOCAL] * 5, street_name=[1] * 5, names=["", "小巷"])
    assert compute.street_gaps(network, [], [], {MAIN: 100.0}) == []


def test_each_named_street_is_measured_on_its_own():
    west, west_segments = street([0, 100, 200, 300])
    east, east_segments = street([0, 100, 200, 300], y=500, first=4)
    network = make(
        west + east,
        west_segments + east_segments,
        street_class=[MAIN] * 6,
        street_name=[1, 1, 1, 2, 2, 2],
        names=["", "西街", "东街"],
    )
    bins = np.arange(0, 301, 50.0)
    gaps = compute.street_gaps(network, bins, np.zeros(len(bins)), {MAIN: 100.0})
    assert [(g.street, round(g.start_m), round(g.end_m)) for g in gaps] == [(2, 0, 300)]


# -- greedy candidate sites ---------------------------------------------------------------------


def test_greedy_sites_pick_the_biggest_gain_first_and_then_only_count_what_is_still_uncovered():
    network = make(*street(range(0, 1001, 100)))
    # Three groups of land 5 m off the street: A (30) at x=100, B (20) at x=400, C (15) at x=800.
    origins = np.array([(100, 5), (100, 5), (100, 5), (400, 5), (400, 5), (800, 5)], float)
    weight = np.array([10, 10, 10, 10, 10, 15], float)
    snap = snap_of(network, origins)
    # Site 0 (x=250) serves A and B; site 1 (x=100) only A; site 2 (x=800) only C; site 3 (x=400) only B.
    sites_x, sites_y = [250.0, 100.0, 800.0, 400.0], [0.0, 0.0, 0.0, 0.0]
    picks = list(compute.greedy_sites(network, snap, weight, np.ones(6, bool), sites_x, sites_y, 160.0, 300.0))
    # Site 1 alone would add 30, more than site 2's 15, but site 0 already covers its land.
    assert picks == [(0, 50.0), (2, 15.0)]


def test_greedy_sites_ignore_land_already_covered_and_stop_at_the_limit():
    network = make(*street(range(0, 1001, 100)))
    origins = np.array([(100, 5), (400, 5), (800, 5)], float)
    snap = snap_of(network, origins)
    weight = np.array([30.0, 20.0, 15.0])
    sites_x, sites_y = [250.0, 100.0, 800.0], [0.0, 0.0, 0.0]
    covered_c = np.array([True, True, False])
    assert list(compute.greedy_sites(network, snap, weight, covered_c, sites_x, sites_y, 160.0, 300.0)) == [(0, 50.0)]
    everything = np.ones(3, bool)
    assert list(compute.greedy_sites(network, snap, weight, everything, sites_x, sites_y, 160.0, 300.0, limit=1)) == [
        (0, 50.0)
    ]
    assert list(compute.greedy_sites(network, snap, weight, np.zeros(3, bool), sites_x, sites_y, 160.0, 300.0)) == []
