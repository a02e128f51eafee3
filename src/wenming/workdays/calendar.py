"""The official working calendar: which days are worked, and deadlines counted over them.

Days come from the ``Holiday`` table (public holidays and the weekend days worked
instead, 调休). A year is "official" once the office has entered the State
Council's schedule for it (a ``CalendarYear`` row). For any other year only
weekends and the fixed-date holidays are known, so results over it are marked
provisional and counted again when the year is entered.

Working periods are half-open ([08:30, 12:00) …), so every counted result is a
working instant: a span that fills a day exactly ends at the next day's first
period, and 0 seconds from a non-working moment is the next period start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Max, Q
from django.dispatch import Signal
from django.utils import timezone

from wenming.core.cache import TableCache
from wenming.workdays.models import CalendarYear, Holiday, TimeUnit

# Mainland China's statutory fixed-date days off since 2025 (month, day); lunar
# festivals and the days moved around them are only known from the yearly notice.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})

_US = 1_000_000  # microseconds per second: all internal counting is in whole microseconds
_DAY_US = 86_400 * _US


def _parse_periods(raw: Iterable[tuple[str, str]]) -> tuple[tuple[int, int], ...]:
    """("HH:MM", "HH:MM") pairs → (start, end) microseconds after midnight, checked."""
    periods = []
    for start, end in raw:
        try:
            s, e = time.fromisoformat(start), time.fromisoformat(end)
        except (TypeError, ValueError) as exc:
            raise ImproperlyConfigured(f"WENMING_WORKING_HOURS: bad period {start!r}–{end!r}") from exc
        periods.append(
            ((s.hour * 3600 + s.minute * 60 + s.second) * _US, (e.hour * 3600 + e.minute * 60 + e.second) * _US)
        )
    periods.sort()
    if not periods:
        raise ImproperlyConfigured("WENMING_WORKING_HOURS must list at least one period.")
    for (s, e), nxt in zip(periods, periods[1:] + [None], strict=True):
        if e <= s:
            raise ImproperlyConfigured("WENMING_WORKING_HOURS: each period must end after it starts.")
        if nxt is not None and nxt[0] < e:
            raise ImproperlyConfigured("WENMING_WORKING_HOURS: periods overlap.")
    return tuple(periods)


def _us_of_day(moment: datetime) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * _US + moment.microsecond


class WorkCalendar:
    def __init__(
        self,
        days: dict[date, bool],
        official_years: Iterable[int],
        periods: Iterable[tuple[str, str]] | None = None,
        zone: tzinfo | None = None,
    ):
        self.days = dict(days)
        self.official_years = frozenset(official_years)
        self.periods = _parse_periods(settings.WENMING_WORKING_HOURS if periods is None else periods)
        self.zone = zone or timezone.get_default_timezone()
        self._day_us = sum(e - s for s, e in self.periods)

    # Days

    def is_official(self, year: int) -> bool:
        return year in self.official_years

    def is_workday(self, d: date) -> bool:
        explicit = self.days.get(d)
        if explicit is not None:
            return explicit
        if d.weekday() >= 5:
            return False
        if d.year not in self.official_years and (d.month, d.day) in FIXED_HOLIDAYS:
            return False
        return True

    @property
    def day_seconds(self) -> int:
        return self._day_us // _US

    def _local(self, moment: datetime) -> datetime:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, self.zone)
        return moment.astimezone(self.zone)

    def _at(self, d: date, us: int) -> datetime:
        return datetime.combine(d, time(), tzinfo=self.zone) + timedelta(microseconds=us)

    def _worked_before(self, d: date, us: int) -> int:
        """Working microseconds of day d before the time of day us."""
        if not self.is_workday(d):
            return 0
        return sum(min(max(us, s), e) - s for s, e in self.periods)

    # Counting

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        """The working instant at which `seconds` of working time after `start` have passed."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        local = self._local(start)
        d, at = local.date(), _us_of_day(local)
        remaining = int(seconds) * _US
        if self.is_workday(d):
            for s, e in self.periods:
                if at < e:
                    begin = max(at, s)
                    if remaining < e - begin:
                        return self._at(d, begin + remaining)
                    remaining -= e - begin
        # Whole days are skipped at once; only the last day is walked period by period.
        skip, remaining = divmod(remaining, self._day_us)
        d += timedelta(days=1)
        while True:
            if self.is_workday(d):
                if not skip:
                    break
                skip -= 1
            d += timedelta(days=1)
        for s, e in self.periods:
            if remaining < e - s:
                return self._at(d, s + remaining)
            remaining -= e - s
        raise AssertionError("unreachable: remaining is less than a working day")

    def working_seconds_between(self, a: datetime, b: datetime) -> int:
        """Working seconds in [a, b); 0 if b is not after a."""
        if b <= a:
            return 0
        la, lb = self._local(a), self._local(b)
        da, db = la.date(), lb.date()
        total = self._worked_before(db, _us_of_day(lb)) - self._worked_before(da, _us_of_day(la))
        d = da
        while d < db:
            if self.is_workday(d):
                total += self._day_us
            d += timedelta(days=1)
        return total // _US

    def to_seconds(self, amount: int, unit: str) -> int:
        if unit in (TimeUnit.WORKING_HOURS, TimeUnit.CLOCK_HOURS):
            return int(amount) * 3600
        if unit == TimeUnit.WORKING_DAYS:
            return int(amount) * self.day_seconds
        raise ValueError(f"unknown time unit {unit!r}")

    def deadline(
        self, start: datetime, amount_or_seconds: int, unit: str, *, in_seconds: bool = False
    ) -> tuple[datetime, bool]:
        """(deadline, provisional): provisional when the span counted touches a year not yet entered."""
        seconds = int(amount_or_seconds) if in_seconds else self.to_seconds(amount_or_seconds, unit)
        if unit == TimeUnit.CLOCK_HOURS:
            # Elapsed time, so added in UTC (no wall-clock shift in zones with DST).
            return self._local(self._local(start).astimezone(UTC) + timedelta(seconds=seconds)), False
        end = self.add_working_seconds(start, seconds)
        first = self._local(start).year
        provisional = any(not self.is_official(y) for y in range(first, end.year + 1))
        return end, provisional

    def missing_years(self, today: date) -> list[int]:
        """Years the office must still enter: this year, and from 1 November on the next one too."""
        years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
        return [y for y in years if not self.is_official(y)]


