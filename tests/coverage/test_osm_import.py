"""Reading and importing OpenStreetMap extracts: what counts as a walkable street,
as green space, a toilet or a bin, residential land and buildings; clipping to
a boundary; and bad files refused with a clear message and nothing stored."""

import math

import numpy as np
import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import Point, box

from tests.conftest import feature
from tests.coverage.osm_files import CENTRE, OsmData, metre_box, write_geojson
from wenming.coverage import compute, osm
from wenming.coverage.errors import CoverageError
from wenming.coverage.models import Dataset, DataSource, Feature
from wenming.coverage.network import STREET_CLASSES, Network
from wenming.coverage.services import datasets
from wenming.geo.crs import wgs84_to_gcj02
from wenming.geo.measure import area_m2
from wenming.org.services import import_areas

pytestmark = pytest.mark.usefixtures("english")

AROUND = metre_box(CENTRE, -3000, -3000, 3000, 3000)


def read(tmp_path, data, boundary=None):
    return osm.read(data.write(tmp_path / "town.osm.pbf"), boundary=boundary)


def street_names(extract) -> set[str]:
    return {extract.names[i] for i in np.unique(extract.street_name)}


def kinds(extract) -> dict[str, list[str]]:
    found = {}
    for f in extract.features:
        found.setdefault(f.kind, []).append(f.name)
    return {k: sorted(v) for k, v in found.items()}


def walk(network: Network, data: OsmData, origin_xy, facility_xy) -> float:
    """Walking distance on an imported network between two points given in metres."""
    ox, oy = network.projection.forward(*data.lonlat(*origin_xy))
    fx, fy = network.projection.forward(*data.lonlat(*facility_xy))
    sources = compute.point_sources(network, np.atleast_1d(fx), np.atleast_1d(fy))
    snap = network.snap(np.atleast_1d(ox), np.atleast_1d(oy))
    return float(compute.walking_distance(network, snap, sources, 10_000, 300)[0])


def town() -> OsmData:
    """A main street with a footpath, a park with a toilet, homes and a shop."""
    data = OsmData()
    west, middle, east = data.node(-500, 0), data.node(0, 0), data.node(500, 0)
    data.street_through([west, middle, east], highway="primary", name="解放路")
    top = data.node(0, 300)
    data.street_through([middle, top], highway="footway", name="小径")
    data.rectangle(50, 20, 250, 120, leisure="park", name="人民公园")
    data.point(100, 5, amenity="toilets", name="公厕一")
    data.point(300, 5, amenity="waste_basket")
    data.rectangle(-400, 20, -100, 220, landuse="residential", name="和平小区")
    data.rectangle(-300, 50, -280, 70, building="yes", name="楼一")
    data.rectangle(-400, -220, -100, -20, landuse="retail", name="商场")
    return data


# -- what is read --------------------------------------------------------------------------


def test_only_ways_a_pedestrian_may_use_become_streets(tmp_path):
    data = OsmData()
    ways = [
        ({"highway": "footway"}, "footway", True),
        ({"highway": "residential"}, "residential", True),
        ({"highway": "steps"}, "steps", True),
        ({"highway": "pedestrian"}, "pedestrian street", True),
        ({"highway": "service", "access": "private", "foot": "yes"}, "private but foot=yes", True),
        ({"highway": "track", "access": "no", "foot": "designated"}, "no access but foot=designated", True),
        ({"highway": "motorway"}, "motorway", False),
        ({"highway": "motorway_link"}, "motorway link", False),
        ({"highway": "residential", "foot": "no"}, "foot=no", False),
        ({"highway": "service", "access": "private"}, "private", False),
        ({"highway": "footway", "access": "no"}, "access=no", False),
        ({"highway": "pedestrian", "area": "yes"}, "pedestrian area", False),
        ({"highway": "construction"}, "under construction", False),
        ({"railway": "rail"}, "railway", False),
    ]
    for i, (tags, name, _) in enumerate(ways):
        data.street([(0, i * 50), (100, i * 50)], {**tags, "name": name})
    extract = read(tmp_path, data)
    assert street_names(extract) == {name for _, name, walkable in ways if walkable}
    assert len(extract.u) == sum(walkable for *_, walkable in ways)


def test_street_classes_follow_the_highway_tag(tmp_path):
    data = OsmData()
    for i, highway in enumerate(["primary", "tertiary", "residential", "pedestrian", "footway"]):
        data.street([(0, i * 50), (100, i * 50)], highway=highway, name=highway)
    extract = read(tmp_path, data)
    by_name = {extract.names[n]: c for n, c in zip(extract.street_name, extract.street_class, strict=True)}
    assert {k: STREET_CLASSES[v] for k, v in by_name.items()} == {
        "primary": "main",
        "tertiary": "branch",
        "residential": "local",
        "pedestrian": "commercial",
        "footway": "path",
    }


