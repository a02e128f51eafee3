"""Who may act in the portal: any logged-in person gets a citizen account; blocked accounts may only read."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse

from wenming.org.models import Role, UnitKind
from wenming.org.scope import acting_membership
from wenming.participation.models import Citizen


def citizen_for(user) -> Citizen | None:
    """The portal account of a logged-in person, made on first use (staff are residents too)."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.citizen
    except Citizen.DoesNotExist:
        return Citizen.objects.get_or_create(user=user)[0]


def is_campaign_admin(user) -> bool:
    """An admin acting for a campaign office, or a superuser without a role: runs solicitations and moderates."""
    if not getattr(user, "is_authenticated", False):
        return False
    membership = acting_membership(user)
    if membership is None:
        return user.is_superuser
    return membership.role == Role.CAMPAIGN_ADMIN and membership.unit.kind == UnitKind.CAMPAIGN_OFFICE


def is_campaign_staff(user) -> bool:
    """Anyone acting for a campaign office (admin, handler, leader), or a superuser: blocks accounts, builds questionnaires."""
    from wenming.cases.services import is_dispatcher_user

    return bool(getattr(user, "is_authenticated", False) and (user.is_superuser or is_dispatcher_user(user)))


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
