"""Filing a case (intake): every problem, whatever its source, enters here.

``prepare_intake`` checks a report, every field at once, and finds where it lies and whether it
was reported before under the same key; ``file_intake`` saves it with its photos and first
events (staff in the field are registered, and routed, at once). ``intake`` does both.
"""

import math
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import ACTIVE_STATUSES, Case, Category, Priority, Source, Stage, Status
from wenming.cases.services import deadlines, records
from wenming.cases.services.lifecycle import routed_on_registration
from wenming.core.errors import Forbidden, Invalid
from wenming.core.files import files_removed_on_failure
from wenming.core.sequences import next_serial
from wenming.geo.measure import distance_m
from wenming.notifications import services as notifications
from wenming.org import lookup
from wenming.org import services as org_services
from wenming.org.actors import SYSTEM, actor_for
from wenming.org.models import STAFF_ROLES, Area

DESCRIPTION_MAX = 4000
DUPLICATE_RADIUS_M = 50
DUPLICATE_WINDOW_DAYS = 7
# Reports from staff in the field are registered at once; the others are reviewed first.
TRUSTED_SOURCES = {Source.INSPECTION, Source.GRID, Source.SUPERVISION, Source.LEADER}
# Sources anyone may use; the others are entered by staff.
PUBLIC_SOURCES = {Source.CITIZEN, Source.OPEN311, Source.VOLUNTEER}


def new_client_key() -> str:
    """A key for a form, so that submitting it twice creates one case."""
    return uuid.uuid4().hex


@dataclass
class IntakeResult:
    case: Case
    created: bool
    duplicates: list = field(default_factory=list)


def _next_number(kind: str, category: Category, now) -> str:
    prefix = f"{kind}{category.code}{timezone.localtime(now):%Y%m%d}"
    return f"{prefix}{next_serial(prefix):04d}"


