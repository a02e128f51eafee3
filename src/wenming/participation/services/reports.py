"""随手拍: a citizen's report enters the one intake service like every other source.

The portal adds what only citizens need around it: a tracking code for people who
report without an account, support (+1) for an existing report instead of a
duplicate, progress told in plain words, rating and reopening through the case
services, and the public view without personal data.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases import services as cases
from wenming.core.errors import Forbidden, Invalid
from wenming.org.models import Unit
from wenming.participation.access import citizen_for
from wenming.participation.models import Support, TrackingCode

# Statuses never shown to the public: invalid reports and those folded into another.
NOT_PUBLIC = [cases.Status.REJECTED, cases.Status.MERGED]
FINISHED_FOR_CITIZENS = [cases.Status.CLOSED, cases.Status.EVALUATED]


@dataclass
class Submitted:
    case: cases.Case
    created: bool
    tracking_code: str = ""  # shown once to someone reporting without an account


# ---------------------------------------------------------------------------
# Submitting


def submit(
    user, *, category, lon, lat, description, address="", photos=(), client_key="", anonymous=False, now=None
) -> Submitted:
    """File a report. The same client_key (one per form shown) never creates a second report:
    a retry after a lost connection or a double tap returns the first one, with the same tracking code."""
    client_key = (client_key or "").strip()[:64]
    if not client_key:
        raise Invalid(_("The form is incomplete. Reload the page and try again."))
    citizen = citizen_for(user)
    if citizen is not None and citizen.is_blocked:
        raise Forbidden(_("Your account may not post."))
    with transaction.atomic():
        result = cases.intake(
            source=cases.Source.CITIZEN,
            category=category,
            lon=lon,
            lat=lat,
            description=description,
            address=address,
            user=user,
            reporter_name="" if citizen is None else citizen.nickname,
            reporter_phone="" if citizen is None or anonymous else (citizen.phone or ""),
            anonymous=bool(anonymous) or citizen is None,
            client_key=client_key,
            photos=photos,
            now=now,
        )
        code = ""
        if citizen is None:
            code = _tracking_code(client_key)
            TrackingCode.objects.get_or_create(case=result.case, defaults={"code_hash": _hash_code(code)})
    return Submitted(result.case, result.created, code)


def _tracking_code(client_key: str) -> str:
    """Derived from the form's key, so a retried submission shows the same code; only its hash is stored."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"track:{client_key}".encode(), hashlib.sha256).digest()
    text = base64.b32encode(digest).decode()[:10]
    return f"{text[:5]}-{text[5:]}"


