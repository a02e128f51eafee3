"""`wenming simulate` on the Hohhot demo: the cases it writes follow the services' rules."""

import io
import re
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from wenming.cases import demo as cases_demo
from wenming.cases import routing, services
from wenming.cases.models import Case, CaseEvent, CaseRequest, Status
from wenming.cases.services.filing import text_for_search
from wenming.cases.simulation import SimulationError, simulate
from wenming.core.models import Sequence
from wenming.org import demo as org_demo
from wenming.org import services as org_services
from wenming.org.models import Area, Membership
from wenming.workdays.calendar import get_calendar

pytestmark = pytest.mark.slow

NUMBER = re.compile(r"^([CE])(\d{4})(\d{8})(\d{4})$")
FINISHED = {Status.CLOSED, Status.EVALUATED, Status.REJECTED, Status.MERGED}
UNTIL = timezone.localdate() - timedelta(days=10)


def test_without_the_demo_city_the_command_says_what_to_do(db):
    # First in the module: the demo city below is loaded once and stays until the module ends.
    with pytest.raises(CommandError, match="wenming demo"):
        call_command("simulate", "--days", "1", "--cases-per-day", "5", stdout=io.StringIO())


@pytest.fixture(scope="module")
def hohhot(django_db_setup, django_db_blocker):
    """The demo city, loaded once for the module and rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        org_demo.load()
        cases_demo.load_routing()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def simulated(hohhot, db):
    return simulate(3, 200, seed=5, until=UNTIL)


def events_by_case() -> dict[int, list[CaseEvent]]:
    grouped = defaultdict(list)
    for event in CaseEvent.objects.order_by("case_id", "at", "id"):
        grouped[event.case_id].append(event)
    return grouped


def overdue_from_events(events) -> bool:
    """The overdue flag as the services leave it after these events."""
    overdue = False
    for e in events:
        if e.action in ("dispatch", "return", "resume") or (e.action == "verify" and not e.data["passed"]):
            overdue = False  # the clock starts again, or stops
        elif e.action == "overdue":
            overdue = True
        elif e.action == "decide_request" and e.data.get("working_days"):
            overdue = e.at > datetime.fromisoformat(e.data["deadline"])
    return overdue


def test_the_summary_counts_what_was_written(simulated):
    assert simulated["cases"] == Case.objects.count() == 600
    assert simulated["events"] == CaseEvent.objects.count()
    assert simulated["requests"] == CaseRequest.objects.count()
    assert sum(simulated["by_status"].values()) == 600
    assert simulated["overdue"] == Case.objects.filter(is_overdue=True).count()
    assert (simulated["first_day"], simulated["last_day"]) == (UNTIL - timedelta(days=2), UNTIL)
    # Most are closed in time; the last day's cases are still at every open stage.
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert statuses[Status.CLOSED] + statuses[Status.EVALUATED] > 300
    assert {Status.REPORTED, Status.DISPATCHED, Status.ACCEPTED} <= set(statuses)
    assert 0 < simulated["overdue_share"] < 0.4


def test_numbers_are_unique_and_follow_the_scheme(simulated):
    cases = list(Case.objects.select_related("category"))
    assert len({c.number for c in cases}) == len(cases)
    serials = defaultdict(list)
    for case in cases:
        kind, code, day, serial = NUMBER.match(case.number).groups()
        assert (kind, code) == (case.kind, case.category.code)
        assert day == f"{timezone.localtime(case.created_at):%Y%m%d}"
        serials[case.number[:13]].append((case.created_at, case.id, int(serial)))
    sequences = dict(Sequence.objects.values_list("prefix", "last"))
    for prefix, found in serials.items():
        # 1, 2, 3 … in the order the cases arrived, and the sequence row knows the last one.
        assert [s for _at, _id, s in sorted(found)] == list(range(1, len(found) + 1))
        assert sequences[prefix] == len(found)


def test_every_case_agrees_with_its_events(simulated):
    grouped = events_by_case()
    cases = Case.objects.select_related("category", "district")
    staff = set(Membership.objects.filter(is_active=True).values_list("user_id", "unit_id"))
    for case in cases:
        events = grouped[case.pk]
        assert [e.action for e in events][0] == "report" and events[0].from_status == ""
        assert [e.id for e in events] == sorted(e.id for e in events), "events in time order"
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status, (case.number, before.action, after.action)
        assert case.status == events[-1].to_status
        verifies = [e for e in events if e.action == "verify"]
        assert case.rework_count == sum(1 for e in verifies if e.data == {"passed": False})
        assert case.return_count == sum(1 for e in events if e.action == "return")
        assert case.extension_count == sum(
            1 for e in events if e.action == "decide_request" and e.data["kind"] == "extension" and e.data["approved"]
        )
        assert case.search_text == text_for_search(case)
        assert case.dispatcher_unit == org_services.campaign_office_for(case.district)
        if case.status in (Status.CLOSED, Status.EVALUATED):
            assert any(e.action == "rectify" for e in events)
            assert verifies[-1].data == {"passed": True} and verifies[-1].to_status == Status.CLOSED
            assert case.closed_at >= case.rectified_at >= case.dispatched_at >= case.created_at
            assert case.is_overdue == (case.closed_at > case.deadline)
        if case.status in FINISHED:
            assert case.closed_at is not None
        else:
            assert case.closed_at is None
        if case.status not in (Status.CLOSED, Status.EVALUATED):
            assert case.is_overdue == overdue_from_events(events), case.number
        if case.satisfaction:
            assert events[-1].action == "evaluate" and case.source in ("citizen", "hotline")
        for event in events:
            # People act only for a unit they belong to; nobody is invented.
            if event.actor_id and event.actor_unit_id:
                assert (event.actor_id, event.actor_unit_id) in staff, (event.action, event.actor_id)


def test_routes_and_deadlines_are_the_services(simulated):
    calendar = get_calendar()
    for case in Case.objects.exclude(deadline=None).select_related("category", "area")[:300]:
        deadline, provisional = calendar.deadline(
            case.deadline_from, case.deadline_seconds, case.time_unit, in_seconds=True
        )
        assert (case.deadline, case.deadline_provisional) == (deadline, provisional)
    for case in Case.objects.exclude(suggested_unit=None).select_related("category", "area")[:100]:
        route = routing.route(case.category, case.area)
        assert case.suggested_unit_id == route.unit.pk and case.routing_reason == route.reason[:300]


def test_supervision_finds_nothing_left_to_do_at_the_end(simulated):
    """The overdue and escalation events, and the reminder flags, are what supervise() would have left."""
    end = timezone.make_aware(datetime.combine(UNTIL + timedelta(days=1), time.min))
    open_cases = Case.objects.filter(status__in=[Status.DISPATCHED, Status.ACCEPTED])
    assert open_cases.exists() and CaseEvent.objects.filter(action="overdue").exists()
    assert services.supervise(now=end) == {"reminded": 0, "overdue": 0, "escalated": 0}


def test_cases_lie_in_their_grid_in_the_urban_districts(simulated):
    polygons = {}
    for case in Case.objects.select_related("district", "grid", "street", "community"):
        assert case.district.code in org_demo.URBAN_DISTRICTS
        assert case.area_id == case.grid_id
        assert case.grid.path == f"{case.community.path}{case.grid.code}/"
        assert case.community.path.startswith(case.street.path) and case.street.path.startswith(case.district.path)
        if case.grid_id not in polygons:
            polygons[case.grid_id] = shapely.geometry.shape(Area.objects.get(pk=case.grid_id).boundary)
        assert polygons[case.grid_id].contains(shapely.Point(case.lon, case.lat))


def test_later_intake_continues_the_numbering_and_writes_the_same_rows(simulated):
    """The same report through services.intake(): the next number, and the same case fields and events."""
    case = Case.objects.filter(source="inspection").exclude(reporter=None).order_by("-created_at").first()
    prefix = case.number[:13]
    last = Sequence.objects.get(prefix=prefix).last
    new = services.intake(
        source="inspection",
        category=case.category,
        lon=case.lon,
        lat=case.lat,
        description=case.description,
        address=case.address,
        priority=case.priority,
        user=case.reporter,
        now=case.created_at,
    ).case
    assert new.number == f"{prefix}{last + 1:04d}"
    assert Case.objects.filter(number__startswith=prefix).count() == last + 1
    same = [
        "kind",
        "category_id",
        "source",
        "priority",
        "area_id",
        "district_id",
        "street_id",
        "community_id",
        "grid_id",
        "reporter_id",
        "dispatcher_unit_id",
        "suggested_unit_id",
        "routing_reason",
        "time_limit",
        "time_unit",
        "created_at",
        "deadline_from",
        "deadline_seconds",
        "deadline",
        "deadline_provisional",
        "dispatched_at",
    ]
    assert [getattr(new, f) for f in same] == [getattr(case, f) for f in same]
    assert new.search_text.split(" ", 1)[1] == case.search_text.split(" ", 1)[1]

    def intake_events(c):
        rows = c.events.order_by("at", "id").values_list(
            "action", "from_status", "to_status", "actor_id", "actor_unit_id", "at", "note", "public", "data"
        )
        return [r for r in rows if r[5] == c.created_at]

    ours, theirs = intake_events(case), intake_events(new)
    # The second report of the same spot finds the first as a possible duplicate.
    assert theirs[0][8] == {"duplicates": [case.number], "location_from": "given"}
    assert ours[0][8] == {"duplicates": [], "location_from": "given"}
    assert [r[:8] for r in theirs] == [r[:8] for r in ours] and theirs[1:] == ours[1:]


def test_the_same_seed_gives_the_same_cases(hohhot, db):
    def snapshot():
        cases = Case.objects.order_by("number").values_list(
            "number",
            "category_id",
            "source",
            "status",
            "lon",
            "lat",
            "grid_id",
            "assigned_unit_id",
            "created_at",
            "closed_at",
            "deadline",
            "is_overdue",
            "description",
        )
        events = CaseEvent.objects.order_by("case__number", "at", "id").values_list(
            "case__number", "action", "to_status", "actor_id", "actor_unit_id", "at", "note", "data"
        )
        return list(cases), list(events)

    simulate(2, 150, seed=42, until=UNTIL)
    first = snapshot()
    for model in (CaseEvent, CaseRequest, Case, Sequence):
        model.objects.all()._raw_delete(model.objects.db)  # events refuse delete() one by one
    simulate(2, 150, seed=42, until=UNTIL)
    assert snapshot() == first
    simulate(2, 150, seed=43, until=UNTIL)
    assert Case.objects.count() == 600


@pytest.mark.parametrize(
    "args",
    [
        ["--days", "0", "--cases-per-day", "10"],
        ["--days", "-3", "--cases-per-day", "10"],
        ["--days", "3", "--cases-per-day", "0"],
        ["--days", "3", "--cases-per-day", "10", "--batch", "0"],
        ["--days", "3", "--cases-per-day", "10", "--until", "2026-13-01"],
        ["--days", "3", "--cases-per-day", "10", "--until", "yesterday"],
        ["--days", "3", "--cases-per-day", "10", "--until", "20260101"],
        ["--days", "3", "--cases-per-day", "10", "--until", str(timezone.localdate() + timedelta(days=1))],
    ],
)
def test_bad_arguments_are_refused_and_write_nothing(hohhot, db, args):
    with pytest.raises(CommandError):
        call_command("simulate", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert not Case.objects.exists() and not Sequence.objects.exists()


def test_the_function_refuses_bad_arguments_too(db):
    for days, per_day in [(0, 5), (-1, 5), (2, -5), (2.5, 5), ("3", 5)]:
        with pytest.raises(SimulationError):
            simulate(days, per_day, seed=1)


def test_the_command_prints_a_summary(hohhot, db):
    out = io.StringIO()
    call_command("simulate", "--days", "2", "--cases-per-day", "40", "--seed", "9", "--until", str(UNTIL), stdout=out)
    text = out.getvalue()
    assert "Simulated 80 cases" in text and "seed 9" in text
    for words in ("events:", "by status:", "overdue:", "cases/s", "peak RSS"):
        assert words in text
