"""Deadline arithmetic on the official working calendar (seeded by the migration):
WorkCalendar.add_working_seconds over 10 to 1,000 working days, and counting the span back
with working_seconds_between, against walking the same span day by day and period by period
(the loop add_working_seconds avoids by skipping whole working days at once).

python bench/workcalendar.py [--days 10,100,1000] [--repeat 20]
"""

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from fresh import fresh_wenming

START = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday morning


def walk(cal, start, seconds):
    """Baseline: from the start, each day in turn, each working period of the day in turn."""
    local = start.astimezone(cal.zone)
    day = local.date()
    at = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
    remaining = seconds * 1_000_000
    while True:
        if cal.is_workday(day):
            for begin, end in cal.periods:
                if at < end:
                    begin = max(at, begin)
                    if remaining < end - begin:
                        midnight = datetime.combine(day, clock_time(), tzinfo=cal.zone)
                        return midnight + timedelta(microseconds=begin + remaining)
                    remaining -= end - begin
        day += timedelta(days=1)
        at = 0


def timed(repeat, function, *args):
    """(best, median) seconds of ``repeat`` calls of ``function(*args)``, and the last result."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", default="10,100,1000", help="working days to add, comma-separated")
    parser.add_argument("--repeat", type=int, default=20, help="calls per figure; the best and the median are shown")
    args = parser.parse_args()

    fresh_wenming()
    from wenming.workdays.calendar import get_calendar

    cal = get_calendar()
    print(
        f"calendar: {len(cal.days)} dated days, official years {sorted(cal.official_years)}, "
        f"{cal.day_seconds / 3600:g} working hours a day; start {START:%Y-%m-%d %H:%M %Z}"
    )
    print("× baseline: the best time as a multiple of the baseline's best")
    print(f"{'working days':>12}  {'method':<44}{'best µs':>10}{'median µs':>11}{'× baseline':>12}")
    for days in (int(d) for d in args.days.split(",")):
        seconds = days * cal.day_seconds
        base_best, base_median, expected = timed(args.repeat, walk, cal, START, seconds)
        add_best, add_median, end = timed(args.repeat, cal.add_working_seconds, START, seconds)
        back_best, back_median, counted = timed(args.repeat, cal.working_seconds_between, START, end)
        # The same answers, or the figures mean nothing.
        assert end == expected, (days, end, expected)
        assert counted == seconds, (days, counted, seconds)
        rows = [
            ("baseline: walk day by day, period by period", base_best, base_median),
            ("add_working_seconds", add_best, add_median),
            ("working_seconds_between (counted back)", back_best, back_median),
        ]
        for name, best, median in rows:
            print(f"{days:>12,}  {name:<44}{best * 1e6:>10,.0f}{median * 1e6:>11,.0f}{best / base_best:>12.2f}")
        print(f"{'':>12}  ends {end:%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    sys.exit(main())
