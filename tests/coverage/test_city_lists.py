"""The city's own lists (CSV, Excel, GeoJSON): all or nothing, every bad row named,
GCJ-02 converted, and precedence over OpenStreetMap for the kinds they hold."""

import csv
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook
from shapely.geometry import Point, box, mapping, shape

from tests.coverage.osm_files import CENTRE, OsmData
from wenming.coverage.errors import CoverageError
from wenming.coverage.models import Dataset, DataSource, Feature
from wenming.coverage.services import datasets
from wenming.geo.crs import gcj02_to_wgs84, wgs84_to_gcj02
from wenming.geo.measure import area_m2, distance_m
from wenming.org.services import ImportRejected

pytestmark = [pytest.mark.usefixtures("english"), pytest.mark.django_db]

# Inside the test city (111.0–111.2°E, 40.0–40.1°N).
INSIDE = [(111.05, 40.03), (111.12, 40.06), (111.15, 40.08)]


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_features(path, features):
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
    return path


def geo_feature(geometry, **properties):
    geometry = geometry if isinstance(geometry, dict) else mapping(geometry)
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def stored():
    return (
        Dataset.objects.count(),
        Feature.objects.count(),
        sorted(Dataset.objects.filter(is_current=True).values_list("id", flat=True)),
    )


def toilets_csv(path, points=INSIDE, prefix="公厕"):
    return write_csv(
        path,
        ["编号", "名称", "类型", "经度", "纬度"],
        [[f"T{i}", f"{prefix}{i}", "公厕", lon, lat] for i, (lon, lat) in enumerate(points, 1)],
    )


# -- good lists ------------------------------------------------------------------------------


def test_a_csv_list_of_toilets_with_chinese_columns_is_imported(city, tmp_path):
    dataset = datasets.import_list(toilets_csv(tmp_path / "公厕.csv"))
    assert dataset.source == DataSource.CITY and dataset.is_current and not dataset.converted_from_gcj02
    assert dataset.counts == {"toilet": 3}
    toilets = list(Feature.objects.filter(dataset=dataset).order_by("ref"))
    assert [(t.ref, t.name, t.kind) for t in toilets] == [
        ("T1", "公厕1", "toilet"),
        ("T2", "公厕2", "toilet"),
        ("T3", "公厕3", "toilet"),
    ]
    assert [(t.lon, t.lat) for t in toilets] == INSIDE
    assert toilets[0].geometry == {"type": "Point", "coordinates": [111.05, 40.03]}


def test_an_excel_list_takes_its_kind_from_the_command(city, tmp_path, capsys):
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "lon", "lat"])
    for i, (lon, lat) in enumerate(INSIDE, 1):
        sheet.append([f"bin {i}", lon, lat])
    path = tmp_path / "bins.xlsx"
    book.save(path)
    call_command("coverage", "import-list", str(path), "--kind", "bin")
    assert "Imported bins.xlsx: 3 bin." in capsys.readouterr().out
    assert Dataset.objects.get().counts == {"bin": 3}


def test_a_pocket_park_listed_as_a_point_with_its_area_becomes_a_circle_of_that_area(city, tmp_path):
    path = write_csv(
        tmp_path / "parks.csv",
        ["name", "kind", "lon", "lat", "area_m2"],
        [["口袋公园", "口袋公园", 111.05, 40.03, 900]],
    )
    datasets.import_list(path)
    park = Feature.objects.get()
    assert park.kind == "green" and park.geometry["type"] == "Polygon"
    assert park.area_m2 == pytest.approx(900, rel=0.02)
    assert shape(park.geometry).contains(Point(111.05, 40.03))


def test_a_geojson_list_holds_parks_and_residential_land_as_polygons(city, tmp_path):
    park = box(111.05, 40.03, 111.052, 40.032)
    land = box(111.06, 40.03, 111.07, 40.04)
    path = write_features(
        tmp_path / "land.geojson",
        [
            geo_feature(park, kind="公园", name="人民公园", id="P1"),
            geo_feature(land, kind="residential", name="和平小区", population=1200),
        ],
    )
    dataset = datasets.import_list(path)
    assert dataset.counts == {"park": 1, "residential": 1}
    home = Feature.objects.get(kind="residential")
    assert home.population == 1200 and home.area_m2 == pytest.approx(area_m2(land), rel=1e-3)
    assert Feature.objects.get(kind="park").ref == "P1"


