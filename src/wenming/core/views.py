from django.db.models import Count
from django.shortcuts import render

from wenming.org.access import back_office
from wenming.org.models import Area, AreaLevel, Membership, Unit
from wenming.org.scope import visible


def portal(request):
    """The public start page (mobile first); the citizen portal grows from here."""
    city = Area.objects.filter(parent__isnull=True).only("name").first()
    return render(request, "core/portal_home.html", {"city_name": city.name if city else ""})


@back_office
def dashboard(request):
    areas = visible(request.user, Area.objects.all())
    by_level = dict(areas.values_list("level").annotate(n=Count("id")).order_by())
    counts = [(AreaLevel(level).label, by_level.get(level, 0)) for level in AreaLevel.values]
    return render(
        request,
        "core/dashboard.html",
        {
            "area_counts": counts,
            "unit_count": visible(request.user, Unit.objects.all()).count(),
            "people_count": visible(request.user, Membership.objects.filter(is_active=True)).values("user").distinct().count(),
        },
    )
