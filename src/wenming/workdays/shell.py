"""What the working calendar shows in the office shell: a warning while a year's holidays are missing."""

from django.utils import timezone

from wenming.core.shell import Card
from wenming.workdays.calendar import get_calendar


def missing_years(request) -> dict | None:
    years = get_calendar().missing_years(timezone.localdate())
    return {"missing_years": years} if years else None


CARDS = [Card("workdays/_calendar_card.html", missing_years, "workdays.keep_calendar", order=10)]
