"""What the Open311 GeoReport v2 endpoints say and do, apart from HTTP.

Reading the parameters, checking them (every problem at once, each with the
specification's error code), taking in a request through ``cases.cases.intake``
and describing cases in the specification's terms. No rule of the case lifecycle
lives here: a request posted through Open311 is a case like any other.
"""

import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from urllib.parse import urlsplit

from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from wenming.cases import services as cases
from wenming.open311.models import Datatype, Open311Request, ServiceAttribute
from wenming.org.models import Area
from wenming.workdays.models import TimeUnit

MAX_REQUESTS = 1000  # per response, as the specification suggests
MAX_DAYS = 90  # the default window, and the widest one a client may ask for
MAX_PAGE = 100_000
DESCRIPTION_MAX = cases.DESCRIPTION_MAX  # the intake's limit
STRING_MAX = 200
TEXT_MAX = 4000
IDEMPOTENCY_KEY_MAX = 60
# The changeset of the discovery document when no service attribute was edited since.
CHANGESET = datetime(2026, 11, 29, tzinfo=UTC)

PRIVATE_FIELDS = {  # parameter: longest value kept
    "email": 254,
    "device_id": 100,
    "account_id": 100,
    "first_name": 50,
    "last_name": 50,
    "phone": 30,
    "media_url": 1000,
}

# Control characters other than tab and line breaks: never stored, never sent.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_W3C = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?$",
    re.ASCII,
)
_SERVICE_CODE = re.compile(r"^([CE])(\d{4})$", re.ASCII)
_CJK = re.compile("[\u3400-\u9fff]")
# Contact data that staff sometimes type into a description or note (a caller's mobile,
# landline, ID card number or e-mail): masked in everything Open311 shows.
_PERSONAL = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"1[3-9]\d{9}"  # mobile
    r"|\d{17}[0-9Xx]"  # resident ID card
    r"|0\d{2,3}-?\d{7,8}"  # landline with area code
    r")(?![0-9A-Za-z])"
    r"|[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}",  # bounded: no slow backtracking
    re.ASCII,
)


# ---------------------------------------------------------------------------
# Problems and parameters


class Problems(Exception):
    """One or more things wrong with a call: [(code, description)]."""

    def __init__(self, problems: list[tuple[int, str]], headers: dict | None = None):
        super().__init__("; ".join(d for _, d in problems))
        self.problems = problems
        self.headers = headers or {}


def clean(value: str) -> str:
    return _CONTROL.sub("", value).strip()


def markup_removed(value: str, longest: int) -> str:
    """The text without HTML tags or control characters. ValueError when it is far longer than
    ``longest`` (not worth taking apart) or too tangled to take apart."""
    if len(value) > longest * 10:
        raise ValueError(_("longer than %d characters") % longest)
    try:
        return _CONTROL.sub("", strip_tags(value)).strip()
    except SuspiciousOperation:
        raise ValueError(_("plain text only, without HTML")) from None


def plain_text(value: str, longest: int) -> str:
    """The text without HTML tags or control characters; ValueError when longer than
    ``longest`` or when the markup is too tangled to take apart."""
    text = markup_removed(value, longest)
    if len(text) > longest:
        raise ValueError(_("longer than %d characters") % longest)
    return text


class Params:
    """The parameters of a call: the body's fields first, then the query string's.

    An empty value counts as absent (clients send ``jurisdiction_id=``)."""

    def __init__(self, *sources):
        self.sources = [s for s in sources if s is not None]

    def getlist(self, name: str) -> list[str]:
        values = []
        for source in self.sources:
            values.extend(v for v in (clean(x) for x in source.getlist(name)) if v)
        return values

    def get(self, name: str) -> str | None:
        values = self.getlist(name)
        return values[0] if values else None

    def csv(self, name: str) -> list[str]:
        """A comma-separated list, also when the parameter is repeated."""
        items = []
        for value in self.getlist(name):
            items.extend(v.strip() for v in value.split(",") if v.strip())
        return list(dict.fromkeys(items))

    def names(self) -> list[str]:
        seen = {}
        for source in self.sources:
            for name in source.keys():
                seen[name] = True
        return list(seen)


# ---------------------------------------------------------------------------
# Jurisdictions: the cities this deployment serves


def cities() -> list[Area]:
    return list(Area.objects.filter(parent__isnull=True).defer("boundary").order_by("code"))


