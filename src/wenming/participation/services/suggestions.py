"""我为城市献一计: suggestions from residents, their supports (+1), moderation and official replies.

Every change of a suggestion happens here, in one function per change, which checks
who acts and the suggestion's state and saves atomically. Bad input raises Invalid
and saves nothing (no row, no file).

Life of a suggestion::

    pending ──publish──► published ──reply──► replied
       │                    │  ▲                │ ▲
     reject              hide│  │unhide      hide│ │unhide
       ▼                    ▼  │                ▼ │
    rejected               hidden ◄─────────────┘

A published suggestion collects supports until ``supports_close_at``. When its
supports reach the threshold, a reply from the responsible unit is due within
``reply_working_days`` working days; withdrawing supports afterwards does not cancel it.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden, Invalid, NotFound
from wenming.core.files import files_removed_on_failure
from wenming.core.photos import PhotoError, process_upload
from wenming.core.sequences import next_serial
from wenming.notifications import services as notifications
from wenming.notifications.models import Notification
from wenming.org import lookup
from wenming.org import services as org_services
from wenming.org.models import Area, AreaLevel
from wenming.org.scope import visible
from wenming.participation import rules, similarity
from wenming.participation.access import citizen_for
from wenming.participation.models import (
    Flag,
    ModerationEvent,
    PortalSettings,
    Suggestion,
    SuggestionPhoto,
    SuggestionStatus,
    SuggestionSupport,
    SuggestionTopic,
)
from wenming.participation.services import points
from wenming.workdays.calendar import get_calendar
from wenming.workdays.models import TimeUnit

Status = SuggestionStatus
Action = ModerationEvent.Action

TITLE_MAX = 60
BODY_MAX = 3000
REPLY_MAX = 5000
REASON_MAX = 200
MAX_PHOTOS = 4
# A second submission of the same text by the same person within this time is the first one again
# (a double tap, a retried upload).
RESUBMIT_WINDOW = timedelta(minutes=10)
# remind_replies warns this many working days before a reply is due.
REMIND_WORKING_DAYS = 2

PUBLIC_STATUSES = (Status.PUBLISHED, Status.REPLIED)

# Topics a new installation starts with (data, in Chinese); the office edits them as reference data.
DEFAULT_TOPICS = [
    ("市容环境", 10),
    ("交通秩序", 20),
    ("公共文明", 30),
    ("公共服务", 40),
    ("生态环境", 50),
    ("其他", 90),
]


def seed_topics(topic_model=SuggestionTopic) -> None:
    for name, order in DEFAULT_TOPICS:
        topic_model.objects.get_or_create(name=name, defaults={"order": order})


# ---------------------------------------------------------------------------
# Reading


def public_suggestions():
    """Suggestions anyone may read: published and replied ones."""
    return Suggestion.objects.filter(status__in=PUBLIC_STATUSES)


def for_reader(number: str, user) -> Suggestion:
    """The suggestion as a portal reader may see it: public ones to anyone, the others to their
    author only (to everybody else they do not exist)."""
    suggestion = (
        Suggestion.objects.select_related("topic", "responsible_unit", "author__citizen").filter(number=number).first()
    )
    if suggestion is None:
        raise NotFound(_("No such suggestion."))
    if suggestion.status in PUBLIC_STATUSES:
        return suggestion
    if getattr(user, "is_authenticated", False) and suggestion.author_id == user.pk:
        return suggestion
    raise NotFound(_("No such suggestion."))


def author_label(suggestion: Suggestion) -> str:
    """How the author is shown in public: the nickname, never a phone number or address."""
    citizen = getattr(suggestion.author, "citizen", None) if suggestion.author_id else None
    return (citizen.nickname if citizen and citizen.nickname else "") or _("Citizen")


def has_supported(suggestion: Suggestion, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return SuggestionSupport.objects.filter(suggestion=suggestion, user=user).exists()


def supports_open(suggestion: Suggestion, now=None) -> bool:
    now = now or timezone.now()
    return suggestion.status in PUBLIC_STATUSES and (
        suggestion.supports_close_at is None or now < suggestion.supports_close_at
    )


def similar(text: str, *, topic=None, limit: int = 5, exclude=None) -> list[Suggestion]:
    return similarity.similar(text, topic=topic, limit=limit, exclude=exclude)


# ---------------------------------------------------------------------------
# Submitting


def _next_number(now) -> str:
    """JY + local date + a 4-digit serial, from the same sequence table as case numbers."""
    prefix = f"JY{timezone.localtime(now):%Y%m%d}"
    return f"{prefix}{next_serial(prefix):04d}"


def _active_citizen(user):
    citizen = citizen_for(user)
    if citizen is None:
        raise Forbidden(_("Please log in first."))
    if citizen.is_blocked:
        raise Forbidden(_("Your account may not post: %s") % citizen.blocked_reason)
    return citizen


def _topic(value) -> SuggestionTopic | None:
    if isinstance(value, SuggestionTopic):
        return value if value.is_active else None
    if value is None or not str(value).strip().isdigit():
        return None
    return SuggestionTopic.objects.filter(pk=int(value), is_active=True).first()


def _location(lon, lat, problems: dict):
    """(lon, lat, location) or (None, None, None) when no location was given."""
    if lon in (None, "") and lat in (None, ""):
        return None, None, None
    try:
        lon, lat = float(lon), float(lat)
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError
        return lon, lat, lookup.locate(lon, lat)
    except lookup.OutsideCity:
        problems["location"] = _("the place you chose lies outside the city")
    except (TypeError, ValueError):
        problems["location"] = _("give the location as longitude and latitude in degrees")
    return None, None, None


def _photos(photos, problems: dict) -> list:
    photos = [p for p in (photos or []) if p]
    if len(photos) > MAX_PHOTOS:
        problems["photos"] = _("at most %d photos") % MAX_PHOTOS
        return []
    processed = []
    for upload in photos:
        try:
            processed.append(process_upload(upload))
        except PhotoError as exc:
            name = getattr(upload, "name", "") or _("a photo")
            problems["photos"] = f"{name}: {exc.message}"
            return []
    return processed


def submit(user, *, topic, title: str, body: str, lon=None, lat=None, photos=(), now=None) -> Suggestion:
    """A resident's new suggestion: pending when suggestions are checked first, else published.
    All photos are checked before anything is saved; any problem raises Invalid and saves nothing."""
    now = now or timezone.now()
    _active_citizen(user)
    problems: dict[str, str] = {}
    topic = _topic(topic)
    if topic is None:
        problems["topic"] = _("choose a topic")
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not title:
        problems["title"] = _("give your suggestion a title")
    elif len(title) > TITLE_MAX:
        problems["title"] = _("the title is longer than %d characters") % TITLE_MAX
    if not body:
        problems["body"] = _("write your suggestion")
    elif len(body) > BODY_MAX:
        problems["body"] = _("the suggestion is longer than %d characters") % BODY_MAX
    lon, lat, location = _location(lon, lat, problems)
    processed = _photos(photos, problems)
    if problems:
        raise Invalid(_("The suggestion cannot be accepted: %s") % "; ".join(problems.values()), fields=problems)

    again = Suggestion.objects.filter(
        author=user, title=title, body=body, created_at__gte=now - RESUBMIT_WINDOW
    ).first()
    if again is not None:
        return again

    area = Area.objects.get(code=location.deepest.code) if location else None
    settings = PortalSettings.get()
    with files_removed_on_failure() as saved_files, transaction.atomic():
        suggestion = Suggestion.objects.create(
            number=_next_number(now),
            topic=topic,
            title=title,
            body=body,
            author=user,
            lon=lon,
            lat=lat,
            area=area,
            status=Status.PENDING,
            words=similarity.words_of(title, body),
            created_at=now,
            updated_at=now,
        )
        for photo in processed:
            row = SuggestionPhoto(suggestion=suggestion, width=photo.width, height=photo.height)
            # Only the metadata-free copy: suggestion photos are public.
            for field_name, content in (("image", photo.public), ("thumbnail", photo.thumbnail)):
                getattr(row, field_name).save(content.name, content, save=False)
                saved_files.append((row.image.storage, getattr(row, field_name).name))
            row.save()
        if not settings.premoderate_suggestions:
            _publish(suggestion, now, settings)
    return suggestion


def responsible_unit_for(suggestion: Suggestion):
    """The topic's unit, else the campaign office of the suggestion's district (or the city's)."""
    if suggestion.topic.responsible_unit_id and suggestion.topic.responsible_unit.is_active:
        return suggestion.topic.responsible_unit
    district = None
    if suggestion.area_id:
        codes = [c for c in suggestion.area.path.split("/") if c]
        district = Area.objects.filter(code__in=codes, level=AreaLevel.DISTRICT).first()
    return org_services.campaign_office_for(district)


def _publish(suggestion: Suggestion, now, settings: PortalSettings) -> None:
    suggestion.status = Status.PUBLISHED
    if suggestion.supports_close_at is None:
        suggestion.supports_close_at = now + timedelta(days=settings.suggestion_reply_days_limit)
    suggestion.responsible_unit = responsible_unit_for(suggestion)
    suggestion.updated_at = now
    suggestion.version += 1
    suggestion.save()
    points.award(suggestion.author, "suggestion_published", f"suggestion:{suggestion.pk}", now=now)


# ---------------------------------------------------------------------------
# Supports (+1)


@contextmanager
def _locked(suggestion):
    """The suggestion's row, locked for the rest of the transaction."""
    pk = getattr(suggestion, "pk", suggestion)
    with transaction.atomic():
        row = (
            Suggestion.objects.select_for_update(of=("self",))
            .select_related("topic", "responsible_unit")
            .filter(pk=pk)
            .first()
        )
        if row is None:
            raise NotFound(_("No such suggestion."))
        yield row


def _check_supports_open(suggestion: Suggestion, now) -> None:
    if suggestion.status not in PUBLIC_STATUSES:
        raise Conflict(_("This suggestion cannot be supported now."))
    if suggestion.supports_close_at is not None and now >= suggestion.supports_close_at:
        raise Conflict(_("This suggestion no longer collects supports."))


def support(suggestion, user, *, now=None) -> Suggestion:
    """Support (+1) a published suggestion, once per person (authors may support their own:
    it counts once like anyone's). Reaching the threshold makes a reply due."""
    now = now or timezone.now()
    _active_citizen(user)
    with _locked(suggestion) as row:
        _check_supports_open(row, now)
        try:
            with transaction.atomic():
                SuggestionSupport.objects.create(suggestion=row, user=user, created_at=now)
        except IntegrityError:
            raise Conflict(_("You already support this suggestion.")) from None
        Suggestion.objects.filter(pk=row.pk).update(support_count=F("support_count") + 1)
        row.refresh_from_db(fields=["support_count"])
        settings = PortalSettings.get()
        if row.threshold_reached_at is None and row.support_count >= max(1, settings.support_threshold):
            _reach_threshold(row, now, settings)
    return row


def withdraw_support(suggestion, user, *, now=None) -> Suggestion:
    """Take one's support back while the suggestion still collects supports. A reply already due
    stays due."""
    now = now or timezone.now()
    _active_citizen(user)
    with _locked(suggestion) as row:
        _check_supports_open(row, now)
        deleted, _rows = SuggestionSupport.objects.filter(suggestion=row, user=user).delete()
        if not deleted:
            raise Conflict(_("You do not support this suggestion."))
        Suggestion.objects.filter(pk=row.pk).update(support_count=F("support_count") - 1)
        row.refresh_from_db(fields=["support_count"])
    return row


def _reach_threshold(row: Suggestion, now, settings: PortalSettings) -> None:
    due = None
    if row.status == Status.PUBLISHED:
        due, _provisional = get_calendar().deadline(now, settings.reply_working_days, TimeUnit.WORKING_DAYS)
    # Conditional: the threshold is reached once, whatever happens to the count later.
    if not Suggestion.objects.filter(pk=row.pk, threshold_reached_at__isnull=True).update(
        threshold_reached_at=now, reply_due_at=due
    ):
        return
    row.threshold_reached_at, row.reply_due_at = now, due
    if due is not None:
        title = _("Suggestion %(number)s has %(count)d supports: an official reply is due by %(due)s") % {
            "number": row.number,
            "count": row.support_count,
            "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
        }
        notifications.send(
            notifications.unit_staff(row.responsible_unit), Notification.Kind.ASSIGNED, title, body=row.title, now=now
        )


# ---------------------------------------------------------------------------
# Flags from residents


def flag(suggestion, user, *, reason: str, now=None) -> Suggestion:
    """A resident reports a suggestion as abusive or off-topic, once. At ``flags_to_hide``
    unresolved flags it is hidden until a moderator checks it."""
    now = now or timezone.now()
    _active_citizen(user)
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid(_("Say what is wrong with this suggestion."), fields={"reason": _("required")})
    if len(reason) > REASON_MAX:
        raise Invalid(_("The reason is longer than %d characters.") % REASON_MAX, fields={"reason": _("too long")})
    with _locked(suggestion) as row:
        if row.status not in PUBLIC_STATUSES:
            raise Conflict(_("This suggestion is being checked already."))
        if row.author_id == user.pk:
            raise Conflict(_("You cannot report your own suggestion."))
        try:
            with transaction.atomic():
                Flag.objects.create(suggestion=row, user=user, reason=reason, created_at=now)
        except IntegrityError:
            raise Conflict(_("You have reported this suggestion already.")) from None
        Suggestion.objects.filter(pk=row.pk).update(flag_count=F("flag_count") + 1)
        row.refresh_from_db(fields=["flag_count"])
        limit = PortalSettings.get().flags_to_hide
        if limit and row.flag_count >= limit:
            row.status = Status.HIDDEN
            row.moderation_note = _("Hidden until checked: reported by %d people.") % row.flag_count
            row.updated_at = now
            row.version += 1
            row.save(update_fields=["status", "moderation_note", "updated_at", "version"])
            ModerationEvent.objects.create(
                action=Action.HIDE, suggestion=row, reason=row.moderation_note, by=None, at=now
            )
    return row


# ---------------------------------------------------------------------------
# Who may answer and moderate


def office_suggestions(user):
    """The suggestions a back-office user may see: their data scope (area, or responsible unit)."""
    return visible(user, Suggestion.objects.select_related("topic", "responsible_unit", "area"))


# The rules of participation.rules: campaign office admins moderate within their scope, the
# responsible unit (or a campaign office) replies.
is_moderator = rules.is_campaign_admin.test
can_moderate = rules.may_moderate_suggestion.test
can_reply = rules.may_reply.test


def moderation_queue(user):
    """Pending suggestions and those with unresolved flags, oldest first."""
    flagged = Q(flag_count__gt=0, flags__resolved_at__isnull=True)
    return office_suggestions(user).filter(Q(status=Status.PENDING) | flagged).distinct().order_by("created_at", "id")


def _require_moderator(user, row: Suggestion) -> None:
    if not can_moderate(user, row):
        raise Forbidden(_("Only the campaign office moderates suggestions."))


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid(_("Give the reason: it is shown to the author."), fields={"reason": _("required")})
    if len(reason) > REASON_MAX:
        raise Invalid(_("The reason is longer than %d characters.") % REASON_MAX, fields={"reason": _("too long")})
    return reason


def _tell_author(row: Suggestion, title: str, now) -> None:
    if row.author_id:
        notifications.send([row.author], Notification.Kind.PROGRESS, title, now=now)


def _resolve_flags(row: Suggestion, now) -> None:
    Flag.objects.filter(suggestion=row, resolved_at__isnull=True).update(resolved_at=now)
    row.flag_count = 0


def _save(row: Suggestion, now, *fields) -> None:
    row.updated_at = now
    row.version += 1
    row.save(update_fields=[*fields, "updated_at", "version"])


def publish(suggestion, user, *, now=None) -> Suggestion:
    now = now or timezone.now()
    with _locked(suggestion) as row:
        _require_moderator(user, row)
        if row.status != Status.PENDING:
            raise Conflict(_("Only a suggestion awaiting moderation can be published."))
        _publish(row, now, PortalSettings.get())
        ModerationEvent.objects.create(action=Action.PUBLISH, suggestion=row, by=user, at=now)
        _tell_author(
            row,
            _("Your suggestion %(number)s “%(title)s” is published.") % {"number": row.number, "title": row.title},
            now,
        )
    return row


def reject(suggestion, user, *, reason: str, now=None) -> Suggestion:
    now = now or timezone.now()
    reason = _reason(reason)
    with _locked(suggestion) as row:
        _require_moderator(user, row)
        if row.status != Status.PENDING:
            raise Conflict(_("Only a suggestion awaiting moderation can be rejected; hide a published one."))
        row.status = Status.REJECTED
        row.moderation_note = reason
        _save(row, now, "status", "moderation_note")
        ModerationEvent.objects.create(action=Action.REJECT, suggestion=row, reason=reason, by=user, at=now)
        _tell_author(
            row,
            _("Your suggestion %(number)s was not published: %(reason)s") % {"number": row.number, "reason": reason},
            now,
        )
    return row


def hide(suggestion, user, *, reason: str, now=None) -> Suggestion:
    """Take a suggestion off the public pages; it is kept, and its author is told why."""
    now = now or timezone.now()
    reason = _reason(reason)
    with _locked(suggestion) as row:
        _require_moderator(user, row)
        if row.status not in (*PUBLIC_STATUSES, Status.HIDDEN):
            raise Conflict(_("Only a published suggestion can be hidden."))
        row.status = Status.HIDDEN
        row.moderation_note = reason
        _resolve_flags(row, now)
        _save(row, now, "status", "moderation_note", "flag_count")
        ModerationEvent.objects.create(action=Action.HIDE, suggestion=row, reason=reason, by=user, at=now)
        _tell_author(
            row, _("Your suggestion %(number)s was hidden: %(reason)s") % {"number": row.number, "reason": reason}, now
        )
    return row


def _show_again(row: Suggestion, now) -> None:
    row.status = Status.REPLIED if row.replied_at else Status.PUBLISHED
    row.moderation_note = ""
    _resolve_flags(row, now)
    _save(row, now, "status", "moderation_note", "flag_count")


def unhide(suggestion, user, *, reason: str = "", now=None) -> Suggestion:
    now = now or timezone.now()
    with _locked(suggestion) as row:
        _require_moderator(user, row)
        if row.status != Status.HIDDEN:
            raise Conflict(_("The suggestion is not hidden."))
        _show_again(row, now)
        ModerationEvent.objects.create(
            action=Action.UNHIDE, suggestion=row, reason=(reason or "")[:REASON_MAX], by=user, at=now
        )
    return row


def dismiss_flags(suggestion, user, *, now=None) -> Suggestion:
    """The flags were unfounded: resolve them; a suggestion the flags hid is shown again."""
    now = now or timezone.now()
    with _locked(suggestion) as row:
        _require_moderator(user, row)
        if not Flag.objects.filter(suggestion=row, resolved_at__isnull=True).exists():
            raise Conflict(_("There are no open reports about this suggestion."))
        last_hide = ModerationEvent.objects.filter(suggestion=row, action=Action.HIDE).first()
        if row.status == Status.HIDDEN and last_hide is not None and last_hide.by_id is None:
            _show_again(row, now)
        else:
            _resolve_flags(row, now)
            _save(row, now, "flag_count")
        ModerationEvent.objects.create(action=Action.DISMISS, suggestion=row, by=user, at=now)
    return row


def redact_photo(photo: SuggestionPhoto, user, *, reason: str = "", now=None) -> SuggestionPhoto:
    """A photo that shows what it must not (faces, plates, abuse) is never served again; the file is kept
    for the record."""
    now = now or timezone.now()
    with _locked(photo.suggestion_id) as row:
        _require_moderator(user, row)
        updated = SuggestionPhoto.objects.filter(pk=photo.pk, suggestion=row, redacted=False).update(redacted=True)
        if not updated:
            raise Conflict(_("The photo is redacted already."))
        _save(row, now)
        ModerationEvent.objects.create(
            action=Action.REDACT, suggestion=row, reason=(reason or "")[:REASON_MAX], by=user, at=now
        )
    photo.redacted = True
    return photo


# ---------------------------------------------------------------------------
# Official replies


def reply(suggestion, user, *, text: str, now=None) -> Suggestion:
    """The responsible unit's (or the campaign office's) official answer, published at once.
    Possible before the threshold too; one reply per suggestion."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise Invalid(_("Write the reply."), fields={"reply": _("required")})
    if len(text) > REPLY_MAX:
        raise Invalid(_("The reply is longer than %d characters.") % REPLY_MAX, fields={"reply": _("too long")})
    with _locked(suggestion) as row:
        if not can_reply(user, row):
            raise Forbidden(_("Only the responsible unit or the campaign office replies to this suggestion."))
        if row.status == Status.REPLIED:
            raise Conflict(_("This suggestion has been replied to already."))
        if row.status != Status.PUBLISHED:
            raise Conflict(_("Only a published suggestion can be replied to."))
        row.reply = text
        row.replied_by = user
        row.replied_at = now
        row.status = Status.REPLIED
        _save(row, now, "reply", "replied_by", "replied_at", "status")
        ModerationEvent.objects.create(action=Action.REPLY, suggestion=row, by=user, at=now)
        _tell_author(row, _("Your suggestion %(number)s has an official reply.") % {"number": row.number}, now)
        points.award(row.author, "suggestion_replied", f"suggestion:{row.pk}", now=now)
    return row


def awaiting_reply(queryset):
    """Suggestions whose reply is due and not given yet."""
    return queryset.filter(status=Status.PUBLISHED, reply_due_at__isnull=False)


def remind_replies(*, now=None) -> dict:
    """Tell units about replies due within REMIND_WORKING_DAYS working days, and about overdue ones;
    each suggestion once for each. Returns how many suggestions were reminded."""
    now = now or timezone.now()
    calendar = get_calendar()
    soon = calendar.add_working_seconds(now, REMIND_WORKING_DAYS * calendar.day_seconds)
    waiting = awaiting_reply(Suggestion.objects.select_related("responsible_unit"))
    counts = {"due_soon": 0, "overdue": 0}
    batches = (
        ("overdue", "overdue_reminded_at", waiting.filter(reply_due_at__lte=now, overdue_reminded_at__isnull=True)),
        (
            "due_soon",
            "reply_reminded_at",
            waiting.filter(reply_due_at__gt=now, reply_due_at__lte=soon, reply_reminded_at__isnull=True),
        ),
    )
    for kind, marker, rows in batches:
        for row in rows.order_by("reply_due_at", "id"):
            with transaction.atomic():
                # Conditional: two runs at once remind once.
                if not Suggestion.objects.filter(pk=row.pk, **{f"{marker}__isnull": True}).update(**{marker: now}):
                    continue
                if kind == "overdue":
                    # An overdue reply no longer needs the "due soon" note.
                    Suggestion.objects.filter(pk=row.pk, reply_reminded_at__isnull=True).update(reply_reminded_at=now)
                    title = _("The reply to suggestion %(number)s is overdue (due %(due)s).")
                else:
                    title = _("The reply to suggestion %(number)s is due by %(due)s.")
                title = title % {
                    "number": row.number,
                    "due": timezone.localtime(row.reply_due_at).strftime("%Y-%m-%d %H:%M"),
                }
                notifications.send(notifications.unit_staff(row.responsible_unit), kind, title, body=row.title, now=now)
            counts[kind] += 1
    return counts


# ---------------------------------------------------------------------------
# Settings


SETTING_FIELDS = (
    "premoderate_suggestions",
    "support_threshold",
    "reply_working_days",
    "suggestion_reply_days_limit",
    "flags_to_hide",
)


def update_settings(user, values: dict) -> PortalSettings:
    """The city campaign office sets how suggestions are checked, supported and answered."""
    if not rules.may_change_portal_settings.test(user):
        raise Forbidden(_("Only the city's campaign office changes these settings."))
    problems = {}
    cleaned = {
        "premoderate_suggestions": str(values.get("premoderate_suggestions", "")).lower() in ("1", "on", "true", "yes")
    }
    limits = {
        "support_threshold": (1, 100000),
        "reply_working_days": (1, 60),
        "suggestion_reply_days_limit": (1, 3650),
        "flags_to_hide": (0, 1000),
    }
    for name, (low, high) in limits.items():
        raw = str(values.get(name, "")).strip()
        if not raw.isdigit() or not low <= int(raw) <= high:
            problems[name] = _("a whole number from %(low)d to %(high)d") % {"low": low, "high": high}
        else:
            cleaned[name] = int(raw)
    if problems:
        raise Invalid(_("The settings cannot be saved: %s") % "; ".join(problems.values()), fields=problems)
    with transaction.atomic():
        settings = PortalSettings.get()
        for name, value in cleaned.items():
            setattr(settings, name, value)
        settings.save()
    return settings