def test_gcj02_coordinates_are_moved_back_to_wgs84(city, tmp_path, capsys):
    wgs = INSIDE
    gcj = [wgs84_to_gcj02(lon, lat) for lon, lat in wgs]
    path = toilets_csv(tmp_path / "amap.csv", gcj)
    call_command("coverage", "import-list", str(path), "--gcj02")
    dataset = Dataset.objects.get()
    assert dataset.converted_from_gcj02
    for toilet, (glon, glat), (lon, lat) in zip(Feature.objects.order_by("ref"), gcj, wgs, strict=True):
        expected = gcj02_to_wgs84(glon, glat)
        assert (toilet.lon, toilet.lat) == pytest.approx(expected, abs=2e-7)
        assert (toilet.lon, toilet.lat) == pytest.approx((lon, lat), abs=2e-7)
        # The offset near 111°E 40°N is several hundred metres.
        assert 200 < distance_m(glon, glat, toilet.lon, toilet.lat) < 1000


def test_gcj02_polygons_are_converted_point_by_point(city, tmp_path):
    wgs = box(111.06, 40.03, 111.07, 40.04)
    gcj = shape({"type": "Polygon", "coordinates": [[list(wgs84_to_gcj02(x, y)) for x, y in wgs.exterior.coords]]})
    datasets.import_list(write_features(tmp_path / "land.geojson", [geo_feature(gcj, kind="residential")]), gcj02=True)
    stored_land = shape(Feature.objects.get().geometry)
    assert stored_land.symmetric_difference(wgs).area < 1e-10


# -- bad rows: every one named, nothing stored ----------------------------------------------------


def test_every_bad_row_of_a_csv_is_reported_by_number_and_nothing_is_stored(city, tmp_path):
    before = stored()
    path = write_csv(
        tmp_path / "list.csv",
        ["name", "kind", "lon", "lat"],
        [
            ["good toilet", "toilet", 111.05, 40.03],  # row 2
            ["mystery", "fountain", 111.05, 40.03],  # row 3: unknown kind
            ["typo", "toilet", "111,05", 40.03],  # row 4: not a number
            ["in Beijing", "toilet", 116.4, 39.9],  # row 5: outside the city
            ["homes as a point", "居住用地", 111.05, 40.03],  # row 6: land needs a polygon
            ["no place", "toilet", "", ""],  # row 7: missing coordinates
            ["lat lon swapped", "bin", 40.03, 111.05],  # row 8: not degrees
            ["good bin", "bin", 111.06, 40.04],  # row 9
        ],
    )
    with pytest.raises(ImportRejected) as error:
        datasets.import_list(path)
    problems = {p.where: (p.what, p.why) for p in error.value.problems}
    assert set(problems) == {"row 3", "row 4", "row 5", "row 6", "row 7", "row 8"}
    assert problems["row 3"] == ("mystery", "the kind is missing or unknown (fountain)")
    assert problems["row 4"] == ("typo", "lon and lat must be numbers in degrees")
    assert problems["row 5"] == ("in Beijing", "it lies outside the city")
    assert problems["row 6"] == ("homes as a point", "land needs a polygon: list it in a GeoJSON file")
    assert problems["row 7"] == ("no place", "lon and lat must be numbers in degrees")
    assert problems["row 8"] == ("lat lon swapped", "the coordinates are not longitude/latitude in degrees")
    assert stored() == before


def test_the_command_lists_every_problem_and_imports_nothing(city, tmp_path):
    before = stored()
    path = write_csv(
        tmp_path / "list.csv",
        ["name", "kind", "lon", "lat"],
        [["ok", "toilet", 111.05, 40.03], ["bad kind", "", 111.05, 40.03], ["bad lon", "toilet", "east", 40.03]],
    )
    with pytest.raises(CommandError) as error:
        call_command("coverage", "import-list", str(path))
    message = str(error.value)
    assert message.startswith("Nothing was imported: 2 problem(s) found.")
    assert "row 3 (bad kind): the kind is missing or unknown" in message
    assert "row 4 (bad lon): lon and lat must be numbers in degrees" in message
    assert "row 2" not in message
    assert stored() == before


