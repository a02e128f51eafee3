"""Who may run the portal's back-office side: moderation, solicitations, questionnaires, accounts."""

import rules

from wenming.org.models import Role, UnitKind
from wenming.org.rules import (
    is_back_office_user,
    is_campaign_office_admin,
    is_campaign_office_staff,
    is_superuser_without_role,
)
from wenming.org.scope import acting_membership, visible
from wenming.participation.models import Suggestion

# Roles that write a unit's official reply to a suggestion.
REPLY_ROLES = {Role.CAMPAIGN_ADMIN, Role.UNIT_LEADER, Role.HANDLER}

# An admin acting for a campaign office, or the server's administrator: moderates, runs solicitations.
is_campaign_admin = is_superuser_without_role | is_campaign_office_admin

# Anyone acting for a campaign office (admin, handler, leader), or a superuser: blocks accounts,
# builds questionnaires and reads their results.
is_campaign_staff = rules.is_superuser | is_campaign_office_staff


@rules.predicate
def sees_suggestion(user, suggestion) -> bool:
    """The suggestion lies in the person's data scope (its area, or its responsible unit)."""
    return suggestion is not None and visible(user, Suggestion.objects.filter(pk=suggestion.pk)).exists()


# Campaign office admins moderate the suggestions in their scope.
may_moderate_suggestion = is_campaign_admin & sees_suggestion


@rules.predicate
def may_reply(user, suggestion) -> bool:
    """Staff of the responsible unit (or a unit above it), or of a campaign office whose scope holds it."""
    if not getattr(user, "is_authenticated", False):
        return False
    membership = acting_membership(user)
    if membership is None:
        return user.is_superuser
    if membership.role not in REPLY_ROLES:
        return False
    unit = membership.unit
    responsible = suggestion.responsible_unit
    if responsible is not None and responsible.path.startswith(unit.path):
        return True
    return unit.kind == UnitKind.CAMPAIGN_OFFICE and bool(sees_suggestion(user, suggestion))


@rules.predicate
def acts_for_the_city(user) -> bool:
    """Acting for a unit of the whole city (not a district's), or the server's administrator."""
    membership = acting_membership(user)
    return membership is None or membership.unit.area.parent_id is None


# The portal's settings (thresholds, reply days, pre-moderation) are the city campaign office's.
may_change_portal_settings = is_campaign_admin & acts_for_the_city

rules.add_perm("participation.browse_citizens", is_campaign_staff)
rules.add_perm("participation.build_questionnaires", is_campaign_staff)
rules.add_perm("participation.browse_suggestions", is_back_office_user)
rules.add_perm("participation.moderate", is_campaign_admin)
rules.add_perm("participation.run_solicitations", is_campaign_admin)
