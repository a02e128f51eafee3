"""The coverage page of the back office: figures from a run, recomputing, the map's
JSON layers, the workbook, the empty states and the dashboard card."""

import importlib
import io
from types import SimpleNamespace

import numpy as np
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point, box

from wenming.coverage import network as nw
from wenming.coverage.models import CoverageRule, Run
from wenming.coverage.osm import Extract, OsmFeature
from wenming.coverage.services import coverage, datasets, results

PAGE = "/office/coverage/"
RECOMPUTE = "/office/coverage/recompute/"

# A street grid of 11 × 11 nodes, 0.002° apart, across the border of the test
# city's two districts (lon 111.1) and of the west district's two streets (lat 40.05).
LON0, LAT0, STEP, N = 111.09, 40.04, 0.002, 11
FORMULA_STREET = "=SUM(1,2)"


def seed_rules():
    """The default rules of the migration: a transactional test's flush removes them."""
    defaults = importlib.import_module("wenming.coverage.migrations.0001_initial").DEFAULT_RULES
    for target, name, min_area, applies_to, distance, order in defaults:
        CoverageRule.objects.get_or_create(
            target=target,
            name=name,
            defaults={"min_area_m2": min_area, "applies_to": applies_to, "distance_m": distance, "order": order},
        )


def _cell(i, j, inset=0.0002):
    """The block east of column i and north of row j, drawn ``inset`` degrees inside its streets."""
    return box(
        LON0 + STEP * i + inset, LAT0 + STEP * j + inset, LON0 + STEP * (i + 1) - inset, LAT0 + STEP * (j + 1) - inset
    )


def grid_extract(checksum_salt=0) -> Extract:
    """The middle row is a main road named like a formula, the middle column a branch road;
    a park and a pocket park; five residential parcels, a mall, two toilets, two bins, three candidates."""
    lons, lats = np.meshgrid(LON0 + STEP * np.arange(N), LAT0 + STEP * np.arange(N))
    node = lambda i, j: j * N + i  # noqa: E731
    u, v, classes, names = [], [], [], []
    for j in range(N):
        for i in range(N - 1):
            u.append(node(i, j)), v.append(node(i + 1, j))
            classes.append(nw.class_index("main" if j == 5 else "local"))
            names.append(1 if j == 5 else 0)
    for i in range(N):
        for j in range(N - 1):
            u.append(node(i, j)), v.append(node(i, j + 1))
            classes.append(nw.class_index("branch" if i == 5 else "path" if i == 0 else "local"))
            names.append(2 if i == 5 else 0)
    features = [
        OsmFeature("park", _cell(1, 1), "w1", "人民公园"),
        OsmFeature("green", _cell(8, 8, 0.0008), "w2", "街角游园"),
        OsmFeature("residential", _cell(2, 2), "w10", "西南小区", {"population": "1200"}),
        OsmFeature("residential", _cell(3, 7), "w11", "西北小区", {"population": "800"}),
        OsmFeature("residential", _cell(7, 2), "w12", "东南小区", {"population": "600"}),
        OsmFeature("residential", _cell(9, 9), "w13", "东北小区", {"population": "500"}),
        OsmFeature("residential", _cell(8, 5), "w14", '=HYPERLINK("http://x")', {}),
        OsmFeature("busy", _cell(4, 4), "w20", "商场"),
        OsmFeature("toilet", Point(LON0 + STEP * 2, LAT0 + STEP * 2.5), "n1", "公厕一"),
        OsmFeature("toilet", Point(LON0 + STEP * 8, LAT0 + STEP * 5), "n2", "公厕二"),
        OsmFeature("bin", Point(LON0 + STEP * 1, LAT0 + STEP * 5), "n3"),
        OsmFeature("bin", Point(LON0 + STEP * 1.5, LAT0 + STEP * 5), "n4"),
        OsmFeature("candidate", Point(LON0 + STEP * 9.5, LAT0 + STEP * 9.5), "c1", "闲置地块甲"),
        OsmFeature("candidate", Point(LON0 + STEP * 3.5, LAT0 + STEP * 7.5), "c2", "闲置地块乙"),
        OsmFeature("candidate", Point(LON0 + STEP * 5.5, LAT0 + STEP * 0.5), "c3", "闲置地块丙"),
    ]
    return Extract(
        lons.ravel(),
        lats.ravel(),
        np.array(u),
        np.array(v),
        np.array(classes, np.int8),
        np.array(names, np.int32),
        ["", FORMULA_STREET, "新华大街"],
        features,
    )


def save_network(checksum="x"):
    return datasets.save_extract(grid_extract(), source="generated", file_name="t", checksum=checksum)


def make_coverage(user=None):
    """The test city's areas must exist already (the ``city`` fixture)."""
    seed_rules()
    dataset = save_network()
    return SimpleNamespace(dataset=dataset, run=coverage.run(user=user))


@pytest.fixture
def covered(city):
    return make_coverage()


def pct(value) -> str:
    return f"{value:.1f}"


def row(run, code=""):
    return next(r for r in run.areas if r["code"] == code)


# -- the page --------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_see_the_latest_runs_figures(city, covered, login, english):
    run = covered.run
    response = login(city.users["street_handler"]).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    city_row = row(run)
    assert f'data-testid="park-network"><div class="card-n">{pct(city_row["park"]["network"])}' in html
    assert f'data-testid="park-buffer"><div class="card-n">{pct(city_row["park"]["buffer"])}' in html
    assert f'data-testid="coverage-version">{run.data_version[:12]}</code>' in html
    assert "Demo data: the street network and parks are generated, not real data." in html
    for name in (
        "绿地与口袋公园（≥400 m²）",
        "公园（≥1 ha）",
        "西区",
        "东区",
        "西一街道",
        "西二街道",
        "东一街道",
        "闲置地块甲",
        FORMULA_STREET,
        "Residents reached",
    ):
        assert name in html, name
    # Each district and street row carries its own park figure by walking.
    west_street = row(run, "990101001")
    assert (
        f'<th scope="row">西一街道</th><td class="num">{pct(west_street["land_ha"])}</td><td class="num">'
        f"{pct(west_street['park']['network'])}</td>" in html
    )
    assert "out of date" not in html
    # Not an admin: no recompute button.
    assert RECOMPUTE not in html


@pytest.mark.django_db
def test_the_menu_and_the_dashboard_lead_to_the_page(city, covered, login, english):
    html = login(city.users["inspector"]).get("/office/").content.decode()
    assert f'href="{PAGE}"' in html
    assert 'data-testid="coverage-card"' in html
    assert pct(row(covered.run)["park"]["network"]) in html


@pytest.mark.django_db
def test_the_dashboard_has_no_coverage_card_without_a_run(city, login):
    html = login(city.users["inspector"]).get("/office/").content.decode()
    assert 'data-testid="coverage-card"' not in html


