"""征集 (solicitations): the campaign office asks residents to choose, e.g. the campaign's logo or mascot.

Rules:

- The campaign office (a campaign office admin, or a superuser) creates a solicitation, adds
  entries (an image, a title, the author's name, a description) and publishes it. Publishing
  needs at least two entries and a voting window that has not ended.
- Until voting opens everything may change: texts, window, votes per person, entries.
- Once voting has opened (published, and the opening time passed) the entries, the number of
  votes per person and the opening time are fixed: changing them would change the vote for
  those who already voted. The closing time may only be brought forward, to close early (never
  before now); it is never extended and voting never reopens. Title and description may still be
  corrected.
- Residents vote while the window is open: at most one vote per entry and at most
  ``votes_per_person`` votes in the solicitation. A vote cannot be changed or withdrawn.
- Vote counts stay hidden from the public while voting is open; when the window has closed the
  results (votes, ranking, share) are published.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden, Invalid, NotFound
from wenming.core.files import files_removed_on_failure
from wenming.core.photos import PhotoError, process_upload
from wenming.participation.access import citizen_for
from wenming.participation.models import Citizen, Solicitation, SolicitationEntry, Vote
from wenming.participation.rules import is_campaign_admin

__all__ = ["Conflict", "Forbidden", "Invalid", "NotFound"]

TITLE_MAX = 80
ENTRY_TITLE_MAX = 80
AUTHOR_MAX = 60
DESCRIPTION_MAX = 5000
ENTRY_DESCRIPTION_MAX = 1000
VOTES_MAX = 50
MIN_ENTRIES = 2


class Phase:
    DRAFT = "draft"  # not published
    UPCOMING = "upcoming"  # published, voting not open yet
    OPEN = "open"
    CLOSED = "closed"


def phase(solicitation: Solicitation, now=None) -> str:
    now = now or timezone.now()
    if not solicitation.is_published:
        return Phase.DRAFT
    if now < solicitation.voting_opens_at:
        return Phase.UPCOMING
    if now < solicitation.voting_closes_at:
        return Phase.OPEN
    return Phase.CLOSED


def voting_started(solicitation: Solicitation, now=None) -> bool:
    return phase(solicitation, now) in (Phase.OPEN, Phase.CLOSED)


def published():
    return Solicitation.objects.filter(is_published=True)


# Campaign office admins run solicitations.
can_manage = is_campaign_admin


def _require_manager(user) -> None:
    if not can_manage(user):
        raise Forbidden(_("Only the campaign office runs solicitations."))


# ---------------------------------------------------------------------------
# The solicitation


def parse_moment(value) -> datetime | None:
    """A datetime, or text as a datetime-local input sends it ("2025-05-01T09:00"), read in local time."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = parse_datetime(str(value or "").strip())
        except ValueError:
            return None
        if moment is None:
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _clean(values: dict, problems: dict) -> dict:
    title = " ".join(str(values.get("title") or "").split())
    description = str(values.get("description") or "").strip()
    if not title:
        problems["title"] = _("give the solicitation a title")
    elif len(title) > TITLE_MAX:
        problems["title"] = _("the title is longer than %d characters") % TITLE_MAX
    if len(description) > DESCRIPTION_MAX:
        problems["description"] = _("the description is longer than %d characters") % DESCRIPTION_MAX
    opens = parse_moment(values.get("voting_opens_at"))
    closes = parse_moment(values.get("voting_closes_at"))
    if opens is None:
        problems["voting_opens_at"] = _("give the date and time voting opens")
    if closes is None:
        problems["voting_closes_at"] = _("give the date and time voting closes")
    if opens and closes and closes <= opens:
        problems["voting_closes_at"] = _("voting must close after it opens")
    raw = str(values.get("votes_per_person") if values.get("votes_per_person") is not None else "").strip()
    votes = int(raw) if raw.isdigit() else None
    if votes is None or not 1 <= votes <= VOTES_MAX:
        problems["votes_per_person"] = _("votes per person: a whole number from 1 to %d") % VOTES_MAX
    return {
        "title": title,
        "description": description,
        "voting_opens_at": opens,
        "voting_closes_at": closes,
        "votes_per_person": votes,
    }


def _invalid(problems: dict) -> Invalid:
    return Invalid(_("The solicitation cannot be saved: %s") % "; ".join(problems.values()), fields=problems)


def create(user, *, now=None, **values) -> Solicitation:
    """A new, unpublished solicitation. ``values``: title, description, voting_opens_at,
    voting_closes_at (datetimes or datetime-local text), votes_per_person."""
    now = now or timezone.now()
    _require_manager(user)
    problems: dict[str, str] = {}
    cleaned = _clean(values, problems)
    if not problems and cleaned["voting_closes_at"] <= now:
        problems["voting_closes_at"] = _("voting must close in the future")
    if problems:
        raise _invalid(problems)
    return Solicitation.objects.create(created_by=user, is_published=False, **cleaned)


@contextmanager
def _locked(solicitation):
    pk = getattr(solicitation, "pk", solicitation)
    with transaction.atomic():
        row = Solicitation.objects.select_for_update().filter(pk=pk).first()
        if row is None:
            raise NotFound(_("No such solicitation."))
        yield row


def update(solicitation, user, *, now=None, **values) -> Solicitation:
    """Change a solicitation within the rules of the module's docstring."""
    now = now or timezone.now()
    _require_manager(user)
    problems: dict[str, str] = {}
    cleaned = _clean(values, problems)
    if problems:
        raise _invalid(problems)
    with _locked(solicitation) as row:
        current = phase(row, now)
        if current in (Phase.OPEN, Phase.CLOSED):
            if cleaned["voting_opens_at"] != row.voting_opens_at:
                problems["voting_opens_at"] = _("voting has opened: the opening time can no longer change")
            if cleaned["votes_per_person"] != row.votes_per_person:
                problems["votes_per_person"] = _(
                    "voting has opened: the number of votes per person can no longer change"
                )
            closes = cleaned["voting_closes_at"]
            if closes != row.voting_closes_at:
                if current == Phase.CLOSED:
                    problems["voting_closes_at"] = _("voting has closed: it cannot be reopened")
                elif closes > row.voting_closes_at:
                    problems["voting_closes_at"] = _("voting has opened: it can be closed earlier, never later")
                elif closes < now:
                    problems["voting_closes_at"] = _("voting cannot close in the past")
        elif row.is_published and cleaned["voting_closes_at"] <= now:
            problems["voting_closes_at"] = _("voting must close in the future")
        if problems:
            raise _invalid(problems)
        for name, value in cleaned.items():
            setattr(row, name, value)
        row.save()
    return row


def close_early(solicitation, user, *, now=None) -> Solicitation:
    """End an open vote now; its results are published at once."""
    now = now or timezone.now()
    _require_manager(user)
    with _locked(solicitation) as row:
        if phase(row, now) != Phase.OPEN:
            raise Conflict(_("Only an open vote can be closed early."))
        row.voting_closes_at = now
        row.save(update_fields=["voting_closes_at"])
    return row


def publish(solicitation, user, *, now=None) -> Solicitation:
    now = now or timezone.now()
    _require_manager(user)
    with _locked(solicitation) as row:
        if row.is_published:
            raise Conflict(_("The solicitation is published already."))
        if row.entries.count() < MIN_ENTRIES:
            raise Invalid(_("Add at least %d entries before publishing.") % MIN_ENTRIES)
        if row.voting_closes_at <= now:
            raise Invalid(_("The voting window has ended: move it before publishing."))
        row.is_published = True
        row.save(update_fields=["is_published"])
    return row


# ---------------------------------------------------------------------------
# Entries


def add_entry(
    solicitation, user, *, title: str, image, author_name: str = "", description: str = "", now=None
) -> SolicitationEntry:
    """An entry with its image (checked by content; only the metadata-free copy and a thumbnail are kept)."""
    now = now or timezone.now()
    _require_manager(user)
    problems: dict[str, str] = {}
    title = " ".join((title or "").split())
    author_name = " ".join((author_name or "").split())
    description = (description or "").strip()
    if not title:
        problems["title"] = _("give the entry a title")
    elif len(title) > ENTRY_TITLE_MAX:
        problems["title"] = _("the title is longer than %d characters") % ENTRY_TITLE_MAX
    if len(author_name) > AUTHOR_MAX:
        problems["author_name"] = _("the author's name is longer than %d characters") % AUTHOR_MAX
    if len(description) > ENTRY_DESCRIPTION_MAX:
        problems["description"] = _("the description is longer than %d characters") % ENTRY_DESCRIPTION_MAX
    processed = None
    if not image:
        problems["image"] = _("add the entry's image")
    else:
        try:
            processed = process_upload(image)
        except PhotoError as exc:
            problems["image"] = exc.message
    if problems:
        raise Invalid(_("The entry cannot be added: %s") % "; ".join(problems.values()), fields=problems)
    with files_removed_on_failure() as saved, _locked(solicitation) as row:
        if voting_started(row, now):
            raise Conflict(_("Voting has opened: entries can no longer be added or removed."))
        order = (row.entries.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        entry = SolicitationEntry(
            solicitation=row, title=title, author_name=author_name, description=description, order=order
        )
        for field_name, content in (("image", processed.public), ("thumbnail", processed.thumbnail)):
            getattr(entry, field_name).save(content.name, content, save=False)
            saved.append((entry.image.storage, getattr(entry, field_name).name))
        entry.save()
    return entry


def remove_entry(entry: SolicitationEntry, user, *, now=None) -> None:
    now = now or timezone.now()
    _require_manager(user)
    with _locked(entry.solicitation_id) as row:
        if voting_started(row, now):
            raise Conflict(_("Voting has opened: entries can no longer be added or removed."))
        files = [(f.storage, f.name) for f in (entry.image, entry.thumbnail) if f]
        SolicitationEntry.objects.filter(pk=entry.pk, solicitation=row).delete()
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])


