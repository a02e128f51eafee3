"""The case lifecycle (GB/T 30428): every change of a case after intake is one function here.

Each transition checks the actor's data scope (out of scope: NotFound), their role (Forbidden,
by the step's rule in cases.rules), the case's state (InvalidTransition, with the actions that
are possible) and its version (Conflict); then it changes the case, bumps the version with a
conditional UPDATE so that of two simultaneous actions exactly one wins, records an immutable
CaseEvent and saves everything in one transaction.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from wenming.cases import routing, rules
from wenming.cases.models import (
    ACTIVE_STATUSES,
    Attachment,
    Case,
    CaseRequest,
    RequestKind,
    RequestStatus,
    Satisfaction,
    Stage,
    Status,
)
from wenming.cases.services import deadlines, records
from wenming.core.errors import Conflict, Forbidden, Invalid, InvalidTransition, NotFound
from wenming.core.files import files_removed_on_failure
from wenming.notifications import services as notifications
from wenming.org.actors import SYSTEM, Actor, actor_for
from wenming.org.models import STAFF_ROLES, Unit
from wenming.org.scope import acting_membership, visible
from wenming.workdays.calendar import get_calendar
from wenming.workdays.models import TimeUnit

REOPEN_DAYS = 7

# ---------------------------------------------------------------------------
# Who may do what


def is_dispatcher_user(user) -> bool:
    """Whether the user acts for a campaign office that registers and dispatches cases."""
    return rules.is_dispatcher.test(user)


@dataclass(frozen=True)
class Transition:
    sources: tuple
    allowed: object  # a rules predicate of (user, case), from cases.rules
    label: str


TRANSITIONS: dict[str, Transition] = {
    "register": Transition((Status.REPORTED,), rules.is_dispatcher, gettext_noop("Register")),
    "reject": Transition((Status.REPORTED,), rules.is_dispatcher, gettext_noop("Reject as invalid")),
    "merge": Transition((Status.REPORTED, Status.REGISTERED), rules.is_dispatcher, gettext_noop("Merge as duplicate")),
    "dispatch": Transition((Status.REGISTERED,), rules.is_dispatcher, gettext_noop("Dispatch")),
    "accept": Transition((Status.DISPATCHED,), rules.is_handler, gettext_noop("Accept")),
    "return": Transition((Status.DISPATCHED, Status.ACCEPTED), rules.is_handler, gettext_noop("Return as not ours")),
    "rectify": Transition((Status.ACCEPTED,), rules.is_handler, gettext_noop("Report rectification")),
    "request_extension": Transition(
        (Status.DISPATCHED, Status.ACCEPTED), rules.is_handler, gettext_noop("Ask for more time")
    ),
    "request_suspension": Transition(
        (Status.DISPATCHED, Status.ACCEPTED), rules.is_handler, gettext_noop("Ask to suspend")
    ),
    "decide_request": Transition(
        (Status.DISPATCHED, Status.ACCEPTED), rules.is_dispatcher, gettext_noop("Decide the request")
    ),
    "resume": Transition((Status.SUSPENDED,), rules.is_dispatcher, gettext_noop("Resume")),
    "verify": Transition((Status.RECTIFIED,), rules.is_verifier, gettext_noop("Verify")),
    "red_flag": Transition((Status.DISPATCHED, Status.ACCEPTED), rules.is_city_office, gettext_noop("Red-flag")),
    "add_photos": Transition(
        (Status.REPORTED, Status.REGISTERED, Status.DISPATCHED, Status.ACCEPTED),
        rules.is_staff | rules.is_reporter,
        gettext_noop("Add photos"),
    ),
    "evaluate": Transition((Status.CLOSED,), rules.is_reporter, gettext_noop("Evaluate")),
    "reopen": Transition((Status.CLOSED, Status.EVALUATED), rules.is_reporter, gettext_noop("Reopen")),
    # Moderation of what the public sees; the case's own state does not change.
    "hide": Transition(tuple(Status.values), rules.is_dispatcher, gettext_noop("Hide from the public")),
    "unhide": Transition(tuple(Status.values), rules.is_dispatcher, gettext_noop("Show to the public again")),
    "redact_photo": Transition(tuple(Status.values), rules.is_dispatcher, gettext_noop("Redact a photo")),
}


# Names of the steps that are not transitions a person chooses.
EVENT_LABELS = {
    "report": gettext_noop("Reported"),
    "overdue": gettext_noop("Became overdue"),
    "escalate": gettext_noop("Escalated for the bulletin"),
}


def event_label(action: str) -> str:
    if action in TRANSITIONS:
        return _(TRANSITIONS[action].label)
    return _(EVENT_LABELS.get(action, action))


def allowed_actions(case: Case, user) -> list[str]:
    """The actions this user may take on this case now."""
    actions = [name for name, t in TRANSITIONS.items() if case.status in t.sources and t.allowed.test(user, case)]
    pending = _pending_request(case)
    if pending is None:
        actions = [a for a in actions if a != "decide_request"]
    else:
        actions = [a for a in actions if a not in ("request_extension", "request_suspension")]
    if "reopen" in actions and not _reopen_window_open(case):
        actions.remove("reopen")
    actions = [a for a in actions if a != ("unhide" if not case.hidden else "hide")]
    return actions


def _pending_request(case: Case) -> CaseRequest | None:
    return CaseRequest.objects.filter(case=case, status=RequestStatus.PENDING).first()


def _reopen_window_open(case: Case, now=None) -> bool:
    now = now or timezone.now()
    return case.closed_at is not None and now - case.closed_at <= timedelta(days=REOPEN_DAYS)


# ---------------------------------------------------------------------------
# Transitions


@dataclass
class Step:
    case: Case
    actor: Actor
    action: str
    from_status: str
    now: object
    to_status: str = ""
    note: str = ""
    data: dict = field(default_factory=dict)
    public: bool = True
    notices: list = field(default_factory=list)  # (kind, users, title)
    extra_events: list = field(default_factory=list)  # (action, from, to, data) after the main one
    photos: list = field(default_factory=list)  # processed photos to attach to the event
    photo_stage: str = Stage.AFTER


def _load_for_update(case_or_id, user) -> Case:
    case_id = case_or_id.pk if isinstance(case_or_id, Case) else case_or_id
    queryset = Case.objects.select_related("category", "assigned_unit", "area", "district", "dispatcher_unit")
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("No such case, or it is outside your scope."))
    membership = acting_membership(user)
    if user.is_superuser or (membership is not None and membership.role in STAFF_ROLES):
        queryset = visible(user, queryset)
    else:
        queryset = queryset.filter(reporter=user)  # citizens act on their own reports only
    case = queryset.select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case, or it is outside your scope."))
    return case


def _check_allowed(case: Case, user, action: str, now) -> None:
    rule = TRANSITIONS[action]
    if case.status not in rule.sources or (action == "reopen" and not _reopen_window_open(case, now)):
        raise InvalidTransition(
            _("“%(action)s” is not possible while the case is “%(status)s”.")
            % {"action": _(rule.label), "status": case.get_status_display()},
            allowed=allowed_actions(case, user),
        )
    if not rule.allowed.test(user, case):
        raise Forbidden(_("Your role does not allow “%s” on this case.") % _(rule.label))


@contextmanager
def _change(case_or_id, user, action: str, *, version=None, now=None, saved_files=None):
    """Load, check and lock the case; the body changes it; then save with the event."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _load_for_update(case_or_id, user)
        actor = actor_for(user)
        if version not in (None, ""):
            try:
                version = int(version)
            except (TypeError, ValueError):
                raise Invalid(_("The version must be a number.")) from None
            if version != case.version:
                raise Conflict(
                    _("Someone else changed this case in the meantime. Reload it and try again."),
                    current_version=case.version,
                    allowed=allowed_actions(case, user),
                )
        _check_allowed(case, user, action, now)
        step = Step(case, actor, action, case.status, now, to_status=case.status)
        yield step
        old_version = case.version
        case.status = step.extra_events[-1][2] if step.extra_events else step.to_status
        case.version = old_version + 1
        case.updated_at = now
        if step.public and step.note:
            case.public_note = step.note[:500]
        fields = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields if f.name not in ("id",)}
        if not Case.objects.filter(pk=case.pk, version=old_version).update(**fields):
            current = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
            raise Conflict(
                _("Someone else changed this case in the meantime. Reload it and try again."),
                current_version=current,
                allowed=[],
            )
        event = records.record_event(
            case,
            actor,
            action,
            step.from_status,
            step.to_status,
            now,
            note=step.note,
            data=step.data,
            public=step.public,
        )
        step.event = event
        for photo in step.photos:
            records.attach_photo(case, event, photo, step.photo_stage, user, saved_files)
        for extra_action, from_status, to_status, data in step.extra_events:
            records.record_event(case, SYSTEM, extra_action, from_status, to_status, now, data=data)
        for kind, users, title in step.notices:
            notifications.send(users, kind, title, about=case, now=now)


