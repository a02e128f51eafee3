"""The back office menu. Each domain adds its entries here; the menu shows a
person only the entries their acting role may use."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wenming.org.models import Role, STAFF_ROLES


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset  # acting roles that see the entry
    icon: str = ""


ALL_STAFF = frozenset(STAFF_ROLES)

MENU = [
    NavItem(_("Dashboard"), "core:dashboard", ALL_STAFF, "◉"),
    NavItem(_("Cases"), "cases:list", ALL_STAFF, "▣"),
    NavItem(_("Case map"), "cases:map", ALL_STAFF, "◎"),
    NavItem(_("New case"), "cases:new", ALL_STAFF, "＋"),
    NavItem(_("Map"), "org:map", ALL_STAFF, "◈"),
    NavItem(_("Areas"), "org:area_list", ALL_STAFF, "▦"),
    NavItem(_("Units"), "org:unit_list", ALL_STAFF, "▤"),
    NavItem(_("Coverage"), "coverage:coverage", ALL_STAFF, "◍"),
    NavItem(
        _("People"),
        "org:person_list",
        frozenset({Role.CAMPAIGN_ADMIN, Role.GROUP_LEAD, Role.UNIT_LEADER, Role.HANDLER}),
        "☰",
    ),
    NavItem(_("Citizens"), "participation_office:citizen_list", frozenset({Role.CAMPAIGN_ADMIN, Role.HANDLER}), "☺"),
    NavItem(_("Questionnaires"), "participation_office:questionnaire_list", frozenset({Role.CAMPAIGN_ADMIN, Role.HANDLER}), "☑"),
    NavItem(_("Suggestions"), "participation_office:suggestion_list",
            frozenset({Role.CAMPAIGN_ADMIN, Role.GROUP_LEAD, Role.UNIT_LEADER, Role.HANDLER}), "💡"),
    NavItem(_("Moderation"), "participation_office:moderation", frozenset({Role.CAMPAIGN_ADMIN}), "⚑"),
    NavItem(_("Solicitations"), "participation_office:solicitation_list", frozenset({Role.CAMPAIGN_ADMIN}), "★"),
]


def menu_for(role: str | None, is_superuser: bool, current_path: str) -> list[dict]:
    items = []
    for item in MENU:
        if is_superuser or role in item.roles:
            url = reverse(item.url_name)
            items.append({"label": item.label, "url": url, "icon": item.icon, "active": _active(url, current_path)})
    return items


def _active(url: str, current_path: str) -> bool:
    """The most specific entry is highlighted: /office/cases/map/ is the map, not the list."""
    if url in ("/office/", "/office/cases/"):
        return current_path == url or (url == "/office/cases/" and current_path.startswith(url) and not any(
            current_path.startswith(url + part) for part in ("map/", "new/")))
    return current_path.startswith(url)
