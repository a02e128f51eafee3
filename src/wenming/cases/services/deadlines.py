"""Deadlines of cases: counted in working time on the official calendar (workdays) from the
category's time limit, restarted on rework and reopening, and counted again when the schedule
of a year that was missing is entered."""

from datetime import timedelta

from django.utils import timezone

from wenming.cases.models import OPEN_STATUSES, Case, Priority
from wenming.workdays.calendar import get_calendar
from wenming.workdays.models import TimeUnit


def start_clock(case: Case, now, *, seconds: int | None = None) -> None:
    """(Re)start the deadline from now, over the category's time limit or ``seconds``."""
    calendar = get_calendar()
    unit = case.time_unit or TimeUnit.WORKING_DAYS
    if seconds is None:
        seconds = calendar.to_seconds(case.time_limit or 0, unit)
    case.deadline_from = now
    case.deadline_seconds = seconds
    case.deadline, case.deadline_provisional = calendar.deadline(now, seconds, unit, in_seconds=True)
    case.is_overdue = False
    case.escalation = 0
    case.reminded = False


def apply_category_limit(case: Case) -> None:
    category = case.category
    case.time_limit = category.time_limit or 5
    case.time_unit = category.time_unit
    if case.priority == Priority.URGENT and case.time_unit == TimeUnit.WORKING_HOURS:
        # Urgent problems are counted in clock hours: nights and holidays count too.
        case.time_unit = TimeUnit.CLOCK_HOURS


def time_left(case: Case, now=None) -> timedelta | None:
    if case.deadline is None or case.status not in OPEN_STATUSES:
        return None
    return case.deadline - (now or timezone.now())


def recompute_provisional_deadlines(now=None) -> int:
    """Count provisional deadlines of open cases again with the current calendar; returns how many changed.

    Only deadline and deadline_provisional are written (no version bump: this is
    not a user action). `now` is accepted for callers that pass their clock; the
    recount itself does not depend on it, and is_overdue stays with the deadline sweep.
    """
    calendar = get_calendar()
    changed = 0
    rows = (
        Case.objects.filter(
            deadline_provisional=True,
            status__in=OPEN_STATUSES,
            deadline_from__isnull=False,
            deadline_seconds__isnull=False,
        )
        .values_list("pk", "deadline_from", "deadline_seconds", "time_unit", "deadline")
        .order_by("pk")
    )
    for pk, start, seconds, unit, old in list(rows):
        new, provisional = calendar.deadline(start, seconds, unit, in_seconds=True)
        if new == old and provisional:
            continue
        # Matching the counted span too leaves alone a case changed meanwhile by a user action.
        changed += Case.objects.filter(
            pk=pk, deadline_provisional=True, deadline_from=start, deadline_seconds=seconds
        ).update(deadline=new, deadline_provisional=provisional)
    return changed