def _require(text: str, message: str, field: str = "note") -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid(message, fields={field: message})
    return text


def routed_on_registration(case: Case, now) -> tuple[list, list]:
    """立案: route the case, and dispatch it at once when a rule says so.

    Changes the case in memory; returns the events that follow registration
    as (action, from, to, data) and the notices to send."""
    route = routing.route(case.category, case.area)
    case.suggested_unit = route.unit
    case.routing_reason = route.reason[:300]
    case.status = Status.REGISTERED
    data = {
        "suggested_unit": route.unit.code if route.unit else None,
        "rule": route.rule.pk if route.rule else None,
        "reason": route.reason,
    }
    events = [("register", Status.REPORTED, Status.REGISTERED, data)]
    notices = []
    if route.unit is not None and route.auto:
        _dispatch_to(case, route.unit, now)
        events.append(
            (
                "dispatch",
                Status.REGISTERED,
                Status.DISPATCHED,
                {"unit": route.unit.code, "automatic": True, "reason": route.reason},
            )
        )
        notices.append(("assigned", notifications.unit_staff(route.unit), _("New case %s") % case.number))
    return events, notices


def _dispatch_to(case: Case, unit: Unit, now) -> None:
    case.assigned_unit = unit
    case.status = Status.DISPATCHED
    case.dispatched_at = now
    deadlines.start_clock(case, now)


