"""Keep the per-process working calendar, and the deadlines counted over it, in step with its tables."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from wenming.cases import workcalendar
from wenming.cases.models import CalendarYear, Holiday


@receiver(post_save, sender=CalendarYear, dispatch_uid="cases.calendar_year_entered")
def calendar_year_entered(sender, instance, **kwargs) -> None:
    workcalendar.invalidate()
    # Deadlines counted over this year with weekends only can now be counted properly.
    workcalendar.recompute_provisional_deadlines()


@receiver(post_save, sender=Holiday, dispatch_uid="cases.holiday_saved")
@receiver(post_delete, sender=Holiday, dispatch_uid="cases.holiday_deleted")
def holiday_changed(sender, instance, **kwargs) -> None:
    workcalendar.invalidate()