def jurisdiction(params: Params) -> Area | None:
    """The city a call is about. With one city, jurisdiction_id is ignored; with several
    it must name one of them by its code."""
    roots = cities()
    if len(roots) <= 1:
        return roots[0] if roots else None
    wanted = params.get("jurisdiction_id")
    if wanted is None:
        raise Problems(
            [
                (
                    400,
                    _("jurisdiction_id is required: this server serves several cities (%s).")
                    % ", ".join(f"{a.code} {a.name}" for a in roots),
                )
            ]
        )
    city = next((a for a in roots if a.code == wanted), None)
    if city is None:
        raise Problems([(404, _("Unknown jurisdiction_id “%s”.") % wanted)])
    return city


# ---------------------------------------------------------------------------
# Services: the case subclasses citizens may report


def service_code(category: cases.Category) -> str:
    return f"{category.kind}{category.code}"


def reportable():
    return cases.Category.objects.filter(is_active=True, citizen_reportable=True, parent__isnull=False).select_related(
        "parent"
    )


def find_category(code: str | None, *, reportable_only: bool = True) -> cases.Category | None:
    match = _SERVICE_CODE.match((code or "").strip().upper())
    if not match:
        return None
    queryset = reportable() if reportable_only else cases.Category.objects.filter(parent__isnull=False)
    return queryset.filter(kind=match[1], code=match[2]).first()


def changeset() -> datetime:
    latest = ServiceAttribute.objects.aggregate(latest=Max("updated_at"))["latest"]
    return max(latest, CHANGESET) if latest else CHANGESET


def service_list() -> list[dict]:
    with_attributes = set(ServiceAttribute.objects.values_list("category_id", flat=True).distinct())
    out = []
    for category in reportable().order_by("kind", "code"):
        words = [category.name, category.plain_name, category.parent.name]
        out.append(
            {
                "service_code": service_code(category),
                "service_name": category.name,
                "description": _service_description(category),
                "metadata": category.pk in with_attributes,
                "type": "realtime",
                "keywords": ", ".join(dict.fromkeys(w for w in words if w)),
                "group": category.parent.name,
            }
        )
    return out


def _service_description(category: cases.Category) -> str:
    plain = category.plain_name or category.name
    return f"{plain}（{category.get_kind_display()}·{category.parent.name}）"


def service_definition(code: str) -> dict:
    category = find_category(code)
    if category is None:
        raise Problems([(404, _("Unknown service_code “%s”.") % code)])
    return {
        "service_code": service_code(category),
        "attributes": [_attribute_out(a) for a in category.open311_attributes.order_by("order", "id")],
    }


def _attribute_out(attribute: ServiceAttribute) -> dict:
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
        "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in attribute.values or []],
    }


# ---------------------------------------------------------------------------
# Dates


def parse_w3c(value: str, name: str, *, end: bool = False) -> datetime:
    """A W3C datetime with its time zone (2025-05-01T09:30:00+08:00 or …Z), or a date
    (the whole day in the city's time zone: from its start, or to its end when ``end``)."""
    match = _W3C.match(value)
    problem = Problems(
        [
            (
                400,
                _("%(name)s “%(value)s” is not a W3C datetime with a time zone, e.g. 2025-05-01T09:30:00+08:00.")
                % {"name": name, "value": value[:60]},
            )
        ]
    )
    if not match:
        raise problem
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if hour is not None and zone is None:
        raise problem
    try:
        if not 1900 <= int(year) <= 9000:
            raise ValueError
        if hour is None:
            moment = timezone.make_aware(datetime(int(year), int(month), int(day)))
            return moment + timedelta(days=1, microseconds=-1) if end else moment
        if zone == "Z":
            tz = UTC
        else:
            sign = -1 if zone[0] == "-" else 1
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            if hours > 14 or minutes > 59:
                raise ValueError
            tz = dt_timezone(sign * timedelta(hours=hours, minutes=minutes))
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tzinfo=tz)
    except (ValueError, OverflowError):
        raise problem from None


# ---------------------------------------------------------------------------
# Describing cases


def status_of(case: cases.Case) -> str:
    return "closed" if case.status in cases.FINISHED_STATUSES else "open"


def _limit(case_or_category) -> str:
    unit = TimeUnit(case_or_category.time_unit or TimeUnit.WORKING_DAYS).label
    return f"{case_or_category.time_limit or 5} {unit}"


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def notice(case: cases.Case) -> str:
    """What the reporter may expect: the deadline when the case has one, else its time limit."""
    if case.status in cases.FINISHED_STATUSES:
        return _("The case is finished.")
    if case.deadline is not None:
        return _("To be dealt with by %(deadline)s (time limit %(limit)s).") % {
            "deadline": _local(case.deadline),
            "limit": _limit(case),
        }
    return _(
        "To be dealt with within %(limit)s of being passed to the responsible unit, "
        "after the campaign office has registered it."
    ) % {"limit": _limit(case)}


