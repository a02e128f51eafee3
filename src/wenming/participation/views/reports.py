"""随手拍 pages: report a problem, support an existing one, follow, rate and reopen; the public map and list."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wenming.cases import services as cases
from wenming.core.errors import ServiceError
from wenming.core.files import image_response
from wenming.org.models import Area, AreaLevel
from wenming.participation import protection
from wenming.participation.access import citizen_required
from wenming.participation.models import Support
from wenming.participation.services import reports

PAGE_SIZE = 20
TRACKED_SESSION_KEY = "wenming_tracked_cases"  # cases this browser may follow by tracking code
NEW_CODES_SESSION_KEY = "wenming_new_tracking_codes"  # shown once, on the page after submitting


def _categories():
    """Subclasses citizens may report, grouped under their major class, in plain words with icons."""
    groups = {}
    for category in cases.Category.objects.filter(
        is_active=True, citizen_reportable=True, parent__isnull=False
    ).select_related("parent"):
        groups.setdefault(category.parent, []).append(category)
    return sorted(groups.items(), key=lambda item: (item[0].kind, item[0].code))


def _form_context(request, form, errors=None, message=""):
    return {
        "form": form,
        "errors": errors or {},
        "message": message,
        "groups": _categories(),
        "client_key": form.get("client_key") or cases.new_client_key(),
        "max_photos": cases.MAX_PHOTOS,
    }


@protection.rate_limited("report")
def report_new(request):
    if request.method != "POST":
        return render(request, "participation/reports/new.html", _form_context(request, {}))
    form = request.POST.dict()
    try:
        submitted = reports.submit(
            request.user,
            category=form.get("category", ""),
            lon=form.get("lon"),
            lat=form.get("lat"),
            description=form.get("description", ""),
            address=form.get("address", ""),
            photos=request.FILES.getlist("photos"),
            client_key=form.get("client_key", ""),
            anonymous=form.get("anonymous") == "1",
        )
    except ServiceError as exc:
        return render(
            request,
            "participation/reports/new.html",
            _form_context(request, form, exc.fields, exc.message),
            status=exc.status,
        )
    case = submitted.case
    if submitted.tracking_code:
        request.session.setdefault(NEW_CODES_SESSION_KEY, {})[case.number] = submitted.tracking_code
        _grant(request, case)
        request.session.modified = True
    return redirect("participation:report_submitted", number=case.number)


def report_submitted(request, number):
    case = _own_or_tracked(request, number)
    code = request.session.get(NEW_CODES_SESSION_KEY, {}).get(number, "")
    return render(request, "participation/reports/submitted.html", {"case": case, "tracking_code": code})


@require_GET
def report_nearby(request):
    """Open reports of the chosen kind close to the chosen place (htmx fragment)."""
    category = (
        cases.Category.objects.filter(pk=request.GET.get("category") or 0, parent__isnull=False).first()
        if str(request.GET.get("category", "")).isdigit()
        else None
    )
    found = reports.nearby(category, request.GET.get("lon"), request.GET.get("lat")) if category else []
    supported = set()
    if request.user.is_authenticated and found:
        supported = set(Support.objects.filter(user=request.user, case__in=found).values_list("case_id", flat=True))
    for case in found:
        case.is_supported = case.pk in supported
    return render(request, "participation/reports/_nearby.html", {"nearby": found})


@require_POST
@citizen_required
@protection.rate_limited("support")
def report_support(request, number):
    case = get_object_or_404(reports.public_cases(), number=number)
    try:
        counted = reports.support(request.user, case)
    except ServiceError as exc:
        if request.headers.get("HX-Request"):
            return render(
                request,
                "participation/reports/_support.html",
                {"case": case, "error": exc.message, "count": reports.support_count(case)},
                status=exc.status,
            )
        messages.error(request, exc.message)
        return redirect("participation:report_detail", number=number)
    message = _("Thank you: your support is counted.") if counted else _("You already support this report.")
    if request.headers.get("HX-Request"):
        return render(
            request,
            "participation/reports/_support.html",
            {"case": case, "supported": True, "message": message, "count": reports.support_count(case)},
        )
    messages.success(request, message)
    return redirect("participation:report_detail", number=number)


def _grant(request, case):
    tracked = request.session.setdefault(TRACKED_SESSION_KEY, [])
    if case.pk not in tracked:
        tracked.append(case.pk)
        request.session.modified = True


def _own_or_tracked(request, number) -> cases.Case:
    """A report its author may see whatever its state: by account, or by tracking code in this browser."""
    case = (
        cases.Case.objects.filter(number=number)
        .select_related("category", "assigned_unit", "district", "street")
        .first()
    )
    if case is None:
        raise Http404
    mine = request.user.is_authenticated and case.reporter_id == request.user.pk
    if not mine and case.pk not in request.session.get(TRACKED_SESSION_KEY, []):
        raise Http404
    return case


def report_detail(request, number):
    try:
        case = _own_or_tracked(request, number)
        own = True
    except Http404:
        case = get_object_or_404(
            reports.public_cases().select_related("category", "assigned_unit", "district", "street"), number=number
        )
        own = False
    user = request.user
    photos = list(reports.public_photos(case))
    actions = reports.reporter_actions(case, user)
    context = {
        "case": case,
        "own": own,
        "steps": reports.progress(case),
        "before": [p for p in photos if p.stage == cases.Stage.BEFORE],
        "after": [p for p in photos if p.stage == cases.Stage.AFTER],
        "supports": reports.support_count(case),
        "supported": user.is_authenticated and Support.objects.filter(case=case, user=user).exists(),
        "open_for_support": case.status in cases.ACTIVE_STATUSES
        and not case.hidden
        and not (user.is_authenticated and case.reporter_id == user.pk),
        "can_rate": "evaluate" in actions,
        "can_reopen": "reopen" in actions,
        "reopen_days": cases.REOPEN_DAYS,
        "time_left": cases.time_left(case),
    }
    return render(request, "participation/reports/detail.html", context)


@require_POST
@citizen_required
@protection.rate_limited("rate")
def report_rate(request, number):
    return _reporter_step(
        request,
        number,
        _("Thank you for rating the result."),
        lambda case: reports.rate(
            case,
            request.user,
            satisfied=request.POST.get("satisfied"),
            note=request.POST.get("note", ""),
            version=request.POST.get("version"),
        ),
    )


@require_POST
@citizen_required
@protection.rate_limited("rate")
def report_reopen(request, number):
    return _reporter_step(
        request,
        number,
        _("Your report was reopened; the responsible unit will deal with it again."),
        lambda case: reports.reopen(
            case, request.user, note=request.POST.get("note", ""), version=request.POST.get("version")
        ),
    )


def _reporter_step(request, number, done: str, step):
    """A step only the reporter takes on their own report; the outcome is told on the report's page."""
    case = get_object_or_404(cases.Case, number=number, reporter=request.user)
    try:
        step(case)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("participation:report_detail", number=number)


