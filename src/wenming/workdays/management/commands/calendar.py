from datetime import date

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import transaction
from django.utils import timezone

from wenming.workdays.calendar import get_calendar, provisional_counts, seed_official_calendar
from wenming.workdays.models import CalendarYear, Holiday

MIN_YEAR, MAX_YEAR = 1949, 9999


def _ranges(years: list[int]) -> str:
    """[2004, 2005, 2006, 2009] → "2004–2006, 2009"."""
    parts: list[str] = []
    for y in sorted(years):
        if parts and parts[-1][1] == y - 1:
            parts[-1][1] = y
        else:
            parts.append([y, y])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in parts) or "none"


def _year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a year.") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CommandError(f"The year must lie between {MIN_YEAR} and {MAX_YEAR}.")
    return year


class Command(BaseCommand):
    help = "Show, seed or check the official working calendar."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{status,seed,add,enter}")
        actions.add_parser("status", help="list the official years and warn about years still to enter")
        actions.add_parser(
            "seed", help="add the days and years the chinese_calendar package knows (existing rows stay)"
        )
        add = actions.add_parser("add", help="add or replace one day of the official calendar")
        add.add_argument("date", help="YYYY-MM-DD")
        kind = add.add_mutually_exclusive_group(required=True)
        kind.add_argument("--off", dest="is_workday", action="store_false", help="a day off (public holiday)")
        kind.add_argument(
            "--workday", dest="is_workday", action="store_true", help="a weekend day worked instead (调休)"
        )
        add.add_argument("--name", help="e.g. 春节 (kept when replacing a day without --name)")
        enter = actions.add_parser("enter", help="mark a year official once all its days are entered")
        enter.add_argument("year")
        enter.add_argument("--source", default="", help="e.g. 国办发明电〔2030〕7号")
        enter.add_argument("--force", action="store_true", help="mark the year even with no days entered in it")

    @no_translations  # the command speaks English, the receivers' words too
    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_status(self, **options):
        calendar = get_calendar()
        entered = CalendarYear.objects.order_by("year")
        self.stdout.write(f"Official years: {_ranges([y.year for y in entered])}")
        sources = sorted({y.source for y in entered if y.source})
        if sources:
            self.stdout.write(f"Sources: {'; '.join(sources)}")
        unofficial_rows = sorted({d.year for d in Holiday.objects.dates("date", "year")} - calendar.official_years)
        if unofficial_rows:
            self.stdout.write(f"Days entered in years not marked official yet: {_ranges(unofficial_rows)}")
        missing = calendar.missing_years(timezone.localdate())
        if not missing:
            self.stdout.write(self.style.SUCCESS("No year to enter."))
        for year in missing:
            self.stdout.write(
                self.style.WARNING(
                    f"Warning: the official holidays of {year} are not entered. Deadlines over {year} count "
                    f"weekends and 1 Jan, 1–2 May, 1–3 Oct only and are marked provisional. Enter its days with "
                    f"`wenming calendar add DATE --off|--workday --name NAME`, then `wenming calendar enter {year}`."
                )
            )
        for what, count in provisional_counts():
            self.stdout.write(f"Provisional deadlines: {count} {what}")

    def handle_seed(self, **options):
        before = set(CalendarYear.objects.values_list("year", flat=True))
        created = seed_official_calendar()
        years = sorted(set(CalendarYear.objects.values_list("year", flat=True)) - before)
        self.stdout.write(self.style.SUCCESS(f"Added {created} days; newly official years: {_ranges(years)}."))

    def handle_add(self, *, date: str, is_workday: bool, name: str | None, **options):
        try:
            day = _parse_date(date)
        except ValueError:
            raise CommandError(f"{date!r} is not a date (YYYY-MM-DD).") from None
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise CommandError(f"The year must lie between {MIN_YEAR} and {MAX_YEAR}.")
        if name is not None and len(name) > 40:
            raise CommandError("The name may have at most 40 characters.")
        weekend = day.weekday() >= 5
        with transaction.atomic():
            row = Holiday.objects.select_for_update().filter(date=day).first()
            if row is None:
                row = Holiday(date=day, name=name or "")
            elif name is not None:
                row.name = name
            row.is_workday = is_workday
            row.save()
        what = "a working day" if is_workday else "a day off"
        self.stdout.write(self.style.SUCCESS(f"{day} ({day:%a}) is now {what}{f' ({row.name})' if row.name else ''}."))
        if is_workday != weekend:
            # Harmless (the row only confirms the usual rule) but likely a typo.
            usual = "a weekend day, off anyway" if weekend else "a weekday, worked anyway"
            self.stdout.write(self.style.WARNING(f"Note: {day} is {usual}; check the date."))
        if day.year not in get_calendar().official_years:
            self.stdout.write(f"When every day of {day.year} is entered: wenming calendar enter {day.year}")

    def handle_enter(self, *, year: str, source: str, force: bool, **options):
        year_number = _year(year)
        existing = CalendarYear.objects.filter(year=year_number).first()
        if existing is not None:
            self.stdout.write(f"{year_number} is already official ({existing.source or 'no source given'}).")
            return
        rows = Holiday.objects.filter(date__year=year_number)
        off, worked = rows.filter(is_workday=False).count(), rows.filter(is_workday=True).count()
        if not off and not worked and not force:
            raise CommandError(
                f"No day of {year_number} is entered. Enter its holidays and make-up working days first "
                f"(wenming calendar add DATE --off|--workday), or pass --force for a year without any."
            )
        before = _total(provisional_counts())
        # Saving the row tells the domains, which count their provisional deadlines again.
        CalendarYear.objects.create(year=year_number, source=source or f"entered {timezone.localdate()}")
        after = _total(provisional_counts())
        self.stdout.write(
            self.style.SUCCESS(
                f"{year_number} is official: {off} days off, {worked} make-up working days. "
                f"Provisional deadlines: {before} before, {after} now."
            )
        )


def _total(counts: list[tuple[str, int]]) -> int:
    return sum(count for _what, count in counts)


def _parse_date(text: str) -> date:
    # Only the plain YYYY-MM-DD form: fromisoformat alone would also take "20260214".
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise ValueError(text)
    return date.fromisoformat(text)