def masked(text: str) -> str:
    """``text`` with phone numbers, ID card numbers and e-mail addresses replaced by ***."""
    return _PERSONAL.sub("***", text) if text else text


def _address(case: cases.Case) -> str:
    if case.address:
        return case.address
    return "".join(a.name for a in (case.district, case.street, case.community) if a is not None)


def public_cases():
    """The cases anyone may read through Open311: all but those hidden from the public."""
    photos = cases.Attachment.objects.filter(redacted=False).exclude(public_image="").order_by("created_at", "id")
    return (
        cases.Case.objects.filter(hidden=False)
        .select_related("category", "assigned_unit", "area", "district", "street", "community")
        .prefetch_related(Prefetch("attachments", queryset=photos, to_attr="public_photos"))
        .defer("search_text")
    )


def first_photo(case: cases.Case) -> cases.Attachment | None:
    photos = getattr(case, "public_photos", None)
    if photos is None:
        photos = list(case.attachments.filter(redacted=False).exclude(public_image="").order_by("created_at", "id"))
    before = [p for p in photos if p.stage == cases.Stage.BEFORE]
    return (before or photos or [None])[0]


def request_out(case: cases.Case, media_url) -> dict:
    """A case as a service request: never the reporter's name, phone or any contact data."""
    photo = first_photo(case)
    return {
        "service_request_id": case.number,
        "status": status_of(case),
        "status_notes": masked(case.public_note) or None,
        "service_name": case.category.name,
        "service_code": service_code(case.category),
        "description": masked(case.description),
        "agency_responsible": case.assigned_unit.name if case.assigned_unit_id else None,
        "service_notice": notice(case),
        "requested_datetime": case.created_at,
        "updated_datetime": case.updated_at,
        "expected_datetime": case.deadline,
        "address": masked(_address(case)) or None,
        "address_id": case.area.code,
        "lat": case.lat,
        "long": case.lon,
        "media_url": media_url(case, photo) if photo is not None else None,
    }


# ---------------------------------------------------------------------------
# GET requests


def _page(params: Params) -> tuple[int, int]:
    problems = []
    numbers = {}
    for name, low, high, default in (("page", 1, MAX_PAGE, 1), ("page_size", 1, MAX_REQUESTS, MAX_REQUESTS)):
        value = params.get(name)
        if value is None:
            numbers[name] = default
        elif value.isascii() and value.isdigit() and low <= int(value) <= high:
            numbers[name] = int(value)
        else:
            problems.append(
                (
                    400,
                    _("%(name)s must be a whole number from %(low)d to %(high)d.")
                    % {"name": name, "low": low, "high": high},
                )
            )
    if problems:
        raise Problems(problems)
    return numbers["page"], numbers["page_size"]


def search(params: Params, city: Area | None, now=None) -> list[cases.Case]:
    """The cases a GET requests call asks for, newest first, at most 1,000."""
    now = now or timezone.now()
    queryset = public_cases()
    if city is not None:
        queryset = queryset.filter(area__path__startswith=city.path)
    page, page_size = _page(params)
    ids = params.csv("service_request_id")
    if ids:
        # Asking for requests by id overrides every other filter.
        wanted = [i for i in ids if len(i) <= 24][:MAX_REQUESTS]
        queryset = queryset.filter(number__in=wanted)
    else:
        problems = []
        codes = params.csv("service_code")
        categories = []
        for code in codes:
            category = find_category(code, reportable_only=False)
            if category is None:
                problems.append((404, _("Unknown service_code “%s”.") % code[:40]))
            categories.append(category)
        statuses = params.csv("status")
        for status in statuses:
            if status not in ("open", "closed"):
                problems.append((400, _("status “%s” is not open or closed.") % status[:40]))
        start = end = None
        for name in ("start_date", "end_date"):
            value = params.get(name)
            if value is None:
                continue
            try:
                moment = parse_w3c(value, name, end=name == "end_date")
            except Problems as exc:
                problems.extend(exc.problems)
                continue
            if name == "start_date":
                start = moment
            else:
                end = moment
        if start is not None and end is not None:
            if start > end:
                problems.append((400, _("start_date is after end_date.")))
            elif end - start > timedelta(days=MAX_DAYS, seconds=1):
                problems.append((400, _("start_date and end_date may be at most %d days apart.") % MAX_DAYS))
        if problems:
            raise Problems(problems)
        if start is None and end is None:
            end = now
        if start is None:
            start = end - timedelta(days=MAX_DAYS)
        if end is None:
            end = start + timedelta(days=MAX_DAYS)
        queryset = queryset.filter(created_at__gte=start, created_at__lte=end)
        if categories:
            queryset = queryset.filter(category__in=categories)
        if set(statuses) == {"open"}:
            queryset = queryset.exclude(status__in=cases.FINISHED_STATUSES)
        elif set(statuses) == {"closed"}:
            queryset = queryset.filter(status__in=cases.FINISHED_STATUSES)
    offset = (page - 1) * page_size
    return list(queryset.order_by("-created_at", "-id")[offset : offset + page_size])