def register(case, user, *, note="", version=None, now=None):
    with _change(case, user, "register", version=version, now=now) as step:
        events, notices = routed_on_registration(step.case, step.now)
        step.note = note
        step.to_status = Status.REGISTERED
        step.data = events[0][3]
        step.extra_events = events[1:]
        step.notices.extend(notices)
        _tell_reporter(step, _("Your report %s has been registered") % step.case.number)
    return step.case


def reject(case, user, *, note, version=None, now=None):
    with _change(case, user, "reject", version=version, now=now) as step:
        step.note = _require(note, _("Say why the report is invalid."))
        step.to_status = Status.REJECTED
        step.case.closed_at = step.now
        _tell_reporter(step, _("Your report %s was not accepted") % step.case.number)
    return step.case


def merge(case, user, *, into, note="", version=None, now=None):
    with _change(case, user, "merge", version=version, now=now) as step:
        target = visible(user, Case.objects.filter(number=str(into).strip())).exclude(pk=step.case.pk).first()
        if target is None or target.status not in ACTIVE_STATUSES:
            raise Invalid(
                _("Give the number of another active case to merge into."), fields={"into": _("unknown case")}
            )
        step.case.duplicate_of = target
        step.to_status = Status.MERGED
        step.case.closed_at = step.now
        step.note = note or _("Merged into %s") % target.number
        step.data = {"into": target.number}
        _tell_reporter(
            step,
            _("Your report %(number)s is handled together with %(other)s")
            % {"number": step.case.number, "other": target.number},
        )
    return step.case


def dispatch(case, user, *, unit=None, note="", version=None, now=None):
    with _change(case, user, "dispatch", version=version, now=now) as step:
        target = _unit(unit) if unit else step.case.suggested_unit
        if target is None:
            raise Invalid(_("Choose the unit that will handle the case."), fields={"unit": _("required")})
        _dispatch_to(step.case, target, step.now)
        step.to_status = Status.DISPATCHED
        step.note = note
        step.data = {"unit": target.code, "automatic": False}
        step.notices.append(("assigned", notifications.unit_staff(target), _("New case %s") % step.case.number))
        _tell_reporter(step, _("Your report %s has been passed to the responsible unit") % step.case.number)
    return step.case


def _unit(value) -> Unit:
    if isinstance(value, Unit):
        return value
    unit = Unit.objects.filter(code=str(value), is_active=True).first() or (
        Unit.objects.filter(pk=value, is_active=True).first() if str(value).isdigit() else None
    )
    if unit is None:
        raise Invalid(_("Unknown unit “%s”.") % value, fields={"unit": _("unknown")})
    return unit


