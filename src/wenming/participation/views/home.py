"""The portal's start page and the reader's text size."""

from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from wenming.participation.context_processors import LARGE_TEXT_COOKIE


def home(request):
    return render(request, "participation/home.html")


@require_POST
def text_size(request):
    """Large text (适老化) for everyone on this device; remembered on the account too."""
    large = request.POST.get("large") == "1"
    citizen = getattr(request.user, "citizen", None) if request.user.is_authenticated else None
    if citizen is not None and citizen.large_text != large:
        citizen.large_text = large
        citizen.save(update_fields=["large_text"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = redirect(target)
    response.set_cookie(LARGE_TEXT_COOKIE, "1" if large else "0", max_age=365 * 86400, samesite="Lax")
    return response


routes = [
    path("", home, name="home"),
    path("text-size/", text_size, name="text_size"),
]