def test_a_one_way_street_is_walked_both_ways(tmp_path):
    data = OsmData()
    corner = data.node(400, 0)
    data.street_through([data.node(0, 0), data.node(200, 0), corner], highway="residential", oneway="yes")
    data.street_through([corner, data.node(400, 300)], highway="secondary", oneway="-1")
    network = read(tmp_path, data).network()
    assert network.edge_count == 3
    forward = walk(network, data, (0, 10), (400, 0))
    backward = walk(network, data, (400, 10), (0, 0))
    assert forward == pytest.approx(410, abs=0.1)
    assert backward == pytest.approx(410, abs=0.1)
    assert walk(network, data, (400, 290), (400, 0)) == pytest.approx(290, abs=0.1)
    assert walk(network, data, (410, 0), (400, 300)) == pytest.approx(310, abs=0.1)


def test_ways_sharing_a_node_are_joined_there(tmp_path):
    data = OsmData()
    crossing = data.node(0, 0)
    data.street_through([data.node(-300, 0), crossing, data.node(300, 0)], highway="residential")
    data.street_through([data.node(0, -300), crossing, data.node(0, 300)], highway="footway")
    network = read(tmp_path, data).network()
    assert network.node_count == 5 and network.edge_count == 4
    assert walk(network, data, (-300, 0), (0, 300)) == pytest.approx(600, abs=0.1)


def test_parks_gardens_and_green_space_are_read_but_not_verges_or_private_gardens(tmp_path):
    data = OsmData()
    data.street([(-1000, 0), (1000, 0)], highway="residential")
    data.rectangle(0, 10, 200, 110, leisure="park", name="park")
    data.rectangle(300, 10, 340, 50, leisure="garden", name="garden")
    data.rectangle(400, 10, 440, 50, {"leisure": "garden", "garden:type": "private"}, name="private garden")
    data.rectangle(500, 10, 530, 40, leisure="playground", name="playground")
    data.rectangle(600, 10, 630, 40, landuse="grass", name="grass square")
    data.rectangle(-600, 2, -400, 5, landuse="grass", name="verge")  # 3 m wide
    data.rectangle(700, 10, 800, 60, leisure="park", access="private", name="private park")
    data.rectangle(-300, 10, -100, 110, landuse="village_green", name="village green")
    extract = read(tmp_path, data)
    assert kinds(extract) == {
        "park": ["park"],
        "garden": ["garden"],
        "playground": ["playground"],
        "green": ["grass square", "village green"],
    }


def test_a_park_mapped_as_a_multipolygon_keeps_its_hole(tmp_path):
    data = OsmData()
    data.street([(-500, 0), (500, 0)], highway="residential")
    data.multipolygon(
        [(0, 10), (200, 10), (200, 210), (0, 210)],
        [[(50, 60), (150, 60), (150, 160), (50, 160)]],
        leisure="park",
        name="湖心公园",
    )
    (park,) = read(tmp_path, data).features
    assert park.kind == "park" and park.ref.startswith("r")
    assert area_m2(park.geometry) == pytest.approx(200 * 200 - 100 * 100, rel=1e-3)


def test_toilets_bins_and_entrances_are_read_from_nodes(tmp_path):
    data = OsmData()
    data.street([(-500, 0), (500, 0)], highway="residential")
    data.point(0, 5, amenity="toilets", name="public toilet")
    data.point(10, 5, amenity="toilets", access="customers", name="customers only")
    data.point(20, 5, amenity="toilets", access="private", name="private toilet")
    data.point(30, 5, amenity="waste_basket", name="bin")
    data.point(40, 5, amenity="recycling", name="recycling")
    data.point(50, 5, entrance="yes", name="entrance")
    data.point(60, 5, barrier="gate", name="gate")
    data.point(70, 5, barrier="bollard", name="bollard")
    extract = read(tmp_path, data)
    assert kinds(extract) == {"toilet": ["public toilet"], "bin": ["bin"], "entrance": ["entrance", "gate"]}
    toilet = next(f for f in extract.features if f.kind == "toilet")
    assert toilet.geometry.geom_type == "Point" and toilet.ref.startswith("n")
    assert (toilet.geometry.x, toilet.geometry.y) == pytest.approx(data.lonlat(0, 5), abs=1e-7)


