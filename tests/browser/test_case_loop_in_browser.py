"""The whole loop in a real browser: a hotline call entered, registered, handled, verified, closed."""

import io

import pytest
from PIL import Image

from tests.browser.helpers import log_in
from tests.conftest import build_city

pytestmark = pytest.mark.browser


@pytest.fixture
def live_world(transactional_db):
    from wenming.cases.models import Category, RoutingRule

    city = build_city()
    RoutingRule.objects.create(category=Category.objects.get(kind="E", code="0501"), unit=city.units["D1"])
    return city


def photo_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def status_of(page):
    return page.get_by_test_id("status").get_attribute("class")


def test_a_case_goes_round_the_loop_in_the_browser(page, live_server, live_world):
    from wenming.cases.models import Case, Category

    log_in(page, live_server, "campaign_admin")
    page.goto(live_server.url + "/office/cases/new/")
    page.select_option("#f-source", "hotline")
    page.select_option("#f-category", str(Category.objects.get(kind="E", code="0501").pk))
    page.fill("#f-description", "人行道上有人摆摊卖水果")
    page.wait_for_selector("#map[data-ready='1']")
    page.locator("#map").scroll_into_view_if_needed()
    point = page.evaluate("""() => {
        const p = window.wenmingMap.last.latLngToContainerPoint([40.02, 111.02]);
        const box = document.getElementById('map').getBoundingClientRect();
        return {x: box.left + p.x, y: box.top + p.y};
    }""")
    page.mouse.click(point["x"], point["y"])
    assert abs(float(page.input_value("#f-lon")) - 111.02) < 0.001
    page.set_input_files("#f-photos", files=[{"name": "before.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
    page.click("form.case-form button.primary")
    page.wait_for_selector("[data-testid=status]")
    number = page.url.rstrip("/").split("/")[-1]
    assert "s-reported" in status_of(page)
    assert page.locator(".photos img").count() == 1

    page.click("form[data-action=register] button.primary")
    page.wait_for_selector("[data-testid=status].s-dispatched")
    assert page.get_by_test_id("unit").inner_text() == "市城管局"

    log_in(page, live_server, "department_handler")
    page.goto(f"{live_server.url}/office/cases/{number}/")
    page.click("form[data-action=accept] button")
    page.wait_for_selector("[data-testid=status].s-accepted")
    form = page.locator("form[data-action=rectify]")
    form.locator("textarea").fill("已劝离摊贩，路面已清扫")
    form.locator("input[type=file]").set_input_files(
        files=[{"name": "after.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    form.locator("button").click()
    page.wait_for_selector("[data-testid=status].s-rectified")

    log_in(page, live_server, "inspector")
    page.goto(f"{live_server.url}/office/cases/{number}/")
    page.click("form[data-action=verify] button[name=passed][value='1']")
    page.wait_for_selector("[data-testid=status].s-closed")
    assert page.locator(".timeline li").count() == 6
    assert page.locator(".photos img").count() == 2
    assert Case.objects.get(number=number).status == "closed"
    assert page.outside_requests == []
