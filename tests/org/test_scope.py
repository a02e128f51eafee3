"""The scope matrix: each role sees exactly its part of the city and nothing else."""

import pytest

from wenming.org.models import Area, Membership, Unit
from wenming.org.scope import visible

ALL_AREAS = {
    "990100",
    "990101",
    "990102",
    "990101001",
    "990101002",
    "990102001",
    "990101001001",
    "990101001001001",
    "990101001001002",
}
WEST = {"990101", "990101001", "990101002", "990101001001", "990101001001001", "990101001001002"}
WEST_ONE = {"990101001", "990101001001", "990101001001001", "990101001001002"}
ALL_UNITS = {"LG", "CCB", "SG", "D1", "D1A", "D2", "WGOV", "WCCB", "EGOV", "W1", "W2", "E1", "W1C"}

# role → (areas seen, units seen)
EXPECTED = {
    "campaign_admin": (ALL_AREAS, ALL_UNITS),
    "inspector": (ALL_AREAS, ALL_UNITS),
    # A special group sees itself and its member units; areas: its jurisdiction (the city).
    "group_lead": (ALL_AREAS, {"SG", "D1", "D1A"}),
    # A department sees itself and its sub-units.
    "department_handler": (ALL_AREAS, {"D1", "D1A"}),
    # A district government sees its district's subtree.
    "district_leader": (WEST, {"WGOV", "WCCB", "W1", "W2", "W1C"}),
    "street_handler": (WEST_ONE, {"W1", "W1C"}),
    "grid_worker": ({"990101001001001"}, set()),
    "volunteer": (set(), set()),
    "citizen": (set(), set()),
}


@pytest.mark.parametrize("role", EXPECTED)
def test_each_role_sees_exactly_its_areas_and_units(city, role):
    user = city.users[role]
    areas, units = EXPECTED[role]
    assert set(visible(user, Area.objects.all()).values_list("code", flat=True)) == areas
    assert set(visible(user, Unit.objects.all()).values_list("code", flat=True)) == units


def test_people_are_scoped_through_their_unit(city):
    def seen(role):
        return set(visible(city.users[role], Membership.objects.all()).values_list("user__username", flat=True))

    assert seen("district_leader") == {"district_leader", "street_handler", "grid_worker"}
    assert seen("department_handler") == {"department_handler"}
    assert seen("campaign_admin") == set(city.users)  # the whole city, volunteers and citizens too
    assert seen("citizen") == set()


def test_a_liaison_duty_adds_the_area_a_leader_answers_for(city):
    from wenming.org.models import Liaison
    from wenming.org.scope import forget

    leader = city.users["department_handler"]
    Liaison.objects.create(leader=leader, area=city.areas["990102001"], duty="包联东一街道")
    forget(leader)
    codes = set(visible(leader, Unit.objects.all()).values_list("code", flat=True))
    assert codes == {"D1", "D1A", "E1"}


def test_an_expired_liaison_adds_nothing(city):
    import datetime

    from wenming.org.models import Liaison

    leader = city.users["street_handler"]
    Liaison.objects.create(leader=leader, area=city.areas["990102001"], ends_on=datetime.date(2020, 1, 1))
    assert "990102001" not in set(visible(leader, Area.objects.all()).values_list("code", flat=True))


def test_a_liaison_duty_to_a_unit_adds_that_unit_and_its_sub_units(city):
    from wenming.org.models import Liaison
    from wenming.org.scope import forget

    leader = city.users["street_handler"]
    assert set(visible(leader, Unit.objects.all()).values_list("code", flat=True)) == {"W1", "W1C"}
    Liaison.objects.create(leader=leader, unit=city.units["D1"], duty="包联市城管局")
    forget(leader)
    codes = set(visible(leader, Unit.objects.all()).values_list("code", flat=True))
    assert codes == {"W1", "W1C", "D1", "D1A"}


def test_a_liaison_duty_to_a_unit_counts_up_to_its_last_day(city):
    from datetime import timedelta

    from django.utils import timezone

    from wenming.org.models import Liaison
    from wenming.org.scope import forget

    leader = city.users["street_handler"]
    today = timezone.localdate()
    duty = Liaison.objects.create(leader=leader, unit=city.units["D1"], ends_on=today)
    assert "D1" in set(visible(leader, Unit.objects.all()).values_list("code", flat=True))
    Liaison.objects.filter(pk=duty.pk).update(ends_on=today - timedelta(days=1))
    forget(leader)
    assert set(visible(leader, Unit.objects.all()).values_list("code", flat=True)) == {"W1", "W1C"}


def test_switching_the_acting_unit_switches_the_scope(city):
    from wenming.org import services
    from wenming.org.scope import forget

    user = city.users["street_handler"]
    other = services.add_membership(user, unit=city.units["E1"], role="handler")
    services.switch_acting(user, other.pk)
    user.refresh_from_db()
    forget(user)
    assert set(visible(user, Unit.objects.all()).values_list("code", flat=True)) == {"E1"}


