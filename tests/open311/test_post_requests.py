"""POST requests: form-encoded and multipart, api_key, locations, attributes, every error
case in both formats (several at once), and the case made by the one intake service."""

import pytest
from django.test import override_settings

from tests.open311.conftest import FORMATS, OUTSIDE, WEST, Open311, created_id, jpeg, parse, report
from wenming.cases.models import Attachment, Case, CaseEvent, Source, Status
from wenming.open311 import keys
from wenming.open311.models import Open311Request

pytestmark = pytest.mark.django_db


def errors_of(response) -> list[tuple[str, str]]:
    return [(str(e["code"]), e["description"]) for e in parse(response)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_form_encoded_request_becomes_a_case_through_the_intake(world, api, fmt):
    response = report(api, fmt, address_string="和平路12号", **{"attribute[plate]": "蒙A12345"})
    number = created_id(response)
    (created,) = parse(response)
    assert created["token"]
    assert number in created["service_notice"]
    assert "2 " in created["service_notice"]  # the time limit of 违规停车: 2 working hours
    case = Case.objects.get(number=number)
    assert case.source == Source.OPEN311
    assert case.status == Status.REPORTED  # reviewed by the campaign office like any citizen report
    assert case.category.code == "0502" and case.category.kind == "E"
    assert case.district.code == "990101" and case.grid.code == "990101001001001"
    assert case.address == "和平路12号"
    assert case.attributes == {"plate": "蒙A12345"}
    assert case.dispatcher_unit.code == "WCCB"  # the district office of 西区, as for any report
    link = Open311Request.objects.get(case=case)
    assert link.client == world.app and link.token == created["token"]
    assert CaseEvent.objects.filter(case=case, action="report").exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_multipart_request_with_a_media_file_keeps_the_photo(world, api, fmt):
    response = report(api, fmt, media=jpeg())
    number = created_id(response)
    (photo,) = Attachment.objects.filter(case__number=number)
    assert photo.public_image and photo.stage == "before"


def test_a_photo_that_knows_where_it_was_taken_places_an_address_only_request(world, api):
    response = report(api, lat=None, long=None, address_string="和平社区东门", media=jpeg(exif_gps=(111.07, 40.03)))
    case = Case.objects.get(number=created_id(response))
    assert case.grid.code == "990101001001002"
    assert case.address == "和平社区东门"


def test_address_id_is_the_code_of_an_area(world, api):
    response = report(api, lat=None, long=None, address_id="990102001")
    case = Case.objects.get(number=created_id(response))
    assert case.street.code == "990102001"


def test_the_api_key_may_be_sent_in_the_query_string(world):
    client = Open311()
    response = report(client, query={"api_key": world.key})
    assert response.status_code == 201


def test_contact_data_is_kept_privately_and_passed_to_the_case_for_call_backs(world, api):
    number = created_id(
        report(
            api,
            first_name="小明",
            last_name="王",
            phone="13800001111",
            email="wang@example.cn",
            device_id="dev-1",
            account_id="acc-9",
            media_url="https://img.example.cn/1.jpg",
        )
    )
    case = Case.objects.get(number=number)
    assert case.reporter_name == "王小明" and case.reporter_phone == "13800001111" and not case.anonymous
    link = case.open311
    assert (link.email, link.device_id, link.account_id, link.media_url) == (
        "wang@example.cn",
        "dev-1",
        "acc-9",
        "https://img.example.cn/1.jpg",
    )
    anonymous = Case.objects.get(number=created_id(report(api)))
    assert anonymous.anonymous


def test_html_is_removed_from_the_description_and_an_absent_one_is_the_service_name(world, api):
    number = created_id(report(api, description="<b>路口</b>有车<script>x</script>占道"))
    assert Case.objects.get(number=number).description == "路口有车x占道"
    number = created_id(report(api, description=""))
    assert Case.objects.get(number=number).description == "违规停车"


def test_the_answers_to_every_datatype_are_checked_and_kept(world, api):
    number = created_id(report(api, service_code="C0101", **{"attribute[cover_type]": "sewage"}))
    assert Case.objects.get(number=number).attributes == {"cover_type": "sewage"}
    number = created_id(report(api, service_code="E0501", **{"attribute[goods][]": ["fruit", "snack", "fruit"]}))
    assert Case.objects.get(number=number).attributes == {"goods": ["fruit", "snack"]}
    number = created_id(report(api, service_code="C0102", **{"attribute[lamps]": "3"}))
    assert Case.objects.get(number=number).attributes == {"lamps": 3}
    number = created_id(
        report(
            api,
            service_code="E0301",
            **{"attribute[noticed_at]": "2026-05-01T22:30:00+08:00", "attribute[site]": "某某建筑公司"},
        )
    )
    assert Case.objects.get(number=number).attributes == {
        "noticed_at": "2026-05-01T22:30:00+08:00",
        "site": "某某建筑公司",
    }


def test_unknown_attributes_and_empty_optional_parameters_are_ignored(world, api):
    number = created_id(
        report(
            api,
            email="",
            phone="",
            address_string="",
            jurisdiction_id="",
            media_url="",
            **{"attribute[plate]": "", "attribute[nonsense]": "1"},
        )
    )
    case = Case.objects.get(number=number)
    assert case.attributes == {}


def test_the_same_idempotency_key_gives_the_first_request_again(world, api):
    first = report(api, headers={"Idempotency-Key": "abc-1"})
    again = report(api, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == 201 and again.status_code == 200
    assert parse(first) == parse(again)
    assert Case.objects.count() == 1


def test_a_report_near_an_active_case_of_the_same_service_mentions_it(world, api):
    first = created_id(report(api))
    response = report(api, lat=WEST[1] + 0.0001)
    (created,) = parse(response)
    assert first in created["service_notice"]
    assert Case.objects.get(number=created["service_request_id"]).possible_duplicates == 1


# ---------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", [None, "", "wrong", "o311_" + "x" * 43])
def test_a_missing_or_bad_api_key_is_403(world, fmt, key):
    response = report(Open311(key), fmt)
    assert response.status_code == 403
    assert [code for code, _ in errors_of(response)] == ["403"]
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_revoked_key_is_refused(world, api, fmt):
    keys.revoke(world.app)
    response = report(api, fmt)
    assert response.status_code == 403


def test_a_bad_key_is_refused_on_reading_calls_too(world):
    assert Open311("nope").get("services", api_key="nope").status_code == 403
    assert Open311().get("services", api_key=world.key).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "fields, status, words",
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "E9999"}, 404, "E9999"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"lat": "", "long": ""}, 400, "location"),
        ({"long": None}, 400, "long"),
        ({"lat": "north", "long": "111"}, 400, "lat"),
        ({"lat": "nan", "long": "inf"}, 400, "lat"),
        ({"lat": "95", "long": "111"}, 400, "lat"),
        ({"lat": OUTSIDE[1], "long": OUTSIDE[0]}, 400, "outside"),
        ({"lat": None, "long": None, "address_string": "和平路12号"}, 400, "address"),
        ({"lat": None, "long": None, "address_id": "123"}, 400, "address_id"),
        ({"description": "长" * 4001}, 400, "4000"),
        ({"description": "<" * 60 + "a>" * 60}, 400, "description"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"phone": "1" * 31}, 400, "phone"),
        ({"service_code": "C0101"}, 400, "attribute[cover_type]"),
        ({"service_code": "C0101", "attribute[cover_type]": "gold"}, 400, "gold"),
        ({"service_code": "C0101", "attribute[cover_type][]": ["rain", "sewage"]}, 400, "attribute[cover_type]"),
        ({"service_code": "E0501", "attribute[goods][]": ["fruit", "meat"]}, 400, "meat"),
        ({"service_code": "C0102", "attribute[lamps]": "three"}, 400, "three"),
        ({"service_code": "C0102", "attribute[lamps]": "1e999"}, 400, "attribute[lamps]"),
        ({"service_code": "E0301", "attribute[noticed_at]": "2026-05-01 22:30"}, 400, "attribute[noticed_at]"),
        ({"service_code": "E0502", "attribute[plate]": "A" * 201}, 400, "200"),
    ],
)
def test_each_problem_is_an_error_in_the_requested_format(world, api, fmt, fields, status, words):
    response = report(api, fmt, **fields)
    assert response.status_code == status, response.content.decode()
    problems = errors_of(response)
    assert any(words.lower() in d.lower() for _, d in problems), problems
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_several_problems_are_reported_at_once(world, api, fmt):
    response = report(
        api, fmt, service_code="C0101", lat=OUTSIDE[1], long=OUTSIDE[0], description="长" * 4001, email="nobody"
    )
    assert response.status_code == 400
    descriptions = " | ".join(d for _, d in errors_of(response))
    assert "attribute[cover_type]" in descriptions
    assert "outside" in descriptions
    assert "4000" in descriptions
    assert "email" in descriptions
    assert len(errors_of(response)) == 4


