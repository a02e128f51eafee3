"""Deadlines counted over a year whose official schedule was missing are counted again once it is entered."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from wenming.cases.models import OPEN_STATUSES, Case
from wenming.cases.services import deadlines
from wenming.workdays.calendar import provisional_deadlines, year_entered


@receiver(year_entered, dispatch_uid="cases.recount_provisional_deadlines")
def recount_provisional_deadlines(sender, years, **kwargs) -> None:
    deadlines.recompute_provisional_deadlines()


@receiver(provisional_deadlines, dispatch_uid="cases.provisional_deadlines")
def open_cases_with_provisional_deadlines(sender, **kwargs):
    count = Case.objects.filter(deadline_provisional=True, status__in=OPEN_STATUSES).count()
    return (_("open cases"), count) if count else None
