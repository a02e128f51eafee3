"""The citizen portal for everyone: every page passes the axe accessibility rules (labels,
contrast, names of buttons and links, landmarks) at phone size, in normal and large text,
and the keyboard reaches the content first."""

from pathlib import Path

import pytest

from tests.browser.helpers import log_in_as
from tests.conftest import build_city

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
ANONYMOUS_PAGES = [
    "/",
    "/report/",
    "/reports/",
    "/reports/map/",
    "/track/",
    "/account/login/",
    "/account/register/",
    "/suggestions/",
    "/solicitations/",
    "/questionnaires/",
]
RESIDENT_PAGES = ["/me/", "/me/reports/", "/me/data/", "/suggestions/new/", "/report/"]


@pytest.fixture
def live_world(transactional_db):
    from django.contrib.auth import get_user_model

    from wenming.cases.models import Category
    from wenming.participation.models import Citizen
    from wenming.participation.services import reports

    city = build_city()
    city.resident = get_user_model().objects.create_user(username="resident", password="x-unused-9")
    Citizen.objects.create(user=city.resident, nickname="小王", phone="13900000001")
    city.case = reports.submit(
        city.resident,
        category=Category.objects.get(kind="E", code="0501"),
        lon=111.02,
        lat=40.02,
        description="人行道上有人摆摊",
        client_key="a11y",
    ).case
    return city


def serious_violations(page) -> list[str]:
    page.add_script_tag(content=AXE)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""")
    return result


def check(page, base, paths):
    problems = {}
    for path in paths:
        response = page.goto(base + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        found = serious_violations(page)
        if found:
            problems[path] = found
    return problems


def test_every_portal_page_passes_the_accessibility_rules(phone, live_server, live_world):
    paths = ANONYMOUS_PAGES + [f"/reports/{live_world.case.number}/"]
    assert check(phone, live_server.url, paths) == {}


def test_a_residents_pages_pass_too_in_large_text(phone, live_server, live_world):
    log_in_as(phone, live_server, live_world.resident)
    phone.context.add_cookies([{"name": "wm_large_text", "value": "1", "url": live_server.url}])
    assert check(phone, live_server.url, RESIDENT_PAGES) == {}
    assert "large-text" in phone.evaluate("document.body.className")


def test_the_keyboard_reaches_the_content_first(phone, live_server, live_world):
    phone.goto(live_server.url + "/report/")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip-link"
    phone.keyboard.press("Enter")
    phone.keyboard.press("Tab")
    # After skipping, the next stop is inside the main content, not the header or the tab bar.
    assert phone.evaluate("!!document.activeElement.closest('main')")
