"""Deadlines of cases counted again when the official calendar of a year is entered."""

from wenming.cases.models import OPEN_STATUSES, Case
from wenming.workdays.calendar import get_calendar


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