def _hash_code(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(f"wenming-track:{normal}".encode()).hexdigest()


def find_by_tracking_code(code: str) -> cases.Case | None:
    if not code or len(code) > 40:
        return None
    found = TrackingCode.objects.filter(code_hash=_hash_code(code)).select_related("case").first()
    return found.case if found else None


# ---------------------------------------------------------------------------
# Public view


def public_cases():
    """Reports anyone may see: not hidden by staff, not rejected or merged. Personal data is never selected."""
    return cases.Case.objects.filter(hidden=False).exclude(status__in=NOT_PUBLIC)


def public_photos(case: cases.Case):
    return case.attachments.filter(redacted=False).exclude(public_image="").order_by("created_at", "id")


def nearby(category, lon, lat, *, now=None) -> list[cases.Case]:
    """Open reports of the same kind close by, for supporting one instead of filing a duplicate."""
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        return []
    found = cases.find_duplicates(category, lon, lat, now)
    visible_ids = set(public_cases().filter(pk__in=[c.pk for c in found]).values_list("pk", flat=True))
    counts = dict(Support.objects.filter(case_id__in=visible_ids).values_list("case_id").annotate(n=Count("id")))
    result = [c for c in found if c.pk in visible_ids]
    for case in result:
        case.support_count = counts.get(case.pk, 0)
    return result


def support(user, case: cases.Case, *, now=None) -> bool:
    """+1 on a report: one per person; True when counted now, False when already counted."""
    citizen = citizen_for(user)
    if citizen is None:
        raise Forbidden(_("Log in to support a report."))
    if citizen.is_blocked:
        raise Forbidden(_("Your account may not post."))
    if case.reporter_id == user.pk:
        raise Invalid(_("This is your own report; it is already counted."))
    if case.hidden or case.status not in cases.ACTIVE_STATUSES:
        raise Invalid(_("This report is no longer open for support."))
    try:
        with transaction.atomic():
            Support.objects.create(case=case, user=user, created_at=now or timezone.now())
    except IntegrityError:
        return False
    return True


def support_count(case: cases.Case) -> int:
    return Support.objects.filter(case=case).count()


# ---------------------------------------------------------------------------
# Following a report


@dataclass
class ProgressStep:
    at: object
    text: str
    note: str = ""
    done: bool = True


def _plain(event: cases.CaseEvent, unit_names: dict) -> str:
    """What a step means, in the words of someone who is not staff."""
    action, data = event.action, event.data or {}
    if action == "report":
        return _("Report received")
    if action == "register":
        return _("Accepted as a valid report")
    if action == "dispatch":
        return _("Passed to %s to deal with") % unit_names.get(data.get("unit"), _("the responsible unit"))
    if action == "accept":
        return _("The responsible unit is working on it")
    if action == "return":
        return _("Being passed to the right unit")
    if action == "rectify":
        return _("Dealt with; waiting for the check on site")
    if action == "verify":
        return _("Checked on site: done") if data.get("passed") else _("Checked on site: not yet right, work continues")
    if action == "evaluate":
        return _("Rated: satisfied") if data.get("satisfaction") == "satisfied" else _("Rated: not satisfied")
    if action == "reopen":
        return _("Reopened: the reporter is not satisfied")
    if action == "reject":
        return _("Not accepted")
    if action == "merge":
        return _("Handled together with an earlier report of the same problem")
    if action == "resume":
        return _("Work resumed")
    if action == "add_photos":
        return _("Photos added")
    return cases.event_label(action)


def progress(case: cases.Case) -> list[ProgressStep]:
    """The public steps of the case, oldest first, in plain words."""
    events = list(case.events.filter(public=True).exclude(action__in=("overdue", "escalate")))
    # The units the case went to are named; the people who acted are not.
    codes = {e.data.get("unit") for e in events if e.action == "dispatch" and e.data}
    unit_names = dict(Unit.objects.filter(code__in=codes).values_list("code", "name"))
    steps = []
    for event in events:
        citizen_note = event.note if event.action in ("reject", "rectify", "verify", "reopen") else ""
        steps.append(ProgressStep(event.at, _plain(event, unit_names), citizen_note))
    return steps


def reporter_actions(case: cases.Case, user) -> list[str]:
    """What the reporter may do now (rate: "evaluate", "reopen"); nothing for anyone else."""
    return cases.allowed_actions(case, user) if user.is_authenticated and case.reporter_id == user.pk else []


def rate(case: cases.Case, user, *, satisfied, note="", version=None) -> cases.Case:
    """The reporter's verdict on the result; not satisfied within the reopen window means reopening with a reason."""
    if satisfied not in ("1", "0", True, False):
        raise cases.Invalid(_("Say whether you are satisfied."), fields={"satisfaction": _("required")})
    satisfied = satisfied in ("1", True)
    return cases.evaluate(
        case, user, satisfaction="satisfied" if satisfied else "unsatisfied", note=note, version=version
    )


def reopen(case: cases.Case, user, *, note, version=None) -> cases.Case:
    return cases.reopen(case, user, note=note, version=version)


def my_reports(user):
    return (
        cases.Case.objects.filter(reporter=user)
        .select_related("category")
        .annotate(supports_n=Count("supports"))
        .order_by("-created_at", "-id")
    )


def supporters(case: cases.Case) -> list:
    return [s.user for s in Support.objects.filter(case=case).select_related("user")]


def public_list(*, status: str = "", category=None, district=None, q: str = ""):
    """The public list: newest first; ``status`` is "open" or "done"."""
    queryset = public_cases().select_related("category", "district", "street")
    if status == "open":
        queryset = queryset.filter(status__in=cases.ACTIVE_STATUSES)
    elif status == "done":
        queryset = queryset.filter(status__in=FINISHED_FOR_CITIZENS)
    if category:
        queryset = queryset.filter(Q(category_id=category) | Q(category__parent_id=category))
    if district:
        queryset = queryset.filter(district__code=district)
    if q:
        queryset = queryset.filter(search_text__icontains=q.strip()[:40])
    return queryset.annotate(supports_n=Count("supports")).order_by("-created_at", "-id")
