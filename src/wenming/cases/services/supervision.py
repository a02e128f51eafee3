"""Supervision: reminders before the deadline, overdue flags and escalation for the bulletin."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import OPEN_STATUSES, Case, CaseEvent
from wenming.notifications import services as notifications
from wenming.workdays.calendar import get_calendar


def supervise(now=None) -> dict:
    """Run by the scheduler (`wenming cases supervise`, every few minutes)."""
    now = now or timezone.now()
    calendar = get_calendar()
    counts = {"reminded": 0, "overdue": 0, "escalated": 0}
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES, deadline__isnull=False).select_related("assigned_unit")
    # Reminder when less than a quarter of the allowed time (at most one working day) is left.
    for case in open_cases.filter(reminded=False, is_overdue=False, deadline__gt=now).iterator(chunk_size=500):
        left = calendar.working_seconds_between(now, case.deadline)
        if left <= min((case.deadline_seconds or 0) / 4, calendar.day_seconds):
            with transaction.atomic():
                if Case.objects.filter(pk=case.pk, reminded=False).update(reminded=True):
                    notifications.send(
                        notifications.unit_staff(case.assigned_unit),
                        "due_soon",
                        _("Case %s is due soon") % case.number,
                        about=case,
                        now=now,
                    )
                    counts["reminded"] += 1
    for case in open_cases.filter(is_overdue=False, deadline__lte=now).iterator(chunk_size=500):
        with transaction.atomic():
            if Case.objects.filter(pk=case.pk, is_overdue=False).update(is_overdue=True, escalation=1):
                CaseEvent.objects.create(
                    case=case,
                    action="overdue",
                    from_status=case.status,
                    to_status=case.status,
                    at=now,
                    public=False,
                    data={"deadline": case.deadline.isoformat()},
                )
                notifications.send(
                    notifications.unit_staff(case.assigned_unit, leaders_only=True),
                    "overdue",
                    _("Case %s is overdue") % case.number,
                    about=case,
                    now=now,
                )
                counts["overdue"] += 1
    # A case still open one working day after its deadline is listed for the bulletin.
    for case in open_cases.filter(is_overdue=True, escalation=1, deadline__lte=now).iterator(chunk_size=500):
        if calendar.working_seconds_between(case.deadline, now) >= calendar.day_seconds:
            with transaction.atomic():
                if Case.objects.filter(pk=case.pk, escalation=1).update(escalation=2):
                    CaseEvent.objects.create(
                        case=case,
                        action="escalate",
                        from_status=case.status,
                        to_status=case.status,
                        at=now,
                        public=False,
                        data={"level": 2},
                    )
                    counts["escalated"] += 1
    return counts
