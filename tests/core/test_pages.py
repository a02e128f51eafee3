"""The web shell: start page, login, switching units, admin, error pages, languages."""

import pytest

from tests.conftest import PASSWORD


def test_the_start_page_is_public_and_names_the_city(client, city):
    page = client.get("/")
    assert page.status_code == 200
    assert "示范市" in page.content.decode()
    assert 'name="viewport"' in page.content.decode()


def test_a_wrong_password_keeps_one_out_and_says_why(client, city):
    response = client.post("/accounts/login/", {"username": "district_leader", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_people_pages_are_closed_to_grid_workers_and_inspectors(city, login):
    for role in ("grid_worker", "inspector"):
        assert login(city.users[role]).get("/office/org/people/").status_code == 403


def test_switching_units_changes_the_scope_shown(city, login):
    from wenming.org import services

    user = city.users["street_handler"]
    other = services.add_membership(user, unit=city.units["E1"], role="handler")
    client = login(user)
    response = client.post("/office/org/switch-unit/", {"membership": other.pk}, follow=True)
    assert 'data-testid="scope">东一街道<' in response.content.decode()
    assert client.get("/office/org/units/E1/").status_code == 200
    assert client.get("/office/org/units/W1/").status_code == 404


def test_one_cannot_switch_to_a_position_one_does_not_hold(city, login):
    from wenming.org.models import Membership

    foreign = Membership.objects.get(user=city.users["campaign_admin"])
    client = login(city.users["street_handler"])
    assert client.post("/office/org/switch-unit/", {"membership": foreign.pk}).status_code == 400
    assert client.post("/office/org/switch-unit/", {"membership": "x"}).status_code == 400
    assert client.get("/office/org/switch-unit/").status_code == 405
    # still acting as before
    assert client.get("/office/org/units/W1/").status_code == 200


def test_the_password_can_be_changed(client, city):
    client.force_login(city.users["street_handler"])
    bad = client.post("/accounts/password/", {"old_password": "nope", "new_password1": "x", "new_password2": "y"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    good = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "another-good-pass-31", "new_password2": "another-good-pass-31"},
    )
    assert good.status_code == 302
    city.users["street_handler"].refresh_from_db()
    assert city.users["street_handler"].check_password("another-good-pass-31")


def test_the_campaign_office_maintains_reference_data_in_the_admin(city, login):
    client = login(city.users["campaign_admin"])
    assert client.get("/admin/org/area/").status_code == 200
    assert client.get("/admin/org/unit/add/").status_code == 200
    handler = login(city.users["street_handler"])
    assert handler.get("/admin/org/area/").status_code == 302  # to the admin login


def test_an_unknown_address_gets_the_not_found_page(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "error-code" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/office/org/areas/?level=grid&q=和平",
        "/office/org/units/?kind=street_office",
        "/office/org/people/?role=handler",
        "/office/org/areas/990101/",
    ],
)
def test_lists_filter_and_pages_render(city, login, url):
    assert login(city.users["campaign_admin"]).get(url).status_code == 200


def test_the_area_list_filters_by_level_and_name(city, login):
    page = login(city.users["campaign_admin"]).get("/office/org/areas/", {"level": "grid", "q": "第2"})
    assert [a.code for a in page.context["page"]] == ["990101001001002"]


def test_an_unknown_level_on_the_boundary_layer_is_a_clear_error(city, login):
    response = login(city.users["campaign_admin"]).get("/office/org/areas.geojson", {"level": "planet"})
    assert response.status_code == 400
    assert "planet" in response.json()["error"]


def test_pages_are_chinese_even_for_an_english_browser_until_english_is_chosen(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Log in" in client.get("/accounts/login/").content.decode()
