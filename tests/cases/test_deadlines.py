"""Deadlines of cases counted over a year whose official schedule was missing are counted
again once the year is entered, and the calendar command reports them."""

from datetime import date, timedelta

from django.utils import timezone

from tests.workdays.test_calendar import DAY, at, run
from wenming.cases.models import Case, Category, Status
from wenming.cases.services import deadlines
from wenming.org.models import Area
from wenming.workdays.models import CalendarYear, Holiday, TimeUnit


def make_case(**fields) -> Case:
    area, _ = Area.objects.get_or_create(code="990100", defaults={"name": "示范市", "level": "city"})
    # Other migrations may seed the standard categories; any event class will do.
    category, _ = Category.objects.get_or_create(kind="E", code="99", defaults={"name": "其他"})
    now = timezone.now()
    return Case.objects.create(
        number="E0120310930001",
        kind="E",
        category=category,
        source="citizen",
        description="垃圾堆放",
        lon=111.0,
        lat=40.0,
        area=area,
        created_at=now,
        updated_at=now,
        **fields,
    )


def test_entering_a_year_counts_its_provisional_deadlines_again(cal):
    start = at(2031, 9, 30, 10)  # Tuesday
    deadline, provisional = cal.deadline(start, 2, TimeUnit.WORKING_DAYS)
    assert (deadline, provisional) == (at(2031, 10, 7, 10), True)  # 1–3 Oct off, Mon 6 and Tue 7 worked
    case = make_case(
        status=Status.ACCEPTED,
        time_limit=2,
        time_unit=TimeUnit.WORKING_DAYS,
        deadline_from=start,
        deadline_seconds=2 * DAY,
        deadline=deadline,
        deadline_provisional=True,
    )
    Holiday.objects.bulk_create(
        [Holiday(date=date(2031, 10, d), is_workday=False, name="国庆节") for d in range(1, 8)]
        + [
            Holiday(date=date(2031, 9, 28), is_workday=True, name="国庆节"),
            Holiday(date=date(2031, 10, 11), is_workday=True, name="国庆节"),
        ]
    )
    CalendarYear.objects.create(year=2031, source="test notice")
    case.refresh_from_db()
    assert case.deadline == at(2031, 10, 9, 10)
    assert not case.deadline_provisional
    assert case.version == 1


def test_recounting_leaves_closed_cases_and_unchanged_deadlines_alone(cal):
    start = at(2031, 3, 4, 10)
    deadline, _ = cal.deadline(start, 1, TimeUnit.WORKING_DAYS)
    make_case(
        status=Status.CLOSED,
        time_unit=TimeUnit.WORKING_DAYS,
        deadline_from=start,
        deadline_seconds=DAY,
        deadline=deadline - timedelta(days=1),
        deadline_provisional=True,
    )
    assert deadlines.recompute_provisional_deadlines() == 0


def test_the_calendar_command_reports_provisional_deadlines_before_and_after_entering_a_year(cal):
    start = at(2031, 9, 30, 10)
    deadline, _ = cal.deadline(start, 2, TimeUnit.WORKING_DAYS)
    make_case(
        status=Status.ACCEPTED,
        time_limit=2,
        time_unit=TimeUnit.WORKING_DAYS,
        deadline_from=start,
        deadline_seconds=2 * DAY,
        deadline=deadline,
        deadline_provisional=True,
    )
    assert "Provisional deadlines: 1 open cases" in run("status")
    run("add", "2031-10-01", "--off", "--name", "国庆节")
    assert "Provisional deadlines: 1 before, 0 now." in run("enter", "2031")
    assert "Provisional deadlines" not in run("status")