def find_duplicates(category: Category, lon: float, lat: float, now=None, *, exclude=None) -> list[Case]:
    """Active cases of the same subclass within DUPLICATE_RADIUS_M and the time window."""
    now = now or timezone.now()
    dlat = DUPLICATE_RADIUS_M / 111_320
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    candidates = Case.objects.filter(
        category=category,
        status__in=ACTIVE_STATUSES,
        created_at__gte=now - timedelta(days=DUPLICATE_WINDOW_DAYS),
        lat__range=(lat - dlat, lat + dlat),
        lon__range=(lon - dlon, lon + dlon),
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    near = [
        c for c in candidates.order_by("created_at")[:50] if distance_m(lon, lat, c.lon, c.lat) <= DUPLICATE_RADIUS_M
    ]
    return near


def text_for_search(case: Case) -> str:
    return " ".join([case.number, case.category.name, case.address, case.description])


@dataclass
class IntakeDraft:
    """A report checked by ``prepare_intake`` and ready for ``file_intake``; or, when its key
    was seen before, the case filed then (``existing``)."""

    user: object
    now: object
    existing: Case | None = None
    source: str = ""
    category: Category | None = None
    lon: float = 0.0
    lat: float = 0.0
    location: object = None
    location_from: str = "given"
    photos: list = field(default_factory=list)
    values: dict = field(default_factory=dict)  # the case's other fields, checked


def intake(**report) -> IntakeResult:
    """Take in a problem from any source (the fields of ``prepare_intake``). Retrying with the same
    client_key returns the first result and creates nothing; bad input raises Invalid and saves nothing."""
    return file_intake(prepare_intake(**report))


def prepare_intake(
    *,
    source: str,
    category,
    lon,
    lat,
    description: str,
    user=None,
    address: str = "",
    priority: str = Priority.NORMAL,
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    client_key: str | None = None,
    tags=None,
    attributes=None,
    photos=(),
    site_ref: str = "",
    framework_item_ref: str = "",
    within: Area | None = None,
    now=None,
) -> IntakeDraft:
    """Check a report, every field at once: Invalid lists each problem by field (``location``,
    ``category``, ``description``, ``photos`` …) and nothing is saved. ``within`` narrows the
    places accepted to one area (a door serving one city of several)."""
    now = now or timezone.now()
    if client_key:
        # Keys are kept per reporter: one person's key never finds another person's case.
        owner = user.pk if getattr(user, "is_authenticated", False) else "anon"
        client_key = f"{owner}:{client_key}"[:80]
        existing = Case.objects.filter(client_key=client_key).first()
        if existing is not None:
            return IntakeDraft(user, now, existing=existing)
    if source not in PUBLIC_SOURCES and actor_for(user).role not in STAFF_ROLES:
        raise Forbidden(_("Only staff may enter reports from this source."))
    problems = {}
    if source not in Source.values:
        problems["source"] = _("unknown source “%s”") % source
    if not isinstance(category, Category):
        category = Category.objects.filter(pk=category).first() if str(category).isdigit() else None
    if category is None or not category.is_subclass or not category.is_active:
        problems["category"] = _("choose an active subclass")
    elif source in (Source.CITIZEN, Source.OPEN311) and not category.citizen_reportable:
        problems["category"] = _("citizens cannot report this category")
    description = (description or "").strip()
    if not description:
        problems["description"] = _("describe the problem")
    elif len(description) > DESCRIPTION_MAX:
        problems["description"] = _("the description is longer than %d characters") % DESCRIPTION_MAX
    if priority not in Priority.values:
        problems["priority"] = _("unknown priority “%s”") % priority
    processed = []
    try:
        processed = records.processed_photos(photos)
    except Invalid as exc:
        problems["photos"] = exc.message
    location_from = "given"
    if lon in (None, "") and lat in (None, ""):
        # No location given: propose the one a phone wrote into a photo.
        found = next(((p.exif_lon, p.exif_lat) for p in processed if p.exif_lon is not None), None)
        if found:
            lon, lat = found
            location_from = "photo"
    location = None
    try:
        lon, lat = float(lon), float(lat)
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError
        location = lookup.locate(lon, lat)
        if within is not None and not any(a.id == within.pk for a in location.chain):
            location = None
            problems["location"] = _("The point lies outside %s.") % within.name
    except lookup.OutsideCity as exc:
        problems["location"] = exc.message
    except (TypeError, ValueError):
        problems["location"] = _("give the location as longitude and latitude in degrees")
    if problems:
        raise Invalid(_("The report cannot be accepted: %s") % "; ".join(problems.values()), fields=problems)
    return IntakeDraft(
        user,
        now,
        source=source,
        category=category,
        lon=lon,
        lat=lat,
        location=location,
        location_from=location_from,
        photos=processed,
        values={
            "priority": priority,
            "description": description,
            "address": address.strip()[:200],
            "reporter_name": reporter_name.strip()[:50],
            "reporter_phone": reporter_phone.strip()[:20],
            "anonymous": anonymous,
            "client_key": client_key or None,
            "tags": list(tags or []),
            "attributes": dict(attributes or {}),
            "site_ref": site_ref,
            "framework_item_ref": framework_item_ref,
        },
    )


def file_intake(draft: IntakeDraft) -> IntakeResult:
    """Save a report that ``prepare_intake`` accepted, with its photos and first events."""
    if draft.existing is not None:
        return IntakeResult(draft.existing, created=False)
    user, now, category, lon, lat, location = (
        draft.user,
        draft.now,
        draft.category,
        draft.lon,
        draft.lat,
        draft.location,
    )
    client_key = draft.values["client_key"]
    duplicates = find_duplicates(category, lon, lat, now)
    areas = {a.code: a for a in Area.objects.filter(id__in=[a.id for a in location.chain])}
    chain = {a.level: areas[a.code] for a in location.chain}
    reporter = user if getattr(user, "is_authenticated", False) else None
    try:
        with files_removed_on_failure() as saved_files, transaction.atomic():
            case = Case(
                number=_next_number(category.kind, category, now),
                kind=category.kind,
                category=category,
                source=draft.source,
                status=Status.REPORTED,
                lon=lon,
                lat=lat,
                area=areas[location.deepest.code],
                district=chain.get("district"),
                street=chain.get("street"),
                community=chain.get("community"),
                grid=chain.get("grid"),
                reporter=reporter,
                possible_duplicates=len(duplicates),
                **draft.values,
                dispatcher_unit=org_services.campaign_office_for(chain.get("district")),
                created_at=now,
                updated_at=now,
            )
            deadlines.apply_category_limit(case)
            case.search_text = text_for_search(case)
            case.save()
            actor = actor_for(user)
            event = records.record_event(
                case,
                actor,
                "report",
                "",
                Status.REPORTED,
                now,
                data={"duplicates": [d.number for d in duplicates], "location_from": draft.location_from},
            )
            for photo in draft.photos:
                records.attach_photo(case, event, photo, Stage.BEFORE, reporter, saved_files)
            if draft.source in TRUSTED_SOURCES:
                events, notices = routed_on_registration(case, now)
                case.save()
                for action, from_status, to_status, data in events:
                    records.record_event(
                        case, actor if action == "register" else SYSTEM, action, from_status, to_status, now, data=data
                    )
                for kind, users, title in notices:
                    notifications.send(users, kind, title, about=case, now=now)
    except IntegrityError:
        if client_key:
            existing = Case.objects.filter(client_key=client_key).first()
            if existing is not None:
                return IntakeResult(existing, created=False)
        raise
    return IntakeResult(case, created=True, duplicates=duplicates)
