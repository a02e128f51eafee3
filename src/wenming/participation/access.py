"""Who may act in the portal: any logged-in person gets a citizen account; blocked accounts may only read.
(The back-office side's rules are in participation.rules.)"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse

from wenming.participation.models import Citizen


def citizen_for(user) -> Citizen | None:
    """The portal account of a logged-in person, made on first use (staff are residents too)."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.citizen
    except Citizen.DoesNotExist:
        return Citizen.objects.get_or_create(user=user)[0]


def citizen_required(view=None, *, allow_blocked: bool = False):
    """Log in first (back to this page afterwards); a blocked account is told why and may not write."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("participation:login"))
            citizen = citizen_for(request.user)
            if citizen.is_blocked and not allow_blocked and request.method == "POST":
                return render(request, "participation/blocked.html", {"citizen": citizen}, status=403)
            request.citizen = citizen
            return view(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator
