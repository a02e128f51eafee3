from django.utils.translation import gettext as _

from wenming.notifications.services import unread_count
from wenming.office.menu import menu_for
from wenming.org.access import is_back_office_user
from wenming.org.models import Role
from wenming.org.scope import acting_membership, scope_for


def shell(request):
    """What every back-office page shows: the menu, the acting unit, the scope, unread notifications."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not is_back_office_user(user):
        return {}
    membership = acting_membership(user)
    return {
        "acting": membership,
        "memberships": user.memberships.filter(is_active=True).select_related("unit", "area"),
        "menu": menu_for(request),
        "scope_label": describe_scope(membership, user),
        "unread": unread_count(user),
    }


def describe_scope(membership, user) -> str:
    scope = scope_for(user)
    if scope.everything:
        return _("the whole city")
    if membership is None:
        return _("nothing")
    if membership.role == Role.GRID_WORKER:
        return _("grid %s") % (membership.area or membership.unit.area).name
    if membership.unit.is_territorial:
        return membership.unit.area.name
    return _("%s and its sub-units") % membership.unit.name
