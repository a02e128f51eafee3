"""GET requests: one, by token, and the list with its filters, window and caps; the round
trip of a request; status changes made by staff, seen by the client; public photos only."""

import re
from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tests.open311.conftest import BASE, EAST, FORMATS, WEST, Open311, category, created_id, jpeg, parse, report
from wenming.cases import services
from wenming.cases.models import Attachment, Case
from wenming.open311.models import Open311Request

pytestmark = pytest.mark.django_db

W3C_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "lat",
    "long",
    "media_url",
]


def intake(world, code="E0502", where=WEST, days_ago=0, **extra):
    """A case reported on the hotline ``days_ago`` days ago, through the one intake service."""
    return services.intake(
        source="hotline",
        category=category(code),
        lon=where[0],
        lat=where[1],
        description=extra.pop("description", "有车辆违规停放"),
        user=world.users["campaign_admin"],
        now=timezone.now() - timedelta(days=days_ago),
        **extra,
    ).case


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content.decode()
    return [r["service_request_id"] for r in parse(response)]


# ---------------------------------------------------------------------------
# Round trip


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_post_then_get_by_id_by_token_and_in_the_list(world, api, fmt):
    posted = report(
        api,
        fmt,
        media=jpeg(),
        address_string="和平路12号",
        first_name="小明",
        last_name="王",
        phone="13800001111",
        email="wang@example.cn",
        device_id="device-42",
        account_id="account-7",
    )
    (created,) = parse(posted)
    number = created["service_request_id"]

    one = Open311().get(f"requests/{number}", fmt)
    assert one.status_code == 200
    (request,) = parse(one)
    assert list(request) == REQUEST_FIELDS
    assert request["service_request_id"] == number
    assert request["status"] == "open"
    assert request["service_code"] == "E0502" and request["service_name"] == "违规停车"
    assert request["description"] == "小区门口有车辆长期占用消防通道"
    assert request["address"] == "和平路12号"
    assert request["address_id"] == "990101001001001"
    assert float(request["lat"]) == WEST[1] and float(request["long"]) == WEST[0]
    assert W3C_WITH_ZONE.match(request["requested_datetime"]) and request["requested_datetime"].endswith("+08:00")
    assert W3C_WITH_ZONE.match(request["updated_datetime"])
    assert request["expected_datetime"] is None  # no deadline before the case is dispatched
    assert request["agency_responsible"] is None
    assert request["media_url"].startswith("http://testserver/open311/v2/media/")

    token = Open311().get(f"tokens/{created['token']}", fmt)
    assert token.status_code == 200
    assert parse(token) == [{"token": created["token"], "service_request_id": number}]

    assert number in ids(Open311().get("requests", fmt))

    # Personal data never appears, in any answer.
    for response in (one, token, Open311().get("requests", fmt)):
        body = response.content.decode("utf-8")
        for private in ("王", "小明", "13800001111", "wang@example.cn", "device-42", "account-7"):
            assert private not in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_requests_and_tokens_are_404(world, fmt):
    for path in ("requests/E0502209901010001", "tokens/no-such-token", "requests/%00", "tokens/%01abc"):
        response = Open311().get(path, fmt)
        assert response.status_code == 404, path
        assert str(parse(response)[0]["code"]) == "404"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_status_change_by_staff_is_seen_by_the_client(world, api, fmt):
    number = created_id(report(api, service_code="E0501", **{"attribute[goods][]": ["fruit"]}))
    case = Case.objects.get(number=number)
    client = Open311()

    # Registered by the campaign office; the routing rule dispatches it to 市城管局 at once.
    case = services.register(case, world.users["campaign_admin"])
    (request,) = parse(client.get(f"requests/{number}", fmt))
    assert request["status"] == "open"
    assert request["agency_responsible"] == "市城管局"
    assert W3C_WITH_ZONE.match(request["expected_datetime"]) and request["expected_datetime"].endswith("+08:00")
    assert timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M") in request["service_notice"]

    services.accept(case, world.users["department_handler"])
    services.rectify(case, world.users["department_handler"], note="摊位已清理", photos=[jpeg(colour=(0, 200, 0))])
    (request,) = parse(client.get(f"requests/{number}", fmt))
    assert request["status"] == "open" and request["status_notes"] == "摊位已清理"

    services.verify(case, world.users["inspector"], passed=True, note="复核通过，已恢复通行")
    (request,) = parse(client.get(f"requests/{number}", fmt))
    assert request["status"] == "closed"
    assert request["status_notes"] == "复核通过，已恢复通行"
    assert request["updated_datetime"] >= request["requested_datetime"]
    assert number in ids(client.get("requests", fmt, status="closed"))
    assert number not in ids(client.get("requests", fmt, status="open"))


