"""The menu shows an entry exactly when its page would not answer 403: every entry any app
declares, for every role, opened by a person of that role."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from wenming.core.shell import declared
from wenming.org import services
from wenming.org.models import Role

ROLES = [
    "campaign_admin",
    "group_lead",
    "district_leader",
    "department_handler",
    "street_handler",
    "inspector",
    "grid_worker",
    "volunteer",
    "citizen",
]


@pytest.fixture
def people(city):
    """One person per role of the made-up city, a district campaign office's handler, and the server's admin."""
    people = {role: city.users[role] for role in ROLES}
    people["district_office_handler"] = services.create_person(
        username="wccb_handler",
        real_name="西区创城办干事",
        password="long-enough-pass-1",
        role=Role.HANDLER,
        unit=city.units["WCCB"],
    )
    people["superuser"] = get_user_model().objects.create_superuser("root", password="long-enough-pass-1")
    return people


def menu_urls(client) -> set[str]:
    response = client.get(reverse("office:dashboard"))
    return {item["url"] for item in response.context["menu"]} if response.status_code == 200 else set()


@pytest.mark.parametrize("who", [*ROLES, "district_office_handler", "superuser"])
def test_every_entry_is_shown_exactly_when_its_page_opens(people, client, who):
    client.force_login(people[who])
    shown = menu_urls(client)
    for entry in declared("MENU"):
        url = reverse(entry.url_name)
        status = client.get(url).status_code
        assert status in (200, 403), (who, url, status)
        assert (url in shown) == (status == 200), (
            f"{who}: {url} answers {status} but is {'' if url in shown else 'not '}in the menu"
        )


def test_a_handler_of_a_department_is_not_offered_the_portals_office_pages(people, client):
    # The menu once listed 市民账号 and 问卷 for every handler; their pages are the campaign office's.
    client.force_login(people["department_handler"])
    shown = menu_urls(client)
    for name in ("participation_office:citizen_list", "participation_office:questionnaire_list"):
        assert reverse(name) not in shown
        assert client.get(reverse(name)).status_code == 403
    client.force_login(people["district_office_handler"])
    assert {
        reverse("participation_office:citizen_list"),
        reverse("participation_office:questionnaire_list"),
    } <= menu_urls(client)


def test_people_without_a_back_office_role_have_no_menu(people, client):
    for who in ("volunteer", "citizen"):
        client.force_login(people[who])
        assert client.get(reverse("office:dashboard")).status_code == 403
        assert menu_urls(client) == set()


def test_the_most_specific_entry_is_the_one_highlighted(people, client):
    client.force_login(people["campaign_admin"])
    for path, expected in (
        ("/office/cases/map/", "/office/cases/map/"),
        ("/office/cases/", "/office/cases/"),
        ("/office/org/people/", "/office/org/people/"),
        ("/office/", "/office/"),
    ):
        menu = client.get(path).context["menu"]
        assert [item["url"] for item in menu if item["active"]] == [expected], path
