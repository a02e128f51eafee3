"""Importing areas: good files go in whole, any bad feature rejects the whole file."""

import json

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import Polygon, box, mapping

from tests.conftest import feature
from wenming.geo.crs import wgs84_to_gcj02
from wenming.org.models import Area
from wenming.org.services import ImportRejected, import_areas

pytestmark = pytest.mark.usefixtures("english")


def write(tmp_path, features, name="areas.geojson"):
    path = tmp_path / name
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
    return str(path)


def import_file(path, level, *extra):
    call_command("import_areas", path, "--level", level, *extra)


def community(code, geom, name="新社区"):
    return feature(code, name, geom)


def test_a_good_file_creates_the_areas_with_path_and_facts(city, tmp_path):
    path = write(
        tmp_path,
        [
            community("990101002001", box(111.0, 40.05, 111.05, 40.1)),
            community("990101002002", box(111.05, 40.05, 111.1, 40.1), "二社区"),
        ],
    )
    import_file(path, "community")
    area = Area.objects.get(code="990101002002")
    assert area.parent.code == "990101002"
    assert area.path == "990100/990101/990101002/990101002002/"
    assert area.name == "二社区"
    # 0.05° × 0.05° at 40°N is about 4.26 km × 5.56 km
    assert area.area_km2 == pytest.approx(23.7, rel=0.02)
    assert 111.05 < area.label_lon < 111.1 and 40.05 < area.label_lat < 40.1


def test_properties_can_be_mapped_to_other_names(city, tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {"adcode": "990101002001", "名称": "映射社区", "up": "990101002"},
            "geometry": mapping(box(111.0, 40.05, 111.05, 40.1)),
        }
    ]
    import_file(
        write(tmp_path, features),
        "community",
        "--code-property",
        "adcode",
        "--name-property",
        "名称",
        "--parent-property",
        "up",
    )
    assert Area.objects.get(code="990101002001").name == "映射社区"


def test_gcj02_coordinates_are_converted_to_wgs84(city, tmp_path):
    wgs = box(111.01, 40.06, 111.04, 40.09)
    gcj = Polygon([wgs84_to_gcj02(x, y) for x, y in wgs.exterior.coords])
    import_file(write(tmp_path, [community("990101002001", gcj)]), "community", "--gcj02")
    lon, lat = Area.objects.get(code="990101002001").boundary["coordinates"][0][0]
    assert any(abs(lon - x) < 1e-6 and abs(lat - y) < 1e-6 for x, y in wgs.exterior.coords)


def assert_rejected(path, level, *reasons, extra=()):
    before = Area.objects.count()
    with pytest.raises(CommandError) as error:
        import_file(path, level, *extra)
    message = str(error.value)
    assert "Nothing was imported" in message
    for reason in reasons:
        assert reason in message, message
    assert Area.objects.count() == before
    return message


def test_a_self_intersecting_polygon_rejects_the_whole_file(city, tmp_path):
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[111.0, 40.05], [111.05, 40.1], [111.05, 40.05], [111.0, 40.1], [111.0, 40.05]]],
    }
    features = [
        community("990101002001", box(111.05, 40.05, 111.1, 40.1)),
        {"type": "Feature", "properties": {"code": "990101002002", "name": "坏"}, "geometry": bowtie},
    ]
    message = assert_rejected(write(tmp_path, features), "community", "feature 2", "990101002002", "Self-intersection")
    assert "feature 1" not in message


def test_a_point_instead_of_a_polygon_is_rejected(city, tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {"code": "990101002001", "name": "点"},
            "geometry": {"type": "Point", "coordinates": [111.0, 40.07]},
        }
    ]
    assert_rejected(write(tmp_path, features), "community", "feature 1", "Point, not a Polygon")


def test_an_area_outside_its_parent_is_rejected(city, tmp_path):
    # The street 990101002 covers latitudes 40.05–40.1; this one reaches 40.2.
    features = [community("990101002001", box(111.0, 40.05, 111.05, 40.2))]
    assert_rejected(write(tmp_path, features), "community", "lies outside its parent 西二街道")


def test_a_duplicate_code_in_the_file_is_rejected(city, tmp_path):
    features = [
        community("990101002001", box(111.0, 40.05, 111.05, 40.1)),
        community("990101002001", box(111.05, 40.05, 111.1, 40.1)),
    ]
    assert_rejected(write(tmp_path, features), "community", "feature 2", "duplicate code: also in feature 1")


def test_a_code_that_already_exists_is_rejected_unless_updating(city, tmp_path):
    path = write(tmp_path, [feature("990101001001", "改名社区", box(111.0, 40.0, 111.1, 40.05))])
    assert_rejected(path, "community", "already exists")
    import_file(path, "community", "--update")
    assert Area.objects.get(code="990101001001").name == "改名社区"


def test_codes_of_the_wrong_length_or_with_letters_are_rejected(city, tmp_path):
    features = [
        community("99010100200", box(111.0, 40.05, 111.05, 40.1)),
        community("99010100200X", box(111.05, 40.05, 111.1, 40.1)),
    ]
    assert_rejected(write(tmp_path, features), "community", "feature 1", "feature 2", "12 digits")


def test_an_unknown_parent_is_rejected(city, tmp_path):
    assert_rejected(
        write(tmp_path, [community("990109001001", box(111.0, 40.05, 111.05, 40.1))]),
        "community",
        "parent 990109001 not found",
    )


def test_overlapping_areas_in_one_file_are_rejected(city, tmp_path):
    features = [
        community("990101002001", box(111.0, 40.05, 111.07, 40.1)),
        community("990101002002", box(111.03, 40.05, 111.1, 40.1)),
    ]
    assert_rejected(write(tmp_path, features), "community", "overlaps feature 2")


def test_several_problems_are_reported_together(city, tmp_path):
    features = [
        community("990101002001", box(111.0, 40.05, 111.05, 40.2)),
        {
            "type": "Feature",
            "properties": {"code": "990101002002"},
            "geometry": mapping(box(111.05, 40.05, 111.1, 40.1)),
        },
        {"type": "Feature", "properties": {"code": "990101002003", "name": "空"}, "geometry": None},
    ]
    message = assert_rejected(write(tmp_path, features), "community")
    assert "feature 1" in message and "feature 2" in message and "feature 3" in message
    assert "(the name) is missing" in message and "geometry is missing" in message


def test_a_grid_code_must_extend_its_communitys(city, tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {"code": "990101002001001", "name": "网格", "parent": "990101001001"},
            "geometry": mapping(box(111.0, 40.0, 111.01, 40.01)),
        }
    ]
    assert_rejected(write(tmp_path, features), "grid", "must start with its community's code")


@pytest.mark.parametrize(
    "content, reason",
    [
        ("not json at all", "is not GeoJSON"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "has no features"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(city, tmp_path, content, reason):
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(CommandError, match=reason):
        import_file(str(path), "community")


def test_a_missing_file_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="File not found"):
        import_file(str(tmp_path / "nope.geojson"), "district")


def test_the_service_raises_every_problem_with_its_feature(city):
    with pytest.raises(ImportRejected) as error:
        import_areas([{"type": "Feature", "properties": {}, "geometry": None}, "junk"], "community")
    wheres = [p.where for p in error.value.problems]
    assert "feature 1" in wheres and "feature 2" in wheres


def test_moving_an_area_rewrites_the_paths_below_it(city):
    street = Area.objects.get(code="990101001")
    street.parent = Area.objects.get(code="990102")
    street.save()
    assert Area.objects.get(code="990101001001001").path == "990100/990102/990101001/990101001001/990101001001001/"
