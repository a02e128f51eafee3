"""A coverage run end to end: a made-up town imported from a real .osm.pbf into the
test city (two districts, three streets), measured by walking and by straight line,
stored with its data version, reproducible, and refused when data is missing."""

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from tests.coverage.osm_files import CENTRE, OsmData
from wenming.coverage.errors import CoverageError
from wenming.coverage.models import CoverageRule, Dataset, Method, Run
from wenming.coverage.services import coverage, datasets

pytestmark = [pytest.mark.usefixtures("english"), pytest.mark.django_db]

XS = list(range(-1200, 1201, 200))
YS = list(range(-800, 801, 200))
MAIN_Y, MALL_X = 0, 0


def block(i, j, inset=15):
    """The block east and north of grid point (i, j), set back from its streets."""
    x, y = XS[i], YS[j]
    return x + inset, y + inset, x + 200 - inset, y + 200 - inset


def town() -> OsmData:
    """A 2.4 km × 1.6 km grid of streets around the middle of the test city.

    The middle street running east–west is a main road (解放路) with litter bins
    every 40 m but for one 200 m stretch; the one running north–south is a
    pedestrian mall (步行街). Homes fill most blocks; a 2.9 ha park, a pocket
    park, a green too small to count, shops, toilets, and one estate with its
    own lake park 360 m from any street.
    """
    data = OsmData()
    grid = {(x, y): data.node(x, y) for x in XS for y in YS}
    for y in YS:
        tags = {"highway": "primary", "name": "解放路"} if y == MAIN_Y else {"highway": "residential", "name": f"横{y}"}
        data.street_through([grid[x, y] for x in XS], tags)
    for x in XS:
        tags = (
            {"highway": "pedestrian", "name": "步行街"} if x == MALL_X else {"highway": "residential", "name": f"纵{x}"}
        )
        data.street_through([grid[x, y] for y in YS], tags)
    park, shops = (7, 5), {(5, 3), (6, 3)}
    data.rectangle(*block(*park), leisure="park", name="人民公园")
    data.rectangle(-785, -585, -745, -545, leisure="playground", name="游乐场")  # 1600 m²
    data.rectangle(615, -385, 634, -366, landuse="grass", name="小草坪")  # 361 m²: below every tier
    for i, j in sorted(shops):
        data.rectangle(*block(i, j), landuse="retail", name=f"商场{i}{j}")
    homes = 0
    for i in range(len(XS) - 1):
        for j in range(len(YS) - 1):
            if (i, j) == park or (i, j) in shops or (i + 2 * j) % 4 == 0:
                continue
            data.rectangle(*block(i, j), landuse="residential", name=f"小区{i}-{j}")
            x0, y0, *_ = block(i, j)
            data.rectangle(x0 + 20, y0 + 20, x0 + 50, y0 + 40, building="yes")
            homes += 1
    data.rectangle(-1800, 0, -1560, 200, landuse="residential", name="湖畔小区")
    data.rectangle(-1550, 0, -1450, 100, leisure="park", name="湖心公园")
    for x, y in [(-600, 5), (600, -5), (5, 405), (-1000, -605)]:
        data.point(x, y, amenity="toilets")
    for x in range(-1200, 1201, 40):
        if not 200 < x < 400:
            data.point(x, MAIN_Y + 5, amenity="waste_basket")
    return data


@pytest.fixture
def town_data(city, tmp_path):
    return datasets.import_osm(town().write(tmp_path / "town.osm.pbf"))


def rows_by_name(result):
    return {row["name"]: row for row in result.areas}


def same_figures(a: Run, b: Run) -> bool:
    return a.areas == b.areas and a.parcels == b.parcels and a.gaps == b.gaps and a.candidates == b.candidates


# -- a run -------------------------------------------------------------------------------


def test_a_run_is_stored_with_its_data_version_parameters_and_datasets(town_data):
    result = coverage.run()
    assert Run.objects.get() == result
    assert len(result.data_version) == 64 and result.methods == ["network", "buffer"]
    assert {k: result.parameters[k] for k in coverage.DEFAULT_PARAMETERS} == coverage.DEFAULT_PARAMETERS
    assert sorted(r["distance_m"] for r in result.parameters["rules"] if r["target"] == "park") == [300, 500]
    assert list(result.datasets.all()) == [town_data]
    assert not result.is_generated
    city_row = rows_by_name(result)["Whole city"]
    for method in ("network", "buffer"):
        assert 0 < city_row["park"][method] < 100
        assert 0 < city_row["toilet"][method] < 100


def test_the_same_inputs_give_the_same_version_and_the_same_figures(town_data):
    first, second = coverage.run(), coverage.run()
    assert first.pk != second.pk
    assert first.data_version == second.data_version
    assert same_figures(first, second)