def test_every_bad_feature_of_a_geojson_list_is_reported_and_nothing_is_stored(city, tmp_path):
    before = stored()
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[111.0, 40.05], [111.05, 40.1], [111.05, 40.05], [111.0, 40.1], [111.0, 40.05]]],
    }
    path = write_features(
        tmp_path / "list.geojson",
        [
            geo_feature(box(111.06, 40.03, 111.07, 40.04), kind="residential"),  # 1: good
            geo_feature(bowtie, kind="residential", name="bow tie"),  # 2: invalid polygon
            geo_feature(Point(111.05, 40.03), kind="residential", name="land as a point"),  # 3
            geo_feature(box(111.06, 40.03, 111.07, 40.04), kind="toilet", name="toilet as a polygon"),  # 4
            geo_feature({"type": "Polygon", "coordinates": "junk"}, kind="park", name="unreadable"),  # 5
            geo_feature(box(116.3, 39.9, 116.4, 40.0), kind="park", name="far away"),  # 6
            geo_feature(
                {"type": "LineString", "coordinates": [[111.05, 40.03], [111.06, 40.03]]}, kind="park", name="a line"
            ),  # 7
            geo_feature(Point(111.05, 40.03), name="no kind"),  # 8
            {"type": "Feature", "properties": {"kind": "toilet", "name": "no geometry"}, "geometry": None},  # 9
        ],
    )
    with pytest.raises(ImportRejected) as error:
        datasets.import_list(path)
    problems = {p.where: p.why for p in error.value.problems}
    assert sorted(problems, key=lambda w: int(w.split()[1])) == [f"feature {i}" for i in range(2, 10)]
    assert problems["feature 2"].startswith("the polygon is invalid: Self-intersection")
    assert problems["feature 3"] == "residential land needs a polygon"
    assert problems["feature 4"] == "a public toilet is a point"
    assert problems["feature 5"] == "the geometry cannot be read"
    assert problems["feature 6"] == "it lies outside the city"
    assert problems["feature 7"] == "a park is a point or a polygon"
    assert problems["feature 8"].startswith("the kind is missing or unknown")
    assert problems["feature 9"] == "the geometry cannot be read"
    assert stored() == before


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("list.csv", "", "the file is empty"),
        ("list.csv", "name,kind,lon,lat\n", "list.csv lists nothing"),
        ("list.pdf", "%PDF-1.4", "unsupported file type .pdf"),
        ("list.geojson", "not json", "list.geojson is not GeoJSON"),
        ("list.geojson", '{"type": "Feature", "geometry": null}', "list.geojson is not a GeoJSON FeatureCollection"),
        ("list.xlsx", "not a zip", "not a readable Excel file"),
    ],
)
def test_a_file_that_cannot_be_read_as_a_list_is_refused(city, tmp_path, name, content, message):
    before = stored()
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("coverage", "import-list", str(path))
    assert stored() == before


def test_a_missing_list_file_is_refused(city, tmp_path):
    with pytest.raises(CoverageError, match="file not found"):
        datasets.import_list(tmp_path / "none.csv")
    with pytest.raises(CoverageError, match="No file at"):
        datasets.import_list(tmp_path / "none.geojson")
    assert Dataset.objects.count() == 0


def test_an_unknown_kind_on_the_command_is_refused(city, tmp_path):
    with pytest.raises(CommandError, match="Unknown kind. Use one of: park, garden"):
        call_command("coverage", "import-list", str(toilets_csv(tmp_path / "t.csv")), "--kind", "fountain")
    assert Dataset.objects.count() == 0


# -- precedence over OpenStreetMap ----------------------------------------------------------------


@pytest.fixture
def osm_network(city, tmp_path):
    """An OpenStreetMap network with one park and two toilets of its own."""
    data = OsmData(CENTRE)
    data.street([(-500, 0), (0, 0), (500, 0)], highway="residential")
    data.rectangle(50, 20, 250, 120, leisure="park", name="OSM park")
    data.point(100, 5, amenity="toilets", name="OSM toilet 1")
    data.point(-100, 5, amenity="toilets", name="OSM toilet 2")
    data.point(0, -5, amenity="waste_basket", name="OSM bin")
    return datasets.import_osm(data.write(tmp_path / "osm.osm.pbf"))


