"""The login page, the back office and the map in a real browser."""

import pytest

from tests.browser.helpers import log_in
from tests.conftest import build_city

pytestmark = pytest.mark.browser


@pytest.fixture
def live_city(transactional_db):
    return build_city()


def test_the_login_page_speaks_chinese(page, live_server, live_city):
    page.goto(live_server.url + "/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "文明城市创建管理平台"
    assert page.locator("label[for=id_username]").inner_text() == "用户名"
    assert page.locator("button.primary").inner_text() == "登录"
    assert page.locator("button[name=language]").inner_text() == "English"
    page.fill("#id_username", "district_leader")
    page.fill("#id_password", "wrong")
    page.click("button.primary")
    assert "用户名" in page.locator("[role=alert]").inner_text()
    assert page.outside_requests == []


def test_a_district_leader_logs_in_and_sees_the_scope(page, live_server, live_city):
    log_in(page, live_server, "district_leader")
    assert page.get_by_test_id("scope").inner_text() == "西区"
    assert "西区政府" in page.locator("#acting-select").inner_text()


def test_the_map_draws_boundaries_offline_and_locates_a_click(page, live_server, live_city):
    log_in(page, live_server, "campaign_admin")
    page.goto(live_server.url + "/office/org/map/")
    page.wait_for_selector("#map[data-ready='1']")
    labels = page.locator(".leaflet-tooltip.area-label.district").all_inner_texts()
    assert sorted(labels) == ["东区", "西区"]
    # Click the west street's first grid and read where it is.
    point = page.evaluate("""() => {
        const p = window.wenmingMap.last.latLngToContainerPoint([40.02, 111.02]);
        const box = document.getElementById('map').getBoundingClientRect();
        return {x: box.left + p.x, y: box.top + p.y};
    }""")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector("#locate-result li")
    chain = page.locator("#locate-result li").all_inner_texts()
    assert chain[1].endswith("西区 (990101)")
    assert "和平社区第1网格" in chain[-1]
    assert page.outside_requests == []


def test_the_english_interface_is_one_click_away(page, live_server, live_city):
    page.goto(live_server.url + "/accounts/login/")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Civilized City Platform"
