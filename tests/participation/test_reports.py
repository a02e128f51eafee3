"""随手拍: a citizen reports, supports, follows, rates and reopens; the public sees no personal data."""

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.cases.conftest import WEST_POINT, category, jpeg
from wenming.cases import services as cases
from wenming.cases.models import Attachment, Case
from wenming.notifications.models import Notification
from wenming.participation.models import Citizen, PointEntry, Support, TrackingCode
from wenming.participation.services import reports


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def form(**changes):
    data = {
        "category": str(category("E0501").pk),
        "lon": str(WEST_POINT[0]),
        "lat": str(WEST_POINT[1]),
        "description": "人行道上有人摆摊卖水果，行人只能走机动车道",
        "address": "和平路与解放路交叉口",
        "client_key": "key-1",
    }
    data.update(changes)
    return data


def filed(user, *, key, description="占道摆摊", photos=()):
    """A stall on the pavement reported through the portal's service (at WEST_POINT, 占道经营)."""
    return reports.submit(
        user,
        category=category("E0501"),
        lon=WEST_POINT[0],
        lat=WEST_POINT[1],
        description=description,
        client_key=key,
        photos=photos,
    ).case


def files_in(root: Path):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def close(case, world):  # noqa: F811
    """The office registers and dispatches, the unit rectifies with a photo, the inspector passes it."""
    case = cases.register(case, world.users["campaign_admin"])
    case = cases.accept(case, world.users["department_handler"])
    case = cases.rectify(
        case, world.users["department_handler"], note="已劝离摊贩，恢复通行", photos=[jpeg(colour=(0, 200, 0))]
    )
    return cases.verify(case, world.users["inspector"], passed=True)


# ---------------------------------------------------------------------------
# Submitting


def test_an_anonymous_citizen_reports_with_a_photo_and_gets_a_tracking_code(client, world):  # noqa: F811
    response = client.post("/report/", {**form(), "photos": [jpeg()]})
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/reports/{case.number}/submitted/"
    assert case.source == "citizen" and case.anonymous and case.reporter is None
    assert case.attachments.count() == 1
    page = client.get(response.url).content.decode()
    code = page.split('data-testid="tracking-code">')[1].split("<")[0]
    assert reports.find_by_tracking_code(code) == case
    assert reports.find_by_tracking_code(code.lower().replace("-", " ")) == case
    assert TrackingCode.objects.get().code_hash != code  # only a hash is kept


def test_a_retried_submission_creates_nothing_more_and_shows_the_same_code(client, world):  # noqa: F811
    client.post("/report/", {**form(), "photos": [jpeg()]})
    first = client.get(f"/reports/{Case.objects.get().number}/submitted/").content.decode()
    again = client.post("/report/", {**form(), "photos": [jpeg()]})
    assert again.status_code == 302
    assert Case.objects.count() == 1 and Attachment.objects.count() == 1
    second = client.get(again.url).content.decode()
    code = lambda page: page.split('data-testid="tracking-code">')[1].split("<")[0]  # noqa: E731
    assert code(first) == code(second)


def test_a_logged_in_resident_reports_under_their_account(client, world, resident):  # noqa: F811
    client.force_login(resident)
    client.post("/report/", form())
    case = Case.objects.get()
    assert case.reporter == resident and not case.anonymous
    assert case.reporter_name == "小王" and case.reporter_phone == "13900000001"
    assert case.number in client.get("/me/reports/").content.decode()


def test_a_resident_may_keep_name_and_phone_from_the_staff(client, world, resident):  # noqa: F811
    client.force_login(resident)
    client.post("/report/", form(anonymous="1"))
    case = Case.objects.get()
    assert case.reporter == resident and case.anonymous and case.reporter_phone == ""


