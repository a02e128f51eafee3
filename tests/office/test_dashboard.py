"""The back office's home page: each app's cards, in the person's scope, and the menu."""

from tests.conftest import PASSWORD


def test_logging_in_leads_to_the_dashboard_of_ones_unit(client, city):
    response = client.post("/accounts/login/", {"username": "district_leader", "password": PASSWORD}, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == "/office/"
    assert "西区政府" in body
    assert 'data-testid="scope">西区<' in body


def test_the_menu_follows_the_role(city, login):
    admin_page = login(city.users["campaign_admin"]).get("/office/").content.decode()
    assert "/office/org/people/" in admin_page and "/admin/" in admin_page
    grid_page = login(city.users["grid_worker"]).get("/office/").content.decode()
    assert "/office/org/map/" in grid_page
    assert "/office/org/people/" not in grid_page and "/admin/" not in grid_page


def test_the_dashboard_counts_only_what_is_in_scope(city, login):
    page = login(city.users["street_handler"]).get("/office/")
    # city, district, street, community, grid
    assert [n for _, n in page.context["area_counts"]] == [0, 0, 1, 1, 2]
    assert page.context["unit_count"] == 2


def test_the_campaign_office_is_warned_about_a_year_without_official_holidays(city, login, monkeypatch):
    from datetime import date

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a: date(2026, 11, 29))
    page = login(city.users["campaign_admin"]).get("/office/").content.decode()
    assert 'data-testid="calendar-warning"' in page and "2027" in page
    # A unit handler has nothing to do with the calendar.
    assert 'data-testid="calendar-warning"' not in login(city.users["street_handler"]).get("/office/").content.decode()
    from wenming.workdays.models import CalendarYear

    CalendarYear.objects.create(year=2027, source="国务院办公厅通知")
    assert 'data-testid="calendar-warning"' not in login(city.users["campaign_admin"]).get("/office/").content.decode()


def test_a_new_app_adds_its_menu_entry_and_card_without_an_edit_of_the_shell(city, login, settings):
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "tests.office.another_app"]
    admin_page = login(city.users["campaign_admin"]).get("/office/").content.decode()
    assert "志愿服务" in admin_page and 'data-testid="another-card">42<' in admin_page
    # Its rule decides, as for every entry: a department handler sees neither.
    handler_page = login(city.users["department_handler"]).get("/office/").content.decode()
    assert "志愿服务" not in handler_page and "another-card" not in handler_page