def one(number: str, city: Area | None) -> cases.Case:
    queryset = public_cases()
    if city is not None:
        queryset = queryset.filter(area__path__startswith=city.path)
    case = queryset.filter(number=number).first() if len(number) <= 24 else None
    if case is None:
        raise Problems([(404, _("Unknown service_request_id “%s”.") % number[:40])])
    return case


def from_token(token: str, city: Area | None) -> Open311Request:
    link = Open311Request.objects.select_related("case__area").filter(token=token).first() if len(token) <= 40 else None
    if link is None or (city is not None and not link.case.area.path.startswith(city.path)):
        raise Problems([(404, _("Unknown token “%s”.") % token[:40])])
    return link


# ---------------------------------------------------------------------------
# POST requests


@dataclass
class Submitted:
    case: cases.Case
    token: str
    created: bool
    duplicates: list = field(default_factory=list)


def _attributes(params: Params, category: cases.Category) -> tuple[dict, list]:
    """The answers to the service's questions, checked against their datatypes."""
    sent: dict[str, list[str]] = {}
    for name in params.names():
        match = _ATTRIBUTE.match(name)
        if match:
            sent.setdefault(match[1], []).extend(params.getlist(name))
    answers, problems = {}, []
    for attribute in category.open311_attributes.filter(variable=True).order_by("order", "id"):
        values = sent.get(attribute.code, [])
        label = f"attribute[{attribute.code}]"
        if not values:
            if attribute.required:
                problems.append(
                    (400, _("%(name)s is required: %(question)s") % {"name": label, "question": attribute.description})
                )
            continue
        try:
            answers[attribute.code] = _answer(attribute, values)
        except ValueError as exc:
            problems.append((400, _("%(name)s: %(problem)s") % {"name": label, "problem": exc}))
    return answers, problems


def _answer(attribute: ServiceAttribute, values: list[str]):
    datatype = attribute.datatype
    if datatype == Datatype.MULTI:
        keys = attribute.keys()
        wrong = [v for v in values if v not in keys]
        if wrong:
            raise ValueError(
                _("“%(value)s” is not one of %(keys)s") % {"value": wrong[0][:40], "keys": ", ".join(keys)}
            )
        return list(dict.fromkeys(values))
    if len(values) > 1:
        raise ValueError(_("give one value"))
    value = values[0]
    if datatype == Datatype.SINGLE:
        keys = attribute.keys()
        if value not in keys:
            raise ValueError(_("“%(value)s” is not one of %(keys)s") % {"value": value[:40], "keys": ", ".join(keys)})
        return value
    if datatype == Datatype.NUMBER:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or len(value) > 40:
            raise ValueError(_("“%s” is not a number") % value[:40])
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if datatype == Datatype.DATETIME:
        try:
            moment = parse_w3c(value, "value")
        except Problems:
            raise ValueError(_("“%s” is not a W3C datetime with a time zone") % value[:40]) from None
        return moment.isoformat()
    return plain_text(value, STRING_MAX if datatype == Datatype.STRING else TEXT_MAX)


def _location(params: Params, city: Area | None, has_media: bool) -> tuple[object, object, list]:
    """(lon, lat, problems) from lat+long, else address_id, else address_string (with a photo that
    knows where it was taken). The intake checks the point itself; the problems here are Open311's own."""
    lat, lon = params.get("lat"), params.get("long")
    if lat is not None or lon is not None:
        return lon, lat, []
    address_id = params.get("address_id")
    if address_id is not None:
        areas = Area.objects.filter(code=address_id[:15], label_lon__isnull=False).defer("boundary")
        if city is not None:
            areas = areas.filter(path__startswith=city.path)
        area = areas.first()
        if area is None:
            return (
                None,
                None,
                [(400, _("Unknown address_id “%s”: give the code of an area of the city.") % address_id[:40])],
            )
        return area.label_lon, area.label_lat, []
    if params.get("address_string") is not None:
        if has_media:
            return None, None, []  # the intake takes the place written in the photo, if any
        return (
            None,
            None,
            [
                (
                    400,
                    _(
                        "The address alone cannot be placed on the map: give lat and long, "
                        "or address_id, or a photo taken there."
                    ),
                )
            ],
        )
    return None, None, [(400, _("No location: give lat and long, address_string or address_id."))]


