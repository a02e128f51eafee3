"""Who someone is in the organisation, as ``rules`` predicates for every app's rules to compose,
and the rules of the organisation's own pages.

A person acts for one membership at a time (``scope.acting_membership``): the predicates ask
about that one. A superuser with no membership is the server's administrator. Pages check
their rule with ``user.has_perm`` (``access.page``), and the menu shows an entry exactly when
that holds; Django lets an active superuser pass every such check.
"""

import rules

from wenming.org.models import STAFF_ROLES, Membership, Role, UnitKind
from wenming.org.scope import acting_membership

# Roles of a campaign office that register and dispatch cases (with the office's leader).
OFFICE_ROLES = (Role.CAMPAIGN_ADMIN, Role.HANDLER, Role.UNIT_LEADER)


@rules.predicate
def is_back_office_user(user) -> bool:
    """Acting in a staff role, or a superuser without a role."""
    if not getattr(user, "is_authenticated", False):
        return False
    membership = acting_membership(user)
    if membership is None:
        return user.is_superuser
    return membership.role in STAFF_ROLES


@rules.predicate
def is_superuser_without_role(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser and acting_membership(user) is None)


def acts_as(*roles) -> rules.Predicate:
    """Acting in one of ``roles``."""

    def acting_role(user) -> bool:
        membership = acting_membership(user)
        return membership is not None and membership.role in roles

    return rules.predicate(acting_role, name=f"acts_as({', '.join(roles)})")


@rules.predicate
def is_campaign_office_staff(user) -> bool:
    """Acting for a campaign office (the city's or a district's) as its admin, handler or leader:
    those who register and dispatch cases."""
    membership = acting_membership(user)
    return (
        membership is not None
        and membership.unit is not None
        and membership.unit.kind == UnitKind.CAMPAIGN_OFFICE
        and membership.role in OFFICE_ROLES
    )


@rules.predicate
def is_campaign_office_admin(user) -> bool:
    """Acting for a campaign office as its admin."""
    membership = acting_membership(user)
    return (
        membership is not None
        and membership.role == Role.CAMPAIGN_ADMIN
        and membership.unit is not None
        and membership.unit.kind == UnitKind.CAMPAIGN_OFFICE
    )


@rules.predicate
def is_city_campaign_office_admin(user) -> bool:
    """An admin of the city's own campaign office (not a district's)."""
    membership = acting_membership(user)
    return bool(is_campaign_office_admin(user) and membership.unit.area.parent_id is None)


@rules.predicate
def may_see_phone(viewer, person) -> bool:
    """Phones are shown in full to the person, the city's campaign office admins,
    and leaders of the person's unit (or a unit above it); masked to everyone else."""
    if not getattr(viewer, "is_authenticated", False) or person is None:
        return False
    if viewer.pk == person.pk or viewer.is_superuser:
        return True
    acting = acting_membership(viewer)
    if acting is None:
        return False
    if acting.role == Role.CAMPAIGN_ADMIN and acting.unit.area.parent_id is None:
        return True
    if acting.role == Role.UNIT_LEADER:
        return Membership.objects.filter(user=person, is_active=True, unit__path__startswith=acting.unit.path).exists()
    return False


@rules.predicate
def may_revoke_token(user, token) -> bool:
    """An API token is revoked by its owner, a superuser or an admin of the city's campaign office."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.pk == token.user_id or user.is_superuser:
        return True
    acting = acting_membership(user)
    return (
        acting is not None
        and acting.role == Role.CAMPAIGN_ADMIN
        and acting.unit is not None
        and acting.unit.area.parent_id is None  # the city's own campaign office
    )


# People pages: those who manage people, not inspectors and grid workers.
may_see_people = is_superuser_without_role | acts_as(
    Role.CAMPAIGN_ADMIN, Role.GROUP_LEAD, Role.UNIT_LEADER, Role.HANDLER
)

rules.add_perm("org.enter_back_office", is_back_office_user)
rules.add_perm("org.browse_areas", is_back_office_user)
rules.add_perm("org.browse_units", is_back_office_user)
rules.add_perm("org.browse_people", is_back_office_user & may_see_people)
