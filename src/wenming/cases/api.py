"""The cases part of the JSON API: thin wrappers around ``services``.

No rule of the case lifecycle lives here: every change goes through
``services.intake`` or ``services.perform``, every queryset through ``visible``.
Write endpoints take a JSON object, or a multipart form with the same fields
plus files named ``photos``.
"""

import json
from datetime import datetime

import pydantic
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError

from wenming.cases import services
from wenming.cases.filters import CaseFilter
from wenming.cases.models import Case, Category, Source
from wenming.org.scope import visible
from wenming.org.services import mask_phone

try:
    from ninja import Status
except ImportError:  # django-ninja before Status: a (status, body) tuple

    def Status(status, body):  # noqa: N802
        return status, body


router = Router(tags=["cases"])
categories_router = Router(tags=["categories"])

# The Idempotency-Key is kept per user in Case.client_key (80 characters).
IDEMPOTENCY_KEY_MAX = 60


# ---------------------------------------------------------------------------
# Schemas


class ErrorOut(Schema):
    code: str
    message: str
    details: dict


class RefOut(Schema):
    code: str
    name: str


class CaseOut(Schema):
    number: str
    kind: str
    category: str = Field(description="kind + code of the subclass, e.g. E0501")
    category_name: str
    source: str
    status: str
    status_label: str
    priority: str
    description: str
    address: str
    lon: float
    lat: float
    area: RefOut
    district: RefOut | None
    street: RefOut | None
    assigned_unit: RefOut | None
    reporter_name: str | None = Field(description="staff only; null for anonymous reports")
    reporter_phone: str | None = Field(description="staff only, masked; null for anonymous reports")
    anonymous: bool
    tags: list
    site_ref: str
    framework_item_ref: str
    possible_duplicates: int
    created_at: datetime
    updated_at: datetime
    deadline: datetime | None
    is_overdue: bool
    red_flag: bool
    escalation: int
    version: int


class EventOut(Schema):
    action: str
    from_status: str = Field(alias="from")
    to_status: str = Field(alias="to")
    at: datetime
    note: str
    actor_name: str | None
    unit_name: str | None


class PhotoOut(Schema):
    id: int
    stage: str
    url: str | None = Field(description="the public copy, without metadata")
    thumbnail_url: str | None
    width: int | None
    height: int | None


class CountsOut(Schema):
    rework: int
    returns: int
    extensions: int
    reopened: int


class CaseDetailOut(CaseOut):
    events: list[EventOut]
    photos: list[PhotoOut]
    allowed_actions: list[str]
    deadline_provisional: bool
    time_left_seconds: int | None
    counts: CountsOut
    suggested_unit: RefOut | None
    routing_reason: str | None
    public_note: str
    satisfaction: str
    rectified_at: datetime | None
    closed_at: datetime | None


class IntakeOut(CaseDetailOut):
    duplicates: list[str] = Field(description="numbers of active cases of the same subclass nearby")


class CaseListOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[CaseOut]


class CaseQuery(Schema):
    """The filters of the back office's case list (all optional)."""

    queue: str | None = None
    status: list[str] | None = Field(None, description="repeat it, or separate statuses with commas")
    category: str | None = Field(None, description="a subclass or major class: E0501, E05, or its id")
    area: str | None = Field(None, description="area code; its whole subtree")
    unit: str | None = Field(None, description="unit code; it and its sub-units")
    source: str | None = None
    priority: str | None = None
    date_from: str | None = Field(None, description="YYYY-MM-DD")
    date_to: str | None = Field(None, description="YYYY-MM-DD")
    overdue: str | None = Field(None, description="true or false")
    red_flag: str | None = Field(None, description="true or false")
    q: str | None = Field(None, description="words of the number, category, address or description")
    sort: str | None = Field(None, description="newest (default), oldest, deadline, number, updated")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class IntakeIn(Schema):
    source: str | None = Field(
        None, description="citizen when absent; people without a staff role may only use citizen"
    )
    category: str | int | None = Field(None, description="kind + code of an active subclass (E0501) or its id")
    lon: float | None = None
    lat: float | None = None
    description: str = ""
    address: str = ""
    priority: str = "normal"
    reporter_name: str = ""
    reporter_phone: str = ""
    anonymous: bool = False
    tags: list[str] = []
    site_ref: str = ""
    framework_item_ref: str = ""