def test_the_location_can_come_from_the_photo(client, world):  # noqa: F811
    client.post(
        "/report/", {**form(lon="", lat=""), "photos": [jpeg("gps.jpg", (80, 60), (10, 120, 40), gps=(111.03, 40.03))]}
    )
    case = Case.objects.get()
    assert abs(case.lon - 111.03) < 1e-3 and abs(case.lat - 40.03) < 1e-3


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"lon": "", "lat": ""}, "location", "longitude and latitude"),
        ({"lon": "116.4", "lat": "39.9"}, "location", "outside"),
        ({"category": ""}, "category", "subclass"),
        ({"description": "   "}, "description", "describe"),
        ({"description": "很长" * 2001}, "description", "4000"),
        ({"client_key": ""}, "__all__", "Reload the page"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    client, english, world, media, changes, field, words
):  # noqa: F811
    response = client.post("/report/", {**form(**changes), "photos": [jpeg()]})
    assert response.status_code == 400
    assert words in response.content.decode()
    assert Case.objects.count() == 0 and files_in(media) == []


def test_a_fake_image_saves_nothing(client, english, world, media):  # noqa: F811
    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 'not a photo'; ?>", content_type="image/jpeg")
    response = client.post("/report/", {**form(), "photos": [jpeg(), fake]})
    assert response.status_code == 400 and "photo.jpg" in response.content.decode()
    assert Case.objects.count() == 0 and files_in(media) == []


def test_an_image_with_too_many_pixels_is_refused_before_decoding(client, english, world, media, settings):  # noqa: F811
    settings.WENMING_MAX_IMAGE_PIXELS = 2000  # the 64×48 test photo has 3,072
    response = client.post("/report/", {**form(), "photos": [jpeg()]})
    assert response.status_code == 400 and "pixels" in response.content.decode()
    assert Case.objects.count() == 0 and files_in(media) == []


def test_an_oversized_upload_is_refused(client, english, world, media, settings):  # noqa: F811
    settings.WENMING_MAX_UPLOAD_BYTES = 500
    response = client.post("/report/", {**form(), "photos": [jpeg(size=(400, 300))]})
    assert response.status_code == 400
    assert Case.objects.count() == 0 and files_in(media) == []


