"""The official working calendar: 2026's real schedule (seeded by the migration), years not entered, the command."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from wenming.workdays.calendar import WorkCalendar, get_calendar, seed_official_calendar
from wenming.workdays.models import CalendarYear, Holiday, TimeUnit

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600
DAY = 7 * HOUR


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def add_hours(cal, start, hours):
    return cal.add_working_seconds(start, int(hours * HOUR))


# 2026 as published by the State Council


def test_the_2026_spring_festival_is_off_from_15_to_23_february(cal):
    assert all(not cal.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert cal.is_workday(date(2026, 2, 13)) and cal.is_workday(date(2026, 2, 24))
    assert Holiday.objects.get(date=date(2026, 2, 16)).name == "春节"


def test_the_saturdays_14_and_28_february_2026_are_make_up_working_days(cal):
    assert cal.is_workday(date(2026, 2, 14))
    assert cal.is_workday(date(2026, 2, 28))
    assert not cal.is_workday(date(2026, 2, 7))  # an ordinary Saturday


def test_three_working_days_from_the_friday_before_the_spring_festival_count_saturday_14_february(cal):
    # Fri 10:00–18:00 5.5 h, Sat 14 7 h, Tue 24 7 h, then 1.5 h on Wed 25.
    end, provisional = cal.deadline(at(2026, 2, 13, 10), 3, TimeUnit.WORKING_DAYS)
    assert end == at(2026, 2, 25, 10)
    assert not provisional


def test_labour_day_2026_is_off_from_1_to_5_may_and_saturday_9_may_is_worked(cal):
    assert [cal.is_workday(date(2026, 5, d)) for d in range(1, 10)] == [False] * 5 + [True, True, True, True]
    assert cal.deadline(at(2026, 4, 30, 10), 1, TimeUnit.WORKING_DAYS)[0] == at(2026, 5, 6, 10)
    # Fri 8 May 5.5 h, Sat 9 May 7 h, Mon 11 May 1.5 h
    assert cal.deadline(at(2026, 5, 8, 10), 2, TimeUnit.WORKING_DAYS)[0] == at(2026, 5, 11, 10)


def test_national_day_2026_is_off_from_1_to_7_october_with_sunday_20_september_and_saturday_10_october_worked(cal):
    assert all(not cal.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert cal.is_workday(date(2026, 9, 20)) and cal.is_workday(date(2026, 10, 10))
    assert Holiday.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert add_hours(cal, at(2026, 9, 20, 7), 2) == at(2026, 9, 20, 10, 30)
    assert cal.deadline(at(2026, 9, 30, 10), 1, TimeUnit.WORKING_DAYS)[0] == at(2026, 10, 8, 10)
    assert cal.deadline(at(2026, 10, 9, 10), 2, TimeUnit.WORKING_DAYS)[0] == at(2026, 10, 12, 10)


def test_a_weekday_of_an_official_year_not_in_the_table_is_a_working_day(cal):
    assert cal.is_official(2026)
    assert not Holiday.objects.filter(date=date(2026, 12, 31)).exists()
    assert cal.is_workday(date(2026, 12, 31))


# Counting hours


def test_working_hours_skip_the_lunch_break(cal):
    assert add_hours(cal, at(2026, 3, 2, 11), 2) == at(2026, 3, 2, 15, 30)


def test_counting_from_the_night_starts_at_the_next_morning(cal):
    assert add_hours(cal, at(2026, 3, 2, 20), 1) == at(2026, 3, 3, 9, 30)
    assert add_hours(cal, at(2026, 3, 3, 6), 1) == at(2026, 3, 3, 9, 30)


def test_counting_from_lunch_starts_at_the_afternoon_period(cal):
    assert add_hours(cal, at(2026, 3, 2, 12, 30), 1) == at(2026, 3, 2, 15, 30)


def test_counting_from_a_holiday_starts_on_the_next_working_day(cal):
    assert add_hours(cal, at(2026, 2, 16, 10), 1) == at(2026, 2, 24, 9, 30)


def test_zero_seconds_give_the_first_working_instant_at_or_after_the_start(cal):
    assert cal.add_working_seconds(at(2026, 3, 2, 10), 0) == at(2026, 3, 2, 10)
    assert cal.add_working_seconds(at(2026, 3, 2, 12), 0) == at(2026, 3, 2, 14, 30)
    assert cal.add_working_seconds(at(2026, 2, 21, 10), 0) == at(2026, 2, 24, 8, 30)
    assert cal.add_working_seconds(at(2026, 2, 13, 18), 0) == at(2026, 2, 14, 8, 30)


def test_a_span_filling_a_day_exactly_ends_at_the_next_working_instant(cal):
    # Periods are half-open, so 7 h from 08:30 land on the next working morning, not at 18:00.
    assert add_hours(cal, at(2026, 3, 2, 8, 30), 7) == at(2026, 3, 3, 8, 30)
    assert add_hours(cal, at(2026, 3, 2, 10), 2) == at(2026, 3, 2, 14, 30)


def test_the_result_is_in_the_configured_time_zone_whatever_the_start_zone(cal):
    start_utc = at(2026, 3, 2, 11).astimezone(ZoneInfo("UTC"))
    end = add_hours(cal, start_utc, 2)
    assert end == at(2026, 3, 2, 15, 30)
    assert end.utcoffset() == timedelta(hours=8)


def test_clock_hours_ignore_holidays_and_are_never_provisional(cal):
    assert cal.deadline(at(2026, 2, 16, 10), 24, TimeUnit.CLOCK_HOURS) == (at(2026, 2, 17, 10), False)
    assert cal.deadline(at(2031, 9, 30, 10), 48, TimeUnit.CLOCK_HOURS) == (at(2031, 10, 2, 10), False)


def test_working_periods_are_sorted_and_overlaps_refused():
    from django.core.exceptions import ImproperlyConfigured

    calendar = WorkCalendar({}, [], periods=[("14:00", "17:00"), ("09:00", "12:00")])
    assert calendar.day_seconds == 6 * HOUR
    assert calendar.add_working_seconds(at(2031, 3, 4, 11), 2 * HOUR) == at(2031, 3, 4, 15)
    with pytest.raises(ImproperlyConfigured):
        WorkCalendar({}, [], periods=[("08:30", "12:00"), ("11:00", "18:00")])


def test_units_convert_to_seconds_of_working_time(cal):
    assert cal.day_seconds == 7 * HOUR
    assert cal.to_seconds(3, TimeUnit.WORKING_HOURS) == 3 * HOUR
    assert cal.to_seconds(2, TimeUnit.WORKING_DAYS) == 2 * DAY
    assert cal.to_seconds(5, TimeUnit.CLOCK_HOURS) == 5 * HOUR
    with pytest.raises(ValueError):
        cal.to_seconds(1, "fortnights")


@pytest.mark.parametrize(
    "a, b",
    [
        (at(2026, 2, 13, 10), at(2026, 2, 25, 10)),  # across the Spring Festival
        (at(2026, 3, 2, 11), at(2026, 3, 2, 15, 30)),  # across lunch
        (at(2026, 3, 2, 11), at(2026, 3, 2, 13)),  # ends during lunch
        (at(2026, 9, 30, 20), at(2026, 10, 4, 12)),  # night to a holiday
        (at(2026, 12, 30, 9, 15), at(2027, 3, 1, 16, 45)),  # into a year not entered
        (at(2026, 3, 2, 10), at(2026, 3, 2, 9)),  # b before a
    ],
)
def test_working_seconds_between_is_undone_by_adding_them_back(cal, a, b):
    seconds = cal.working_seconds_between(a, b)
    # Lands at b, or at the next working instant when b is outside working time.
    assert cal.add_working_seconds(a, seconds) == cal.add_working_seconds(max(a, b), 0)


def test_working_seconds_between_counts_only_working_time(cal):
    assert cal.working_seconds_between(at(2026, 2, 13, 10), at(2026, 2, 25, 10)) == 3 * DAY
    assert cal.working_seconds_between(at(2026, 3, 2, 11), at(2026, 3, 2, 15, 30)) == 2 * HOUR
    assert cal.working_seconds_between(at(2026, 2, 16, 0), at(2026, 2, 22, 0)) == 0
    assert cal.working_seconds_between(at(2026, 3, 2, 10), at(2026, 3, 2, 9)) == 0


def test_a_thousand_working_days_added_are_counted_back(cal):
    # How long this takes: python bench/workcalendar.py
    start = at(2026, 3, 2, 10)
    end = cal.add_working_seconds(start, 1000 * DAY)
    assert cal.working_seconds_between(start, end) == 1000 * DAY


# Years not entered


def test_a_year_not_entered_counts_weekends_and_fixed_date_holidays_only(cal):
    assert not cal.is_official(2031)
    assert not cal.is_workday(date(2031, 10, 1))  # Wednesday, National Day
    assert not cal.is_workday(date(2031, 1, 1))  # Wednesday, New Year's Day
    assert not cal.is_workday(date(2031, 5, 2))  # Friday, Labour Day's second day
    assert cal.is_workday(date(2031, 3, 4))  # an ordinary Tuesday
    assert not cal.is_workday(date(2031, 3, 8))  # an ordinary Saturday


def test_a_deadline_touching_a_year_not_entered_is_provisional(cal):
    assert cal.deadline(at(2031, 3, 4, 10), 1, TimeUnit.WORKING_DAYS)[1]
    assert not cal.deadline(at(2026, 12, 30, 10), 1, TimeUnit.WORKING_DAYS)[1]
    if not cal.is_official(2027):
        end, provisional = cal.deadline(at(2026, 12, 31, 10), 1, TimeUnit.WORKING_DAYS)
        assert end.year == 2027 and provisional


def test_missing_years_include_next_year_from_november_on(cal):
    CalendarYear.objects.filter(year=2027).delete()
    calendar = get_calendar()
    assert calendar.missing_years(date(2026, 11, 29)) == [2027]
    assert calendar.missing_years(date(2026, 10, 31)) == []
    assert calendar.missing_years(date(2031, 2, 1)) == [2031]


# The cache


def test_the_calendar_is_kept_until_its_tables_change(cal):
    assert get_calendar() is cal
    # bulk_create sends no signal: the version query alone must notice.
    Holiday.objects.bulk_create([Holiday(date=date(2031, 3, 4), is_workday=False, name="本地假日")])
    fresh = get_calendar()
    assert fresh is not cal and not fresh.is_workday(date(2031, 3, 4))
    Holiday.objects.filter(date=date(2031, 3, 4)).update(is_workday=True)
    assert get_calendar().is_workday(date(2031, 3, 4))


# Seeding


def test_the_migration_marks_the_years_the_package_covers_as_official(db):
    year = CalendarYear.objects.get(year=2026)
    assert year.source.startswith("chinese-calendar ")
    assert set(range(2004, 2027)) <= set(CalendarYear.objects.values_list("year", flat=True))
    assert Holiday.objects.get(date=date(2026, 4, 5)).name == "清明节"


def test_the_offices_edits_win_over_the_seed(db):
    assert seed_official_calendar() == 0  # the migration already loaded everything
    assert seed_official_calendar() == 0
    Holiday.objects.filter(date=date(2026, 2, 14)).update(is_workday=False, name="本市调整")
    Holiday.objects.filter(date=date(2026, 2, 28)).delete()
    assert seed_official_calendar() == 1  # only the missing day comes back
    edited = Holiday.objects.get(date=date(2026, 2, 14))
    assert (edited.is_workday, edited.name) == (False, "本市调整")
    assert not get_calendar().is_workday(date(2026, 2, 14))


def test_seeding_an_empty_table_restricted_to_one_year(db):
    Holiday.objects.all().delete()
    CalendarYear.objects.all().delete()
    created = seed_official_calendar([2026])
    assert created == Holiday.objects.count() == 33 + 6  # 33 days off (weekends inside included), 6 make-up days
    assert list(CalendarYear.objects.values_list("year", flat=True)) == [2026]


# The command


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_adding_an_impossible_date_is_refused_and_changes_nothing(db):
    count = Holiday.objects.count()
    with pytest.raises(CommandError, match="2026-02-30"):
        run("add", "2026-02-30", "--off")
    with pytest.raises(CommandError):
        run("add", "2026-03-02")  # neither --off nor --workday
    assert Holiday.objects.count() == count


def test_entering_a_year_without_any_day_is_refused_and_changes_nothing(db):
    with pytest.raises(CommandError, match="No day of 2031"):
        run("enter", "2031")
    with pytest.raises(CommandError):
        run("enter", "next")
    assert not CalendarYear.objects.filter(year=2031).exists()


def test_the_office_adds_the_days_of_a_year_then_enters_it(db):
    out = run("add", "2031-10-01", "--off", "--name", "国庆节")
    assert "2031-10-01" in out and "day off" in out
    run("add", "2031-10-11", "--workday", "--name", "国庆节")
    run("add", "2031-10-11", "--off")  # replaced, the name kept
    assert Holiday.objects.filter(date=date(2031, 10, 11), is_workday=False, name="国庆节").exists()
    out = run("enter", "2031", "--source", "国办发明电〔2030〕1号")
    assert "2031 is official" in out
    assert CalendarYear.objects.get(year=2031).source == "国办发明电〔2030〕1号"
    assert get_calendar().is_official(2031)


def test_status_warns_about_each_year_still_to_enter(db, monkeypatch):
    CalendarYear.objects.filter(year=2027).delete()
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 11, 29))
    out = run("status")
    assert "2004–2026" in out
    assert "Warning: the official holidays of 2027 are not entered" in out
    assert "Warning: the official holidays of 2026" not in out


def test_the_seed_subcommand_reports_how_many_days_it_added(db):
    Holiday.objects.filter(date__year=2026).delete()
    assert "Added 39 days" in run("seed")


# In the admin


def test_the_campaign_office_maintains_the_calendar_in_the_admin_at_its_old_address_too(city, login):
    client = login(city.users["campaign_admin"])
    assert client.get("/admin/workdays/holiday/").status_code == 200
    old = client.get("/admin/cases/holiday/?is_workday__exact=1")
    assert old.status_code == 302 and old["Location"] == "/admin/workdays/holiday/?is_workday__exact=1"
    assert client.get("/admin/cases/calendaryear/2/change/")["Location"] == "/admin/workdays/calendaryear/2/change/"
    assert get_user_model().objects.get(pk=city.users["campaign_admin"].pk).has_perm("workdays.change_holiday")
