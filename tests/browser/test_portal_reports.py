"""随手拍 on a phone: report with a photo and a place, support an existing report instead of
a duplicate, follow it, rate it and reopen it."""

import pytest

from tests.browser.helpers import log_in_as
from tests.cases.conftest import jpeg, jpeg_bytes
from tests.conftest import build_city
from wenming.participation.models import Citizen

pytestmark = pytest.mark.browser


@pytest.fixture
def live_world(transactional_db):
    from django.contrib.auth import get_user_model

    from wenming.cases.models import Category, RoutingRule

    city = build_city()
    RoutingRule.objects.create(category=Category.objects.get(kind="E", code="0501"), unit=city.units["D1"])
    RoutingRule.objects.create(category=Category.objects.get(kind="C", code="0102"), unit=city.units["D1"])
    for username, name, phone in (("resident", "小王", "13900000001"), ("neighbour", "老李", "13900000002")):
        user = get_user_model().objects.create_user(username=username, password="x-unused-9")
        Citizen.objects.create(user=user, nickname=name, phone=phone)
        setattr(city, username, user)
    return city


def photo(lon=None, lat=None, size=(640, 480)):
    gps = (lon, lat) if lon is not None else None
    return {"name": "problem.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(size, (200, 180, 40), gps=gps)}


def tap_map(page, lon, lat):
    page.wait_for_selector("#map[data-ready='1']")
    page.locator("#map").scroll_into_view_if_needed()
    point = page.evaluate(
        """([lat, lon]) => {
            const map = window.wenmingMap.last;
            map.setView([lat, lon], 16, {animate: false});
            const p = map.latLngToContainerPoint([lat, lon]);
            const box = document.getElementById('map').getBoundingClientRect();
            return {x: box.left + p.x, y: box.top + p.y};
        }""",
        [lat, lon],
    )
    page.mouse.click(point["x"], point["y"])


def choose_category(page, kind, code):
    from wenming.cases.models import Category

    pk = Category.objects.get(kind=kind, code=code).pk
    radio = page.locator(f"input[name=category][value='{pk}']")
    page.evaluate("(el) => el.closest('details').open = true", radio.element_handle())
    radio.locator("xpath=..").click()


def test_a_resident_reports_supports_instead_of_a_duplicate_follows_rates_and_reopens(phone, live_server, live_world):
    from wenming.cases import services as cases
    from wenming.cases.models import Case, Category
    from wenming.participation.models import Support
    from wenming.participation.services import reports

    existing = reports.submit(
        live_world.neighbour,
        category=Category.objects.get(kind="E", code="0501"),
        lon=111.02,
        lat=40.02,
        description="人行道上有人摆摊卖水果",
        client_key="n1",
    ).case
    page = phone
    log_in_as(page, live_server, live_world.resident)

    # A missing place is refused with a message, and what was typed stays.
    page.goto(live_server.url + "/report/")
    choose_category(page, "C", "0102")
    page.fill("#f-description", "路灯晚上不亮")
    page.click("#submit")
    page.wait_for_selector("[data-testid=error]")
    assert page.input_value("#f-description") == "路灯晚上不亮"
    assert Case.objects.count() == 1

    # A photo with GPS places the problem; the report goes in.
    page.set_input_files("#f-photos", files=[photo(111.025, 40.025)])
    page.wait_for_function("document.getElementById('f-lon').value !== ''")
    assert abs(float(page.input_value("#f-lon")) - 111.025) < 0.0005
    choose_category(page, "C", "0102")
    page.click("#submit")
    page.wait_for_selector("[data-testid=number]")
    mine = Case.objects.get(reporter=live_world.resident)
    assert mine.attachments.count() == 1 and mine.category.code == "0102"
    page.screenshot(path="/tmp/portal-report-submitted.png")

    # Reporting the stall again: the earlier report is offered, and supporting it files nothing new.
    page.goto(live_server.url + "/report/")
    choose_category(page, "E", "0501")
    tap_map(page, 111.0201, 40.0201)
    page.wait_for_selector("[data-testid=nearby]")
    assert existing.number in page.inner_text("[data-testid=nearby]")
    page.screenshot(path="/tmp/portal-report-nearby.png", full_page=True)
    page.click("[data-testid=support]")
    page.wait_for_selector(".support-done")
    assert Support.objects.filter(case=existing, user=live_world.resident).exists()
    assert Case.objects.count() == 2

    # The office works on the resident's report; the resident follows it.
    cases.register(mine, live_world.users["campaign_admin"])
    mine = cases.accept(mine, live_world.users["department_handler"])
    mine = cases.rectify(
        mine,
        live_world.users["department_handler"],
        note="已更换灯泡",
        photos=[jpeg("after.jpg", (640, 480), (200, 180, 40))],
    )
    cases.verify(mine, live_world.users["inspector"], passed=True)
    page.goto(live_server.url + f"/reports/{mine.number}/")
    assert len(page.locator("[data-testid=timeline] li").all()) >= 5
    assert page.inner_text("[data-testid=unit]") == "市城管局"
    assert page.locator("[data-testid=after-photos] img").count() == 1
    page.screenshot(path="/tmp/portal-report-follow.png", full_page=True)

    page.click("[data-testid=unsatisfied]")
    page.wait_for_selector("[data-testid=reopen]")
    page.fill("#f-reopen", "第二天又不亮了")
    page.click("[data-testid=reopen]")
    page.wait_for_selector("[data-testid=status]")
    mine.refresh_from_db()
    assert mine.status == "dispatched" and mine.satisfaction == "unsatisfied" and mine.reopen_count == 1
    assert page.outside_requests == []


def test_a_fake_image_is_refused_in_the_browser_and_nothing_is_saved(phone, live_server, live_world):
    from wenming.cases.models import Case

    page = phone
    page.goto(live_server.url + "/report/")
    page.set_input_files(
        "#f-photos", files=[{"name": "fake.jpg", "mimeType": "image/jpeg", "buffer": b"GIF89a not really"}]
    )
    choose_category(page, "E", "0501")
    tap_map(page, 111.02, 40.02)
    page.fill("#f-description", "<script>document.title='x'</script>有人占道")
    page.click("#submit")
    page.wait_for_selector("[data-testid=error]")
    assert "fake.jpg" in page.inner_text("[data-testid=error]")
    assert Case.objects.count() == 0
    assert page.title() != "x"