class ActionIn(Schema):
    """The fields each action reads are listed in services.ACTIONS; the others are ignored."""

    version: int | None = Field(None, description="the version you last saw; a newer one gives 409 conflict")
    note: str | None = None
    unit: str | None = Field(None, description="dispatch: unit code")
    into: str | None = Field(None, description="merge: number of the case to merge into")
    working_days: int | None = Field(None, description="request_extension")
    reason: str | None = Field(None, description="request_extension, request_suspension")
    approve: bool | None = Field(None, description="decide_request")
    passed: bool | None = Field(None, description="verify")
    satisfaction: str | None = Field(None, description="evaluate: satisfied or unsatisfied")
    working_hours: int | None = Field(None, description="red_flag")


class PhotosIn(Schema):
    version: int | None = None
    note: str | None = None


class CategoryOut(Schema):
    id: int
    ref: str = Field(description="kind + code, e.g. E0501")
    kind: str
    code: str
    name: str
    plain_name: str
    icon: str
    major: RefOut
    time_limit: int | None
    time_unit: str
    citizen_reportable: bool


def _body_doc(schema, *, photos: bool) -> dict:
    """The request body for the OpenAPI document: JSON, or a form with photos."""
    json_schema = schema.model_json_schema()
    form_schema = json.loads(json.dumps(json_schema))
    form_schema.setdefault("properties", {})["photos"] = {
        "type": "array",
        "items": {"type": "string", "format": "binary"},
        "description": "JPEG, PNG, WebP or HEIC",
    }
    content = {"application/json": {"schema": json_schema}}
    if photos:
        content["multipart/form-data"] = {"schema": form_schema}
    return {"requestBody": {"required": False, "content": content}}


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut}


# ---------------------------------------------------------------------------
# Reading requests


def _is_staff(user) -> bool:
    return user.has_perm("cases.browse_cases")


def _cases(user) -> QuerySet:
    """The cases ``user`` may read: their scope; people without a staff role also their own reports."""
    queryset = visible(user, Case.objects.all())
    if not _is_staff(user):
        queryset = queryset | Case.objects.filter(reporter=user)
    return queryset


def _case(user, number: str) -> Case:
    case = _cases(user).filter(number=number).first()
    if case is None:
        raise services.NotFound(_("No such case, or it is outside your scope."))
    return case


