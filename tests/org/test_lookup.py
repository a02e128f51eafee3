"""Point → area lookup: the chain from the city down to the grid, borders and outside."""

import pytest

from wenming.org import lookup
from wenming.org.models import Area


def codes(location):
    return [a.code for a in location.chain]


def test_a_point_inside_a_grid_answers_the_whole_chain(city):
    location = lookup.locate(111.02, 40.02)
    assert codes(location) == ["990100", "990101", "990101001", "990101001001", "990101001001001"]
    assert location.at("street").name == "西一街道"
    assert location.deepest.level == "grid"


def test_a_point_without_grids_stops_at_the_deepest_area_known(city):
    # The east street has no communities or grids.
    location = lookup.locate(111.15, 40.05)
    assert codes(location) == ["990100", "990102", "990102001"]
    assert location.at("grid") is None


def test_a_point_on_the_border_of_two_grids_gets_one_consistent_answer(city):
    # 111.05 is the shared edge of grids 001 and 002: the smaller code wins, every time.
    answers = {tuple(codes(lookup.locate(111.05, 40.02))) for _ in range(3)}
    assert answers == {("990100", "990101", "990101001", "990101001001", "990101001001001")}


def test_a_point_on_the_border_of_two_districts_is_inside_the_city(city):
    location = lookup.locate(111.1, 40.07)
    assert location.at("district").code in {"990101", "990102"}
    # the street belongs to the district chosen, never to the other one
    assert location.deepest.code.startswith(location.at("district").code)


def test_a_point_outside_the_city_is_reported_as_such(city):
    with pytest.raises(lookup.OutsideCity) as error:
        lookup.locate(116.4, 39.9)
    assert "116.400000" in str(error.value)


def test_a_corner_of_the_city_is_inside(city):
    assert lookup.locate(111.0, 40.0).at("city").code == "990100"


def test_many_points_at_once_agree_with_one_at_a_time(city):
    points = [(111.02, 40.02), (111.07, 40.03), (111.15, 40.05), (120.0, 30.0), (111.05, 40.07)]
    many = lookup.get_index().locate_many([p[0] for p in points], [p[1] for p in points])
    for (lon, lat), answer in zip(points, many, strict=True):
        single = lookup.get_index().locate(lon, lat)
        assert (answer and codes(answer)) == (single and codes(single))
    assert many[3] is None


def test_the_index_follows_changes_to_the_areas(city):
    assert lookup.locate(111.15, 40.05).deepest.code == "990102001"
    from shapely.geometry import box

    from tests.conftest import feature
    from wenming.org import services

    services.import_areas([feature("990102001001", "新社区", box(111.1, 40.0, 111.2, 40.1))], "community")
    assert lookup.locate(111.15, 40.05).deepest.code == "990102001001"
    Area.objects.filter(code="990102001001").delete()
    assert lookup.locate(111.15, 40.05).deepest.code == "990102001"


def test_the_locate_page_answers_within_the_users_scope(city, login):
    client = login(city.users["street_handler"])
    chain = client.get("/office/org/locate/", {"lon": 111.02, "lat": 40.02}).json()["chain"]
    # The city and district lie above the street handler's scope.
    assert [a["code"] for a in chain] == ["990101001", "990101001001", "990101001001001"]
    assert client.get("/office/org/locate/", {"lon": 111.15, "lat": 40.05}).status_code == 404
    outside = client.get("/office/org/locate/", {"lon": 100, "lat": 20})
    assert outside.status_code == 404 and outside.json()["outside"] is True
    assert client.get("/office/org/locate/", {"lon": "east"}).status_code == 400
