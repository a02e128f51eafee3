"""Who may open a back-office page, and the acting membership on each request.

Every back-office view names the rule it answers to (``@requires("cases.browse_cases")``); the
same rule decides whether its menu entry is shown (``core.shell.MenuEntry.permission``).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.functional import SimpleLazyObject

from wenming.org.scope import acting_membership, scope_for

BACK_OFFICE = "org.enter_back_office"


def requires(permission: str):
    """A page for people who have ``permission``: strangers get the login page, others 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.permission = permission
        return wrapper

    return decorator


# Any page of the back office, for everyone acting in a staff role.
back_office = requires(BACK_OFFICE)


def is_back_office_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(BACK_OFFICE))


class ActingMembershipMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = SimpleLazyObject(lambda: acting_membership(request.user))
        request.scope = SimpleLazyObject(lambda: scope_for(request.user))
        return self.get_response(request)