def test_residential_land_and_buildings_on_it_count_as_homes(tmp_path):
    data = OsmData()
    data.street([(-1000, 0), (1000, 0)], highway="residential")
    data.rectangle(0, 10, 300, 210, landuse="residential", name="land")
    data.rectangle(50, 50, 70, 70, building="yes", name="unknown use on residential land")
    data.rectangle(500, 50, 520, 70, building="yes", name="unknown use elsewhere")
    data.rectangle(600, 50, 620, 70, building="apartments", name="apartments elsewhere")
    data.rectangle(100, 50, 120, 70, building="school", name="school on residential land")
    data.rectangle(-400, 10, -100, 110, landuse="commercial", name="offices")
    data.rectangle(-800, 10, -500, 110, landuse="industrial", name="factory")
    extract = read(tmp_path, data)
    assert kinds(extract) == {
        "residential": ["land"],
        "busy": ["offices"],
        "building": ["apartments elsewhere", "unknown use on residential land"],
    }


def test_a_gated_compound_is_still_residential_land(tmp_path):
    # Chinese 小区 are often mapped with access=private: people live there all the same.
    data = OsmData()
    data.street([(-1000, 0), (1000, 0)], highway="residential")
    data.rectangle(0, 10, 300, 210, landuse="residential", access="private", name="gated compound")
    data.rectangle(50, 50, 70, 70, building="apartments", access="private", name="block 1")
    extract = read(tmp_path, data)
    assert kinds(extract) == {"residential": ["gated compound"], "building": ["block 1"]}


def test_clipping_keeps_what_lies_inside_the_boundary_and_cuts_land_at_it(tmp_path):
    west_half = metre_box(CENTRE, -3000, -3000, 0, 3000)
    data = town()
    data.street([(600, 100), (900, 100)], highway="residential", name="东街")  # wholly outside
    extract = read(tmp_path, data, boundary=west_half)
    assert "东街" not in street_names(extract)
    assert "解放路" in street_names(extract)  # it crosses the boundary: kept
    found = kinds(extract)
    assert "toilet" not in found and "bin" not in found  # both stand east of the line
    assert "park" not in found
    # Residential land crossing the boundary is cut at it.
    data2 = OsmData()
    data2.street([(-500, 0), (500, 0)], highway="residential")
    data2.rectangle(-200, 10, 200, 110, landuse="residential", name="straddling")
    data2.rectangle(-200, -110, 200, -10, leisure="park", name="straddling park")
    extract = read(tmp_path, data2, boundary=west_half)
    land = next(f for f in extract.features if f.kind == "residential")
    assert area_m2(land.geometry) == pytest.approx(200 * 100, rel=1e-3)
    park = next(f for f in extract.features if f.kind == "park")
    assert area_m2(park.geometry) == pytest.approx(400 * 100, rel=1e-3)  # parks are kept whole


def test_a_street_node_outside_the_boundary_is_kept_only_for_streets_that_enter_it(tmp_path):
    data = OsmData()
    data.street([(-300, 0), (-100, 0), (100, 0), (300, 0)], highway="residential")
    extract = read(tmp_path, data, boundary=metre_box(CENTRE, -3000, -3000, 0, 3000))
    network = extract.network()
    assert network.edge_count == 2 and network.node_count == 3


# -- imported into the database ---------------------------------------------------------------


@pytest.mark.django_db
def test_an_import_stores_the_network_and_its_features_as_the_network_in_use(tmp_path):
    path = town().write(tmp_path / "town.osm.pbf")
    dataset = datasets.import_osm(path, boundary=AROUND)
    assert dataset.source == DataSource.OSM and dataset.is_current
    assert dataset.file_name == "town.osm.pbf" and len(dataset.checksum) == 64
    assert dataset.node_count == 4 and dataset.edge_count == 3
    assert dataset.counts == {"park": 1, "toilet": 1, "bin": 1, "residential": 1, "building": 1, "busy": 1}
    network = Network.from_bytes(dataset.network)
    assert network.edge_count == 3 and network.length.sum() == pytest.approx(1300, abs=0.5)
    park = Feature.objects.get(dataset=dataset, kind="park")
    assert park.name == "人民公园" and park.area_m2 == pytest.approx(200 * 100, rel=1e-3)
    lon, lat = shapely.geometry.shape(park.geometry).representative_point().coords[0]
    assert (park.lon, park.lat) == pytest.approx((lon, lat), abs=1e-6)
    assert datasets.network_in_use() == dataset


@pytest.mark.django_db
def test_a_second_import_replaces_the_network_in_use(tmp_path):
    first = datasets.import_osm(town().write(tmp_path / "a.osm.pbf"), boundary=AROUND)
    second = datasets.import_osm(town().write(tmp_path / "b.osm.pbf"), boundary=AROUND)
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert datasets.network_in_use() == second