def test_one_cannot_act_for_someone_elses_membership(city):
    from django.core.exceptions import ValidationError

    from wenming.org import services

    foreign = Membership.objects.get(user=city.users["campaign_admin"])
    with pytest.raises(ValidationError):
        services.switch_acting(city.users["street_handler"], foreign.pk)


# Pages: inside the scope 200, outside 404, roles without back office 403.
PAGES_IN_SCOPE = {
    "district_leader": ["/office/org/areas/990101002/", "/office/org/units/W2/"],
    "street_handler": ["/office/org/areas/990101001001001/", "/office/org/units/W1C/"],
    "department_handler": ["/office/org/units/D1A/", "/office/org/areas/990102/"],
    "grid_worker": ["/office/org/areas/990101001001001/"],
}
PAGES_OUT_OF_SCOPE = {
    "district_leader": ["/office/org/areas/990102001/", "/office/org/units/E1/", "/office/org/units/D2/"],
    "street_handler": ["/office/org/areas/990101002/", "/office/org/units/W2/", "/office/org/units/WGOV/"],
    "department_handler": ["/office/org/units/D2/", "/office/org/units/WGOV/"],
    "grid_worker": ["/office/org/areas/990101001001002/", "/office/org/units/W1C/"],
}


@pytest.mark.parametrize("role", PAGES_IN_SCOPE)
def test_pages_inside_the_scope_open(city, login, role):
    client = login(city.users[role])
    for url in PAGES_IN_SCOPE[role]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", PAGES_OUT_OF_SCOPE)
def test_pages_outside_the_scope_are_not_found(city, login, role):
    client = login(city.users[role])
    for url in PAGES_OUT_OF_SCOPE[role]:
        response = client.get(url)
        assert response.status_code == 404, url
        body = response.content.decode()
        leaked = [a.name for a in city.areas.values() if a.name in body]
        leaked += [u.name for u in city.units.values() if u.name in body]
        assert leaked == [], url


@pytest.mark.parametrize("role", ["volunteer", "citizen"])
@pytest.mark.parametrize(
    "url", ["/office/", "/office/org/map/", "/office/org/areas/", "/office/org/areas.geojson", "/office/org/units/"]
)
def test_people_without_a_back_office_role_are_refused(city, login, role, url):
    assert login(city.users[role]).get(url).status_code == 403


def test_strangers_are_sent_to_log_in(client, city):
    response = client.get("/office/org/areas/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", EXPECTED)
def test_the_boundary_layer_holds_only_the_areas_in_scope(city, login, role):
    if role in ("volunteer", "citizen"):
        return  # refused outright, tested above
    client = login(city.users[role])
    areas, _ = EXPECTED[role]
    seen = set()
    for level in ("city", "district", "street", "community", "grid"):
        data = client.get("/office/org/areas.geojson", {"level": level}).json()
        seen |= {f["properties"]["code"] for f in data["features"]}
    assert seen == areas


@pytest.mark.parametrize("role", ["district_leader", "street_handler", "department_handler"])
def test_lists_and_their_excel_exports_stay_in_scope(city, login, role):
    from io import BytesIO

    from openpyxl import load_workbook

    client = login(city.users[role])
    areas, units = EXPECTED[role]
    page = client.get("/office/org/units/").content.decode()
    for code in ALL_UNITS:
        assert (f"/office/org/units/{code}/" in page) == (code in units), code
    export = client.get("/office/org/areas/", {"format": "xlsx"})
    sheet = load_workbook(BytesIO(export.content)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == areas


def test_people_list_masks_phones_except_for_leaders_of_their_unit(city, login):
    handler_phone = city.users["street_handler"].profile.phone
    masked = handler_phone[:3] + "****" + handler_phone[-4:]
    leader_page = login(city.users["district_leader"]).get("/office/org/people/").content.decode()
    assert handler_phone in leader_page
    own_page = login(city.users["street_handler"]).get("/office/org/people/").content.decode()
    assert handler_phone in own_page  # one's own number
    group_page = login(city.users["department_handler"]).get("/office/org/people/").content.decode()
    assert handler_phone not in group_page
    from wenming.org import services

    colleague = services.create_person(
        username="w1_colleague", real_name="同事", password="long-enough-pass-1", role="handler", unit=city.units["W1"]
    )
    colleague_page = login(colleague).get("/office/org/people/").content.decode()
    assert masked in colleague_page and handler_phone not in colleague_page


def test_a_handler_sees_colleagues_phones_masked(city, login):
    from wenming.org import services

    colleague = services.create_person(
        username="colleague",
        real_name="同事",
        password="x-very-long-9",
        role="handler",
        unit=city.units["W1"],
        phone="13912345678",
    )
    page = login(city.users["street_handler"]).get("/office/org/people/").content.decode()
    assert "139****5678" in page
    assert "13912345678" not in page
    assert colleague.username in page