def _private(params: Params) -> tuple[dict, list]:
    data, problems = {}, []
    for name, longest in PRIVATE_FIELDS.items():
        value = params.get(name) or ""
        if len(value) > longest:
            problems.append((400, _("%(name)s is longer than %(n)d characters.") % {"name": name, "n": longest}))
            value = ""
        data[name] = value
    if data["email"]:
        try:
            EmailValidator()(data["email"])
        except ValidationError:
            problems.append((400, _("email “%s” is not an e-mail address.") % data["email"][:60]))
    if data["media_url"]:
        parts = urlsplit(data["media_url"])
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append((400, _("media_url must be an http or https URL.")))
    return data, problems


def _reporter_name(first: str, last: str) -> str:
    if _CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


def _problems_from_intake(exc: cases.Invalid, *, known: set) -> list[tuple[int, str]]:
    """The intake's problems, by field, as Open311 errors; ``known`` fields were reported already."""
    fields = {name: message for name, message in exc.fields.items() if name not in known}
    if not exc.fields:
        return [(400, exc.message)]
    names = {"location": "", "photos": "media: ", "description": "description: ", "category": "service_code: "}
    return [(400, f"{names.get(name, name + ': ')}{message}") for name, message in fields.items()]


def problems_from(exc) -> list[tuple[int, str]]:
    """Any service's refusal as Open311 errors."""
    if isinstance(exc, cases.Invalid) and exc.fields:
        return _problems_from_intake(exc, known=set())
    return [(exc.status, exc.message)]


def submit(params: Params, files, client, city: Area | None, *, idempotency_key: str = "") -> Submitted:
    """Take in a request posted by ``client``; raises Problems listing everything wrong: Open311's
    own parameters checked here, the report itself by the intake, all in one answer."""
    problems = []
    known = set()  # the intake's fields whose problems are said here already
    code = params.get("service_code")
    category = None
    if code is None:
        problems.append((400, _("service_code is required.")))
    else:
        category = find_category(code)
        if category is None:
            problems.append((404, _("Unknown service_code “%s”.") % code[:40]))
    if category is None:
        known.add("category")
    media = list(files.getlist("media")) if files is not None else []
    lon, lat, found = _location(params, city, bool(media))
    if found:
        problems += found
        known.add("location")
    try:
        description = markup_removed(params.get("description") or "", DESCRIPTION_MAX)
    except ValueError as exc:
        description = ""
        problems.append((400, _("description: %s") % exc))
        known.add("description")
    attributes = {}
    if category is not None:
        attributes, found = _attributes(params, category)
        problems += found
    private, found = _private(params)
    problems += found
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
        problems.append((400, _("The Idempotency-Key is longer than %d characters.") % IDEMPOTENCY_KEY_MAX))

    name = _reporter_name(private["first_name"], private["last_name"])
    draft = None
    try:
        draft = cases.prepare_intake(
            source=cases.Source.OPEN311,
            category=category,
            lon=lon,
            lat=lat,
            description=description or (category.name if category else "-"),
            address=params.get("address_string") or "",
            reporter_name=name,
            reporter_phone=private["phone"],
            anonymous=not (name or private["phone"] or private["email"]),
            client_key=f"o311-{client.pk}:{idempotency_key}" if idempotency_key else None,
            attributes=attributes,
            photos=media,
            within=city,
        )
    except cases.Invalid as exc:
        problems += _problems_from_intake(exc, known=known)
    if problems:
        raise Problems(problems)
    with transaction.atomic():
        result = cases.file_intake(draft)
        link = Open311Request.objects.filter(case=result.case).first()
        if link is None:
            link = Open311Request.objects.create(
                token=secrets.token_urlsafe(18), case=result.case, client=client, **private
            )
    duplicates = [c for c in result.duplicates if not c.hidden]
    return Submitted(result.case, link.token, result.created, duplicates)


def _sentences(*parts: str) -> str:
    """Sentences joined as each language does: no space after a Chinese full stop."""
    text = ""
    for part in parts:
        text += part if not text or text.endswith("。") else " " + part
    return text


def submitted_notice(submitted: Submitted) -> str:
    parts = [_("Received as case %s.") % submitted.case.number, notice(submitted.case)]
    if submitted.duplicates:
        parts.append(
            _("The same problem was reported nearby and is being handled (%s).")
            % ", ".join(c.number for c in submitted.duplicates[:5])
        )
    return _sentences(*parts)
