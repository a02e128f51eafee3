from wenming.org.models import Area

LARGE_TEXT_COOKIE = "wm_large_text"


def portal(request):
    """What every portal page needs: the city's name and the reader's text size."""
    if request.path.startswith(("/office/", "/admin/", "/api/", "/open311/")):
        return {}
    citizen = getattr(request.user, "citizen", None) if request.user.is_authenticated else None
    large = request.COOKIES.get(LARGE_TEXT_COOKIE) == "1" or bool(citizen and citizen.large_text)
    city = Area.objects.filter(parent__isnull=True).values_list("name", flat=True).first()
    return {"city_name": city or "", "large_text": large, "citizen": citizen}