@pytest.mark.django_db
def test_strangers_are_sent_to_log_in_and_citizens_turned_away(city, client, login):
    for url in (PAGE, PAGE + "parcels.geojson", PAGE + "network.geojson"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(RECOMPUTE).status_code == 302
    citizen = login(city.users["citizen"])
    assert citizen.get(PAGE).status_code == 403
    assert citizen.post(RECOMPUTE).status_code == 403


@pytest.mark.django_db
def test_only_the_campaign_admin_recomputes(city, covered, login):
    for username in ("street_handler", "district_leader", "inspector"):
        assert login(city.users[username]).post(RECOMPUTE).status_code == 403
    assert Run.objects.count() == 1
    admin = login(city.users["campaign_admin"])
    assert RECOMPUTE in admin.get(PAGE).content.decode()
    response = admin.post(RECOMPUTE)
    assert response.status_code == 302 and response["Location"] == PAGE
    assert Run.objects.count() == 2
    latest = Run.objects.first()
    assert latest.created_by == city.users["campaign_admin"]
    assert latest.data_version == covered.run.data_version
    assert admin.get(RECOMPUTE).status_code == 405


@pytest.mark.django_db
def test_a_failed_recompute_is_a_message_not_an_error(city, login, english):
    admin = login(city.users["campaign_admin"])
    response = admin.post(RECOMPUTE, follow=True)
    assert response.status_code == 200
    assert "There is no street network yet" in response.content.decode()
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_the_page_says_when_the_data_changed_since_the_run(city, covered, login, english):
    handler = login(city.users["street_handler"])
    assert "out of date" not in handler.get(PAGE).content.decode()
    rule = CoverageRule.objects.get(name="公园（≥1 ha）")
    rule.distance_m = 600
    rule.save()
    assert "out of date" in handler.get(PAGE).content.decode()
    rule.distance_m = 500
    rule.save()
    assert not results.is_outdated(Run.objects.get())
    save_network(checksum="another file")
    assert "out of date" in handler.get(PAGE).content.decode()


@pytest.mark.django_db
def test_without_a_network_the_page_says_how_to_import_one(city, login, english):
    for username in ("campaign_admin", "street_handler"):
        response = login(city.users[username]).get(PAGE)
        assert response.status_code == 200
        html = response.content.decode()
        assert "wenming coverage import-osm FILE.osm.pbf" in html
        assert RECOMPUTE not in html


@pytest.mark.django_db
def test_with_a_network_but_no_run_the_admin_gets_the_button_and_others_a_hint(city, login, english):
    save_network()
    admin_html = login(city.users["campaign_admin"]).get(PAGE).content.decode()
    assert RECOMPUTE in admin_html and "Compute coverage" in admin_html
    handler = login(city.users["street_handler"]).get(PAGE)
    assert handler.status_code == 200
    html = handler.content.decode()
    assert RECOMPUTE not in html
    assert "administrator can compute it" in html
    assert login(city.users["street_handler"]).get(PAGE + "parcels.geojson").status_code == 404


@pytest.mark.django_db
def test_the_gap_list_is_filtered_and_paged(city, covered, login, monkeypatch):
    from wenming.coverage import views

    handler = login(city.users["street_handler"])
    gaps = covered.run.gaps
    bins = [g for g in gaps if g["kind"] == "bin"]
    assert bins and len(bins) < len(gaps)
    html = handler.get(PAGE + "?gaps=toilet").content.decode()
    table = html[html.index('data-testid="gaps"') :]
    assert table.count("<tr>") - 1 == len(gaps) - len(bins)
    monkeypatch.setattr(views, "GAPS_PER_PAGE", 1)
    html = handler.get(PAGE + "?gaps=bin&page=2").content.decode()
    table = html[html.index('data-testid="gaps"') : html.index("</table>", html.index('data-testid="gaps"'))]
    assert table.count("<tr>") == 2  # the header and one gap
    assert f"{bins[1]['from_m']}–{bins[1]['to_m']}" in table.replace(",", "")
    assert "?gaps=bin&amp;page=1#gaps" in html


# -- the map's layers --------------------------------------------------------------


@pytest.mark.django_db
def test_parcels_come_with_their_covered_shares(city, covered, login):
    data = login(city.users["street_handler"]).get(PAGE + "parcels.geojson").json()
    parcels = covered.run.parcels
    assert data["type"] == "FeatureCollection" and data["columns"] == parcels["columns"]
    assert sorted(f["properties"]["id"] for f in data["features"]) == sorted(parcels["ids"])
    by_name = {f["properties"]["name"]: f for f in data["features"]}
    assert by_name["西南小区"]["geometry"]["type"] == "Polygon"
    assert by_name["西南小区"]["properties"]["shares"]["park.network"] == 1.0
    assert by_name["西北小区"]["properties"]["shares"]["park.buffer"] == 0.0
    for f in data["features"]:
        assert set(f["properties"]["shares"]) == set(parcels["columns"])
        assert all(0 <= share <= 1 for share in f["properties"]["shares"].values())


@pytest.mark.django_db
def test_the_network_is_drawn_by_street_class_and_bounded(city, covered, login, monkeypatch):
    handler = login(city.users["street_handler"])
    data = handler.get(PAGE + "network.geojson").json()
    by_class = {f["properties"]["street_class"]: f for f in data["features"]}
    assert set(by_class) == {"main", "branch", "local", "path"} and data["omitted"] == []
    assert sum(f["properties"]["segments"] for f in data["features"]) == covered.dataset.edge_count
    main = by_class["main"]["geometry"]
    assert main["type"] == "MultiLineString" and len(main["coordinates"]) == N - 1
    (lon1, lat1), (lon2, lat2) = main["coordinates"][0]
    assert lat1 == lat2 == pytest.approx(LAT0 + 5 * STEP, abs=1e-6)
    # A large network: main and branch roads only, the rest inside a box.
    monkeypatch.setattr(results, "WHOLE_NETWORK_SEGMENTS", 10)
    data = handler.get(PAGE + "network.geojson").json()
    assert {f["properties"]["street_class"] for f in data["features"]} == {"main", "branch"}
    assert set(data["omitted"]) == {"local", "commercial", "path"}
    corner = f"{LON0 - 0.0001},{LAT0 - 0.0001},{LON0 + STEP * 1.5},{LAT0 + STEP * 1.5}"
    data = handler.get(PAGE + "network.geojson?bbox=" + corner).json()
    assert {f["properties"]["street_class"] for f in data["features"]} == {"local", "path"}
    assert 0 < sum(f["properties"]["segments"] for f in data["features"]) < 12
    monkeypatch.setattr(results, "MAX_SEGMENTS", 5)
    data = handler.get(PAGE + "network.geojson").json()
    assert data["truncated"] and sum(f["properties"]["segments"] for f in data["features"]) == 5
    for bad in ("x", "1,2,3", "112,40,111,41", "1,2,3,nan"):
        assert handler.get(PAGE + "network.geojson?bbox=" + bad).status_code == 400


@pytest.mark.django_db
def test_parks_candidates_and_gaps_are_layers_too(city, covered, login):
    handler = login(city.users["street_handler"])
    parks = handler.get(PAGE + "parks.geojson").json()
    assert sorted(f["properties"]["name"] for f in parks["features"]) == ["人民公园", "街角游园"]
    sites = handler.get(PAGE + "sites.geojson").json()["features"]
    ranked = [
        (f["properties"]["purpose"], f["properties"]["rank"], f["properties"]["name"])
        for f in sites
        if f["properties"]["layer"] == "candidate"
    ]
    expected = [
        (purpose, rank, pick["name"])
        for purpose, picks in covered.run.candidates.items()
        for rank, pick in enumerate(picks, start=1)
    ]
    assert ranked == expected and ranked
    gaps = [f for f in sites if f["properties"]["layer"] == "gap"]
    assert len(gaps) == len(covered.run.gaps)
    assert all(f["geometry"]["type"] == "Point" for f in sites)


# -- the workbook ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_workbook_has_areas_candidates_gaps_and_parameters(city, covered, login, english):
    response = login(city.users["street_handler"]).get(PAGE + "?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''coverage-")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["areas", "candidates", "gaps", "parameters"]
    areas = list(book["areas"].values)
    assert areas[0][:7] == (
        "level",
        "code",
        "name",
        "district code",
        "residential land (ha)",
        "parks, network %",
        "parks, buffer %",
    )
    assert [r[1] for r in areas[1:]] == [r["code"] or None for r in covered.run.areas]
    assert areas[1][2] == "Whole city"
    west = next(r for r in areas if r[1] == "990101001")
    assert west[3] == "990101" and west[5] == row(covered.run, "990101001")["park"]["network"]
    candidates = list(book["candidates"].values)
    assert candidates[0][:3] == ("for", "rank", "site") and len(candidates) > 1
    gaps = book["gaps"]
    assert [c.value for c in gaps[1]][:6] == ["missing", "street", "street class", "from (m)", "to (m)", "length (m)"]
    formula = [r[1] for r in gaps.iter_rows(min_row=2) if r[1].value == FORMULA_STREET]
    assert formula and all(cell.data_type == "s" for cell in formula)
    parameters = {r[0]: r for r in book["parameters"].values}
    assert parameters["data version"][1] == covered.run.data_version
    items = [r[1] for r in book["parameters"].values if r[0] == "rule"]
    assert any("公园（≥1 ha）" in item for item in items)
    assert any(r[0] == "dataset" and "t" in r[1] for r in book["parameters"].values)


@pytest.mark.django_db
def test_the_page_costs_a_bounded_number_of_queries(city, covered, login, django_assert_max_num_queries):
    handler = login(city.users["street_handler"])
    handler.get(PAGE)
    with django_assert_max_num_queries(20):
        assert handler.get(PAGE).status_code == 200
