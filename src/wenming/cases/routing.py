"""Who handles a case: routing rules (subclass × area → unit)."""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from wenming.cases.models import Category, RoutingRule
from wenming.org.models import Area, Unit


@dataclass(frozen=True)
class Route:
    unit: Unit | None
    rule: RoutingRule | None
    auto: bool
    reason: str


def _category_rank(rule: RoutingRule, category: Category) -> int:
    if rule.category_id is None:
        return 0
    return 2 if rule.category_id == category.pk else 1


def route(category: Category, area: Area) -> Route:
    """The most specific active rule: the category first (subclass > major class > any),
    then the area (deeper > wider > whole city). Without a rule, nobody: the dispatching
    office dispatches by hand."""
    paths = [p for p in area.path.split("/") if p]
    rules = (
        RoutingRule.objects.filter(is_active=True, unit__is_active=True)
        .filter(Q(category__isnull=True) | Q(category=category) | Q(category_id=category.parent_id))
        .filter(Q(area__isnull=True) | Q(area__code__in=paths))
        .select_related("unit", "area", "category")
    )
    best = max(
        rules,
        key=lambda r: (_category_rank(r, category), r.area.depth if r.area_id else -1, -r.pk),
        default=None,
    )
    if best is None:
        return Route(None, None, False, _("no routing rule matches; to be dispatched by hand"))
    reason = _("rule #%(id)d: %(category)s in %(area)s → %(unit)s") % {
        "id": best.pk,
        "category": best.category.name if best.category_id else _("any category"),
        "area": best.area.name if best.area_id else _("the whole city"),
        "unit": best.unit.name,
    }
    return Route(best.unit, best, best.auto_dispatch, reason)
