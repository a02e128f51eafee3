"""What cases show in the office shell: the case pages, the work queues, two months of demo cases."""

from django.utils.translation import gettext_lazy as _

from wenming.cases import demo
from wenming.cases.filters import queue_counts
from wenming.cases.models import Case
from wenming.cases.simulation import simulate
from wenming.core.shell import Card, Demo, MenuEntry
from wenming.org.scope import visible

MENU = [
    MenuEntry(_("Cases"), "cases:list", "cases.browse_cases", "▣", order=10),
    MenuEntry(_("Case map"), "cases:map", "cases.browse_cases", "◎", order=11),
    MenuEntry(_("New case"), "cases:new", "cases.file_case", "＋", order=12),
]


def work_queues(request) -> dict:
    return {"queues": queue_counts(visible(request.user, Case.objects.all()))}


CARDS = [Card("cases/_queues_card.html", work_queues, "cases.browse_cases", order=20)]


def load_demo(progress) -> dict:
    counts = {"routing rule": demo.load_routing()}
    # Two months of cases at every stage, written through the same rules.
    counts["case"] = simulate(days=60, cases_per_day=50, seed=20261129, progress=progress)["cases"]
    return counts


DEMO = Demo(load=load_demo, order=20)