def _invalid(errors: list[dict]) -> ValidationError:
    return ValidationError([{"loc": ("body", *e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors])


def _payload(request, schema) -> tuple[dict, list]:
    """The fields of a JSON or multipart body, checked against ``schema``, and the uploaded photos."""
    photos = []
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data = {}
        for name, info in schema.model_fields.items():
            values = [v for v in request.POST.getlist(name) if v.strip()]  # an empty field is an absent one
            if not values:
                continue
            if info.annotation == list[str]:
                data[name] = [v.strip() for value in values for v in value.split(",") if v.strip()]
            else:
                data[name] = values[-1]
        photos = request.FILES.getlist("photos")
    else:
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise services.Invalid(_("Send a JSON object, or a multipart form."), fields={"body": "not a JSON object"})
    try:
        checked = schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _invalid(exc.errors(include_url=False)) from None
    return checked.model_dump(exclude_none=True, include=set(data)), photos


# ---------------------------------------------------------------------------
# Writing responses


def _ref(obj) -> dict | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


LIST_RELATED = ("category", "area", "district", "street", "assigned_unit")
DETAIL_RELATED = LIST_RELATED + ("suggested_unit",)


def _case_out(case: Case, staff: bool) -> dict:
    hide_reporter = not staff or case.anonymous
    return {
        "number": case.number,
        "kind": case.kind,
        "category": f"{case.category.kind}{case.category.code}",
        "category_name": case.category.name,
        "source": case.source,
        "status": case.status,
        "status_label": case.get_status_display(),
        "priority": case.priority,
        "description": case.description,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "area": _ref(case.area),
        "district": _ref(case.district),
        "street": _ref(case.street),
        "assigned_unit": _ref(case.assigned_unit),
        "reporter_name": None if hide_reporter else case.reporter_name,
        "reporter_phone": None if hide_reporter else mask_phone(case.reporter_phone),
        "anonymous": case.anonymous,
        "tags": case.tags,
        "site_ref": case.site_ref,
        "framework_item_ref": case.framework_item_ref,
        "possible_duplicates": case.possible_duplicates,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "deadline": case.deadline,
        "is_overdue": case.is_overdue,
        "red_flag": case.red_flag,
        "escalation": case.escalation,
        "version": case.version,
    }


def _url(request, field) -> str | None:
    return request.build_absolute_uri(field.url) if field else None


def _detail(request, user, number: str) -> dict:
    staff = _is_staff(user)
    case = _cases(user).select_related(*DETAIL_RELATED).filter(number=number).first()
    if case is None:
        raise services.NotFound(_("No such case, or it is outside your scope."))
    events = case.events.select_related("actor__profile", "actor_unit")
    if not staff:
        events = events.filter(public=True)
    left = services.time_left(case)
    out = _case_out(case, staff)
    out.update(
        events=[
            {
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "at": e.at,
                "note": e.note,
                "actor_name": _actor_name(e.actor) if staff else None,
                "unit_name": e.actor_unit.name if e.actor_unit else None,
            }
            for e in events
        ],
        photos=[
            {
                "id": a.pk,
                "stage": a.stage,
                "url": _url(request, a.public_image),
                "thumbnail_url": _url(request, a.thumbnail),
                "width": a.width,
                "height": a.height,
            }
            for a in case.attachments.all()
        ],
        allowed_actions=services.allowed_actions(case, user),
        deadline_provisional=case.deadline_provisional,
        time_left_seconds=int(left.total_seconds()) if left is not None else None,
        counts={
            "rework": case.rework_count,
            "returns": case.return_count,
            "extensions": case.extension_count,
            "reopened": case.reopen_count,
        },
        suggested_unit=_ref(case.suggested_unit) if staff else None,
        routing_reason=case.routing_reason if staff else None,
        public_note=case.public_note,
        satisfaction=case.satisfaction,
        rectified_at=case.rectified_at,
        closed_at=case.closed_at,
    )
    return out


def _actor_name(user) -> str | None:
    if user is None:
        return None
    profile = getattr(user, "profile", None)
    return (profile.real_name if profile else "") or user.get_username()


# ---------------------------------------------------------------------------
# Endpoints


@router.get("", response={200: CaseListOut, **ERRORS}, summary="List cases")
def list_cases(request, filters: Query[CaseQuery]):
    """The cases in your scope, with the filters of the back office's list."""
    user = request.auth
    staff = _is_staff(user)
    queryset = CaseFilter.from_params(request.GET).apply(_cases(user).select_related(*LIST_RELATED))
    start = (filters.page - 1) * filters.page_size
    results = [_case_out(c, staff) for c in queryset[start : start + filters.page_size]]
    return {"count": queryset.count(), "page": filters.page, "page_size": filters.page_size, "results": results}


@router.get("/{number}", response={200: CaseDetailOut, **ERRORS}, by_alias=True, summary="One case")
def get_case(request, number: str):
    """A case with its history, photos, the actions you may take now and its version."""
    return _detail(request, request.auth, number)


@router.post(
    "",
    response={200: IntakeOut, 201: IntakeOut, **ERRORS},
    by_alias=True,
    summary="Report a problem",
    openapi_extra={
        **_body_doc(IntakeIn, photos=True),
        "parameters": [
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX},
                "description": "Send the same key again to get the first result (200) instead of a second case.",
            }
        ],
    },
)
def report_case(request):
    """201 with the new case; 200 with the first case when the Idempotency-Key was seen before."""
    user = request.auth
    data, photos = _payload(request, IntakeIn)
    staff = _is_staff(user)
    source = data.pop("source", "") or ("" if staff else Source.CITIZEN)
    if not staff and source != Source.CITIZEN:
        raise services.Forbidden(
            _("Without a staff role you may only report as a citizen."), fields={"source": _("only “citizen”")}
        )
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise services.Invalid(
            _("The Idempotency-Key is longer than %d characters.") % IDEMPOTENCY_KEY_MAX,
            fields={"Idempotency-Key": "too long"},
        )
    category = data.pop("category", None)
    if isinstance(category, str) and not category.strip().isdigit():
        ref = category.strip().upper()
        category = Category.objects.filter(kind=ref[:1], code=ref[1:]).first() if len(ref) == 5 else None
    result = services.intake(
        user=user,
        source=source,
        category=category,
        lon=data.pop("lon", None),
        lat=data.pop("lat", None),
        description=data.pop("description", ""),
        photos=photos,
        client_key=key or None,
        **data,
    )
    out = _detail(request, user, result.case.number)
    # The duplicates found when the case was reported, also when the key was seen before.
    reported = result.case.events.filter(action="report").first()
    numbers = (reported.data.get("duplicates") if reported else None) or []
    out["duplicates"] = list(
        visible(user, Case.objects.filter(number__in=numbers)).order_by("created_at").values_list("number", flat=True)
    )
    return Status(201 if result.created else 200, out)


