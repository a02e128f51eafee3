"""What the citizen portal shows in the office shell: its back-office pages and the demo's residents."""

from django.utils.translation import gettext_lazy as _

from wenming.core.shell import Demo, MenuEntry
from wenming.participation import demo

MENU = [
    MenuEntry(_("Citizens"), "participation_office:citizen_list", "participation.browse_citizens", "☺", order=50),
    MenuEntry(
        _("Questionnaires"),
        "participation_office:questionnaire_list",
        "participation.build_questionnaires",
        "☑",
        order=51,
    ),
    MenuEntry(
        _("Suggestions"), "participation_office:suggestion_list", "participation.browse_suggestions", "💡", order=52
    ),
    MenuEntry(_("Moderation"), "participation_office:moderation", "participation.moderate", "⚑", order=53),
    MenuEntry(
        _("Solicitations"), "participation_office:solicitation_list", "participation.run_solicitations", "★", order=54
    ),
]


def logins(port: int) -> list[str]:
    return [
        f"Citizen portal: http://127.0.0.1:{port}/   log in as {name} with the phone number {phone}"
        for phone, name in demo.logins()
    ]


DEMO = Demo(load=lambda progress: demo.load(), order=30, logins=logins)
