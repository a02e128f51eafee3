from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone

from wenming.cases import services as case_services
from wenming.cases.filters import queue_counts
from wenming.cases.models import Case
from wenming.workdays.calendar import get_calendar
from wenming.coverage.services.results import city_figures
from wenming.org.access import back_office
from wenming.org.models import Area, AreaLevel, Membership, Unit
from wenming.org.scope import visible


@back_office
def dashboard(request):
    areas = visible(request.user, Area.objects.all())
    by_level = dict(areas.values_list("level").annotate(n=Count("id")).order_by())
    counts = [(AreaLevel(level).label, by_level.get(level, 0)) for level in AreaLevel.values]
    missing_years = get_calendar().missing_years(timezone.localdate()) if case_services.is_dispatcher_user(request.user) else []
    return render(
        request,
        "core/dashboard.html",
        {
            "queues": queue_counts(visible(request.user, Case.objects.all())),
            "missing_years": missing_years,
            "area_counts": counts,
            "unit_count": visible(request.user, Unit.objects.all()).count(),
            "people_count": visible(request.user, Membership.objects.filter(is_active=True)).values("user").distinct().count(),
            "coverage": city_figures(),
        },
    )