def in_use(network, kind):
    features, _ = datasets.features_in_use(network)
    return sorted(f.name for f in features[kind])


def test_a_city_list_of_toilets_replaces_osm_toilets_but_not_osm_parks(osm_network, tmp_path):
    assert in_use(osm_network, "toilet") == ["OSM toilet 1", "OSM toilet 2"]
    city_list = datasets.import_list(toilets_csv(tmp_path / "toilets.csv", INSIDE[:1]))
    assert in_use(osm_network, "toilet") == ["公厕1"]
    assert in_use(osm_network, "park") == ["OSM park"]
    assert in_use(osm_network, "bin") == ["OSM bin"]
    _, used = datasets.features_in_use(osm_network)
    assert used == [osm_network, city_list]


def test_a_city_list_of_one_green_kind_replaces_the_whole_green_group(osm_network, tmp_path):
    path = write_features(
        tmp_path / "gardens.geojson",
        [geo_feature(box(111.05, 40.03, 111.052, 40.032), kind="garden", name="city garden")],
    )
    datasets.import_list(path)
    assert in_use(osm_network, "park") == [] and in_use(osm_network, "garden") == ["city garden"]


def test_a_second_list_of_the_same_kind_supersedes_the_first(osm_network, tmp_path):
    first = datasets.import_list(toilets_csv(tmp_path / "old.csv", INSIDE[:2], prefix="旧"))
    second = datasets.import_list(toilets_csv(tmp_path / "new.csv", INSIDE[2:], prefix="新"))
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert in_use(osm_network, "toilet") == ["新1"]


def test_a_newer_list_of_toilets_replaces_the_toilets_of_an_older_mixed_list_but_keeps_its_bins(osm_network, tmp_path):
    mixed = write_csv(
        tmp_path / "mixed.csv",
        ["name", "kind", "lon", "lat"],
        [["old toilet", "toilet", 111.05, 40.03], ["old bin", "bin", 111.05, 40.031]],
    )
    datasets.import_list(mixed)
    datasets.import_list(toilets_csv(tmp_path / "new.csv", INSIDE[:1], prefix="new toilet "))
    assert in_use(osm_network, "toilet") == ["new toilet 1"]
    assert in_use(osm_network, "bin") == ["old bin"]


def test_a_new_osm_import_keeps_the_citys_lists_in_force(osm_network, tmp_path):
    datasets.import_list(toilets_csv(tmp_path / "toilets.csv", INSIDE[:1]))
    data = OsmData(CENTRE)
    data.street([(-500, 0), (500, 0)], highway="residential")
    data.point(0, 5, amenity="toilets", name="newer OSM toilet")
    newer = datasets.import_osm(data.write(tmp_path / "newer.osm.pbf"))
    assert in_use(newer, "toilet") == ["公厕1"]


def test_green_space_listed_as_a_point_without_its_area_is_refused(city, tmp_path):
    before = stored()
    path = write_csv(
        tmp_path / "parks.csv",
        ["name", "kind", "lon", "lat", "area_m2"],
        [
            ["sized pocket park", "口袋公园", 111.05, 40.03, 900],  # row 2
            ["park without area", "公园", 111.06, 40.04, ""],  # row 3
            ["bad area", "green", 111.07, 40.05, "big"],  # row 4
            ["nan place", "toilet", "nan", 40.05, ""],  # row 5
        ],
    )
    with pytest.raises(ImportRejected) as error:
        datasets.import_list(path)
    problems = {p.where: p.why for p in error.value.problems}
    assert problems == {
        "row 3": "green space listed as a point needs its area in square metres (area_m2)",
        "row 4": "green space listed as a point needs its area in square metres (area_m2)",
        "row 5": "lon and lat must be numbers in degrees",
    }
    assert stored() == before


def test_a_city_list_of_park_entrances_keeps_the_osm_parks(osm_network, tmp_path):
    datasets.import_list(
        write_csv(tmp_path / "gates.csv", ["name", "kind", "lon", "lat"], [["north gate", "公园出入口", 111.05, 40.03]])
    )
    assert in_use(osm_network, "park") == ["OSM park"]
    assert in_use(osm_network, "entrance") == ["north gate"]
