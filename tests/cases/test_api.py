"""The JSON API: token and session authentication, scoped lists and details, intake and
actions through the services, and every error as JSON with a code."""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from wenming.cases import services
from wenming.cases.models import Attachment, Case, CaseEvent, Category, RoutingRule, Status
from wenming.org.models import Unit
from wenming.org.tokens import create_token, revoke

BASE = "/api/v1"
WEST = (111.02, 40.02)  # 西一街道, 和平社区第1网格 (street handler W1)
EAST = (111.15, 40.05)  # 东区


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class App:
    """A client sending one person's API token."""

    def __init__(self, key, auth="Bearer"):
        self.client = Client()
        self.headers = {"Authorization": f"{auth} {key}"}

    def get(self, url, params=None, **kwargs):
        return self.client.get(BASE + url, params or {}, headers=self.headers, **kwargs)

    def post(self, url, body=None, headers=None):
        return self.client.post(
            BASE + url,
            json.dumps(body or {}),
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def upload(self, url, fields, photos, headers=None):
        return self.client.post(BASE + url, {**fields, "photos": photos}, headers={**self.headers, **(headers or {})})


@pytest.fixture
def app(city):
    def as_user(username):
        return App(create_token(city.users[username], "test app"))

    return as_user


def jpeg(name="photo.jpg", size=(64, 48), colour=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def stall_category():
    return Category.objects.get(kind="E", code="0501")  # 占道经营


def report(city, where=WEST, *, user="campaign_admin", source="hotline", category=None, **extra):
    return services.intake(
        user=city.users[user],
        source=source,
        category=category or stall_category(),
        lon=where[0],
        lat=where[1],
        description="人行道上有人摆摊",
        **extra,
    ).case


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    return body


# ---------------------------------------------------------------------------
# Authentication


def test_without_credentials_the_api_answers_401_in_json(city):
    response = Client().get(BASE + "/cases")
    assert assert_error(response, 401, "unauthenticated")["details"] == {}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_refused_with_401(city):
    body = assert_error(App("wm_" + "x" * 43).get("/cases"), 401, "unauthenticated")
    assert body["details"] == {"reason": "invalid_token"}
    assert_error(App("not-even-a-wenming-key").get("/cases"), 401, "unauthenticated")


def test_a_revoked_token_is_refused_with_401_even_with_a_session(city):
    user = city.users["campaign_admin"]
    key = create_token(user, "phone")
    app = App(key)
    assert app.get("/cases").status_code == 200
    revoke(key[:8], user)
    app.client.force_login(user)
    assert_error(app.get("/cases"), 401, "unauthenticated")


def test_a_token_of_an_inactive_account_is_refused(city):
    user = city.users["street_handler"]
    app = App(create_token(user, "phone"))
    user.is_active = False
    user.save()
    assert_error(app.get("/cases"), 401, "unauthenticated")


def test_the_token_scheme_is_accepted_as_well_as_bearer(city):
    key = create_token(city.users["campaign_admin"], "script")
    assert App(key, auth="Token").get("/cases").status_code == 200
    assert App(key, auth="bearer").get("/cases").status_code == 200


def test_the_browser_session_authenticates_and_posts_need_the_csrf_token(city):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(city.users["campaign_admin"])
    assert browser.get(BASE + "/cases").status_code == 200
    response = browser.post(BASE + "/cases", "{}", content_type="application/json")
    assert_error(response, 403, "forbidden")
    assert Case.objects.count() == 0


# ---------------------------------------------------------------------------
# Documentation


def test_the_openapi_document_lists_every_endpoint(city):
    response = Client().get(BASE + "/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "wenming API" and schema["info"]["version"] == "1"
    paths = schema["paths"]
    assert set(paths["/api/v1/cases"]) == {"get", "post"}
    assert "get" in paths["/api/v1/cases/{number}"]
    assert "post" in paths["/api/v1/cases/{number}/actions/{action}"]
    assert "post" in paths["/api/v1/cases/{number}/photos"]
    assert "get" in paths["/api/v1/categories"]
    intake_body = paths["/api/v1/cases"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(intake_body)
    assert "photos" in intake_body["multipart/form-data"]["schema"]["properties"]


def test_the_docs_page_loads_only_files_from_this_server(city):
    response = Client().get(BASE + "/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    assert not re.search(r"https?://", html), "the docs page refers to another host"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        served = Client().get(asset)
        assert served.status_code == 200, f"{asset} is not served (is 'ninja' in INSTALLED_APPS?)"
        if hasattr(served, "close"):
            served.close()


# ---------------------------------------------------------------------------
# Lists and details


def test_a_street_handler_lists_only_the_cases_of_its_street(city, app):
    west, east = report(city, WEST), report(city, EAST)
    body = app("street_handler").get("/cases").json()
    assert body["count"] == 1
    assert [c["number"] for c in body["results"]] == [west.number]
    everything = app("campaign_admin").get("/cases").json()
    assert {c["number"] for c in everything["results"]} == {west.number, east.number}


def test_the_list_takes_the_filters_of_the_back_office(city, app):
    west = report(city, WEST)
    east = report(city, EAST, source="inspection")  # trusted: registered at once
    admin = app("campaign_admin")
    assert [c["number"] for c in admin.get("/cases", {"area": "990102"}).json()["results"]] == [east.number]
    assert [c["number"] for c in admin.get("/cases", {"status": "reported"}).json()["results"]] == [west.number]
    both = admin.get("/cases?status=reported&status=registered").json()
    assert both["count"] == 2
    assert admin.get("/cases", {"status": "reported,registered"}).json()["count"] == 2
    assert admin.get("/cases", {"category": "E05", "source": "inspection"}).json()["count"] == 1
    assert admin.get("/cases", {"category": "E0101"}).json()["count"] == 0


def test_the_list_pages_through_the_cases(city, app):
    numbers = [report(city, (111.02 + i * 0.01, 40.02)).number for i in range(3)]
    admin = app("campaign_admin")
    first = admin.get("/cases", {"page_size": 2, "sort": "oldest"}).json()
    second = admin.get("/cases", {"page_size": 2, "page": 2, "sort": "oldest"}).json()
    assert (first["count"], first["page"], first["page_size"]) == (3, 1, 2)
    assert [c["number"] for c in first["results"] + second["results"]] == numbers


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "lost"}, "status"),
        ({"area": "000000"}, "area"),
        ({"category": "X99"}, "category"),
        ({"date_from": "1st May"}, "date_from"),
        ({"overdue": "maybe"}, "overdue"),
        ({"sort": "random"}, "sort"),
    ],
)
def test_a_bad_filter_value_gives_400_naming_the_filter(city, app, params, field):
    body = assert_error(app("campaign_admin").get("/cases", params), 400, "invalid_filter")
    assert body["details"]["field"] == field


@pytest.mark.parametrize(
    "params, field", [({"page": 0}, "page"), ({"page_size": 201}, "page_size"), ({"page": "two"}, "page")]
)
def test_a_bad_page_gives_400_naming_the_parameter(city, app, params, field):
    body = assert_error(app("campaign_admin").get("/cases", params), 400, "invalid")
    assert field in body["details"]["fields"]


def test_a_page_of_the_list_costs_the_same_queries_for_2_or_6_cases(city, app):
    admin = app("campaign_admin")
    admin.get("/cases")  # the token's first use is recorded once; not part of a page's cost

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = admin.get("/cases")
        assert response.status_code == 200
        return len(captured.captured_queries), response.json()["count"]

    for i in range(2):
        report(city, (111.01 + i * 0.02, 40.02))
    few, count_few = queries()
    for i in range(4):
        report(city, (111.11 + i * 0.02, 40.06), source="inspection")
    many, count_many = queries()
    assert (count_few, count_many) == (2, 6)
    assert many == few


def test_a_case_out_of_scope_is_404_in_json(city, app):
    east = report(city, EAST)
    body = assert_error(app("street_handler").get(f"/cases/{east.number}"), 404, "not_found")
    assert east.number not in json.dumps(body["details"])
    assert_error(app("street_handler").get("/cases/E05012099010199999"), 404, "not_found")


def test_the_detail_shows_history_photos_allowed_actions_and_version(city, app):
    case = report(city, WEST, reporter_phone="13912345678", photos=[jpeg()])
    body = app("campaign_admin").get(f"/cases/{case.number}").json()
    assert body["number"] == case.number and body["category"] == "E0501" and body["status"] == "reported"
    assert body["version"] == 1
    assert "register" in body["allowed_actions"] and "accept" not in body["allowed_actions"]
    assert [(e["action"], e["from"], e["to"]) for e in body["events"]] == [("report", "", "reported")]
    assert body["events"][0]["actor_name"] == city.users["campaign_admin"].profile.real_name
    assert body["events"][0]["unit_name"] == "示范市创城办"
    [photo] = body["photos"]
    assert photo["stage"] == "before" and photo["url"].startswith("http") and photo["thumbnail_url"]
    assert body["counts"] == {"rework": 0, "returns": 0, "extensions": 0, "reopened": 0}
    assert body["time_left_seconds"] is None and body["deadline"] is None
    assert body["area"]["code"] == "990101001001001" and body["district"] == {"code": "990101", "name": "西区"}


def test_staff_see_the_reporters_phone_masked(city, app):
    case = report(city, WEST, reporter_phone="13912345678", reporter_name="王先生")
    body = app("campaign_admin").get(f"/cases/{case.number}").json()
    assert body["reporter_phone"] == "139****5678"
    assert "13912345678" not in json.dumps(app("campaign_admin").get("/cases").json())


def test_a_citizen_sees_their_own_reports_without_phone_or_internal_steps(city, app):
    citizen = app("citizen")
    created = citizen.post(
        "/cases",
        {
            "category": "E0501",
            "lon": WEST[0],
            "lat": WEST[1],
            "description": "门口有人摆摊",
            "reporter_phone": "13912345678",
        },
    )
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    assert created.json()["source"] == "citizen"
    other = report(city, WEST, user="campaign_admin")
    listed = citizen.get("/cases").json()
    assert [c["number"] for c in listed["results"]] == [number]
    body = citizen.get(f"/cases/{number}").json()
    assert body["reporter_phone"] is None and body["routing_reason"] is None
    assert all(e["actor_name"] is None for e in body["events"])
    assert_error(citizen.get(f"/cases/{other.number}"), 404, "not_found")


def test_categories_list_the_active_subclasses(city, app):
    body = app("citizen").get("/categories").json()
    stall = next(c for c in body if c["ref"] == "E0501")
    assert stall["name"] == "占道经营" and stall["plain_name"] == "占道摆摊"
    assert stall["major"] == {"code": "E05", "name": "街面秩序"}
    assert (stall["time_limit"], stall["time_unit"]) == (4, "working_hours")
    assert all(len(c["code"]) == 4 for c in body)
    Category.objects.filter(kind="E", code="0501").update(is_active=False)
    assert "E0501" not in [c["ref"] for c in app("citizen").get("/categories").json()]


# ---------------------------------------------------------------------------
# Intake


def intake_body(**overrides):
    return {
        "source": "hotline",
        "category": "E0501",
        "lon": WEST[0],
        "lat": WEST[1],
        "description": "早市占道，行人难走",
        "address": "和平路12号",
        "reporter_name": "李女士",
        "reporter_phone": "13812345678",
        "tags": ["早市"],
        **overrides,
    }


def test_intake_by_json_creates_the_case_and_answers_201(city, app):
    response = app("campaign_admin").post("/cases", intake_body())
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(number=body["number"])
    assert (case.source, case.status, case.category.code, case.address) == ("hotline", "reported", "0501", "和平路12号")
    assert case.tags == ["早市"] and case.reporter == city.users["campaign_admin"]
    assert body["status"] == "reported" and body["duplicates"] == [] and body["version"] == 1


def test_intake_takes_the_category_by_id_too(city, app):
    response = app("campaign_admin").post("/cases", intake_body(category=stall_category().pk))
    assert response.status_code == 201, response.content
    assert response.json()["category"] == "E0501"


def test_the_same_idempotency_key_returns_the_first_case_and_creates_nothing(city, app):
    admin = app("campaign_admin")
    first = admin.post("/cases", intake_body(), headers={"Idempotency-Key": "app-7f3a-0001"})
    assert first.status_code == 201
    again = admin.post("/cases", intake_body(description="再次发送"), headers={"Idempotency-Key": "app-7f3a-0001"})
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert Case.objects.count() == 1
    other = admin.post("/cases", intake_body(), headers={"Idempotency-Key": "app-7f3a-0002"})
    assert other.status_code == 201 and Case.objects.count() == 2


def test_an_idempotency_key_of_another_person_does_not_reveal_their_case(city, app):
    first = app("campaign_admin").post("/cases", intake_body(), headers={"Idempotency-Key": "shared-key"})
    second = app("citizen").post("/cases", intake_body(source="citizen"), headers={"Idempotency-Key": "shared-key"})
    assert second.status_code == 201
    assert second.json()["number"] != first.json()["number"]


def test_a_second_report_at_the_same_spot_lists_the_first_as_a_possible_duplicate(city, app):
    admin = app("campaign_admin")
    first = admin.post("/cases", intake_body()).json()
    second = admin.post("/cases", intake_body(lon=WEST[0] + 0.0001)).json()
    assert second["duplicates"] == [first["number"]]
    assert second["possible_duplicates"] == 1


def test_intake_outside_the_city_is_400_naming_the_location_and_saves_nothing(city, app):
    body = assert_error(app("campaign_admin").post("/cases", intake_body(lon=116.4, lat=39.9)), 400, "invalid")
    assert "location" in body["details"]["fields"]
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_error_messages_follow_the_language_of_the_person(city, app):
    admin = app("campaign_admin")
    chinese = admin.post("/cases", intake_body(lon=116.4, lat=39.9)).json()
    assert "不在本市范围内" in chinese["details"]["fields"]["location"]
    admin.client.cookies["django_language"] = "en"
    english = admin.post("/cases", intake_body(lon=116.4, lat=39.9)).json()
    assert "lies outside the city" in english["details"]["fields"]["location"]
    assert "lies outside the city" in english["message"]


def test_intake_with_several_bad_fields_names_each(city, app):
    body = assert_error(
        app("campaign_admin").post("/cases", intake_body(category="E05", description=" ", priority="at once")),
        400,
        "invalid",
    )
    assert {"category", "description", "priority"} <= set(body["details"]["fields"])


def test_intake_with_a_value_of_the_wrong_type_is_400_naming_the_field(city, app):
    body = assert_error(app("campaign_admin").post("/cases", intake_body(lon="east")), 400, "invalid")
    assert list(body["details"]["fields"]) == ["lon"]
    assert Case.objects.count() == 0


def test_a_body_that_is_not_a_json_object_is_400(city, app):
    admin = app("campaign_admin")
    response = admin.client.post(BASE + "/cases", "[1, 2", content_type="application/json", headers=admin.headers)
    assert_error(response, 400, "invalid")


def test_a_body_over_the_size_limit_is_413(city, app, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    assert_error(app("campaign_admin").post("/cases", intake_body(description="摊" * 2_000)), 413, "too_large")
    assert Case.objects.count() == 0


def test_a_person_without_a_staff_role_may_report_only_as_a_citizen(city, app):
    body = assert_error(app("citizen").post("/cases", intake_body(source="hotline")), 403, "forbidden")
    assert "source" in body["details"]["fields"]
    assert app("citizen").post("/cases", intake_body(source="citizen")).status_code == 201
    assert app("street_handler").post("/cases", intake_body(source="grid")).status_code == 201


def test_multipart_intake_with_photos_gives_their_urls(city, app):
    fields = {k: v for k, v in intake_body().items() if k != "tags"} | {"tags": "早市,占道", "anonymous": "true"}
    response = app("campaign_admin").upload("/cases", fields, [jpeg("a.jpg"), jpeg("b.jpg", colour=(0, 90, 0))])
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["photos"]) == 2
    for photo in body["photos"]:
        assert photo["stage"] == "before"
        assert re.match(r"^http://testserver/media/.+\.jpg$", photo["url"]), photo["url"]
        assert photo["thumbnail_url"].startswith("http://testserver/media/")
    case = Case.objects.get(number=body["number"])
    assert case.tags == ["早市", "占道"] and case.anonymous
    assert body["reporter_name"] is None  # anonymous: not even staff see who it was
    assert case.attachments.count() == 2


def test_a_file_that_is_not_a_photo_is_refused_with_400_and_nothing_saved(city, app):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a photo at all", content_type="image/jpeg")
    fields = {k: v for k, v in intake_body().items() if k != "tags"}
    body = assert_error(app("campaign_admin").upload("/cases", fields, [fake]), 400, "invalid")
    assert "photos" in body["details"]["fields"]
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


def test_an_oversized_photo_is_refused_with_400(city, app, settings):
    settings.WENMING_MAX_UPLOAD_BYTES = 2_000
    big = io.BytesIO()
    Image.effect_noise((300, 300), 80).convert("RGB").save(big, "JPEG", quality=95)
    assert big.tell() > 2_000
    photo = SimpleUploadedFile("big.jpg", big.getvalue(), content_type="image/jpeg")
    fields = {k: v for k, v in intake_body().items() if k != "tags"}
    body = assert_error(app("campaign_admin").upload("/cases", fields, [photo]), 400, "invalid")
    assert "photos" in body["details"]["fields"]
    assert Case.objects.count() == 0


# ---------------------------------------------------------------------------
# Actions


@pytest.fixture
def dispatched(city):
    """A case at the west spot, dispatched to the city's urban management bureau (D1)."""
    case = report(city, WEST)
    admin = city.users["campaign_admin"]
    services.perform(case, admin, "register", {})
    return services.perform(case, admin, "dispatch", {"unit": "D1"})


def test_an_action_not_possible_now_is_409_with_the_allowed_actions(city, app):
    case = report(city, WEST)
    body = assert_error(
        app("campaign_admin").post(f"/cases/{case.number}/actions/verify", {"passed": True}), 409, "invalid_transition"
    )
    assert "register" in body["details"]["allowed"] and "verify" not in body["details"]["allowed"]
    assert body["details"]["current_version"] == 1
    case.refresh_from_db()
    assert case.status == Status.REPORTED and case.version == 1


def test_a_stale_version_is_409_conflict_and_changes_nothing(city, app, dispatched):
    handler = app("department_handler")
    stale = dispatched.version - 1
    body = assert_error(handler.post(f"/cases/{dispatched.number}/actions/accept", {"version": stale}), 409, "conflict")
    assert body["details"]["current_version"] == dispatched.version
    assert "accept" in body["details"]["allowed"]
    dispatched.refresh_from_db()
    assert dispatched.status == Status.DISPATCHED
    ok = handler.post(f"/cases/{dispatched.number}/actions/accept", {"version": dispatched.version})
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"


def test_an_action_by_a_role_that_may_not_take_it_is_403(city, app, dispatched):
    body = assert_error(app("inspector").post(f"/cases/{dispatched.number}/actions/accept"), 403, "forbidden")
    dispatched.refresh_from_db()
    assert dispatched.status == Status.DISPATCHED and body["details"] == {}


def test_an_unknown_action_is_404(city, app, dispatched):
    assert_error(app("department_handler").post(f"/cases/{dispatched.number}/actions/vanish"), 404, "not_found")


def test_an_action_on_a_case_out_of_scope_is_404(city, app):
    east = report(city, EAST)
    assert_error(app("street_handler").post(f"/cases/{east.number}/actions/register"), 404, "not_found")
    east.refresh_from_db()
    assert (east.status, east.version) == (Status.REPORTED, 1)


def test_rectify_without_a_photo_is_400_and_changes_nothing(city, app, dispatched):
    handler = app("department_handler")
    accepted = handler.post(f"/cases/{dispatched.number}/actions/accept").json()
    events = CaseEvent.objects.filter(case=dispatched).count()
    body = assert_error(handler.post(f"/cases/{dispatched.number}/actions/rectify", {"note": "已清理"}), 400, "invalid")
    assert "photos" in body["details"]["fields"]
    dispatched.refresh_from_db()
    assert (dispatched.status, dispatched.version) == (Status.ACCEPTED, accepted["version"])
    assert CaseEvent.objects.filter(case=dispatched).count() == events


def test_a_missing_note_is_400(city, app, dispatched):
    body = assert_error(app("department_handler").post(f"/cases/{dispatched.number}/actions/return"), 400, "invalid")
    assert body["message"]
    dispatched.refresh_from_db()
    assert dispatched.status == Status.DISPATCHED


def test_photos_can_be_added_before_rectification(city, app, dispatched):
    response = app("department_handler").upload(f"/cases/{dispatched.number}/photos", {"note": "第二次巡查"}, [jpeg()])
    assert response.status_code == 200, response.content
    body = response.json()
    assert [p["stage"] for p in body["photos"]] == ["before"]
    assert body["events"][-1]["action"] == "add_photos" and body["status"] == "dispatched"
    assert_error(app("department_handler").post(f"/cases/{dispatched.number}/photos", {"note": "无图"}), 400, "invalid")


def test_a_whole_case_through_the_api_from_hotline_call_to_closure(city, app):
    RoutingRule.objects.create(
        category=stall_category(), area=None, unit=Unit.objects.get(code="D1"), auto_dispatch=False
    )
    admin, handler, inspector = app("campaign_admin"), app("department_handler"), app("inspector")

    created = admin.post("/cases", intake_body(), headers={"Idempotency-Key": "call-20250301-17"})
    assert created.status_code == 201
    case = created.json()
    number = case["number"]
    assert case["status"] == "reported" and case["source"] == "hotline"

    def act(client, action, body=None, photos=None):
        url = f"/cases/{number}/actions/{action}"
        body = {"version": case["version"], **(body or {})}
        response = client.upload(url, body, photos) if photos else client.post(url, body)
        assert response.status_code == 200, response.content
        return response.json()

    case = act(admin, "register", {"note": "市民来电"})
    assert case["status"] == "registered" and case["suggested_unit"]["code"] == "D1"
    assert "dispatch" in case["allowed_actions"]
    case = act(admin, "dispatch", {"unit": "D1"})
    assert case["status"] == "dispatched" and case["assigned_unit"]["code"] == "D1"
    assert case["deadline"] is not None and case["time_left_seconds"] > 0

    assert handler.get(f"/cases/{number}").json()["allowed_actions"][:2] == ["accept", "return"]
    case = act(handler, "accept")
    assert case["status"] == "accepted"
    case = act(handler, "rectify", {"note": "摊位已清理"}, photos=[jpeg("after.jpg", colour=(20, 160, 20))])
    assert case["status"] == "rectified"
    assert [p["stage"] for p in case["photos"]] == ["after"]

    case = act(inspector, "verify", {"passed": True, "note": "复核通过"})
    assert case["status"] == "closed" and case["closed_at"] is not None
    assert [e["action"] for e in case["events"]] == ["report", "register", "dispatch", "accept", "rectify", "verify"]
    assert case["version"] == 6
    assert Case.objects.get(number=number).status == Status.CLOSED