def test_a_rejected_report_is_closed_with_the_reason(world, api):
    number = created_id(report(api))
    services.reject(Case.objects.get(number=number), world.users["campaign_admin"], note="重复举报，已在处理")
    (request,) = parse(Open311().get(f"requests/{number}"))
    assert (request["status"], request["status_notes"]) == ("closed", "重复举报，已在处理")


# ---------------------------------------------------------------------------
# Public photos


def test_media_url_serves_the_public_copy_without_metadata(world, api):
    number = created_id(report(api, media=jpeg(size=(120, 80), exif_gps=(111.03, 40.03))))
    (request,) = parse(Open311().get(f"requests/{number}"))
    response = Open311().client.get(request["media_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    data = b"".join(response.streaming_content)
    photo = Attachment.objects.get(case__number=number)
    with photo.public_image.open("rb") as public:
        assert data == public.read()
    with photo.image.open("rb") as original:
        assert data != original.read()
    import io

    assert not Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)


def test_hidden_cases_and_redacted_photos_are_not_public(world, api):
    number = created_id(report(api, media=jpeg()))
    (request,) = parse(Open311().get(f"requests/{number}"))
    media_url = request["media_url"]
    photo = Attachment.objects.get(case__number=number)

    Attachment.objects.filter(pk=photo.pk).update(redacted=True)
    assert Open311().client.get(media_url).status_code == 404
    assert parse(Open311().get(f"requests/{number}"))[0]["media_url"] is None

    Attachment.objects.filter(pk=photo.pk).update(redacted=False)
    Case.objects.filter(number=number).update(hidden=True)
    assert Open311().client.get(media_url).status_code == 404
    assert Open311().get(f"requests/{number}").status_code == 404
    assert number not in ids(Open311().get("requests"))
    assert number not in ids(Open311().get("requests", service_request_id=number))
    # The client that posted it still learns its number from the token.
    token = Open311Request.objects.get(case__number=number).token
    assert Open311().get(f"tokens/{token}").status_code == 200


def test_a_media_url_of_another_case_or_an_unknown_photo_is_404(world, api):
    first = created_id(report(api, media=jpeg()))
    second = created_id(report(api, lat=EAST[1], long=EAST[0]))
    photo = Attachment.objects.get(case__number=first)
    assert Open311().client.get(f"{BASE}media/{second}/{photo.pk}.jpg").status_code == 404
    assert Open311().client.get(f"{BASE}media/{first}/{photo.pk + 99}.jpg").status_code == 404
    assert Open311().client.get(f"{BASE}media/{first}%00/{photo.pk}.jpg").status_code == 404


# ---------------------------------------------------------------------------
# The list: filters, window, caps


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_default_list_is_the_last_90_days_newest_first(world, fmt):
    old = intake(world, days_ago=91)
    recent = intake(world, days_ago=89)
    today = intake(world, code="E0501")
    assert ids(Open311().get("requests", fmt)) == [today.number, recent.number]
    assert old.number not in ids(Open311().get("requests", fmt, start_date="", end_date="", status=""))


@pytest.mark.parametrize("fmt", FORMATS)
def test_filters_by_service_code_status_and_dates(world, fmt):
    parking = intake(world, days_ago=10)
    stall = intake(world, code="E0501", days_ago=5)
    cover = intake(world, code="C0101", where=EAST, days_ago=1)
    services.reject(parking, world.users["campaign_admin"], note="无效")
    client = Open311()
    assert set(ids(client.get("requests", fmt, service_code="E0501,C0101"))) == {stall.number, cover.number}
    assert set(ids(client.get("requests", fmt, service_code="e0502"))) == {parking.number}
    assert set(ids(client.get("requests", fmt, status="closed"))) == {parking.number}
    assert set(ids(client.get("requests", fmt, status="open"))) == {stall.number, cover.number}
    assert set(ids(client.get("requests", fmt, status="open,closed"))) == {parking.number, stall.number, cover.number}
    start = timezone.localtime(timezone.now() - timedelta(days=7)).isoformat(timespec="seconds")
    end = (timezone.now() - timedelta(days=3)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(client.get("requests", fmt, start_date=start, end_date=end)) == [stall.number]
    assert set(ids(client.get("requests", fmt, start_date=start))) == {stall.number, cover.number}
    # A date alone is the whole day in the city's time zone.
    day = timezone.localdate(stall.created_at).isoformat()
    assert ids(client.get("requests", fmt, start_date=day, end_date=day)) == [stall.number]


def test_only_end_date_means_the_90_days_before_it(world):
    old = intake(world, days_ago=150)
    older = intake(world, days_ago=220)
    end = timezone.localtime(timezone.now() - timedelta(days=120)).isoformat()
    assert ids(Open311().get("requests", end_date=end)) == [old.number]
    assert older.number not in ids(Open311().get("requests", end_date=end))


def test_service_request_ids_override_every_other_filter(world):
    old = intake(world, days_ago=300)
    recent = intake(world)
    got = ids(
        Open311().get(
            "requests",
            service_request_id=f"{old.number},{recent.number},NOPE",
            status="closed",
            service_code="C0101",
            start_date="2001-01-01T00:00:00Z",
        )
    )
    assert set(got) == {old.number, recent.number}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "params, status",
    [
        ({"start_date": "yesterday"}, 400),
        ({"start_date": "2026-05-01T10:00:00"}, 400),  # no time zone
        ({"start_date": "2026-13-01"}, 400),
        ({"end_date": "2026-02-30T00:00:00Z"}, 400),
        ({"start_date": "0001-01-01T00:00:00Z"}, 400),
        ({"start_date": "2026-01-01T00:00:00+25:00"}, 400),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400),  # more than 90 days
        ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"}, 400),
        ({"status": "pending"}, 400),
        ({"service_code": "E0502,X1"}, 404),
        ({"page": "0"}, 400),
        ({"page_size": "1001"}, 400),
        ({"page": "99999999999999999999"}, 400),
        ({"page": "²"}, 400),
        ({"page_size": "-5"}, 400),
        ({"start_date": "٢٠٢٦-٠١-٠١"}, 400),
    ],
)
def test_bad_list_parameters_are_errors_in_the_format(world, fmt, params, status):
    response = Open311().get("requests", fmt, **params)
    assert response.status_code == status, response.content.decode()
    assert str(parse(response)[0]["code"]) == str(status)


