"""Keep the per-process working calendar in step with its tables, and tell the domains
when a year's schedule is entered."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from wenming.workdays import calendar
from wenming.workdays.models import CalendarYear, Holiday


@receiver(post_save, sender=CalendarYear, dispatch_uid="workdays.calendar_year_entered")
def calendar_year_entered(sender, instance, created=False, raw=False, **kwargs) -> None:
    calendar.invalidate()
    if not raw:
        calendar.year_entered.send(sender=CalendarYear, years=[instance.year])


@receiver(post_save, sender=Holiday, dispatch_uid="workdays.holiday_saved")
@receiver(post_delete, sender=Holiday, dispatch_uid="workdays.holiday_deleted")
def holiday_changed(sender, instance, **kwargs) -> None:
    calendar.invalidate()
