"""Back-office pages for cases: work queues, lists, the map, the case page and its actions.

Views only translate HTTP to service calls; every queryset goes through ``visible``.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wenming.cases import services
from wenming.cases.filters import SORT_LABELS, CaseFilter, FilterError, queue_counts
from wenming.cases.models import (
    Attachment,
    Case,
    CaseRequest,
    Category,
    Priority,
    RequestStatus,
    Satisfaction,
    Source,
    Stage,
    Status,
)
from wenming.core.excel import xlsx_response
from wenming.core.files import image_response
from wenming.org.access import requires
from wenming.org.models import Unit
from wenming.org.scope import visible
from wenming.org.services import mask_phone

PAGE_SIZE = 50
MAP_LIMIT = 5000


def _cases(request):
    return visible(request.user, Case.objects.select_related("category", "area", "district", "street", "assigned_unit"))


def _filtered(request):
    """The user's cases narrowed by the query string, or a FilterError."""
    case_filter = CaseFilter.from_params(request.GET)
    return case_filter, case_filter.apply(_cases(request))


def _queue_counts(request) -> list[dict]:
    return queue_counts(visible(request.user, Case.objects.all()))


EXPORT_COLUMNS = [
    (gettext_lazy("number"), lambda c: c.number),
    (gettext_lazy("category"), lambda c: c.category.name),
    (gettext_lazy("status"), lambda c: c.get_status_display()),
    (gettext_lazy("source"), lambda c: c.get_source_display()),
    (gettext_lazy("priority"), lambda c: c.get_priority_display()),
    (gettext_lazy("district"), lambda c: c.district.name if c.district else ""),
    (gettext_lazy("street"), lambda c: c.street.name if c.street else ""),
    (gettext_lazy("address"), lambda c: c.address),
    (gettext_lazy("description"), lambda c: c.description),
    (gettext_lazy("responsible unit"), lambda c: c.assigned_unit.name if c.assigned_unit else ""),
    (gettext_lazy("reported at"), lambda c: c.created_at),
    (gettext_lazy("deadline"), lambda c: c.deadline),
    (gettext_lazy("closed at"), lambda c: c.closed_at),
    (gettext_lazy("overdue"), lambda c: _("yes") if c.is_overdue else ""),
    (gettext_lazy("rework"), lambda c: c.rework_count),
    (gettext_lazy("longitude"), lambda c: c.lon),
    (gettext_lazy("latitude"), lambda c: c.lat),
]


@requires("cases.browse_cases")
@require_GET
def case_list(request):
    try:
        case_filter, cases = _filtered(request)
    except FilterError as exc:
        messages.error(request, str(exc))
        return redirect("cases:list")
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            _("cases"),
            [str(label) for label, _get in EXPORT_COLUMNS],
            ([get(c) for _label, get in EXPORT_COLUMNS] for c in cases.iterator(chunk_size=2000)),
        )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for case in page:
        case.left = services.time_left(case, now)
    can_dispatch = services.is_dispatcher_user(request.user)
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "filter": case_filter,
            "queues": _queue_counts(request),
            "statuses": Status.choices,
            "sources": Source.choices,
            "priorities": Priority.choices,
            "categories": Category.objects.filter(parent__isnull=False, is_active=True).select_related("parent"),
            "sorts": SORT_LABELS.items(),
            "can_dispatch": can_dispatch,
            "dispatch_units": _dispatch_units(request) if can_dispatch and case_filter.queue == "to_dispatch" else [],
        },
    )


def _dispatch_units(request):
    return (
        Unit.objects.filter(is_active=True)
        .exclude(kind__in=["leading_group", "special_group"])
        .only("code", "name")
        .order_by("path")
    )


@requires("cases.browse_cases")
@require_GET
def case_points(request):
    """The filtered cases as GeoJSON points for the map (at most MAP_LIMIT, newest first)."""
    try:
        _case_filter, cases = _filtered(request)
    except FilterError as exc:
        return JsonResponse({"error": str(exc), "field": exc.field}, status=400)
    rows = cases.values_list("number", "lon", "lat", "status", "category__name", "is_overdue", "red_flag")[:MAP_LIMIT]
    labels = dict(Status.choices)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "number": number,
                "status": status,
                "status_label": str(labels[status]),
                "category": category,
                "overdue": overdue,
                "red_flag": flagged,
                "url": reverse("cases:detail", args=[number]),
            },
        }
        for number, lon, lat, status, category, overdue, flagged in rows
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features, "limit": MAP_LIMIT})


@requires("cases.browse_cases")
@require_GET
def case_map(request):
    try:
        case_filter, _cases_qs = _filtered(request)
    except FilterError as exc:
        messages.error(request, str(exc))
        return redirect("cases:map")
    return render(
        request,
        "cases/case_map.html",
        {"filter": case_filter, "queues": _queue_counts(request), "query": request.GET.urlencode()},
    )


@requires("cases.browse_cases")
@require_GET
def case_detail(request, number):
    case = get_object_or_404(
        _cases(request).select_related("dispatcher_unit", "suggested_unit", "grid", "community", "duplicate_of"),
        number=number,
    )
    return render(request, "cases/case_detail.html", _detail_context(request, case))