@pytest.mark.django_db
def test_the_import_command_clips_to_the_boundary_file(tmp_path, capsys):
    path = town().write(tmp_path / "town.osm.pbf")
    west = write_geojson(tmp_path / "west.geojson", metre_box(CENTRE, -3000, -3000, 0, 3000))
    call_command("coverage", "import-osm", str(path), "--boundary", str(west))
    out = capsys.readouterr().out
    assert "Imported town.osm.pbf" in out and "1 residential" in out
    dataset = Dataset.objects.get()
    assert set(dataset.counts) == {"residential", "building", "busy"}  # park, toilet and bin lie east
    stored_boundary = shapely.normalize(shapely.geometry.shape(dataset.boundary))
    assert stored_boundary.equals_exact(shapely.normalize(metre_box(CENTRE, -3000, -3000, 0, 3000)), tolerance=1e-6)


@pytest.mark.django_db
def test_a_gcj02_boundary_file_is_converted_before_clipping(tmp_path):
    west = metre_box(CENTRE, -3000, -3000, 0, 3000)
    gcj = shapely.transform(west, lambda c: np.column_stack(wgs84_to_gcj02(c[:, 0], c[:, 1])))
    path = town().write(tmp_path / "town.osm.pbf")
    call_command(
        "coverage",
        "import-osm",
        str(path),
        "--boundary",
        str(write_geojson(tmp_path / "b.geojson", gcj)),
        "--boundary-gcj02",
    )
    dataset = Dataset.objects.get()
    assert set(dataset.counts) == {"residential", "building", "busy"}
    assert shapely.hausdorff_distance(shapely.geometry.shape(dataset.boundary), west) < 1e-6


@pytest.mark.django_db
def test_without_a_boundary_the_import_clips_to_the_citys_own_outline(tmp_path):
    import_areas([feature("990100", "示范市", metre_box(CENTRE, -3000, -3000, 0, 3000))], "city")
    dataset = datasets.import_osm(town().write(tmp_path / "town.osm.pbf"))
    assert set(dataset.counts) == {"residential", "building", "busy"}


# -- bad input: a clear message, and nothing stored ---------------------------------------------------


def stored():
    return Dataset.objects.count(), Feature.objects.count(), list(Dataset.objects.filter(is_current=True))


@pytest.fixture
def existing(db, tmp_path):
    """A network already in use, which a failed import must leave alone."""
    datasets.import_osm(town().write(tmp_path / "good.osm.pbf"), boundary=AROUND)
    return stored()


def refused(*args, match):
    before = stored()
    with pytest.raises(CommandError, match=match) as error:
        call_command("coverage", *args)
    assert stored() == before
    return str(error.value)


def test_a_text_file_is_refused(existing, tmp_path):
    path = tmp_path / "notes.osm.pbf"
    path.write_text("this is not OpenStreetMap data\n" * 20)
    refused(
        "import-osm",
        str(path),
        "--boundary",
        str(write_geojson(tmp_path / "b.geojson", AROUND)),
        match="notes.osm.pbf is not a readable OpenStreetMap PBF file",
    )


def test_a_photo_is_refused(existing, tmp_path):
    path = tmp_path / "photo.osm.pbf"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01" + bytes(range(256)) * 20)
    refused(
        "import-osm",
        str(path),
        "--boundary",
        str(write_geojson(tmp_path / "b.geojson", AROUND)),
        match="photo.osm.pbf is not a readable OpenStreetMap PBF file",
    )


def test_a_file_of_unknown_type_is_refused(existing, tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(100))
    refused(
        "import-osm",
        str(path),
        "--boundary",
        str(write_geojson(tmp_path / "b.geojson", AROUND)),
        match="photo.jpg is not a readable OpenStreetMap PBF file",
    )


def test_a_cut_off_file_is_refused(existing, tmp_path):
    whole = town().write(tmp_path / "whole.osm.pbf").read_bytes()
    path = tmp_path / "cut.osm.pbf"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    refused(
        "import-osm",
        str(path),
        "--boundary",
        str(write_geojson(tmp_path / "b.geojson", AROUND)),
        match="cut.osm.pbf is not a readable OpenStreetMap PBF file",
    )


def test_a_missing_file_is_refused(existing, tmp_path):
    refused(
        "import-osm",
        str(tmp_path / "nowhere.osm.pbf"),
        "--boundary",
        str(write_geojson(tmp_path / "b.geojson", AROUND)),
        match="No file at .*nowhere.osm.pbf",
    )