# ---------------------------------------------------------------------------
# Voting


def votes_of(solicitation, user) -> set[int]:
    """The entries a person voted for."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(Vote.objects.filter(solicitation=solicitation, user=user).values_list("entry_id", flat=True))


def vote(solicitation, entry, user, *, now=None) -> Vote:
    """One vote for ``entry``. Refused, with nothing saved: outside the window (403), a second vote
    for the same entry or more than ``votes_per_person`` votes (409)."""
    now = now or timezone.now()
    citizen = citizen_for(user)
    if citizen is None:
        raise Forbidden(_("Please log in first."))
    if citizen.is_blocked:
        raise Forbidden(_("Your account may not post: %s") % citizen.blocked_reason)
    solicitation_id = getattr(solicitation, "pk", solicitation)
    entry_id = getattr(entry, "pk", entry)
    with transaction.atomic():
        # The voter's own row is the lock: one person's votes are counted one after the other,
        # so two votes at once cannot both take the last one (SQLite: the transaction is IMMEDIATE).
        Citizen.objects.select_for_update().filter(pk=citizen.pk).first()
        row = Solicitation.objects.filter(pk=solicitation_id, is_published=True).first()
        if row is None:
            raise NotFound(_("No such solicitation."))
        target = SolicitationEntry.objects.filter(pk=entry_id, solicitation=row).first()
        if target is None:
            raise NotFound(_("No such entry."))
        current = phase(row, now)
        if current == Phase.UPCOMING:
            raise Forbidden(
                _("Voting has not opened yet. It opens on %s.")
                % timezone.localtime(row.voting_opens_at).strftime("%Y-%m-%d %H:%M")
            )
        if current == Phase.CLOSED:
            raise Forbidden(_("Voting has closed. See the results below."))
        if Vote.objects.filter(entry=target, user=user).exists():
            raise Conflict(_("You have already voted for this entry. Votes cannot be changed."))
        used = Vote.objects.filter(solicitation=row, user=user).count()
        if used >= row.votes_per_person:
            raise Conflict(
                _("You have used all your %d votes. Votes cannot be changed or withdrawn.") % row.votes_per_person
            )
        try:
            with transaction.atomic():
                cast = Vote.objects.create(solicitation=row, entry=target, user=user, created_at=now)
        except IntegrityError:
            raise Conflict(_("You have already voted for this entry. Votes cannot be changed.")) from None
        SolicitationEntry.objects.filter(pk=target.pk).update(vote_count=F("vote_count") + 1)
    return cast


# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Result:
    entry: SolicitationEntry
    rank: int
    votes: int
    share: float  # percent of all votes


def results(solicitation, *, now=None) -> list[Result] | None:
    """Entries by votes with rank (ties share a rank) and share; None while the result is not public."""
    if phase(solicitation, now) != Phase.CLOSED:
        return None
    return tally(solicitation)


def tally(solicitation) -> list[Result]:
    """The count at any time, for the campaign office."""
    entries = list(solicitation.entries.order_by("-vote_count", "order", "id"))
    total = sum(e.vote_count for e in entries)
    found, rank, previous = [], 0, None
    for position, entry in enumerate(entries, start=1):
        if entry.vote_count != previous:
            rank, previous = position, entry.vote_count
        share = round(100.0 * entry.vote_count / total, 1) if total else 0.0
        found.append(Result(entry=entry, rank=rank, votes=entry.vote_count, share=share))
    return found


def voter_count(solicitation) -> int:
    return Vote.objects.filter(solicitation=solicitation).values("user").distinct().count()
