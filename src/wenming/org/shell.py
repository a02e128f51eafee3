"""What the organisation shows in the office shell: its pages, its counts, the demo city's people."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from wenming.core.shell import Card, Demo, MenuEntry
from wenming.org import demo
from wenming.org.models import Area, AreaLevel, Membership, Unit
from wenming.org.scope import visible

MENU = [
    MenuEntry(_("Map"), "org:map", "org.browse_areas", "◈", order=20),
    MenuEntry(_("Areas"), "org:area_list", "org.browse_areas", "▦", order=21),
    MenuEntry(_("Units"), "org:unit_list", "org.browse_units", "▤", order=22),
    MenuEntry(_("People"), "org:person_list", "org.browse_people", "☰", order=40),
]


def organisation_counts(request) -> dict:
    """Areas by level, units and people in the person's scope."""
    by_level = dict(visible(request.user, Area.objects.all()).values_list("level").annotate(n=Count("id")).order_by())
    people = visible(request.user, Membership.objects.filter(is_active=True)).values("user").distinct()
    return {
        "area_counts": [(AreaLevel(level).label, by_level.get(level, 0)) for level in AreaLevel.values],
        "unit_count": visible(request.user, Unit.objects.all()).count(),
        "people_count": people.count(),
    }


CARDS = [Card("org/_organisation_card.html", organisation_counts, "org.enter_back_office", order=30)]


def logins(port: int) -> list[str]:
    units = {u.code: u.name for u in Unit.objects.all().only("code", "name")}
    lines = [
        f"Back office: http://127.0.0.1:{port}/office/   password for every login: {demo.DEMO_PASSWORD}",
        f"{'login':<14} {'role':<16} unit",
    ]
    for person in demo.demo_people():
        lines.append(f"{person['username']:<14} {str(person['role'].label):<16} {units.get(person['unit'], '-')}")
    return lines


DEMO = Demo(load=lambda progress: demo.load(progress=progress), order=10, logins=logins)