@protection.rate_limited("account")
def track(request):
    """Follow a report made without an account, by its tracking code."""
    error = ""
    status = 200
    if request.method == "POST":
        case = reports.find_by_tracking_code(request.POST.get("code", ""))
        if case is not None:
            _grant(request, case)
            return redirect("participation:report_detail", number=case.number)
        error = _("No report has this tracking code. Check the letters and try again.")
        status = 404
    return render(request, "participation/reports/track.html", {"error": error}, status=status)


@citizen_required(allow_blocked=True)
def my_reports(request):
    page = Paginator(reports.my_reports(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "participation/reports/mine.html", {"page": page})


def report_list(request):
    params = {
        "status": request.GET.get("status", ""),
        "category": request.GET.get("category", "") if request.GET.get("category", "").isdigit() else "",
        "district": request.GET.get("district", ""),
        "q": request.GET.get("q", ""),
    }
    page = Paginator(reports.public_list(**params), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "participation/reports/list.html",
        {
            "page": page,
            "params": params,
            "majors": cases.Category.objects.filter(parent__isnull=True, is_active=True),
            "districts": Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code"),
        },
    )


def report_map(request):
    return render(request, "participation/reports/map.html")


@require_GET
def reports_geojson(request):
    """Public points: number, kind, status and place only; no names, phones or descriptions."""
    rows = (
        reports.public_cases()
        .filter(status__in=[*cases.ACTIVE_STATUSES, *reports.FINISHED_FOR_CITIZENS])
        .order_by("-created_at")
        .values_list("number", "lon", "lat", "status", "category__plain_name", "category__name")[:5000]
    )
    labels = dict(cases.Status.choices)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            "properties": {
                "number": number,
                "category": plain or name,
                "status": status,
                "status_label": str(labels.get(status, status)),
                "overdue": False,
                "url": reverse("participation:report_detail", args=[number]),
            },
        }
        for number, lon, lat, status, plain, name in rows
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@require_GET
def areas_geojson(request):
    """City, district and street outlines for the portal's maps (boundaries are public)."""
    level = request.GET.get("level", AreaLevel.DISTRICT)
    if level not in (AreaLevel.CITY, AreaLevel.DISTRICT, AreaLevel.STREET):
        return JsonResponse({"error": _("unknown level %s") % level}, status=400)
    rows = Area.objects.filter(level=level, boundary__isnull=False).values_list(
        "code", "name", "boundary", "is_generated"
    )
    features = [
        {
            "type": "Feature",
            "geometry": boundary,
            "properties": {"code": code, "name": name, "level": level, "generated": generated},
        }
        for code, name, boundary, generated in rows.iterator(chunk_size=200)
    ]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def report_photo(request, number, pk, variant):
    """A public photo: only the metadata-free copy (or its thumbnail) of a public report's unredacted photo."""
    try:
        case = _own_or_tracked(request, number)
    except Http404:
        case = get_object_or_404(reports.public_cases(), number=number)
    attachment = reports.public_photos(case).filter(pk=pk).first()
    field = (
        None if attachment is None else {"thumb": attachment.thumbnail, "public": attachment.public_image}.get(variant)
    )
    return image_response(field, "public, max-age=300")


routes = [
    path("report/", report_new, name="report_new"),
    path("report/nearby/", report_nearby, name="report_nearby"),
    path("track/", track, name="track"),
    path("reports/", report_list, name="report_list"),
    path("reports/map/", report_map, name="report_map"),
    path("reports.geojson", reports_geojson, name="reports_geojson"),
    path("areas.geojson", areas_geojson, name="areas_geojson"),
    path("reports/<str:number>/", report_detail, name="report_detail"),
    path("reports/<str:number>/submitted/", report_submitted, name="report_submitted"),
    path("reports/<str:number>/support/", report_support, name="report_support"),
    path("reports/<str:number>/rate/", report_rate, name="report_rate"),
    path("reports/<str:number>/reopen/", report_reopen, name="report_reopen"),
    path("reports/<str:number>/photos/<int:pk>/<str:variant>.jpg", report_photo, name="report_photo"),
    path("me/reports/", my_reports, name="my_reports"),
]
office_routes = []
