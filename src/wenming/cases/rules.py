"""Who may open the case pages and who may take each step of a case (services.TRANSITIONS).

The step predicates take the person and the case; services test them, and so do the views,
the API and the templates through ``services.allowed_actions``.
"""

import rules

from wenming.cases.models import Source
from wenming.org.models import STAFF_ROLES, Role
from wenming.org.rules import acts_as, is_back_office_user, is_campaign_office_staff
from wenming.org.scope import acting_membership

# A campaign office registers and dispatches, decides requests, hides and redacts.
is_dispatcher = is_campaign_office_staff

# 挂牌督办 is the office's admin's or leader's call.
is_city_office = is_dispatcher & acts_as(Role.CAMPAIGN_ADMIN, Role.UNIT_LEADER)


@rules.predicate
def is_handler(user, case) -> bool:
    """Acting as handler or leader of the unit the case is assigned to, or of a unit above it."""
    membership = acting_membership(user)
    unit = case.assigned_unit if case is not None else None
    return (
        unit is not None
        and membership is not None
        and membership.unit is not None
        and membership.role in (Role.HANDLER, Role.UNIT_LEADER)
        and unit.path.startswith(membership.unit.path)
    )


is_verifier = acts_as(Role.INSPECTOR, Role.GRID_WORKER) | is_dispatcher


@rules.predicate
def is_reporter(user, case) -> bool:
    """Who reported it; callers of the hotline act through the office that took the call."""
    if case is None:
        return False
    if getattr(user, "is_authenticated", False) and case.reporter_id == user.pk:
        return True
    return case.source == Source.HOTLINE and bool(is_dispatcher(user))


is_staff = acts_as(*STAFF_ROLES)

rules.add_perm("cases.browse_cases", is_back_office_user)
# Staff enter cases from the hotline, the media, a leader's instruction, a field find.
rules.add_perm("cases.file_case", is_back_office_user)
