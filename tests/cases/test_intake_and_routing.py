"""Intake from every source: validation, area, numbering, idempotency, duplicates, routing."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.cases.conftest import EAST_POINT, WEST_POINT, category, jpeg
from wenming.cases import services
from wenming.cases.models import Attachment, Case, CaseEvent, RoutingRule, Status
from wenming.cases.services import records
from wenming.notifications.models import Notification


def test_a_hotline_report_waits_for_registration_with_its_area_chain(world, report):
    case = report(source="hotline", reporter_name="张先生", reporter_phone="13912345678")
    assert re.fullmatch(r"E0501\d{8}0001", case.number)
    assert case.number[5:13] == timezone.localtime(case.created_at).strftime("%Y%m%d")
    assert case.status == Status.REPORTED
    assert (case.district.code, case.street.code, case.community.code, case.grid.code) == (
        "990101",
        "990101001",
        "990101001001",
        "990101001001001",
    )
    assert case.dispatcher_unit.code == "WCCB"  # the district's campaign office
    assert [e.action for e in case.events.all()] == ["report"]


def test_numbers_count_up_per_category_and_day(world, report):
    first, second = report(), report(where=(111.03, 40.03))
    other = report(code="E0502")
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1
    assert other.number.startswith("E0502") and other.number.endswith("0001")


def test_a_field_inspection_is_registered_and_dispatched_by_its_rule(world, report):
    case = report(source="inspection", user=world.users["inspector"])
    assert case.status == Status.DISPATCHED
    assert case.assigned_unit.code == "D1"
    assert "占道经营" in case.routing_reason and "市城管局" in case.routing_reason
    assert [e.action for e in case.events.all()] == ["report", "register", "dispatch"]
    assert case.deadline is not None and case.deadline > case.created_at
    assert Notification.objects.filter(user=world.users["department_handler"], case=case, kind="assigned").exists()


def counts():
    return Case.objects.count(), CaseEvent.objects.count(), Attachment.objects.count()


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"lon": 116.4, "lat": 39.9}, "outside the city"),
        ({"lon": "east", "lat": 40.0}, "longitude and latitude"),
        ({"lon": float("nan"), "lat": 40.0}, "longitude and latitude"),
        ({"description": "   "}, "describe the problem"),
        ({"description": "字" * 4001}, "4000 characters"),
        ({"category": "major"}, "active subclass"),
        ({"source": "pigeon"}, "unknown source"),
        ({"priority": "asap"}, "unknown priority"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_nothing_is_saved(world, changes, problem, english):
    arguments = dict(
        source="hotline",
        category=category("E0501"),
        lon=WEST_POINT[0],
        lat=WEST_POINT[1],
        description="占道经营",
        user=world.users["campaign_admin"],
        photos=[jpeg()],
    )
    if changes.get("category") == "major":
        changes = {"category": category("E05")}
    arguments.update(changes)
    before, files = counts(), media_files()
    with pytest.raises(services.Invalid) as error:
        services.intake(**arguments)
    assert problem in error.value.message
    assert counts() == before
    assert media_files() == files


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("fake.jpg", b"this is plain text, not a photo", content_type="image/jpeg"),
        SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"),
    ],
)
def test_a_fake_photo_rejects_the_whole_report(world, upload, english):
    before, files = counts(), media_files()
    with pytest.raises(services.Invalid) as error:
        services.intake(
            source="hotline",
            category=category("E0501"),
            lon=WEST_POINT[0],
            lat=WEST_POINT[1],
            description="占道",
            user=world.users["campaign_admin"],
            photos=[jpeg(), upload],
        )
    assert upload.name in error.value.message
    assert counts() == before and media_files() == files


def test_a_failure_after_the_photos_are_stored_removes_them_again(world, monkeypatch):
    files = media_files()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(records, "record_event", broken)
    with pytest.raises(RuntimeError):
        services.intake(
            source="hotline",
            category=category("E0501"),
            lon=WEST_POINT[0],
            lat=WEST_POINT[1],
            description="占道",
            user=world.users["campaign_admin"],
            photos=[jpeg(), jpeg("b.jpg")],
        )
    assert Case.objects.count() == 0
    assert media_files() == files


def test_photos_are_stored_with_a_public_copy_and_a_thumbnail(world, report):
    case = report(photos=[jpeg(size=(400, 300))])
    photo = case.attachments.get()
    assert photo.stage == "before" and (photo.width, photo.height) == (400, 300)
    assert photo.thumbnail.name.endswith(".jpg") and photo.public_image.name.endswith(".jpg")
    assert Path(photo.image.path).exists()


def test_a_retried_submission_returns_the_first_case(world):
    arguments = dict(
        source="citizen",
        category=category("E0501"),
        lon=WEST_POINT[0],
        lat=WEST_POINT[1],
        description="占道",
        user=world.users["citizen"],
        client_key="phone-7f3a-0001",
    )
    first = services.intake(**arguments)
    again = services.intake(**arguments)
    assert first.created and not again.created
    assert again.case.pk == first.case.pk
    assert Case.objects.count() == 1


def test_nearby_open_cases_of_the_same_kind_are_suggested_as_duplicates(world, report):
    first = report()
    # about 30 m north: suggested
    near = services.intake(
        source="hotline",
        category=category("E0501"),
        lon=111.02,
        lat=40.02027,
        description="同一个摊",
        user=world.users["campaign_admin"],
    )
    assert [d.number for d in near.duplicates] == [first.number]
    assert near.case.possible_duplicates == 1
    # about 90 m away, another kind, or an old case: not suggested
    far = services.intake(
        source="hotline",
        category=category("E0501"),
        lon=111.02,
        lat=40.0208,
        description="另一个摊",
        user=world.users["campaign_admin"],
    )
    assert first.number not in [d.number for d in far.duplicates]
    other_kind = services.intake(
        source="hotline",
        category=category("E0502"),
        lon=111.02,
        lat=40.02,
        description="乱停车",
        user=world.users["campaign_admin"],
    )
    assert other_kind.duplicates == []
    later = services.intake(
        source="hotline",
        category=category("E0101"),
        lon=111.02,
        lat=40.02,
        description="垃圾",
        user=world.users["campaign_admin"],
        now=timezone.now() + timedelta(days=10),
    )
    assert later.duplicates == []


def test_citizens_cannot_report_categories_closed_to_them(world, english):
    closed = category("E0601")
    closed.citizen_reportable = False
    closed.save()
    with pytest.raises(services.Invalid, match="citizens cannot report"):
        services.intake(
            source="citizen",
            category=closed,
            lon=WEST_POINT[0],
            lat=WEST_POINT[1],
            description="x",
            user=world.users["citizen"],
        )


# Routing precedence: the category first (subclass > major > any), then the area (deeper > wider).


@pytest.fixture
def many_rules(city):
    RoutingRule.objects.create(unit=city.units["D2"], note="any, city")
    RoutingRule.objects.create(category=category("E05"), unit=city.units["D1A"], note="major, city")
    RoutingRule.objects.create(category=category("E0501"), unit=city.units["D1"], note="subclass, city")
    RoutingRule.objects.create(
        category=category("E0501"), area=city.areas["990101001"], unit=city.units["W1"], note="subclass, street"
    )
    RoutingRule.objects.create(area=city.areas["990101"], unit=city.units["WGOV"], note="any, district")
    return city


@pytest.mark.parametrize(
    "code, where, unit",
    [
        ("E0501", WEST_POINT, "W1"),  # subclass in the street beats subclass in the city
        ("E0501", EAST_POINT, "D1"),  # no street rule there: subclass in the city
        ("E0502", WEST_POINT, "D1A"),  # the major class beats "any category" even in a deeper area
        ("C0101", WEST_POINT, "WGOV"),  # any category: the district beats the city
        ("C0101", EAST_POINT, "D2"),  # only the city-wide catch-all is left
    ],
)
def test_the_most_specific_rule_wins(many_rules, code, where, unit):
    case = services.intake(
        source="inspection",
        category=category(code),
        lon=where[0],
        lat=where[1],
        description="检查发现",
        user=many_rules.users["inspector"],
    ).case
    assert case.assigned_unit.code == unit
    register = case.events.get(action="register")
    assert register.data["suggested_unit"] == unit and register.data["rule"] is not None


def test_without_a_rule_the_case_waits_for_dispatch_by_hand(city):
    case = services.intake(
        source="inspection",
        category=category("C0101"),
        lon=WEST_POINT[0],
        lat=WEST_POINT[1],
        description="井盖缺失",
        user=city.users["inspector"],
    ).case
    assert case.status == Status.REGISTERED and case.assigned_unit is None
    assert case.events.get(action="register").data["suggested_unit"] is None


def test_a_rule_can_suggest_without_dispatching(city):
    RoutingRule.objects.create(category=category("C0101"), unit=city.units["D2"], auto_dispatch=False)
    case = services.intake(
        source="inspection",
        category=category("C0101"),
        lon=WEST_POINT[0],
        lat=WEST_POINT[1],
        description="井盖缺失",
        user=city.users["inspector"],
    ).case
    assert case.status == Status.REGISTERED and case.suggested_unit.code == "D2" and case.assigned_unit is None


def test_without_a_location_the_photos_gps_is_used(world):
    from tests.core.test_photos import encode, make_exif, two_colour, upload

    # 40°01'12" N, 111°01'12" E: inside grid 001 of 西一街道.
    exif = make_exif(lat=("N", (40.0, 1.0, 12.0)), lon=("E", (111.0, 1.0, 12.0)))
    photo = upload(encode(two_colour(), "JPEG", exif=exif))
    case = services.intake(
        source="grid",
        category=category("E0101"),
        lon="",
        lat="",
        description="垃圾",
        user=world.users["grid_worker"],
        photos=[photo],
    ).case
    assert (round(case.lon, 4), round(case.lat, 4)) == (111.02, 40.02)
    assert case.grid.code == "990101001001001"
    assert case.events.get(action="report").data["location_from"] == "photo"


def test_without_a_location_or_gps_the_report_is_refused(world, english):
    with pytest.raises(services.Invalid, match="longitude and latitude"):
        services.intake(
            source="grid",
            category=category("E0101"),
            lon=None,
            lat=None,
            description="垃圾",
            user=world.users["grid_worker"],
            photos=[jpeg()],
        )


@pytest.mark.parametrize("role", ["citizen", "volunteer"])
def test_only_staff_enter_reports_from_staff_sources(world, role):
    with pytest.raises(services.Forbidden):
        services.intake(
            source="inspection",
            category=category("E0501"),
            lon=WEST_POINT[0],
            lat=WEST_POINT[1],
            description="冒充督查",
            user=world.users[role],
        )
    assert Case.objects.count() == 0
