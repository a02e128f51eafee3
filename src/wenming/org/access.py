"""Who may enter the back office, and the acting membership on each request."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.functional import SimpleLazyObject

from wenming.org.models import STAFF_ROLES
from wenming.org.scope import acting_membership, scope_for


def is_back_office_user(user) -> bool:
    if not user.is_authenticated:
        return False
    membership = acting_membership(user)
    if membership is None:
        return user.is_superuser
    return membership.role in STAFF_ROLES


def back_office(view):
    """Let in people acting in a staff role; others get 403, strangers the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_back_office_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def has_role(user, *roles) -> bool:
    membership = acting_membership(user)
    return membership is not None and membership.role in roles


class ActingMembershipMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = SimpleLazyObject(lambda: acting_membership(request.user))
        request.scope = SimpleLazyObject(lambda: scope_for(request.user))
        return self.get_response(request)