def test_several_bad_list_parameters_are_reported_together(world):
    response = Open311().get("requests", start_date="soon", end_date="later", status="pending")
    assert response.status_code == 400
    assert len(parse(response)) == 3


def test_a_window_of_exactly_90_days_is_accepted(world):
    assert (
        Open311()
        .get("requests", start_date="2026-01-01T00:00:00+08:00", end_date="2026-04-01T00:00:00+08:00")
        .status_code
        == 200
    )


def test_the_list_is_capped_at_1000_and_can_be_paged(world):
    template = intake(world)
    now = timezone.now()
    clones = []
    for i in range(1004):
        clone = Case.objects.get(pk=template.pk)
        clone.pk = None
        clone.number = f"E05022026{i:08d}"
        clone.client_key = None
        clone.created_at = clone.updated_at = now - timedelta(minutes=i + 1)
        clones.append(clone)
    Case.objects.bulk_create(clones)
    client = Open311()
    first = ids(client.get("requests"))
    assert len(first) == 1000
    assert first[0] == template.number
    second = ids(client.get("requests", page=2))
    assert len(second) == 5 and not set(first) & set(second)
    assert ids(client.get("requests", page=3, page_size=10)) == [c.number for c in clones[19:29]]
    assert len(ids(client.get("requests", service_request_id=",".join(c.number for c in clones)))) == 1000


def test_listing_does_not_query_per_case(world, django_assert_max_num_queries):
    for i in range(15):
        case = intake(world, where=(WEST[0] + i * 0.001, WEST[1]), photos=[jpeg()])
        if i % 2:
            services.register(case, world.users["campaign_admin"])
    with django_assert_max_num_queries(12):
        assert len(ids(Open311().get("requests"))) == 15


def test_contact_data_typed_into_a_description_or_note_is_masked(world):
    case = intake(
        world,
        description="市民王先生（13912345678，wang@example.cn，身份证 15010219900101123X）反映，"
        "座机 0471-6543210；案件 E0502202605010001 附近",
    )
    services.reject(case, world.users["campaign_admin"], note="已电话联系 13912345678 核实")
    (request,) = parse(Open311().get(f"requests/{case.number}"))
    for private in ("13912345678", "wang@example.cn", "15010219900101123X", "0471-6543210"):
        assert private not in request["description"] and private not in request["status_notes"]
    assert request["description"].count("***") == 4
    assert "E0502202605010001" in request["description"]
