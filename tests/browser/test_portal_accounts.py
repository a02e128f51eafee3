"""A resident on a phone: register with a mobile number and the code from the console, land on 我的,
switch large text on, log out and log in again with the number."""

import pytest

from tests.conftest import build_city
from wenming.participation import channels
from wenming.participation.models import Citizen, VerificationCode

pytestmark = pytest.mark.browser

PASSWORD = "blue-river-lantern-42"


@pytest.fixture
def city(transactional_db):
    return build_city()


def font_size(page, selector: str) -> float:
    return page.eval_on_selector(selector, "el => parseFloat(getComputedStyle(el).fontSize)")


def test_a_resident_registers_on_a_phone_and_logs_in_again(city, phone, live_server):
    page = phone
    with channels.capture() as sent:
        page.goto(live_server.url + "/account/register/")
        page.fill("#id_address", "139 1234 5678")
        page.click("[data-testid=send-code]")
        page.wait_for_selector("[data-testid=code-sent]")
        assert "139****5678" in page.inner_text("[data-testid=code-sent]")
        assert page.input_value("#id_address") == "139 1234 5678"  # kept for the next step
        [(address, code, purpose)] = list(sent)
    assert (address, purpose) == ("13912345678", "register")

    page.fill("#id_code", code)
    page.fill("#id_nickname", "小张")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=register]")
    page.wait_for_url(live_server.url + "/me/")
    assert page.inner_text("[data-testid=me-title]") == "小张"
    assert Citizen.objects.get(phone="13912345678").nickname == "小张"

    # Large text (适老化): the words grow.
    before = font_size(page, "main p.meta")
    assert page.get_attribute("[data-testid=me-text-size]", "aria-pressed") == "false"
    page.click("[data-testid=me-text-size]")
    page.wait_for_selector("body.large-text")
    after = font_size(page, "main p.meta")
    assert after > before * 1.15
    assert page.get_attribute("[data-testid=me-text-size]", "aria-pressed") == "true"
    assert Citizen.objects.get(phone="13912345678").large_text

    page.click("[data-testid=logout]")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/me/")
    page.wait_for_url("**/account/login/?next=/me/")
    page.fill("#id_address", "13912345678")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login]")
    page.wait_for_url(live_server.url + "/me/")
    assert page.inner_text("[data-testid=me-title]") == "小张"
    assert page.outside_requests == []


def test_a_wrong_code_on_a_phone_shows_the_error_beside_the_field(city, phone, live_server):
    page = phone
    with channels.capture() as sent:
        page.goto(live_server.url + "/account/register/")
        page.fill("#id_address", "13912345678")
        page.click("[data-testid=send-code]")
        page.wait_for_selector("[data-testid=code-sent]")
        code = sent[-1][1]
        page.fill("#id_code", f"{(int(code) + 1) % 1000000:06d}")
        page.fill("#id_nickname", "小张")
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")  # Enter registers; it does not ask for another code
        page.wait_for_selector("#error_code")
        assert len(sent) == 1
    assert page.get_attribute("#id_code", "aria-invalid") == "true"
    assert "error_code" in page.get_attribute("#id_code", "aria-describedby")
    assert VerificationCode.objects.get().attempts == 1
    assert not Citizen.objects.exists()
    assert page.outside_requests == []
