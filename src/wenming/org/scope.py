"""Data scope: the one place that decides which records a person may see.

Every view and API endpoint narrows its querysets with :func:`visible`. A model
takes part by naming, as class attributes, the lookups that reach an area path
(``scope_area``) and a unit path (``scope_unit``); either may be ``None``.

What a person sees follows the unit they act for:

- a territorial unit (leading group, campaign office, district government,
  street office, community) sees everything in its area's subtree; at the root
  area that is everything;
- a functional unit (department, special working group) sees what is assigned to
  it or its sub-units (a special group also its member units); for records that
  only have an area (areas themselves) it sees its jurisdiction;
- a grid worker sees their grid;
- volunteers, citizens and people without a role see nothing in the back office;
- 包联 (liaison) duties add the areas and units a leader answers for.
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.org.models import STAFF_ROLES, Liaison, Membership, Role


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    area_paths: tuple[str, ...] = ()
    unit_paths: tuple[str, ...] = ()
    # Jurisdictions of the functional units, for records that have no unit.
    unit_area_paths: tuple[str, ...] = ()
    description: list[str] = field(default_factory=list, compare=False)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.area_paths or self.unit_paths)


NOTHING = Scope()
EVERYTHING = Scope(everything=True)


def acting_membership(user) -> Membership | None:
    """The membership the user currently acts for, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_acting_membership", False)
    if cached is not False:
        return cached
    memberships = (
        Membership.objects.filter(user=user, is_active=True).select_related("unit", "unit__area", "area").order_by("id")
    )
    chosen = None
    profile = getattr(user, "profile", None)
    if profile is not None and profile.acting_id:
        chosen = next((m for m in memberships if m.pk == profile.acting_id), None)
    if chosen is None:
        chosen = next(iter(memberships), None)
    user._acting_membership = chosen
    return chosen


def scope_for(user) -> Scope:
    """Compute the data scope of a user acting for their current membership."""
    if not getattr(user, "is_authenticated", False):
        return NOTHING
    cached = getattr(user, "_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user, acting_membership(user))
    user._scope = scope
    return scope


def _compute_scope(user, membership: Membership | None) -> Scope:
    areas: set[str] = set()
    units: set[str] = set()
    unit_areas: set[str] = set()
    if membership is None and user.is_superuser:
        return EVERYTHING
    if membership is not None and membership.role in STAFF_ROLES:
        unit = membership.unit
        if membership.role == Role.GRID_WORKER:
            areas.add((membership.area or unit.area).path)
        elif unit.is_territorial:
            if unit.area.parent_id is None:
                return EVERYTHING
            areas.add(unit.area.path)
        else:
            units.add(unit.path)
            units.update(unit.member_units.values_list("path", flat=True))
            unit_areas.add(unit.area.path)
    today = timezone.localdate()
    liaisons = (
        Liaison.objects.filter(leader=user)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=today))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values_list("area__path", "area__parent_id", "unit__path", "unit__area__path")
    )
    for area_path, area_parent, unit_path, unit_area_path in liaisons:
        if area_path:
            if area_parent is None:
                return EVERYTHING
            areas.add(area_path)
        if unit_path:
            units.add(unit_path)
            unit_areas.add(unit_area_path)
    return Scope(
        area_paths=_outermost(areas),
        unit_paths=_outermost(units),
        unit_area_paths=_outermost(unit_areas),
    )


def _outermost(paths: set[str]) -> tuple[str, ...]:
    """Drop paths inside another path of the set: their subtree is already there."""
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


def _prefix_q(lookup: str, paths) -> Q | None:
    if not lookup or not paths:
        return None
    return reduce(or_, (Q(**{f"{lookup}__startswith": p}) for p in paths))


def scope_q(model, scope: Scope) -> Q | None:
    """The filter that narrows ``model`` to ``scope``; None means no restriction."""
    if scope.everything:
        return None
    area_lookup = getattr(model, "scope_area", None)
    unit_lookup = getattr(model, "scope_unit", None)
    if area_lookup is None and unit_lookup is None:
        raise TypeError(f"{model.__name__} does not declare scope_area or scope_unit")
    parts = [_prefix_q(area_lookup, scope.area_paths), _prefix_q(unit_lookup, scope.unit_paths)]
    if unit_lookup is None:
        parts.append(_prefix_q(area_lookup, scope.unit_area_paths))
    parts = [p for p in parts if p is not None]
    return reduce(or_, parts) if parts else Q(pk__in=[])


def visible(user, queryset: QuerySet) -> QuerySet:
    """Narrow ``queryset`` to the records ``user`` may see. The only scoping function."""
    condition = scope_q(queryset.model, scope_for(user))
    return queryset if condition is None else queryset.filter(condition)


def forget(user) -> None:
    """Drop the cached membership and scope, e.g. after switching units."""
    for attr in ("_acting_membership", "_scope"):
        if hasattr(user, attr):
            delattr(user, attr)