def _precheck(case_or_id, user, action: str) -> None:
    """The cheap checks (scope, state, role) before the costly photo decoding;
    _change repeats them under the lock."""
    with transaction.atomic():
        _check_allowed(_load_for_update(case_or_id, user), user, action, timezone.now())


def add_photos(case, user, *, photos, note="", version=None, now=None):
    """More photos of the problem (before rectification), e.g. from a second visit."""
    _precheck(case, user, "add_photos")
    processed = records.processed_photos(photos)
    if not processed:
        raise Invalid(_("Add at least one photo."), fields={"photos": _("required")})
    with files_removed_on_failure() as saved_files:
        with _change(case, user, "add_photos", version=version, now=now, saved_files=saved_files) as step:
            step.note = note
            step.photos = processed
            step.photo_stage = Stage.BEFORE
    return step.case


def accept(case, user, *, note="", version=None, now=None):
    with _change(case, user, "accept", version=version, now=now) as step:
        step.to_status = Status.ACCEPTED
        step.note = note
    return step.case


def return_case(case, user, *, note, version=None, now=None):
    """退回: not this unit's job; back to the dispatching office."""
    with _change(case, user, "return", version=version, now=now) as step:
        step.note = _require(note, _("Say why the case is not your unit's."))
        c = step.case
        step.data = {"unit": c.assigned_unit.code}
        c.return_count += 1
        c.assigned_unit = None
        c.deadline = c.deadline_from = c.deadline_seconds = None
        c.is_overdue = False
        step.to_status = Status.REGISTERED
        step.public = False
        step.notices.append(
            ("returned", notifications.unit_staff(c.dispatcher_unit), _("Case %s was returned") % c.number)
        )
    return step.case


def rectify(case, user, *, note, photos=(), version=None, now=None):
    """处置反馈: what was done, with photos after."""
    _precheck(case, user, "rectify")
    note = _require(note, _("Describe what was done."))
    processed = records.processed_photos(photos)
    if not processed:
        raise Invalid(_("Add at least one photo taken after the rectification."), fields={"photos": _("required")})
    with files_removed_on_failure() as saved_files:
        with _change(case, user, "rectify", version=version, now=now, saved_files=saved_files) as step:
            step.note = note
            step.to_status = Status.RECTIFIED
            step.case.rectified_at = step.now
            step.photos = processed
    return step.case


def verify(case, user, *, passed: bool, note="", version=None, now=None):
    """核查: pass closes the case; fail sends it back to the unit as rework."""
    with _change(case, user, "verify", version=version, now=now) as step:
        c = step.case
        step.data = {"passed": bool(passed)}
        if passed:
            step.note = note
            step.to_status = Status.CLOSED
            c.closed_at = step.now
            c.is_overdue = c.deadline is not None and step.now > c.deadline
            _tell_reporter(step, _("Your report %s has been dealt with") % c.number)
        else:
            step.note = _require(note, _("Say what is still wrong."))
            step.to_status = Status.ACCEPTED
            c.rework_count += 1
            c.rectified_at = None
            deadlines.start_clock(c, step.now)
            step.notices.append(
                ("rework", notifications.unit_staff(c.assigned_unit), _("Case %s must be reworked") % c.number)
            )
    return step.case


def evaluate(case, user, *, satisfaction, note="", version=None, now=None):
    if satisfaction not in Satisfaction.values:
        raise Invalid(_("Say whether you are satisfied."), fields={"satisfaction": _("required")})
    with _change(case, user, "evaluate", version=version, now=now) as step:
        step.case.satisfaction = satisfaction
        step.note = note
        step.data = {"satisfaction": satisfaction}
        step.to_status = Status.EVALUATED
    return step.case


def reopen(case, user, *, note, version=None, now=None):
    """A reporter not satisfied may reopen within REOPEN_DAYS of closure."""
    with _change(case, user, "reopen", version=version, now=now) as step:
        c = step.case
        step.note = _require(note, _("Say what is still wrong."))
        c.satisfaction = Satisfaction.UNSATISFIED
        c.reopen_count += 1
        c.closed_at = None
        c.rectified_at = None
        step.to_status = Status.DISPATCHED
        deadlines.start_clock(c, step.now)
        step.notices.append(
            ("rework", notifications.unit_staff(c.assigned_unit), _("Case %s was reopened by the reporter") % c.number)
        )
    return step.case