def test_a_file_without_walkable_streets_is_refused(existing, tmp_path):
    data = OsmData()
    data.street([(0, 0), (500, 0)], highway="motorway")
    data.rectangle(0, 10, 100, 110, leisure="park")
    data.point(50, 5, amenity="toilets")
    path = data.write(tmp_path / "motorway.osm.pbf")
    refused(
        "import-osm",
        str(path),
        "--boundary",
        str(write_geojson(tmp_path / "b.geojson", AROUND)),
        match="motorway.osm.pbf contains no walkable streets",
    )


def test_a_boundary_holding_no_street_is_refused(existing, tmp_path):
    # The boundary lies inside the data's extent but between its streets.
    data = town()
    empty_field = write_geojson(tmp_path / "field.geojson", metre_box(CENTRE, 100, 100, 400, 280))
    refused(
        "import-osm",
        str(data.write(tmp_path / "town.osm.pbf")),
        "--boundary",
        str(empty_field),
        match="No walkable street of town.osm.pbf lies inside the boundary",
    )


def test_a_boundary_that_misses_the_data_says_where_each_lies(existing, tmp_path):
    far_away = write_geojson(tmp_path / "far.geojson", box(116.3, 39.9, 116.5, 40.0))
    message = refused(
        "import-osm",
        str(town().write(tmp_path / "town.osm.pbf")),
        "--boundary",
        str(far_away),
        match="The boundary misses the data",
    )
    assert "116.3000,39.9000 – 116.5000,40.0000" in message
    assert "111.09" in message  # where the data lies


def test_a_boundary_file_that_is_not_geojson_is_refused(existing, tmp_path):
    path = tmp_path / "boundary.geojson"
    path.write_text("<kml>not json</kml>")
    refused(
        "import-osm",
        str(town().write(tmp_path / "town.osm.pbf")),
        "--boundary",
        str(path),
        match="boundary.geojson is not GeoJSON",
    )


def test_a_boundary_file_in_another_encoding_is_refused(existing, tmp_path):
    path = tmp_path / "boundary.geojson"
    path.write_bytes('{"name": "边界"}'.encode("utf-16"))
    refused(
        "import-osm",
        str(town().write(tmp_path / "town.osm.pbf")),
        "--boundary",
        str(path),
        match="boundary.geojson is not GeoJSON",
    )


@pytest.mark.parametrize(
    "content",
    [
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
        ' "geometry": {"type": "Point", "coordinates": [111.1, 40.05]}}]}',
        '{"type": "FeatureCollection", "features": []}',
        '{"type": "LineString", "coordinates": [[111.0, 40.0], [111.2, 40.1]]}',
        '{"type": "Polygon", "coordinates": "junk"}',
        "[1, 2, 3]",
    ],
)
def test_a_boundary_file_without_a_polygon_is_refused(existing, tmp_path, content):
    path = tmp_path / "boundary.geojson"
    path.write_text(content)
    refused(
        "import-osm",
        str(town().write(tmp_path / "town.osm.pbf")),
        "--boundary",
        str(path),
        match="boundary.geojson holds no polygon to use as a boundary",
    )


def test_a_missing_boundary_file_is_refused(existing, tmp_path):
    refused(
        "import-osm",
        str(town().write(tmp_path / "town.osm.pbf")),
        "--boundary",
        str(tmp_path / "none.geojson"),
        match="No file at .*none.geojson",
    )


def test_without_a_boundary_or_city_areas_the_import_is_refused(existing, tmp_path):
    refused(
        "import-osm",
        str(town().write(tmp_path / "town.osm.pbf")),
        match="The city has no boundary yet: import its areas first, or give --boundary",
    )


def test_the_service_raises_an_osm_error_that_is_a_coverage_error(db, tmp_path):
    path = tmp_path / "notes.osm.pbf"
    path.write_text("junk")
    with pytest.raises(osm.OsmError) as error:
        datasets.import_osm(path, boundary=AROUND)
    assert isinstance(error.value, CoverageError)
    assert Dataset.objects.count() == 0 and Feature.objects.count() == 0


def test_reading_a_boundary_file_unions_its_polygons(tmp_path):
    a, b = box(111.0, 40.0, 111.1, 40.1), box(111.1, 40.0, 111.2, 40.1)
    path = write_geojson(tmp_path / "two.geojson", a, b, Point(111.5, 40.5))
    boundary = datasets.read_boundary(path)
    assert boundary.equals(box(111.0, 40.0, 111.2, 40.1))
    assert math.isclose(boundary.area, 0.02)