def test_changing_a_rules_radius_changes_the_version_and_the_figures(town_data):
    before = coverage.run()
    CoverageRule.objects.filter(target="park", min_area_m2=400).update(distance_m=150)
    after = coverage.run()
    assert after.data_version != before.data_version
    city_before, city_after = rows_by_name(before)["Whole city"], rows_by_name(after)["Whole city"]
    for method in ("network", "buffer"):
        assert city_after["park"][method] < city_before["park"][method]
        assert city_after["toilet"][method] == city_before["toilet"][method]


def test_changing_a_parameter_changes_the_version(town_data):
    assert coverage.run().data_version != coverage.run(cell_m=20.0).data_version


def test_walking_never_covers_more_than_the_straight_line(town_data):
    result = coverage.run()
    for row in result.areas:
        assert row["park"]["network"] <= row["park"]["buffer"], row["name"]
        assert row["toilet"]["network"] <= row["toilet"]["buffer"], row["name"]
        assert row["buildings"]["network"] <= row["buildings"]["buffer"], row["name"]
    values = np.array(result.parcels["values"])
    column = result.parcels["columns"].index
    assert (values[:, column("park.network")] <= values[:, column("park.buffer")]).all()
    # The walk is strictly worse somewhere: the lakeside estate has no street within reach.
    city_row = rows_by_name(result)["Whole city"]
    assert city_row["park"]["network"] < city_row["park"]["buffer"]
    lakeside = result.parcels["ids"].index(
        next(f.pk for f in town_data.features.filter(kind="residential", name="湖畔小区"))
    )
    assert values[lakeside, column("park.network")] == 0
    assert values[lakeside, column("park.buffer")] == 1


def test_a_run_has_rows_for_the_city_each_district_and_each_street(town_data):
    result = coverage.run()
    rows = rows_by_name(result)
    assert set(rows) == {"Whole city", "西区", "东区", "西一街道", "西二街道", "东一街道"}
    assert [rows[n]["level"] for n in ("Whole city", "西区", "西一街道")] == ["city", "district", "street"]
    assert rows["西一街道"]["parent"] == "990101" and rows["东一街道"]["parent"] == "990102"
    # The land of the districts and of the streets adds up to the city's.
    city_land = rows["Whole city"]["land_ha"]
    assert rows["西区"]["land_ha"] + rows["东区"]["land_ha"] == pytest.approx(city_land, abs=0.02)
    assert rows["西一街道"]["land_ha"] + rows["西二街道"]["land_ha"] == pytest.approx(rows["西区"]["land_ha"], abs=0.02)
    homes = town_data.features.filter(kind="residential")
    assert city_land == pytest.approx(sum(f.area_m2 for f in homes) / 1e4, abs=0.02)
    # Tiers: the 300 m tier alone, the 500 m tier alone; the rule as a whole covers at least as much as either.
    tiers = rows["Whole city"]["tiers"]["network"]
    assert max(tiers.values()) <= rows["Whole city"]["park"]["network"]


def test_gaps_along_the_main_road_and_the_mall_are_stored(town_data):
    result = coverage.run()
    bins = [g for g in result.gaps if g["kind"] == "bin"]
    main = [g for g in bins if g["street"] == "解放路"]
    assert [(g["from_m"], g["to_m"], g["spacing_m"], g["street_class"]) for g in main] == [(1400, 1600, 100, "main")]
    mall = [g for g in bins if g["street"] == "步行街"]
    # The bin at the crossing with the main road (5 m off it) stands 805 m along the mall.
    assert sorted((g["from_m"], g["to_m"]) for g in mall) == [(0, 805), (805, 1600)]
    assert {g["street"] for g in bins} == {"解放路", "步行街"}  # no spacing rule for local streets


def test_a_city_list_of_toilets_changes_the_toilet_figures_but_not_the_parks(town_data, tmp_path):
    before = coverage.run()
    path = tmp_path / "toilets.csv"
    path.write_text("name,kind,lon,lat\nfar toilet,toilet,111.19,40.09\n", encoding="utf-8")
    city_list = datasets.import_list(path)
    after = coverage.run()
    assert set(after.datasets.all()) == {town_data, city_list}
    assert after.data_version != before.data_version
    old, new = rows_by_name(before)["Whole city"], rows_by_name(after)["Whole city"]
    assert new["toilet"]["network"] == 0 and new["toilet"]["buffer"] == 0  # the one toilet is far from every home
    assert old["toilet"]["network"] > 0
    assert new["park"] == old["park"] and new["tiers"] == old["tiers"]