# Told when the schedule of a year has been entered, so that deadlines counted over it with
# weekends only can be counted again: ``years`` lists them.
year_entered = Signal()

# Asked how many deadlines are still provisional; each receiver returns (what, how many).
provisional_deadlines = Signal()


def provisional_counts() -> list[tuple[str, int]]:
    return [answer for _receiver, answer in provisional_deadlines.send(sender=None) if answer]


# The per-process calendar, rebuilt when the tables change.


def _version() -> tuple:
    h = Holiday.objects.aggregate(n=Count("id"), last=Max("id"), work=Count("id", filter=Q(is_workday=True)))
    y = CalendarYear.objects.aggregate(n=Count("id"), last=Max("id"))
    # The count of working-day rows also catches a row flipped in place, which
    # changes neither the count nor the latest id.
    return (h["n"], h["last"], h["work"], y["n"], y["last"])


def _build() -> WorkCalendar:
    days = dict(Holiday.objects.values_list("date", "is_workday"))
    return WorkCalendar(days, CalendarYear.objects.values_list("year", flat=True))


_calendar = TableCache(_version, _build)
get_calendar = _calendar.get
invalidate = _calendar.invalidate


# Seeding from the chinese_calendar package.

CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
}


@dataclass(frozen=True)
class PackageSchedule:
    days: dict[date, tuple[bool, str]]  # date → (is_workday, Chinese name)
    years: tuple[int, ...]  # years the package covers completely
    source: str


def package_schedule() -> PackageSchedule:
    import chinese_calendar

    try:
        from importlib.metadata import version

        package_version = version("chinesecalendar")
    except Exception:  # an unusual install without metadata
        package_version = getattr(chinese_calendar, "__version__", "?")
    days: dict[date, tuple[bool, str]] = {}
    for source, is_workday in ((chinese_calendar.holidays, False), (chinese_calendar.workdays, True)):
        for d, name in source.items():
            days[d] = (is_workday, CHINESE_NAMES.get(name, name)[:40])
    present = {d.year for d in chinese_calendar.holidays}
    years = tuple(y for y in range(min(present), max(present) + 1) if y in present) if present else ()
    return PackageSchedule(days, years, f"chinese-calendar {package_version}")


def seed_official_calendar(years: Iterable[int] | None = None, *, holiday_model=None, year_model=None) -> int:
    """Insert the package's days and years that are not in the tables yet; returns the days added.

    Rows already present are never changed: the office's edits win.
    """
    real_models = holiday_model is None and year_model is None
    holiday_model = holiday_model or Holiday
    year_model = year_model or CalendarYear
    schedule = package_schedule()
    wanted = None if years is None else set(years)
    days = {d: v for d, v in schedule.days.items() if wanted is None or d.year in wanted}
    official = [y for y in schedule.years if wanted is None or y in wanted]

    created = 0
    if days:
        existing = set(
            holiday_model.objects.filter(date__gte=min(days), date__lte=max(days)).values_list("date", flat=True)
        )
        rows = [
            holiday_model(date=d, is_workday=is_workday, name=name)
            for d, (is_workday, name) in sorted(days.items())
            if d not in existing
        ]
        # ignore_conflicts: a row entered meanwhile by someone else stays theirs.
        holiday_model.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        created = len(rows)
    known_years = set(year_model.objects.values_list("year", flat=True))
    new_years = [year_model(year=y, source=schedule.source) for y in official if y not in known_years]
    year_model.objects.bulk_create(new_years, ignore_conflicts=True)

    if real_models:
        # bulk_create sends no signals, so do here what they would have done.
        invalidate()
        if new_years:
            year_entered.send(sender=year_model, years=[y.year for y in new_years])
    return created