def _detail_context(request, case, **extra):
    events = list(case.events.select_related("actor__profile", "actor_unit"))
    statuses = dict(Status.choices)
    for event in events:
        event.label = services.event_label(event.action)
        event.from_label = statuses.get(event.from_status, "")
        event.to_label = statuses.get(event.to_status, "")
    photos = list(case.attachments.all())
    allowed = services.allowed_actions(case, request.user)
    context = {
        "case": case,
        "events": events,
        "before": [p for p in photos if p.stage == Stage.BEFORE],
        "after": [p for p in photos if p.stage == Stage.AFTER],
        "public_photos": [p for p in photos if not p.redacted],
        "allowed": allowed,
        "left": services.time_left(case),
        "pending_request": CaseRequest.objects.filter(case=case, status=RequestStatus.PENDING).first(),
        "units": _dispatch_units(request) if "dispatch" in allowed else [],
        "satisfactions": Satisfaction.choices,
        "reporter_phone": _reporter_phone(request, case),
        "duplicates": services.find_duplicates(case.category, case.lon, case.lat, exclude=case.pk)
        if case.status in (Status.REPORTED, Status.REGISTERED)
        else [],
    }
    context.update(extra)
    return context


def _reporter_phone(request, case) -> str:
    if not case.reporter_phone or case.anonymous:
        return ""
    return case.reporter_phone if services.is_dispatcher_user(request.user) else mask_phone(case.reporter_phone)


@require_POST
@requires("cases.browse_cases")
def case_action(request, number, action):
    case = get_object_or_404(_cases(request), number=number)
    try:
        services.perform(
            case,
            request.user,
            action,
            request.POST,
            photos=request.FILES.getlist("photos"),
            version=request.POST.get("version"),
        )
    except services.ServiceError as exc:
        context = _detail_context(request, case, error=exc.message, error_action=action)
        return render(request, "cases/case_detail.html", context, status=exc.status)
    messages.success(request, _("Done: %s") % _(services.TRANSITIONS[action].label))
    return redirect("cases:detail", number=number)


@require_POST
@requires("cases.browse_cases")
def bulk_dispatch(request):
    """Dispatch several registered cases to one unit; each goes through the same service."""
    numbers = request.POST.getlist("numbers")
    unit = request.POST.get("unit", "")
    done, failed = 0, []
    for case in _cases(request).filter(number__in=numbers):
        try:
            services.dispatch(case, request.user, unit=unit)
            done += 1
        except services.ServiceError as exc:
            failed.append(f"{case.number}: {exc.message}")
    if done:
        messages.success(request, _("%d cases dispatched.") % done)
    for message in failed:
        messages.error(request, message)
    if not numbers:
        messages.error(request, _("Choose the cases to dispatch."))
    return redirect(reverse("cases:list") + "?queue=to_dispatch")


@requires("cases.file_case")
def case_new(request):
    """Staff enter a case: a hotline call, a media report, a leader's instruction, a field find."""
    form = {"source": Source.HOTLINE, "priority": Priority.NORMAL}
    errors = {}
    status = 200
    if request.method == "POST":
        form = request.POST.dict()
        try:
            result = services.intake(
                source=form.get("source", ""),
                category=form.get("category", ""),
                lon=form.get("lon"),
                lat=form.get("lat"),
                description=form.get("description", ""),
                address=form.get("address", ""),
                priority=form.get("priority", Priority.NORMAL),
                reporter_name=form.get("reporter_name", ""),
                reporter_phone=form.get("reporter_phone", ""),
                client_key=form.get("client_key") or None,
                photos=request.FILES.getlist("photos"),
                user=request.user,
            )
        except services.Invalid as exc:
            errors = exc.details.get("fields", {}) or {"__all__": exc.message}
            status = 400
        else:
            if result.duplicates:
                messages.warning(
                    request,
                    _("Possible duplicates nearby: %s") % ", ".join(d.number for d in result.duplicates),
                )
            messages.success(request, _("Case %s created.") % result.case.number)
            return redirect("cases:detail", number=result.case.number)
    return render(
        request,
        "cases/case_new.html",
        {
            "form": form,
            "errors": errors,
            "sources": [s for s in Source.choices if s[0] not in (Source.CITIZEN, Source.OPEN311)],
            "priorities": Priority.choices,
            "categories": Category.objects.filter(parent__isnull=False, is_active=True).select_related("parent"),
            "client_key": form.get("client_key") or services.new_client_key(),
        },
        status=status,
    )


@requires("cases.browse_cases")
@require_GET
def photo(request, number, pk, variant):
    """Photos are served after the scope check, never straight from the media folder."""
    case = get_object_or_404(_cases(request), number=number)
    attachment = get_object_or_404(Attachment, pk=pk, case=case)
    field = {"thumb": attachment.thumbnail, "public": attachment.public_image, "original": attachment.image}.get(
        variant
    )
    return image_response(
        field, "private, max-age=3600", "image/jpeg" if variant != "original" else attachment.content_type
    )