def _perform(request, number: str, action: str, schema) -> dict:
    user = request.auth
    case = _case(user, number)
    params, photos = _payload(request, schema)
    version = params.pop("version", None)
    try:
        services.perform(case, user, action, params, photos=photos, version=version)
    except (services.InvalidTransition, services.Conflict) as exc:
        # Tell the client where the case stands now, whichever check refused.
        current = _cases(user).filter(pk=case.pk).first()
        if current is not None:
            exc.details["allowed"] = services.allowed_actions(current, user)
            exc.details["current_version"] = current.version
        raise
    return _detail(request, user, number)


@router.post(
    "/{number}/actions/{action}",
    response={200: CaseDetailOut, **ERRORS},
    by_alias=True,
    summary="Take an action on a case",
    openapi_extra=_body_doc(ActionIn, photos=True),
)
def act(request, number: str, action: str):
    """Actions: register, reject, merge, dispatch, accept, return, rectify (with photos),
    add_photos, request_extension, request_suspension, decide_request, resume, verify,
    red_flag, evaluate, reopen. 409 gives details.allowed and details.current_version."""
    return _perform(request, number, action, ActionIn)


@router.post(
    "/{number}/photos",
    response={200: CaseDetailOut, **ERRORS},
    by_alias=True,
    summary="Add photos of the problem",
    openapi_extra=_body_doc(PhotosIn, photos=True),
)
def add_photos(request, number: str):
    """More photos taken before rectification, sent as multipart files named photos."""
    return _perform(request, number, "add_photos", PhotosIn)


@categories_router.get("", response={200: list[CategoryOut], 401: ErrorOut}, summary="Categories")
def list_categories(request):
    """The active subclasses that cases are reported under."""
    subclasses = (
        Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent").order_by("kind", "code")
    )
    return [
        {
            "id": c.pk,
            "ref": f"{c.kind}{c.code}",
            "kind": c.kind,
            "code": c.code,
            "name": c.name,
            "plain_name": c.plain_name,
            "icon": c.icon,
            "major": {"code": f"{c.parent.kind}{c.parent.code}", "name": c.parent.name},
            "time_limit": c.time_limit,
            "time_unit": c.time_unit,
            "citizen_reportable": c.citizen_reportable,
        }
        for c in subclasses
    ]
