"""The closed loop: every transition, who may make it, and what it leaves behind."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from tests.cases.conftest import WEST_POINT, category, jpeg
from wenming.cases import services
from wenming.cases.models import Case, CaseEvent, CaseRequest, Status
from wenming.cases.services import lifecycle
from wenming.notifications.models import Notification
from wenming.org import services as org_services
from wenming.workdays.calendar import get_calendar

ROLES = [
    "campaign_admin",
    "inspector",
    "group_lead",
    "district_leader",
    "department_handler",
    "street_handler",
    "grid_worker",
    "volunteer",
    "citizen",
]

# For each action in the state it starts from: who may do it; who is refused (403);
# the rest do not see the case (404). The case lies in grid 001 of 西一街道 and, once
# dispatched, belongs to 市城管局 (D1), a member of the special group SG; while only
# registered it belongs to no unit, so the departments do not see it.
MATRIX = {
    "register": ("reported", {"campaign_admin"}, {"inspector", "district_leader", "street_handler", "grid_worker"}),
    "reject": ("reported", {"campaign_admin"}, {"inspector", "district_leader", "street_handler", "grid_worker"}),
    "dispatch": ("registered", {"campaign_admin"}, {"inspector", "district_leader", "street_handler", "grid_worker"}),
    "accept": (
        "dispatched",
        {"department_handler"},
        {"campaign_admin", "inspector", "group_lead", "district_leader", "street_handler", "grid_worker"},
    ),
    "return": (
        "dispatched",
        {"department_handler"},
        {"campaign_admin", "inspector", "group_lead", "district_leader", "street_handler", "grid_worker"},
    ),
    "verify": (
        "rectified",
        {"campaign_admin", "inspector", "grid_worker"},
        {"group_lead", "district_leader", "department_handler", "street_handler"},
    ),
    "red_flag": (
        "accepted",
        {"campaign_admin"},
        {"inspector", "group_lead", "district_leader", "department_handler", "street_handler", "grid_worker"},
    ),
}
PARAMS = {
    "reject": {"note": "重复举报"},
    "return": {"note": "不归我们管"},
    "verify": {"passed": "1"},
    "red_flag": {"working_hours": "4", "note": "群众反映强烈"},
    "dispatch": {"unit": "D2"},
}


def bring_to(state, world, report):
    # No routing rule covers C0101 in 西区: registered, it waits to be dispatched by hand.
    case = report(code="C0101") if state == "registered" else report()
    admin = world.users["campaign_admin"]
    handler = world.users["department_handler"]
    if state == "reported":
        return case
    case = services.register(case, admin)
    if state in ("registered", "dispatched"):
        return case
    case = services.accept(case, handler)
    if state == "accepted":
        return case
    return services.rectify(case, handler, note="已清理", photos=[jpeg()])


@pytest.mark.parametrize("action", MATRIX)
def test_each_action_is_open_to_its_roles_only(world, report, action):
    state, allowed, refused = MATRIX[action]
    for role in ROLES:
        case = bring_to(state, world, report)
        assert case.status == state
        user = world.users[role]
        if role in allowed:
            changed = services.perform(case, user, action, PARAMS.get(action, {}))
            assert changed.version == case.version + 1, role
        else:
            expected = services.Forbidden if role in refused else services.NotFound
            with pytest.raises(expected):
                services.perform(case, user, action, PARAMS.get(action, {}))
            case.refresh_from_db()
            assert case.status == state, role


def test_an_action_in_the_wrong_state_names_the_allowed_ones(world, dispatched):
    # The rule dispatched the case already; dispatching it again is not possible.
    with pytest.raises(services.InvalidTransition) as error:
        services.dispatch(dispatched, world.users["campaign_admin"], unit="D2")
    assert error.value.status == 409
    assert error.value.details["allowed"] == ["red_flag", "add_photos", "hide", "redact_photo"]
    dispatched.refresh_from_db()
    assert dispatched.assigned_unit.code == "D1"


def test_verifying_a_case_that_is_only_dispatched_names_the_allowed_actions(world, dispatched, english):
    with pytest.raises(services.InvalidTransition) as error:
        services.verify(dispatched, world.users["inspector"], passed=True)
    assert error.value.status == 409 and error.value.code == "invalid_transition"
    assert error.value.message == "“Verify” is not possible while the case is “Awaiting acceptance”."
    assert error.value.details == {"allowed": ["add_photos"]}
    dispatched.refresh_from_db()
    assert dispatched.status == Status.DISPATCHED and dispatched.closed_at is None
    assert not dispatched.events.filter(action="verify").exists()


def test_the_whole_loop_with_rework_and_evaluation(world, report):
    admin, handler, inspector = (world.users[r] for r in ("campaign_admin", "department_handler", "inspector"))
    case = report(source="hotline")
    case = services.register(case, admin)
    assert case.status == Status.DISPATCHED and case.assigned_unit.code == "D1"
    case = services.accept(case, handler)
    case = services.rectify(case, handler, note="已劝离摊贩", photos=[jpeg(), jpeg("b.jpg")])
    assert case.status == Status.RECTIFIED and case.attachments.filter(stage="after").count() == 2
    first_deadline = case.deadline
    case = services.verify(case, inspector, passed=False, note="摊贩又回来了")
    assert case.status == Status.ACCEPTED and case.rework_count == 1
    assert case.deadline >= first_deadline
    assert Notification.objects.filter(user=handler, kind="rework", case=case).exists()
    case = services.rectify(case, handler, note="已取缔", photos=[jpeg()])
    case = services.verify(case, inspector, passed=True)
    assert case.status == Status.CLOSED and case.closed_at is not None
    case = services.evaluate(case, admin, satisfaction="satisfied", note="来电人满意")
    assert case.status == Status.EVALUATED and case.satisfaction == "satisfied"
    actions = list(case.events.values_list("action", "from_status", "to_status"))
    assert actions == [
        ("report", "", "reported"),
        ("register", "reported", "registered"),
        ("dispatch", "registered", "dispatched"),
        ("accept", "dispatched", "accepted"),
        ("rectify", "accepted", "rectified"),
        ("verify", "rectified", "accepted"),
        ("rectify", "accepted", "rectified"),
        ("verify", "rectified", "closed"),
        ("evaluate", "closed", "evaluated"),
    ]
    assert case.version == 8  # registration and automatic dispatch are one change


def test_events_cannot_be_changed_or_deleted(world, report):
    event = report().events.get()
    event.note = "改写历史"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_rectification_needs_words_and_a_photo_after(world, dispatched, english):
    handler = world.users["department_handler"]
    case = services.accept(dispatched, handler)
    for note, photos, problem in [("已处理", [], "at least one photo"), ("", [jpeg()], "Describe what was done")]:
        with pytest.raises(services.Invalid, match=problem):
            services.rectify(case, handler, note=note, photos=photos)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.attachments.count() == 0


def test_a_unit_returns_a_case_that_is_not_its_own(world, dispatched, english):
    handler = world.users["department_handler"]
    with pytest.raises(services.Invalid):
        services.return_case(dispatched, handler, note="  ")
    dispatched.refresh_from_db()
    assert dispatched.status == Status.DISPATCHED
    case = services.return_case(dispatched, handler, note="这是住建局的事")
    assert case.status == Status.REGISTERED and case.assigned_unit is None and case.return_count == 1
    assert case.deadline is None
    # The dispatcher sends it on to another unit.
    case = services.dispatch(case, world.users["campaign_admin"], unit="D2")
    assert case.assigned_unit.code == "D2" and case.deadline is not None


def test_an_extension_moves_the_deadline_by_working_days(world, dispatched, english):
    handler, admin = world.users["department_handler"], world.users["campaign_admin"]
    before = dispatched.deadline
    case = services.request_extension(dispatched, handler, working_days=2, reason="需要协调供电部门")
    with pytest.raises(services.InvalidTransition):
        services.request_extension(case, handler, working_days=1, reason="再延一天")
    case = services.decide_request(case, admin, approve=True)
    calendar = get_calendar()
    assert case.extension_count == 1
    assert calendar.working_seconds_between(before, case.deadline) == 2 * calendar.day_seconds
    assert CaseRequest.objects.get(case=case).status == "approved"
    with pytest.raises(services.Invalid):
        services.request_extension(case, handler, working_days=0, reason="x")


def test_a_denied_extension_leaves_the_deadline(world, dispatched):
    case = services.request_extension(dispatched, world.users["department_handler"], working_days=3, reason="人手不足")
    case = services.decide_request(case, world.users["campaign_admin"], approve=False, note="请按期完成")
    assert case.deadline == dispatched.deadline and case.extension_count == 0


def test_a_suspended_case_keeps_its_remaining_time(world, dispatched):
    handler, admin = world.users["department_handler"], world.users["campaign_admin"]
    case = services.accept(dispatched, handler)
    case = services.request_suspension(case, handler, reason="冬季无法施工")
    now = timezone.now()
    case = services.decide_request(case, admin, approve=True, now=now)
    assert case.status == Status.SUSPENDED
    remaining = case.remaining_seconds
    later = now + timedelta(days=30)
    case = services.resume(case, admin, now=later)
    assert case.status == Status.ACCEPTED
    assert get_calendar().working_seconds_between(later, case.deadline) == pytest.approx(remaining, abs=60)


def test_red_flagging_shortens_the_deadline(world, dispatched):
    case = services.red_flag(dispatched, world.users["campaign_admin"], working_hours=2, note="领导关注")
    assert case.red_flag and case.deadline < dispatched.deadline
    assert get_calendar().working_seconds_between(case.deadline_from, case.deadline) == 2 * 3600


def test_a_citizen_evaluates_and_may_reopen_within_seven_days(world, english):
    citizen = world.users["citizen"]
    case = services.intake(
        source="citizen",
        category=category("E0501"),
        lon=WEST_POINT[0],
        lat=WEST_POINT[1],
        description="小区门口占道",
        user=citizen,
    ).case
    admin, handler = world.users["campaign_admin"], world.users["department_handler"]
    case = services.register(case, admin)
    case = services.accept(case, handler)
    case = services.rectify(case, handler, note="已清理", photos=[jpeg()])
    case = services.verify(case, admin, passed=True)
    assert Notification.objects.filter(user=citizen, case=case).count() >= 2
    assert "reopen" in services.allowed_actions(case, citizen)
    with pytest.raises(services.Forbidden):
        services.evaluate(case, handler, satisfaction="satisfied")
    case = services.evaluate(case, citizen, satisfaction="unsatisfied", note="摊贩还在")
    case = services.reopen(case, citizen, note="晚上又来了")
    assert case.status == Status.DISPATCHED and case.reopen_count == 1 and case.assigned_unit.code == "D1"
    # Once closed again, eight days later it can no longer be reopened.
    case = services.accept(case, handler)
    case = services.rectify(case, handler, note="夜间巡查", photos=[jpeg()])
    case = services.verify(case, admin, passed=True)
    with pytest.raises(services.InvalidTransition):
        services.reopen(case, citizen, note="还有", now=case.closed_at + timedelta(days=8))


def test_another_citizen_cannot_touch_a_report(world, english):
    case = services.intake(
        source="citizen",
        category=category("E0501"),
        lon=WEST_POINT[0],
        lat=WEST_POINT[1],
        description="占道",
        user=world.users["citizen"],
    ).case
    with pytest.raises(services.NotFound):
        services.reopen(case, world.users["volunteer"], note="x")


def test_merging_closes_the_duplicate_into_the_first(world, report):
    admin = world.users["campaign_admin"]
    first, second = report(), report(where=(111.02, 40.0201))
    case = services.merge(second, admin, into=first.number)
    assert case.status == Status.MERGED and case.duplicate_of == first
    with pytest.raises(services.Invalid):
        services.merge(report(), admin, into="E0000000000000000")


def test_a_stale_version_is_a_conflict_and_changes_nothing(world, dispatched):
    handler = world.users["department_handler"]
    with pytest.raises(services.Conflict):
        services.accept(dispatched, handler, version=dispatched.version - 1)
    dispatched.refresh_from_db()
    assert dispatched.status == Status.DISPATCHED
    assert services.accept(dispatched, handler, version=dispatched.version).status == Status.ACCEPTED


def test_a_version_changed_during_the_change_is_a_conflict_and_records_nothing(world, report, monkeypatch):
    # The row lock (PostgreSQL) and the immediate transaction (SQLite) refuse a second
    # writer before this point; the conditional UPDATE is the guard behind them. Here the
    # version moves inside the registration's own transaction, as another writer would.
    case = report()
    tell_reporter = lifecycle._tell_reporter

    def changed_by_someone_else(step, title):
        Case.objects.filter(pk=step.case.pk).update(version=F("version") + 1)
        tell_reporter(step, title)

    monkeypatch.setattr(lifecycle, "_tell_reporter", changed_by_someone_else)
    with pytest.raises(services.Conflict) as error:
        services.register(case, world.users["campaign_admin"])
    assert error.value.status == 409
    assert error.value.details == {"current_version": case.version + 1, "allowed": []}
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == Status.REPORTED and fresh.assigned_unit is None and fresh.version == case.version
    assert list(fresh.events.values_list("action", flat=True)) == ["report"]
    assert not Notification.objects.filter(case=fresh).exists()


def test_supervision_reminds_flags_and_escalates(world, dispatched):
    leader = org_services.create_person(
        username="d1_leader",
        real_name="局长",
        password="long-enough-pass-1",
        role="unit_leader",
        unit=world.units["D1"],
    )
    deadline = dispatched.deadline
    calendar = get_calendar()
    before_deadline = deadline - timedelta(minutes=30)
    assert services.supervise(now=before_deadline)["reminded"] == 1
    assert Notification.objects.filter(kind="due_soon", case=dispatched).exists()
    assert services.supervise(now=deadline + timedelta(minutes=1))["overdue"] == 1
    case = Case.objects.get(pk=dispatched.pk)
    assert case.is_overdue and case.escalation == 1
    assert Notification.objects.filter(kind="overdue", user=leader).exists()
    assert CaseEvent.objects.filter(case=case, action="overdue").count() == 1
    assert services.supervise(now=deadline + timedelta(minutes=2)) == {"reminded": 0, "overdue": 0, "escalated": 0}
    much_later = calendar.add_working_seconds(deadline, calendar.day_seconds + 60)
    assert services.supervise(now=much_later)["escalated"] == 1
    assert Case.objects.get(pk=case.pk).escalation == 2


def test_a_case_closed_after_its_deadline_counts_as_overdue(world, dispatched):
    handler = world.users["department_handler"]
    late = dispatched.deadline + timedelta(hours=1)
    case = services.accept(dispatched, handler, now=late)
    case = services.rectify(case, handler, note="晚了", photos=[jpeg()], now=late)
    case = services.verify(case, world.users["inspector"], passed=True, now=late)
    assert case.is_overdue


def test_deadlines_skip_the_2026_spring_festival(world, report):
    case = report()
    dispatched_at = timezone.make_aware(timezone.datetime(2026, 2, 13, 10, 0))
    case = services.register(case, world.users["campaign_admin"], now=dispatched_at)
    # 占道经营: 4 working hours. Friday 13 Feb 10:00 + 4 h: 12:00, then 14:30–16:30.
    assert timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M") == "2026-02-13 16:30"
    case = services.request_extension(case, world.users["department_handler"], working_days=2, reason="春节")
    case = services.decide_request(case, world.users["campaign_admin"], approve=True, now=dispatched_at)
    # Two more working days: Saturday 14 Feb (make-up day) and then Tuesday 24 Feb, after the holiday.
    assert timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M") == "2026-02-24 16:30"
