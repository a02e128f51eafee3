"""Back-office pages of the organisation. Every queryset goes through ``visible``."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wenming.core.excel import xlsx_response
from wenming.org import lookup, services
from wenming.org.access import back_office, requires
from wenming.org.models import Area, AreaLevel, Membership, Role, Unit, UnitKind
from wenming.org.scope import visible

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _below(code: str) -> Q:
    """Areas whose path passes through ``code`` (the area itself included)."""
    return Q(path__startswith=f"{code}/") | Q(path__contains=f"/{code}/")


def _wants_excel(request) -> bool:
    return request.GET.get("format") == "xlsx"


@requires("org.browse_areas")
@require_GET
def map_view(request):
    return render(request, "org/map.html", {"levels": AreaLevel.choices})


@requires("org.browse_areas")
@require_GET
def areas_geojson(request):
    """District, street … boundaries the user may see, as a GeoJSON FeatureCollection."""
    level = request.GET.get("level", AreaLevel.DISTRICT)
    if level not in AreaLevel.values:
        return JsonResponse({"error": _("unknown level %s") % level}, status=400)
    areas = visible(request.user, Area.objects.filter(level=level, boundary__isnull=False))
    if parent := request.GET.get("parent"):
        areas = areas.filter(_below(parent))
    features = [
        {
            "type": "Feature",
            "geometry": boundary,
            "properties": {
                "code": code,
                "name": name,
                "level": level,
                "generated": generated,
                "label": [lon, lat],
            },
        }
        for code, name, boundary, generated, lon, lat in areas.values_list(
            "code", "name", "boundary", "is_generated", "label_lon", "label_lat"
        ).iterator(chunk_size=200)
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@requires("org.browse_areas")
@require_GET
def locate_view(request):
    """Which areas a point lies in, limited to the areas the user may see."""
    try:
        lon, lat = float(request.GET["lon"]), float(request.GET["lat"])
    except (KeyError, ValueError):
        return JsonResponse({"error": _("give lon and lat as numbers")}, status=400)
    try:
        location = lookup.locate(lon, lat)
    except lookup.OutsideCity as exc:
        return JsonResponse({"error": str(exc), "outside": True}, status=404)
    ids = {a.id for a in location.chain}
    allowed = set(visible(request.user, Area.objects.filter(id__in=ids)).values_list("id", flat=True))
    chain = [{"level": a.level, "code": a.code, "name": a.name} for a in location.chain if a.id in allowed]
    if not chain:
        raise Http404
    return JsonResponse({"chain": chain})


@requires("org.browse_areas")
@require_GET
def area_list(request):
    areas = visible(request.user, Area.objects.select_related("parent"))
    level = request.GET.get("level", "")
    if level in AreaLevel.values:
        areas = areas.filter(level=level)
    if q := request.GET.get("q", "").strip():
        areas = areas.filter(Q(name__contains=q) | Q(code__startswith=q))
    if within := request.GET.get("within", "").strip():
        areas = areas.filter(_below(within)).exclude(code=within)
    areas = areas.defer("boundary")
    if _wants_excel(request):
        return xlsx_response(
            _("areas"),
            [_("code"), _("name"), _("level"), _("parent area"), _("area (km²)"), _("generated boundary")],
            (
                (
                    a.code,
                    a.name,
                    a.get_level_display(),
                    a.parent.name if a.parent else "",
                    a.area_km2,
                    _("yes") if a.is_generated else "",
                )
                for a in areas.iterator(chunk_size=1000)
            ),
        )
    return render(
        request,
        "org/area_list.html",
        {"page": _page(request, areas), "levels": AreaLevel.choices, "level": level, "q": q, "within": within},
    )


@requires("org.browse_areas")
@require_GET
def area_detail(request, code):
    area = get_object_or_404(visible(request.user, Area.objects.select_related("parent")), code=code)
    children = visible(request.user, area.children.defer("boundary"))
    units = visible(request.user, Unit.objects.filter(area=area))
    return render(
        request,
        "org/area_detail.html",
        {"area": area, "ancestors": area.ancestors(), "children": children, "units": units},
    )


@requires("org.browse_units")
@require_GET
def unit_list(request):
    units = visible(request.user, Unit.objects.select_related("area", "parent"))
    kind = request.GET.get("kind", "")
    if kind in UnitKind.values:
        units = units.filter(kind=kind)
    if q := request.GET.get("q", "").strip():
        units = units.filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(code__startswith=q))
    if _wants_excel(request):
        return xlsx_response(
            _("units"),
            [_("code"), _("name"), _("kind"), _("jurisdiction"), _("parent unit"), _("office phone")],
            (
                (u.code, u.name, u.get_kind_display(), u.area.name, u.parent.name if u.parent else "", u.phone)
                for u in units.iterator(chunk_size=1000)
            ),
        )
    return render(
        request, "org/unit_list.html", {"page": _page(request, units), "kinds": UnitKind.choices, "kind": kind, "q": q}
    )


@requires("org.browse_units")
@require_GET
def unit_detail(request, code):
    unit = get_object_or_404(visible(request.user, Unit.objects.select_related("area", "parent")), code=code)
    people = visible(
        request.user, Membership.objects.filter(unit=unit, is_active=True).select_related("user__profile", "area")
    )
    return render(
        request,
        "org/unit_detail.html",
        {
            "unit": unit,
            "children": visible(request.user, unit.children.select_related("area")),
            "member_units": visible(request.user, unit.member_units.all()),
            "people": people,
        },
    )


def _people(request):
    memberships = visible(request.user, Membership.objects.filter(is_active=True).select_related("unit", "area"))
    User = get_user_model()
    return (
        User.objects.filter(id__in=memberships.values("user_id"))
        .select_related("profile")
        .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="visible_memberships"))
        .order_by("profile__real_name", "username")
    )


@requires("org.browse_people")
@require_GET
def person_list(request):
    people = _people(request)
    if q := request.GET.get("q", "").strip():
        people = people.filter(Q(profile__real_name__contains=q) | Q(username__startswith=q))
    role = request.GET.get("role", "")
    if role in Role.values:
        people = people.filter(memberships__role=role, memberships__is_active=True).distinct()
    if _wants_excel(request):
        return xlsx_response(
            _("people"),
            [_("user name"), _("real name"), _("mobile phone"), _("positions")],
            (
                (
                    p.username,
                    p.profile.real_name,
                    services.shown_phone(request.user, p),
                    "; ".join(str(m) for m in p.visible_memberships),
                )
                for p in people
            ),
        )
    page = _page(request, people)
    for person in page:
        person.shown_phone = services.shown_phone(request.user, person)
    return render(request, "org/person_list.html", {"page": page, "q": q, "roles": Role.choices, "role": role})


@requires("org.browse_people")
@require_GET
def person_detail(request, username):
    person = get_object_or_404(_people(request), username=username)
    person.shown_phone = services.shown_phone(request.user, person)
    return render(request, "org/person_detail.html", {"person": person})


@require_POST
@back_office
def switch_unit(request):
    try:
        membership = services.switch_acting(request.user, int(request.POST.get("membership", "0")))
    except (ValueError, ValidationError):
        return HttpResponseBadRequest(_("You do not hold this position."))
    messages.success(request, _("You now act for %s.") % membership)
    return redirect("office:dashboard")