def test_candidate_sites_are_ranked_by_what_they_add(town_data, tmp_path):
    path = tmp_path / "sites.csv"
    # In the middle of the western homes, and in the east where the big park already serves.
    west_lon, west_lat = (float(c) for c in CENTRE.inverse(-900, 300))
    east_lon, east_lat = (float(c) for c in CENTRE.inverse(300, 300))
    path.write_text(
        f"name,kind,lon,lat\nwest,候选点,{west_lon},{west_lat}\neast,候选点,{east_lon},{east_lat}\n", encoding="utf-8"
    )
    datasets.import_list(path)
    result = coverage.run()
    park_picks = result.candidates["park"]
    assert park_picks[0]["name"] == "west" and park_picks[0]["gain_m2"] > 0
    assert all(p["name"] != "east" for p in park_picks)  # it would add nothing
    city_network = rows_by_name(result)["Whole city"]["park"]["network"]
    assert park_picks[0]["coverage_pct"] == pytest.approx(city_network + park_picks[0]["gain_pct"], abs=0.02)


# -- parks with mapped entrances --------------------------------------------------------------


def gated_park_town(gate: bool) -> OsmData:
    """Two streets 100 m apart with a 1.6 ha park between them, joined only 1 km away.

    Homes north of the north street. Without mapped entrances the park is entered
    from both streets; with one gate on its south side, only there.
    """
    data = OsmData()
    south = [data.node(x, 0) for x in range(-1000, 1001, 100)]
    north = [data.node(x, 100) for x in range(-1000, 1001, 100)]
    data.street_through(south, highway="residential", name="南街")
    data.street_through(north, highway="residential", name="北街")
    data.street_through([south[0], north[0]], highway="residential", name="西街")
    data.rectangle(-80, 10, 80, 90, leisure="park", name="围墙公园")
    if gate:
        data.point(0, 10, barrier="gate")
    data.rectangle(-100, 115, 100, 215, landuse="residential", name="北苑")
    data.rectangle(500, 115, 700, 215, landuse="residential", name="远苑")
    return data


@pytest.mark.parametrize("gate, north_covered", [(False, 1.0), (True, 0.0)])
def test_a_park_with_a_mapped_entrance_is_entered_only_there(city, tmp_path, gate, north_covered):
    datasets.import_osm(gated_park_town(gate).write(tmp_path / "park.osm.pbf"))
    result = coverage.run()
    values = dict(zip(result.parcels["ids"], result.parcels["values"], strict=True))
    column = result.parcels["columns"].index("park.network")
    north = Dataset.objects.get().features.get(name="北苑").pk
    assert values[north][column] == north_covered
    # The straight line does not know about gates.
    assert values[north][result.parcels["columns"].index("park.buffer")] == 1.0


# -- refused ----------------------------------------------------------------------------------


def test_without_a_network_a_run_is_refused_and_nothing_stored(city):
    with pytest.raises(CoverageError, match="There is no street network yet: import an OpenStreetMap extract"):
        coverage.run()
    assert Run.objects.count() == 0


def test_without_residential_land_a_run_is_refused_and_nothing_stored(city, tmp_path):
    data = OsmData()
    data.street([(-500, 0), (500, 0)], highway="residential")
    data.rectangle(0, 10, 200, 110, leisure="park")
    datasets.import_osm(data.write(tmp_path / "park.osm.pbf"))
    with pytest.raises(CoverageError, match="holds no residential land"):
        coverage.run()
    assert Run.objects.count() == 0


def test_without_an_active_park_rule_a_run_is_refused(town_data):
    CoverageRule.objects.filter(target="park").update(is_active=False)
    with pytest.raises(CoverageError, match="No park rule is active"):
        coverage.run()
    assert Run.objects.count() == 0


def test_the_command_refuses_a_run_without_a_network(city):
    with pytest.raises(CommandError, match="There is no street network yet"):
        call_command("coverage", "run", "--method", "network")
    with pytest.raises(CommandError, match="No coverage has been computed yet"):
        call_command("coverage", "show")


# -- the command ------------------------------------------------------------------------------


def test_the_run_command_prints_the_table_by_district(town_data, capsys):
    call_command("coverage", "run", "--method", "buffer")
    out = capsys.readouterr().out
    result = Run.objects.get()
    assert result.methods == ["buffer"]
    lines = out.splitlines()
    assert lines[0].startswith(f"Coverage run {result.pk} · ") and result.data_version[:12] in lines[0]
    assert "park buffer" in lines[1] and "toilet buffer" in lines[1] and "network" not in lines[1]
    rows = rows_by_name(result)
    for name in ("Whole city", "西区", "东区"):
        line = next(line for line in lines if line.startswith(name))
        assert f"{rows[name]['park']['buffer']:.1f}%" in line
    assert not any(line.startswith("西一街道") for line in lines)  # streets are not printed
    assert "Gaps along streets: " in out and " for bin" in out


def test_the_show_command_prints_the_latest_run(town_data, capsys):
    coverage.run(methods=[Method.NETWORK])
    capsys.readouterr()
    call_command("coverage", "show")
    out = capsys.readouterr().out
    assert "park network" in out and "Whole city" in out
