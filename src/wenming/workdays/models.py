"""The official calendar: public holidays, the weekend days worked instead (调休), and
the years whose State Council schedule has been entered."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeUnit(models.TextChoices):
    """How a time limit is counted: over office hours, over working days, or by the clock."""

    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")
    CLOCK_HOURS = "clock_hours", _("clock hours")


class Holiday(models.Model):
    """The official calendar: public holidays and the weekend days worked instead (调休)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"), help_text=_("A make-up working day on a weekend."))
    name = models.CharField(_("name"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("official calendar")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class CalendarYear(models.Model):
    """A year whose official schedule (State Council notice) has been entered."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("official calendar year")
        verbose_name_plural = _("official calendar years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)
