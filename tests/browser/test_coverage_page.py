"""The coverage page in a real browser: the map is drawn from our own data, the
parcels are coloured by the chosen method, the table folds."""

import pytest

from tests.browser.helpers import log_in
from tests.conftest import build_city
from tests.coverage.test_coverage_views import make_coverage

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/coverage_page.png"


@pytest.fixture
def live_coverage(transactional_db):
    city = build_city()
    return make_coverage(user=city.users["campaign_admin"])


def bands(page) -> list[int]:
    return [int(n) for n in page.locator("#coverage-map").get_attribute("data-bands").split(",")]


def test_the_coverage_page_draws_the_map_and_switches_the_method(page, live_server, live_coverage):
    run = live_coverage.run
    shares = dict(zip(run.parcels["ids"], run.parcels["values"], strict=True))
    columns = run.parcels["columns"]

    def expected(column):
        values = [v[columns.index(column)] for v in shares.values()]
        return [sum(s >= 0.999 for s in values), sum(0 < s < 0.999 for s in values), sum(s == 0 for s in values)]

    log_in(page, live_server, "campaign_admin")
    page.goto(live_server.url + "/office/coverage/")
    page.wait_for_selector("#coverage-map[data-ready='1']")
    assert page.locator("#coverage-map").get_attribute("data-parcels") == str(len(shares))
    assert page.locator("#coverage-map").get_attribute("data-column") == "park.network"
    assert bands(page) == expected("park.network")
    assert page.locator(".leaflet-control-layers-overlays label").count() == 8
    assert page.locator(".cov-rank.park").count() >= 1 + len(run.candidates["park"])  # legend + markers
    table = page.get_by_test_id("coverage-table")
    assert table.is_visible()
    assert "西一街道" in table.inner_text()

    # The straight-line buffer reaches the pocket park in the north-east; walking does not.
    page.check("input[name=cov-method][value=buffer]")
    assert page.locator("#coverage-map").get_attribute("data-column") == "park.buffer"
    assert bands(page) == expected("park.buffer") != expected("park.network")
    page.select_option("#cov-tier", label="公园（≥1 ha）")
    assert page.locator("#coverage-map").get_attribute("data-column").endswith(".buffer")
    assert page.locator("[data-count=covered]").inner_text() == f"({bands(page)[0]})"

    # A district's streets fold away.
    street = page.locator("tr.cov-street", has_text="西一街道")
    assert street.is_visible()
    page.locator("tr.cov-district-row", has_text="西区").locator("button.cov-toggle").click()
    assert not street.is_visible()
    page.locator("tr.cov-district-row", has_text="西区").locator("button.cov-toggle").click()
    assert street.is_visible()

    page.check("input[name=cov-method][value=network]")
    page.select_option("#cov-tier", value="park")
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert page.outside_requests == []


def test_the_admin_recomputes_from_the_page(page, live_server, live_coverage):
    log_in(page, live_server, "campaign_admin")
    page.goto(live_server.url + "/office/coverage/")
    before = page.get_by_test_id("coverage-version").inner_text()
    page.click("form.cov-recompute button")
    page.wait_for_selector(".messages li.success")
    assert page.get_by_test_id("coverage-version").inner_text() == before
    page.wait_for_selector("#coverage-map[data-ready='1']")
    assert page.outside_requests == []
