"""What service coverage shows in the office shell: its page, the latest park coverage, the demo's street network."""

from django.utils.translation import gettext_lazy as _

from wenming.core.shell import Card, Demo, MenuEntry
from wenming.coverage import demo
from wenming.coverage.services.results import city_figures

MENU = [MenuEntry(_("Coverage"), "coverage:coverage", "coverage.browse_coverage", "◍", order=30)]


def park_coverage(request) -> dict | None:
    figures = city_figures()
    return {"coverage": figures} if figures else None


CARDS = [Card("coverage/_coverage_card.html", park_coverage, "coverage.browse_coverage", order=40)]

# A generated street network with parks, toilets and bins, and its coverage computed.
DEMO = Demo(load=lambda progress: demo.load(progress=progress), order=40)