def test_an_unknown_service_with_other_problems_is_404_listing_them_all(world, api):
    response = report(api, service_code="E9999", lat=None, long=None)
    assert response.status_code == 404
    assert sorted(code for code, _ in errors_of(response)) == ["400", "404"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_that_is_not_a_photo_is_refused(world, api, fmt):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = report(api, fmt, media=SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg"))
    assert response.status_code == 400
    assert "media" in errors_of(response)[0][1]
    assert Case.objects.count() == 0


def test_a_category_citizens_may_not_report_is_unknown_as_a_service(world, api):
    from wenming.cases.models import Category

    Category.objects.filter(kind="E", code="0502").update(citizen_reportable=False)
    assert report(api).status_code == 404


def test_a_json_body_is_not_a_form_and_misses_every_parameter(world, api):
    response = api.client.post(
        f"/open311/v2/requests.json?api_key={world.key}", {"service_code": "E0502"}, content_type="application/json"
    )
    assert response.status_code == 400


def test_several_cities_need_the_jurisdiction_and_a_point_inside_it(world, api):
    from shapely.geometry import box

    from tests.conftest import feature
    from wenming.org import services as org

    org.import_areas([feature("990200", "另一市", box(113.0, 40.0, 113.2, 40.1))], "city")
    assert report(api).status_code == 400
    assert report(api, jurisdiction_id="990300").status_code == 404
    assert report(api, jurisdiction_id="990100").status_code == 201
    response = report(api, jurisdiction_id="990200")
    assert response.status_code == 400 and "另一市" in errors_of(response)[0][1]


# ---------------------------------------------------------------------------
# Rate limits


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_client_over_its_rate_limit_gets_429_with_retry_after(world, api, fmt):
    world.app.per_minute = 2
    world.app.save()
    assert report(api, fmt).status_code == 201
    assert api.get("services", fmt, api_key=world.key).status_code == 200
    refused = report(api, fmt)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert [code for code, _ in errors_of(refused)] == ["429"]
    assert Case.objects.count() == 1
    # Another application is not held back.
    _, other_key = keys.create("另一个应用")
    assert report(Open311(other_key), fmt).status_code == 201


@override_settings(WENMING_OPEN311_ANONYMOUS_PER_MINUTE=3)
def test_calls_without_a_key_are_limited_by_address(world):
    client = Open311()
    statuses = [client.get("services").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert Open311(world.key).get("services", api_key=world.key).status_code == 200


def test_messages_are_in_chinese_by_default(world):
    response = report(Open311(world.key, language=None), lat=OUTSIDE[1], long=OUTSIDE[0])
    assert "不在本市范围内" in errors_of(response)[0][1]


def test_posting_needs_no_csrf_token(world):
    from django.test import Client

    client = Open311(world.key)
    client.client = Client(enforce_csrf_checks=True)
    assert report(client).status_code == 201