def test_script_in_the_description_is_shown_as_text(client, world, resident):  # noqa: F811
    client.force_login(resident)
    client.post("/report/", form(description="<script>alert('x')</script>路灯不亮"))
    case = Case.objects.get()
    page = client.get(f"/reports/{case.number}/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_too_many_reports_in_an_hour_get_429_and_save_nothing(client, world, resident, settings):  # noqa: F811
    settings.WENMING_PORTAL_LIMITS = {"report": {"account": (2, 3600), "ip": (50, 3600)}}
    client.force_login(resident)
    for n in range(2):
        assert client.post("/report/", form(client_key=f"k{n}")).status_code == 302
    response = client.post("/report/", form(client_key="k3"))
    assert response.status_code == 429 and response["Retry-After"]
    assert "请" in response.content.decode()  # the message is in Chinese by default
    assert Case.objects.count() == 2


def test_the_form_is_protected_by_csrf(world):  # noqa: F811
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/report/", form())
    assert response.status_code == 403 and Case.objects.count() == 0


# ---------------------------------------------------------------------------
# Duplicates and support


def test_nearby_open_reports_of_the_same_kind_are_offered(client, world, neighbour):  # noqa: F811
    existing = filed(neighbour, key="n1")
    near = client.get(
        "/report/nearby/", {"category": category("E0501").pk, "lon": WEST_POINT[0] + 0.0002, "lat": WEST_POINT[1]}
    )
    assert existing.number in near.content.decode()
    other_kind = client.get(
        "/report/nearby/", {"category": category("C0102").pk, "lon": WEST_POINT[0], "lat": WEST_POINT[1]}
    )
    far = client.get(
        "/report/nearby/", {"category": category("E0501").pk, "lon": WEST_POINT[0] + 0.01, "lat": WEST_POINT[1]}
    )
    junk = client.get("/report/nearby/", {"category": "x", "lon": "a", "lat": ""})
    for response in (other_kind, far, junk):
        assert response.status_code == 200 and existing.number not in response.content.decode()


def test_a_hidden_report_is_not_offered_nor_listed(client, world, neighbour):  # noqa: F811
    case = filed(neighbour, key="n1")
    cases.hide(case, world.users["campaign_admin"], note="含有他人信息")
    assert (
        case.number
        not in client.get(
            "/report/nearby/", {"category": category("E0501").pk, "lon": WEST_POINT[0], "lat": WEST_POINT[1]}
        ).content.decode()
    )
    assert case.number not in client.get("/reports/").content.decode()
    assert case.number not in client.get("/reports.geojson").content.decode()
    assert client.get(f"/reports/{case.number}/").status_code == 404
    # Its author still follows it.
    client.force_login(neighbour)
    assert client.get(f"/reports/{case.number}/").status_code == 200


def test_a_resident_supports_once_and_not_their_own_report(client, world, resident, neighbour):  # noqa: F811
    case = filed(neighbour, key="n1")
    client.force_login(resident)
    assert client.post(f"/reports/{case.number}/support/").status_code == 302
    assert client.post(f"/reports/{case.number}/support/", HTTP_HX_REQUEST="true").status_code == 200
    assert Support.objects.filter(case=case).count() == 1
    client.force_login(neighbour)
    response = client.post(f"/reports/{case.number}/support/", HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and Support.objects.filter(case=case).count() == 1


def test_supports_over_the_limit_get_429_and_count_nothing(client, world, resident, neighbour, settings):  # noqa: F811
    settings.WENMING_PORTAL_LIMITS = {"support": {"account": (1, 3600), "ip": (100, 3600)}}
    first, second = filed(neighbour, key="n1"), filed(neighbour, key="n2", description="又有人摆摊")
    client.force_login(resident)
    assert client.post(f"/reports/{first.number}/support/").status_code == 302
    response = client.post(f"/reports/{second.number}/support/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert list(Support.objects.values_list("case", flat=True)) == [first.pk]


def test_support_needs_an_account(client, world, neighbour):  # noqa: F811
    case = filed(neighbour, key="n1")
    response = client.post(f"/reports/{case.number}/support/")
    assert response.status_code == 302 and "/login/" in response.url
    assert not Support.objects.exists()


def test_points_for_a_valid_report_and_for_supporting_it(world, resident, neighbour):  # noqa: F811
    case = filed(neighbour, key="n1")
    reports.support(resident, case)
    assert not PointEntry.objects.exists()  # nothing before the office accepts it
    cases.register(case, world.users["campaign_admin"])
    assert Citizen.objects.get(user=neighbour).points == 10
    assert Citizen.objects.get(user=resident).points == 2
    entry = PointEntry.objects.get(citizen__user=neighbour)
    assert entry.balance == 10 and entry.ref == f"case:{case.pk}"


def test_a_rejected_report_earns_no_points(world, neighbour):  # noqa: F811
    case = filed(neighbour, key="n1", description="测试")
    cases.reject(case, world.users["campaign_admin"], note="不属于城市管理问题")
    assert Citizen.objects.get(user=neighbour).points == 0


# ---------------------------------------------------------------------------
# Following, rating, reopening


def test_the_reporter_follows_the_steps_in_plain_words_with_unit_and_deadline(client, english, world, resident):  # noqa: F811
    case = filed(resident, key="r1")
    cases.register(case, world.users["campaign_admin"])  # the routing rule dispatches to 市城管局
    client.force_login(resident)
    page = client.get(f"/reports/{case.number}/").content.decode()
    assert "Accepted as a valid report" in page and "Passed to 市城管局 to deal with" in page
    assert 'data-testid="unit">市城管局' in page and 'data-testid="deadline"' in page
    assert Notification.objects.filter(user=resident, case=case).exists()


def test_after_closing_the_reporter_sees_after_photos_and_rates_the_result(client, world, resident):  # noqa: F811
    case = filed(resident, key="r1")
    close(case, world)
    client.force_login(resident)
    page = client.get(f"/reports/{case.number}/").content.decode()
    assert 'data-testid="after-photos"' in page and 'data-testid="satisfied"' in page
    case.refresh_from_db()
    client.post(f"/reports/{case.number}/rate/", {"satisfied": "1", "version": case.version})
    case.refresh_from_db()
    assert case.status == "evaluated" and case.satisfaction == "satisfied"


def test_a_rating_without_an_answer_changes_nothing(client, world, resident):  # noqa: F811
    case = close(filed(resident, key="r1"), world)
    client.force_login(resident)
    client.post(f"/reports/{case.number}/rate/", {"satisfied": "maybe"})
    case.refresh_from_db()
    assert case.status == "closed" and case.satisfaction == ""


def test_the_reporter_reopens_within_seven_days_with_a_reason(client, world, resident):  # noqa: F811
    case = close(filed(resident, key="r1"), world)
    client.force_login(resident)
    client.post(f"/reports/{case.number}/reopen/", {"note": ""})
    case.refresh_from_db()
    assert case.status == "closed"  # no reason, no reopening
    client.post(f"/reports/{case.number}/reopen/", {"note": "第二天摊贩又回来了"})
    case.refresh_from_db()
    assert case.status == "dispatched" and case.reopen_count == 1


def test_reopening_after_seven_days_is_refused(client, world, resident):  # noqa: F811
    case = close(filed(resident, key="r1"), world)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=8))
    client.force_login(resident)
    assert 'data-testid="reopen"' not in client.get(f"/reports/{case.number}/").content.decode()
    client.post(f"/reports/{case.number}/reopen/", {"note": "又有了"})
    case.refresh_from_db()
    assert case.status == "closed"


def test_ratings_over_the_limit_get_429_and_rate_nothing(client, world, resident, settings):  # noqa: F811
    settings.WENMING_PORTAL_LIMITS = {"rate": {"account": (1, 3600), "ip": (100, 3600)}}
    first, second = (close(filed(resident, key=key), world) for key in ("r1", "r2"))
    client.force_login(resident)
    assert client.post(f"/reports/{first.number}/rate/", {"satisfied": "1"}).status_code == 302
    response = client.post(f"/reports/{second.number}/rate/", {"satisfied": "1"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Case.objects.get(pk=first.pk).status == "evaluated"
    second.refresh_from_db()
    assert second.status == "closed" and second.satisfaction == ""


def test_reopenings_over_the_limit_get_429_and_reopen_nothing(client, world, resident, settings):  # noqa: F811
    settings.WENMING_PORTAL_LIMITS = {"rate": {"account": (1, 3600), "ip": (100, 3600)}}
    first, second = (close(filed(resident, key=key), world) for key in ("r1", "r2"))
    client.force_login(resident)
    assert client.post(f"/reports/{first.number}/reopen/", {"note": "第二天摊贩又回来了"}).status_code == 302
    response = client.post(f"/reports/{second.number}/reopen/", {"note": "第二天摊贩又回来了"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Case.objects.get(pk=first.pk).status == "dispatched"
    second.refresh_from_db()
    assert second.status == "closed" and second.reopen_count == 0


def test_someone_else_cannot_rate_or_reopen(client, world, resident, neighbour):  # noqa: F811
    case = close(filed(resident, key="r1"), world)
    client.force_login(neighbour)
    assert client.post(f"/reports/{case.number}/rate/", {"satisfied": "0"}).status_code == 404
    assert client.post(f"/reports/{case.number}/reopen/", {"note": "x"}).status_code == 404


def test_supporters_hear_when_the_problem_is_dealt_with(world, resident, neighbour):  # noqa: F811
    case = filed(neighbour, key="n1")
    reports.support(resident, case)
    close(case, world)
    assert Notification.objects.filter(user=resident, case=case).exists()


def test_the_tracking_code_opens_an_anonymous_report_in_another_browser(client, world):  # noqa: F811
    from django.test import Client

    submitted = reports.submit(
        None, category=category("E0501"), lon=WEST_POINT[0], lat=WEST_POINT[1], description="占道摆摊", client_key="a1"
    )
    cases.reject(submitted.case, world.users["campaign_admin"], note="已有同类问题在处理")
    other = Client()
    assert other.get(f"/reports/{submitted.case.number}/").status_code == 404  # rejected: not public
    assert other.post("/track/", {"code": "WRONG-CODE1"}).status_code == 404
    response = other.post("/track/", {"code": submitted.tracking_code})
    assert response.status_code == 302
    page = other.get(response.url).content.decode()
    assert "已有同类问题在处理" in page


def test_tracking_codes_tried_over_the_limit_get_429_and_open_nothing(client, world, settings):  # noqa: F811
    settings.WENMING_PORTAL_LIMITS = {"account": {"account": (100, 3600), "ip": (1, 3600)}}
    first, second = (
        reports.submit(
            None,
            category=category("E0501"),
            lon=WEST_POINT[0],
            lat=WEST_POINT[1],
            description="占道摆摊",
            client_key=key,
        )
        for key in ("a1", "a2")
    )
    for submitted in (first, second):
        cases.reject(submitted.case, world.users["campaign_admin"], note="已有同类问题在处理")  # not public
    assert client.post("/track/", {"code": first.tracking_code}).status_code == 302
    response = client.post("/track/", {"code": second.tracking_code})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert client.get(f"/reports/{first.case.number}/").status_code == 200
    assert client.get(f"/reports/{second.case.number}/").status_code == 404


# ---------------------------------------------------------------------------
# The public view


def test_the_public_map_and_list_carry_no_personal_data(client, world, resident):  # noqa: F811
    case = filed(resident, key="r1", description="卖水果的摊位挡住了盲道", photos=[jpeg()])
    data = json.loads(client.get("/reports.geojson").content)
    assert [f["properties"]["number"] for f in data["features"]] == [case.number]
    text = json.dumps(data, ensure_ascii=False)
    assert "13900000001" not in text and "小王" not in text and "挡住了盲道" not in text
    page = client.get(f"/reports/{case.number}/").content.decode()
    assert "13900000001" not in page and "小王" not in page
    assert case.number in client.get("/reports/").content.decode()


def test_public_photos_have_no_metadata_and_redacted_ones_are_gone(client, world, resident):  # noqa: F811
    case = filed(resident, key="r1", photos=[jpeg("gps.jpg", (80, 60), (10, 120, 40), gps=(111.02, 40.02)), jpeg()])
    first, second = case.attachments.order_by("id")
    served = client.get(f"/reports/{case.number}/photos/{first.pk}/public.jpg")
    assert served.status_code == 200
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert not image.getexif()
    cases.redact_photo(case, world.users["campaign_admin"], photo=first.pk, note="拍到人脸")
    assert client.get(f"/reports/{case.number}/photos/{first.pk}/public.jpg").status_code == 404
    assert client.get(f"/reports/{case.number}/photos/{second.pk}/thumb.jpg").status_code == 200
    assert client.get(f"/reports/{case.number}/photos/{second.pk}/original.jpg").status_code == 404


def test_public_area_outlines_stop_at_streets(client, world):  # noqa: F811
    assert client.get("/areas.geojson?level=district").status_code == 200
    assert len(json.loads(client.get("/areas.geojson?level=district").content)["features"]) == 2
    assert client.get("/areas.geojson?level=grid").status_code == 400


def test_the_author_of_a_merged_report_supports_the_one_kept(world, resident, neighbour):  # noqa: F811
    kept = filed(neighbour, key="n1")
    duplicate = filed(resident, key="r1", description="又有人摆摊")
    cases.merge(duplicate, world.users["campaign_admin"], into=kept.number)
    assert list(Support.objects.filter(case=kept).values_list("user", flat=True)) == [resident.pk]


def test_a_photo_gone_from_disk_is_not_found_rather_than_an_error(client, world, resident, login):  # noqa: F811
    case = filed(resident, key="r1", photos=[jpeg()])
    photo = case.attachments.get()
    Path(photo.public_image.path).unlink()
    Path(photo.image.path).unlink()
    assert client.get(f"/reports/{case.number}/photos/{photo.pk}/public.jpg").status_code == 404
    office = login(world.users["campaign_admin"])
    assert office.get(f"/office/cases/{case.number}/photos/{photo.pk}/original/").status_code == 404
