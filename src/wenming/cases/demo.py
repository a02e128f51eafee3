"""Routing rules of the Hohhot demo: who handles what, from the city down to one street."""

from wenming.cases.models import Category, RoutingRule
from wenming.org.models import Area, Unit

CITY_RULES = [
    # (kind, category code, unit code)
    ("E", "0502", "150100-JJ"),  # 违规停车 → 公安交管
    ("C", "0101", "150100-ZJ"),  # 井盖缺损 → 住建
    ("C", "0201", "150100-ZJ"),  # 道路破损 → 住建
    ("C", "04", "150100-YL"),  # 园林绿化 → 园林
    ("E", "0403", "150100-YL"),  # 树木倒伏 → 园林
    ("E", "0402", "150100-SW"),  # 积水内涝 → 水务
    ("E", "0203", "150100-WL"),  # 公益广告缺失 → 文旅广电
]


def load_routing() -> int:
    rules = []
    for kind, code, unit in CITY_RULES:
        rules.append(
            RoutingRule(
                category=Category.objects.get(kind=kind, code=code), unit=Unit.objects.get(code=unit), note="示例规则"
            )
        )
    # Everything else in an urban district goes to the district's city-management bureau.
    for district_unit in Unit.objects.filter(code__endswith="-CG").exclude(code__startswith="150100"):
        rules.append(RoutingRule(area=district_unit.area, unit=district_unit, note="区级兜底"))
    # Street vendors in one street are the street office's own job.
    street = Area.objects.filter(level="street", code__startswith="150102").order_by("code").first()
    rules.append(
        RoutingRule(
            category=Category.objects.get(kind="E", code="0501"),
            area=street,
            unit=Unit.objects.get(code=f"{street.code}-BSC"),
            note="街道自管",
        )
    )
    RoutingRule.objects.bulk_create(rules)
    return len(rules)