def request_extension(case, user, *, working_days, reason, version=None, now=None):
    try:
        days = int(working_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 30:
        raise Invalid(_("Ask for 1 to 30 working days."), fields={"working_days": _("1 to 30")})
    return _request(case, user, "request_extension", RequestKind.EXTENSION, reason, days, version, now)


def request_suspension(case, user, *, reason, version=None, now=None):
    return _request(case, user, "request_suspension", RequestKind.SUSPENSION, reason, None, version, now)


def _request(case, user, action, kind, reason, days, version, now):
    with _change(case, user, action, version=version, now=now) as step:
        if _pending_request(step.case) is not None:
            raise InvalidTransition(
                _("A request on this case is already waiting for a decision."), allowed=allowed_actions(step.case, user)
            )
        step.note = _require(reason, _("Give a reason."), "reason")
        CaseRequest.objects.create(
            case=step.case, kind=kind, working_days=days, reason=step.note, requested_by=user, requested_at=step.now
        )
        step.public = False
        step.data = {"kind": kind, "working_days": days}
        step.notices.append(
            (
                "request",
                notifications.unit_staff(step.case.dispatcher_unit),
                _("Case %s: a request to decide") % step.case.number,
            )
        )
    return step.case


def decide_request(case, user, *, approve: bool, note="", version=None, now=None):
    """The dispatcher approves or denies the pending extension or suspension."""
    with _change(case, user, "decide_request", version=version, now=now) as step:
        c = step.case
        request = _pending_request(c)
        request.status = RequestStatus.APPROVED if approve else RequestStatus.DENIED
        request.decided_by = user
        request.decided_at = step.now
        request.decision_note = note
        request.save()
        step.note = note
        step.public = False
        step.data = {"kind": request.kind, "approved": bool(approve)}
        if approve and request.kind == RequestKind.EXTENSION:
            calendar = get_calendar()
            c.extension_count += 1
            c.deadline_seconds = (c.deadline_seconds or 0) + request.working_days * calendar.day_seconds
            c.deadline, c.deadline_provisional = calendar.deadline(
                c.deadline_from, c.deadline_seconds, c.time_unit, in_seconds=True
            )
            c.is_overdue = step.now > c.deadline
            step.data["working_days"] = request.working_days
            step.data["deadline"] = c.deadline.isoformat()
        elif approve:
            c.remaining_seconds = (
                max(get_calendar().working_seconds_between(step.now, c.deadline), 0) if c.deadline else None
            )
            c.suspended_from = c.status
            step.to_status = Status.SUSPENDED
        step.notices.append(
            (
                "decided",
                [request.requested_by] if request.requested_by else [],
                _("Case %s: your request was decided") % c.number,
            )
        )
    return step.case


def resume(case, user, *, note="", version=None, now=None):
    with _change(case, user, "resume", version=version, now=now) as step:
        c = step.case
        step.to_status = c.suspended_from or Status.ACCEPTED
        c.suspended_from = ""
        deadlines.start_clock(c, step.now, seconds=c.remaining_seconds or 0)
        c.remaining_seconds = None
        step.note = note
    return step.case


def red_flag(case, user, *, working_hours, note, version=None, now=None):
    """挂牌督办: the campaign office sets a shorter deadline and watches the case."""
    try:
        hours = int(working_hours)
    except (TypeError, ValueError):
        hours = 0
    if not 1 <= hours <= 240:
        raise Invalid(
            _("Give the new time limit in working hours (1 to 240)."), fields={"working_hours": _("1 to 240")}
        )
    with _change(case, user, "red_flag", version=version, now=now) as step:
        c = step.case
        step.note = _require(note, _("Give the reason for red-flagging."))
        calendar = get_calendar()
        deadline, provisional = calendar.deadline(step.now, hours * 3600, TimeUnit.WORKING_HOURS, in_seconds=True)
        if c.deadline is None or deadline < c.deadline:
            c.time_unit = TimeUnit.WORKING_HOURS
            deadlines.start_clock(c, step.now, seconds=hours * 3600)
        c.red_flag = True
        step.public = False
        step.data = {"working_hours": hours, "deadline": c.deadline.isoformat()}
        step.notices.append(
            ("red_flag", notifications.unit_staff(c.assigned_unit), _("Case %s is red-flagged") % c.number)
        )
    return step.case


def hide(case, user, *, note, version=None, now=None):
    """Take a report off the public map and list (abusive text, personal data); staff still see it."""
    with _change(case, user, "hide", version=version, now=now) as step:
        if step.case.hidden:
            raise InvalidTransition(_("The case is already hidden."), allowed=allowed_actions(step.case, user))
        step.note = _require(note, _("Give the reason for hiding."))
        step.case.hidden = True
        step.public = False
    return step.case


def unhide(case, user, *, note="", version=None, now=None):
    with _change(case, user, "unhide", version=version, now=now) as step:
        if not step.case.hidden:
            raise InvalidTransition(_("The case is not hidden."), allowed=allowed_actions(step.case, user))
        step.note = note
        step.case.hidden = False
        step.public = False
    return step.case


def redact_photo(case, user, *, photo, note, version=None, now=None):
    """Withdraw one photo from public view (a face, a number plate); the original stays for staff."""
    with _change(case, user, "redact_photo", version=version, now=now) as step:
        step.note = _require(note, _("Give the reason for redacting."))
        try:
            attachment = step.case.attachments.get(pk=int(photo), redacted=False)
        except (TypeError, ValueError, Attachment.DoesNotExist):
            raise Invalid(
                _("Choose a photo of this case that is still public."), fields={"photo": _("unknown photo")}
            ) from None
        attachment.redacted = True
        attachment.save(update_fields=["redacted"])
        step.data = {"photo": attachment.pk}
        step.public = False
    return step.case


def _tell_reporter(step: Step, title: str) -> None:
    if step.case.reporter_id:
        step.notices.append(("progress", [step.case.reporter], title))


# ---------------------------------------------------------------------------
# One entry point for the forms and the API: an action name and its fields.

ACTIONS = {
    "register": (register, ["note"]),
    "reject": (reject, ["note"]),
    "merge": (merge, ["into", "note"]),
    "dispatch": (dispatch, ["unit", "note"]),
    "accept": (accept, ["note"]),
    "return": (return_case, ["note"]),
    "rectify": (rectify, ["note", "photos"]),
    "add_photos": (add_photos, ["note", "photos"]),
    "request_extension": (request_extension, ["working_days", "reason"]),
    "request_suspension": (request_suspension, ["reason"]),
    "decide_request": (decide_request, ["approve", "note"]),
    "resume": (resume, ["note"]),
    "verify": (verify, ["passed", "note"]),
    "red_flag": (red_flag, ["working_hours", "note"]),
    "evaluate": (evaluate, ["satisfaction", "note"]),
    "reopen": (reopen, ["note"]),
    "hide": (hide, ["note"]),
    "unhide": (unhide, ["note"]),
    "redact_photo": (redact_photo, ["photo", "note"]),
}
BOOLEAN_FIELDS = {"passed", "approve"}


def _as_bool(name: str, value) -> bool:
    """A yes/no field that must be given: a missing answer is never taken as no."""
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in ("1", "true", "yes", "on", "pass", "approve"):
        return True
    if str(value).strip().lower() in ("0", "false", "no", "off", "fail", "deny"):
        return False
    raise Invalid(_("Answer yes or no."), fields={name: _("required") if value in (None, "") else str(value)})


def perform(case, user, action: str, params: dict, *, photos=(), version=None, now=None) -> Case:
    """Run the named action with the fields it takes from ``params``."""
    if action not in ACTIONS:
        raise NotFound(_("Unknown action “%s”.") % action)
    function, names = ACTIONS[action]
    kwargs = {}
    for name in names:
        if name == "photos":
            kwargs["photos"] = photos
        elif name in BOOLEAN_FIELDS:
            kwargs[name] = _as_bool(name, params.get(name))
        else:
            kwargs[name] = params.get(name, "") or ""
    return function(case, user, version=version, now=now, **kwargs)


# ---------------------------------------------------------------------------
# Personal data


def forget_reporter(user) -> int:
    """A person who leaves: their reports stay, without their account, name and phone (PIPL).
    Returns how many reports were made anonymous; each one's version moves on."""
    return Case.objects.filter(reporter=user).update(
        reporter=None, reporter_name="", reporter_phone="", anonymous=True, version=F("version") + 1
    )
