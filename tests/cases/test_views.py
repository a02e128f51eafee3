"""The back office for cases: queues, filters, export, map, case page and its forms."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.cases.conftest import EAST_POINT, WEST_POINT, category, jpeg
from wenming.cases import services
from wenming.cases.models import Case, Status


def numbers_on(page) -> set:
    return {c.number for c in page.context["page"]}


def test_each_role_lists_only_the_cases_in_its_scope(world, report, login):
    west = services.register(report(), world.users["campaign_admin"])  # to D1 by rule
    east = report(code="C0101", where=EAST_POINT)  # reported, in 东区

    def seen(role):
        return numbers_on(login(world.users[role]).get("/office/cases/"))

    assert seen("campaign_admin") == {west.number, east.number}
    assert seen("district_leader") == {west.number}
    assert seen("street_handler") == {west.number}
    assert seen("department_handler") == {west.number}
    assert seen("grid_worker") == {west.number}
    assert login(world.users["citizen"]).get("/office/cases/").status_code == 403


def test_a_liaison_duty_to_a_unit_lists_the_cases_of_that_unit(world, report, login):
    from wenming.org.models import Liaison

    east = services.register(report(where=EAST_POINT), world.users["campaign_admin"])  # to D1 by rule
    assert east.assigned_unit.code == "D1"
    leader = world.users["street_handler"]
    assert numbers_on(login(leader).get("/office/cases/")) == set()
    assert login(leader).get(f"/office/cases/{east.number}/").status_code == 404
    Liaison.objects.create(leader=leader, unit=world.units["D1"], duty="包联市城管局")
    assert numbers_on(login(leader).get("/office/cases/")) == {east.number}
    assert login(leader).get(f"/office/cases/{east.number}/").status_code == 200


def test_a_case_outside_the_scope_is_not_found(world, report, login):
    east = report(code="C0101", where=EAST_POINT)
    client = login(world.users["district_leader"])
    assert client.get(f"/office/cases/{east.number}/").status_code == 404
    assert client.post(f"/office/cases/{east.number}/register/").status_code == 404
    assert Case.objects.get(pk=east.pk).status == Status.REPORTED


def test_queues_count_and_filter(world, report, login):
    admin = world.users["campaign_admin"]
    reported = report(code="C0101")
    dispatched = services.register(report(), admin)
    client = login(admin)
    page = client.get("/office/cases/", {"queue": "to_accept"})
    assert numbers_on(page) == {dispatched.number}
    counts = {q["key"]: q["count"] for q in page.context["queues"]}
    assert counts["to_register"] == 1 and counts["to_accept"] == 1 and counts["overdue"] == 0
    assert numbers_on(client.get("/office/cases/", {"queue": "to_register"})) == {reported.number}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "水果"}, {"fruit"}),  # a word inside the Chinese text
        ({"q": "摆摊 水果"}, {"fruit"}),
        ({"category": "E0501"}, {"fruit"}),
        ({"category": "C01"}, {"manhole"}),  # a major class takes its subclasses
        ({"area": "990102"}, {"manhole"}),
        ({"unit": "D1"}, {"fruit"}),
        ({"source": "media"}, {"manhole"}),
        ({"status": "dispatched"}, {"fruit"}),
        ({"status": "dispatched,reported"}, {"fruit", "manhole"}),
        ({"priority": "urgent"}, set()),
    ],
)
def test_the_list_filters(world, report, login, params, expected):
    cases = {
        "fruit": services.register(report(description="人行道上有人摆摊卖水果"), world.users["campaign_admin"]),
        "manhole": report(code="C0101", where=EAST_POINT, source="media", description="井盖缺失"),
    }
    found = numbers_on(login(world.users["campaign_admin"]).get("/office/cases/", params))
    assert found == {cases[name].number for name in expected}


def test_a_bad_filter_is_explained_not_ignored(world, login):
    response = login(world.users["campaign_admin"]).get("/office/cases/", {"date_from": "2026-02-30"}, follow=True)
    assert "2026-02-30" in response.content.decode()


def test_the_export_holds_the_filtered_cases(world, report, login):
    fruit = report(description="卖水果")
    report(code="C0101", where=EAST_POINT, description="井盖")
    response = login(world.users["campaign_admin"]).get("/office/cases/", {"q": "水果", "format": "xlsx"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == fruit.number


def test_the_map_points_follow_the_filter_and_the_scope(world, report, login):
    west = report()
    report(code="C0101", where=EAST_POINT)
    data = login(world.users["district_leader"]).get("/office/cases/points.geojson").json()
    assert [f["properties"]["number"] for f in data["features"]] == [west.number]
    assert data["features"][0]["geometry"]["coordinates"] == list(WEST_POINT)
    bad = login(world.users["campaign_admin"]).get("/office/cases/points.geojson", {"queue": "nope"})
    assert bad.status_code == 400


def test_the_case_page_offers_only_the_users_actions(world, dispatched, login):
    handler_page = login(world.users["department_handler"]).get(f"/office/cases/{dispatched.number}/")
    assert handler_page.context["allowed"] == [
        "accept",
        "return",
        "request_extension",
        "request_suspension",
        "add_photos",
    ]
    assert 'data-action="accept"' in handler_page.content.decode()
    leader_page = login(world.users["district_leader"]).get(f"/office/cases/{dispatched.number}/")
    assert 'data-action="accept"' not in leader_page.content.decode()


def test_a_form_action_moves_the_case_and_records_the_event(world, dispatched, login):
    client = login(world.users["department_handler"])
    response = client.post(f"/office/cases/{dispatched.number}/accept/", {"version": dispatched.version})
    assert response.status_code == 302
    assert Case.objects.get(pk=dispatched.pk).status == Status.ACCEPTED


def test_a_stale_form_gets_a_conflict_page(world, dispatched, login):
    client = login(world.users["department_handler"])
    client.post(f"/office/cases/{dispatched.number}/accept/", {"version": dispatched.version})
    again = client.post(f"/office/cases/{dispatched.number}/accept/", {"version": dispatched.version})
    assert again.status_code == 409
    assert 'data-testid="error"' in again.content.decode()


def test_rectifying_without_a_photo_is_refused_on_the_page(world, dispatched, login):
    client = login(world.users["department_handler"])
    client.post(f"/office/cases/{dispatched.number}/accept/")
    response = client.post(f"/office/cases/{dispatched.number}/rectify/", {"note": "已处理"})
    assert response.status_code == 400
    assert Case.objects.get(pk=dispatched.pk).status == Status.ACCEPTED
    fake = client.post(
        f"/office/cases/{dispatched.number}/rectify/",
        {"note": "已处理", "photos": [SimpleUploadedFile("x.jpg", b"<svg>")]},
    )
    assert fake.status_code == 400
    ok = client.post(f"/office/cases/{dispatched.number}/rectify/", {"note": "已处理", "photos": [jpeg()]})
    assert ok.status_code == 302 and Case.objects.get(pk=dispatched.pk).status == Status.RECTIFIED


def test_an_unknown_action_is_not_found(world, dispatched, login):
    assert login(world.users["campaign_admin"]).post(f"/office/cases/{dispatched.number}/explode/").status_code == 404


def test_photos_are_served_only_within_the_scope(world, report, login):
    case = report(photos=[jpeg()])
    photo = case.attachments.get()
    url = f"/office/cases/{case.number}/photos/{photo.pk}/thumb/"
    response = login(world.users["district_leader"]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert login(world.users["department_handler"]).get(url).status_code == 404  # not assigned to D1 yet
    assert login(world.users["district_leader"]).get(url.replace("thumb", "raw")).status_code == 404


def test_bulk_dispatch_sends_each_case_through_the_service(world, report, login):
    from wenming.cases.models import RoutingRule

    RoutingRule.objects.all().delete()
    admin = world.users["campaign_admin"]
    first, second = (services.register(report(code="C0101", where=(111.02 + i * 0.01, 40.02)), admin) for i in range(2))
    client = login(admin)
    page = client.get("/office/cases/", {"queue": "to_dispatch"})
    assert page.context["dispatch_units"]
    client.post("/office/cases/bulk-dispatch/", {"numbers": [first.number, second.number], "unit": "D2"})
    assert set(Case.objects.filter(assigned_unit__code="D2").values_list("number", flat=True)) == {
        first.number,
        second.number,
    }
    assert all(c.events.filter(action="dispatch").exists() for c in Case.objects.all())


def test_staff_enter_a_hotline_call_once_even_when_the_form_is_sent_twice(world, login):
    client = login(world.users["campaign_admin"])
    form = {
        "source": "hotline",
        "category": str(category("E0502").pk),
        "priority": "normal",
        "description": "小区门口乱停车",
        "lon": "111.02",
        "lat": "40.02",
        "reporter_name": "李女士",
        "reporter_phone": "13800001111",
        "client_key": "form-key-1",
    }
    first = client.post("/office/cases/new/", form)
    second = client.post("/office/cases/new/", form)
    assert first.status_code == second.status_code == 302
    assert Case.objects.count() == 1 and first["Location"] == second["Location"]


def test_the_new_case_form_shows_what_is_wrong(world, login):
    client = login(world.users["campaign_admin"])
    response = client.post(
        "/office/cases/new/", {"source": "hotline", "category": "", "description": "", "lon": "1", "lat": "1"}
    )
    assert response.status_code == 400 and 'data-testid="error"' in response.content.decode()
    assert Case.objects.count() == 0


def test_the_list_costs_the_same_queries_for_3_or_30_cases(world, report, login):
    client = login(world.users["campaign_admin"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get("/office/cases/")
        return len(captured)

    for i in range(3):
        services.register(report(where=(111.01 + i * 0.002, 40.01)), world.users["campaign_admin"])
    few = queries()
    for i in range(27):
        report(code="C0101", where=(111.01 + i * 0.002, 40.03))
    assert queries() == few


def test_a_notification_about_a_case_opens_the_case(world, dispatched, login):
    page = login(world.users["department_handler"]).get("/office/cases/notifications/").content.decode()
    assert f'href="/office/cases/{dispatched.number}/"' in page
