"""Questionnaires (群众满意度 / 知晓率): the builder, versions, publishing and answering.

A questionnaire's questions (items) live in versions. Only the draft version is edited;
publishing freezes it. Changing a questionnaire that is already in use copies its current
version into a new draft; publishing that draft is refused when it would break the answers
already stored (see :func:`check_compatible`).

Items and options carry generated keys (``q1``, ``q2`` …; ``o1``, ``o2`` … within an item)
that stay the same across versions: answers, exports and scores refer to keys, never to rows.
A key is never given to a second question: new numbers follow every key that any version has.

Answers are stored as the item's kind says: single choice an option key (or ``"other"``),
multiple choice a list of option keys, scale an integer, text a string; the "other" option's
words go in ``Answer.other_text``.

Results, the Excel export and scores are in :mod:`.questionnaire_results`.
"""

import hashlib
import hmac
import re
from collections import Counter, defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from wenming.core.errors import Forbidden, Invalid
from wenming.org.models import Area, AreaLevel
from wenming.participation.models import (
    Answer,
    Item,
    ItemKind,
    Questionnaire,
    QuestionnaireVersion,
    Response,
)
from wenming.participation.rules import is_campaign_staff
from wenming.participation.services.points import award

OTHER = "other"  # the option key of the "other" choice
CHOICE_KINDS = (ItemKind.SINGLE, ItemKind.MULTIPLE)
TEXT_MAX = 1000
OTHER_TEXT_MAX = 200
OPTION_LABEL_MAX = 100
MAX_OPTIONS = 30
SCALE_LIMITS = (-10, 100)  # the widest bounds a scale may have
SCALE_MAX_STEPS = 10  # max - min: a scale is a row of buttons on a phone
DEFAULT_IP_DAILY_CAP = 20


class QuestionnaireError(Invalid):
    """A refused change or answer; ``problems`` lists every reason, ``errors`` ties them to fields."""

    def __init__(self, problems=None, *, errors: dict | None = None):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems or [])
        self.errors = dict(errors or {})
        super().__init__("; ".join(self.problems + [str(v) for v in self.errors.values()]), self.errors)


class NotAccepting(QuestionnaireError):
    """The questionnaire takes no answers now (closed, not yet open, ended, or log-in needed)."""


class AlreadyAnswered(QuestionnaireError):
    pass


class TooManyFromAddress(QuestionnaireError):
    pass


# ---------------------------------------------------------------------------
# Who may build


# Campaign office staff build questionnaires and read their results.
can_manage = is_campaign_staff


def _require_manager(by) -> None:
    if not can_manage(by):
        raise Forbidden(_("Only campaign office staff may build questionnaires."))


# ---------------------------------------------------------------------------
# Versions


def current_version(questionnaire) -> QuestionnaireVersion | None:
    """The newest published version: the one respondents answer."""
    return questionnaire.versions.filter(published_at__isnull=False).order_by("-number").first()


def draft_version(questionnaire) -> QuestionnaireVersion | None:
    return questionnaire.versions.filter(published_at__isnull=True).order_by("-number").first()


def items_of(version) -> list[Item]:
    return list(version.items.order_by("order", "id")) if version else []


def state(questionnaire, now=None) -> str:
    """draft, scheduled (open but not started), open, ended (window over) or closed."""
    now = now or timezone.now()
    if questionnaire.status == Questionnaire.Status.DRAFT:
        return "draft"
    if questionnaire.status == Questionnaire.Status.CLOSED:
        return "closed"
    if questionnaire.opens_at and now < questionnaire.opens_at:
        return "scheduled"
    if questionnaire.closes_at and now >= questionnaire.closes_at:
        return "ended"
    return "open"


def open_now(now=None):
    """Questionnaires that take answers now."""
    from django.db.models import Q

    now = now or timezone.now()
    return (
        Questionnaire.objects.filter(status=Questionnaire.Status.OPEN)
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
    )


def _lock(questionnaire) -> Questionnaire:
    return Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)


# ---------------------------------------------------------------------------
# Questionnaire settings


def _clean_settings(title, description) -> tuple[str, str, dict]:
    errors = {}
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        errors["title"] = _("Give the questionnaire a title.")
    elif len(title) > 100:
        errors["title"] = _("The title may have at most 100 characters.")
    if len(description) > 2000:
        errors["description"] = _("The introduction may have at most 2000 characters.")
    return title, description, errors


def create_questionnaire(
    by,
    *,
    title: str,
    description: str = "",
    allow_anonymous: bool = True,
    require_captcha: bool = False,
    ask_area: bool = True,
) -> Questionnaire:
    """A new questionnaire in draft, with an empty draft version 1."""
    _require_manager(by)
    title, description, errors = _clean_settings(title, description)
    if errors:
        raise QuestionnaireError(errors=errors)
    with transaction.atomic():
        questionnaire = Questionnaire.objects.create(
            title=title,
            description=description,
            allow_anonymous=allow_anonymous,
            require_captcha=require_captcha,
            ask_area=ask_area,
            created_by=by,
        )
        QuestionnaireVersion.objects.create(questionnaire=questionnaire, number=1)
    return questionnaire


def update_settings(
    questionnaire,
    by,
    *,
    title: str,
    description: str = "",
    allow_anonymous: bool = True,
    require_captcha: bool = False,
    ask_area: bool = True,
) -> Questionnaire:
    """Title, introduction and how people answer: these never touch stored answers."""
    _require_manager(by)
    title, description, errors = _clean_settings(title, description)
    if errors:
        raise QuestionnaireError(errors=errors)
    with transaction.atomic():
        questionnaire = _lock(questionnaire)
        questionnaire.title, questionnaire.description = title, description
        questionnaire.allow_anonymous, questionnaire.require_captcha = allow_anonymous, require_captcha
        questionnaire.ask_area = ask_area
        questionnaire.save(update_fields=["title", "description", "allow_anonymous", "require_captcha", "ask_area"])
    return questionnaire


def delete_questionnaire(questionnaire, by) -> None:
    """Only a questionnaire that was never opened may go."""
    _require_manager(by)
    with transaction.atomic():
        questionnaire = _lock(questionnaire)
        if questionnaire.status != Questionnaire.Status.DRAFT or questionnaire.responses.exists():
            raise QuestionnaireError(_("Only a questionnaire that was never opened can be deleted; close it instead."))
        questionnaire.delete()


def start_revision(questionnaire, by) -> QuestionnaireVersion:
    """The draft to edit: the existing one, or a copy of the current version under the next number."""
    _require_manager(by)
    with transaction.atomic():
        questionnaire = _lock(questionnaire)
        draft = draft_version(questionnaire)
        if draft is not None:
            return draft
        current = current_version(questionnaire)
        number = (questionnaire.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        draft = QuestionnaireVersion.objects.create(questionnaire=questionnaire, number=number)
        copies = []
        for item in items_of(current):
            item.pk = None
            item.id = None
            item.version = draft
            copies.append(item)
        Item.objects.bulk_create(copies)
        return draft


def discard_draft(questionnaire, by) -> None:
    """Throw away the changes of a draft made from a published version."""
    _require_manager(by)
    with transaction.atomic():
        questionnaire = _lock(questionnaire)
        draft = draft_version(questionnaire)
        if draft is None:
            raise QuestionnaireError(_("There are no changes to discard."))
        if current_version(questionnaire) is None:
            raise QuestionnaireError(_("The first version cannot be discarded; delete the questionnaire instead."))
        draft.delete()


# ---------------------------------------------------------------------------
# Items


def _next_number(keys, prefix: str) -> int:
    pattern = re.compile(rf"^{prefix}(\d+)$")
    numbers = [int(m.group(1)) for m in (pattern.match(k) for k in keys) if m]
    return max(numbers, default=0) + 1


def _next_item_key(questionnaire) -> str:
    keys = Item.objects.filter(version__questionnaire=questionnaire).values_list("key", flat=True)
    used = set(keys) | set(
        Answer.objects.filter(response__questionnaire=questionnaire).values_list("item_key", flat=True).distinct()
    )
    return f"q{_next_number(used, 'q')}"


def _option_keys_ever(questionnaire, item_key: str) -> set[str]:
    keys = set()
    for options in Item.objects.filter(version__questionnaire=questionnaire, key=item_key).values_list(
        "options", flat=True
    ):
        keys.update(o.get("key", "") for o in options or [])
    return keys


def item_name(item) -> str:
    """How messages name a question: its key and the start of its wording."""
    text = item.text if len(item.text) <= 24 else item.text[:23] + "…"
    return f"{item.key} “{text}”"


def _choices_of(item) -> set[str]:
    keys = {o["key"] for o in item.options or []}
    if item.allow_other:
        keys.add(OTHER)
    return keys


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def _as_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _as_score(value):
    """An option's score: blank for none, else a number from 0 to 100; raises ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    number = float(str(value).strip())
    if not 0 <= number <= 100 or number != number:
        raise ValueError
    return int(number) if number == int(number) else number


def clean_item(version, data: dict, *, item: Item | None = None) -> dict:
    """Check what the builder sent for one item; the fields to save, or QuestionnaireError(errors=…).

    ``data``: kind, text, help_text, required, options [{key, label, score}], allow_other,
    scale_min, scale_max, scale_min_label, scale_max_label, show_if_item, show_if_values, scored.
    An option row with an empty label is left out (that is how an option is removed)."""
    errors = {}
    kind = str(data.get("kind") or "")
    if kind not in ItemKind.values:
        errors["kind"] = _("Choose what kind of question this is.")
    text = str(data.get("text") or "").strip()
    if not text:
        errors["text"] = _("Write the question.")
    elif len(text) > 300:
        errors["text"] = _("The question may have at most 300 characters.")
    help_text = str(data.get("help_text") or "").strip()
    if len(help_text) > 200:
        errors["help_text"] = _("The hint may have at most 200 characters.")
    fields = {
        "kind": kind,
        "text": text,
        "help_text": help_text,
        "required": _as_bool(data.get("required")),
        "options": [],
        "allow_other": False,
        "scale_min": 1,
        "scale_max": 5,
        "scale_min_label": "",
        "scale_max_label": "",
        "show_if_item": "",
        "show_if_values": [],
        "scored": _as_bool(data.get("scored")),
    }
    if kind in CHOICE_KINDS:
        fields["allow_other"] = _as_bool(data.get("allow_other"))
        fields["options"] = _clean_options(version, item, data.get("options") or [], errors)
        if "options" not in errors and len(fields["options"]) + fields["allow_other"] < 2:
            errors["options"] = _("A choice question needs at least two answers to choose from.")
        if (
            fields["scored"]
            and "options" not in errors
            and not any(o.get("score") is not None for o in fields["options"])
        ):
            errors["options"] = _("A question that counts in the score needs scores on its answers.")
    elif kind == ItemKind.SCALE:
        low, high = _as_int(data.get("scale_min")), _as_int(data.get("scale_max"))
        if low is None or high is None:
            errors["scale"] = _("Give the scale's lowest and highest numbers.")
        elif not (SCALE_LIMITS[0] <= low < high <= SCALE_LIMITS[1]):
            errors["scale"] = _(
                "The scale must go up from its lowest number to a higher one, within %(a)d to %(b)d."
            ) % {"a": SCALE_LIMITS[0], "b": SCALE_LIMITS[1]}
        elif high - low > SCALE_MAX_STEPS:
            errors["scale"] = _("A scale may have at most %(n)d steps.") % {"n": SCALE_MAX_STEPS + 1}
        else:
            fields["scale_min"], fields["scale_max"] = low, high
        for end in ("scale_min_label", "scale_max_label"):
            fields[end] = str(data.get(end) or "").strip()
            if len(fields[end]) > 20:
                errors["scale"] = _("A scale's end labels may have at most 20 characters.")
    elif kind == ItemKind.TEXT:
        fields["scored"] = False
    _clean_condition(version, item, data, fields, errors)
    if errors:
        raise QuestionnaireError(errors=errors)
    return fields


def _clean_options(version, item, rows, errors) -> list[dict]:
    own = {o["key"] for o in (item.options if item else [])}
    taken = _option_keys_ever(version.questionnaire, item.key) if item else set()
    next_number = _next_number(taken | own, "o")
    options, labels = [], set()
    for row in rows:
        label = str(row.get("label") or "").strip()
        key = str(row.get("key") or "").strip()
        if not label:
            continue
        if len(label) > OPTION_LABEL_MAX:
            errors["options"] = _("An answer may have at most %(n)d characters.") % {"n": OPTION_LABEL_MAX}
        if label in labels:
            errors["options"] = _("The answer “%(label)s” is there twice.") % {"label": label}
        labels.add(label)
        if key and key not in own:
            errors["options"] = _("Unknown answer key %(key)s.") % {"key": key}
            continue
        if not key:
            key = f"o{next_number}"
            next_number += 1
        try:
            score = _as_score(row.get("score"))
        except (TypeError, ValueError):
            errors["options"] = _("A score is a number from 0 to 100 (or nothing).")
            score = None
        option = {"key": key, "label": label}
        if score is not None:
            option["score"] = score
        options.append(option)
    if len(options) > MAX_OPTIONS:
        errors["options"] = _("A question may have at most %(n)d answers.") % {"n": MAX_OPTIONS}
    if len({o["key"] for o in options}) != len(options):
        errors["options"] = _("An answer is there twice.")
    return options


def _clean_condition(version, item, data, fields, errors) -> None:
    source_key = str(data.get("show_if_item") or "").strip()
    if not source_key:
        return
    values = [str(v) for v in (data.get("show_if_values") or []) if str(v).strip()]
    items = items_of(version)
    source = next((i for i in items if i.key == source_key), None)
    position = {i.key: n for n, i in enumerate(items)}
    if source is None:
        errors["show_if_item"] = _("The condition refers to a question that is not in this questionnaire.")
        return
    if item is not None and (source.key == item.key or position[source.key] > position[item.key]):
        errors["show_if_item"] = _("A condition must refer to an earlier question.")
        return
    if source.kind not in CHOICE_KINDS:
        errors["show_if_item"] = _("A condition must refer to a single or multiple choice question.")
        return
    if not values:
        errors["show_if_item"] = _("Choose at least one answer of %(item)s that shows this question.") % {
            "item": item_name(source)
        }
        return
    unknown = [v for v in values if v not in _choices_of(source)]
    if unknown:
        errors["show_if_item"] = _("%(item)s has no answer %(keys)s.") % {
            "item": item_name(source),
            "keys": ", ".join(unknown),
        }
        return
    fields["show_if_item"] = source.key
    fields["show_if_values"] = list(dict.fromkeys(values))


def version_problems(version, *, for_publishing: bool = False) -> list[str]:
    """What is wrong with a version as a whole: broken conditions, unusable items."""
    problems = []
    items = items_of(version)
    if for_publishing and not items:
        problems.append(_("Add at least one question."))
    by_key = {i.key: i for i in items}
    position = {i.key: n for n, i in enumerate(items)}
    for item in items:
        if item.kind in CHOICE_KINDS and len(item.options or []) + item.allow_other < 2:
            problems.append(_("%(item)s needs at least two answers to choose from.") % {"item": item_name(item)})
        if item.kind == ItemKind.SCALE and not item.scale_min < item.scale_max:
            problems.append(_("The scale of %(item)s must go up.") % {"item": item_name(item)})
        if not item.show_if_item:
            continue
        source = by_key.get(item.show_if_item)
        args = {"item": item_name(item), "source": item.show_if_item}
        if source is None:
            problems.append(_("The condition of %(item)s refers to %(source)s, which is not in this version.") % args)
        elif position[source.key] >= position[item.key]:
            problems.append(_("The condition of %(item)s refers to %(source)s, which does not come before it.") % args)
        elif source.kind not in CHOICE_KINDS:
            problems.append(_("The condition of %(item)s refers to %(source)s, which is not a choice question.") % args)
        else:
            missing = [v for v in item.show_if_values or [] if v not in _choices_of(source)]
            if missing or not item.show_if_values:
                problems.append(_("The condition of %(item)s refers to answers that %(source)s no longer has.") % args)
    return problems


def _checked(version) -> None:
    """Inside the change's transaction: refuse (and so roll back) a change that breaks the version."""
    problems = version_problems(version)
    if problems:
        raise QuestionnaireError(problems)


def _renumber(version) -> None:
    items = items_of(version)
    for n, item in enumerate(items, start=1):
        item.order = n
    Item.objects.bulk_update(items, ["order"])


def _editable(questionnaire, by) -> QuestionnaireVersion:
    return start_revision(questionnaire, by)


def add_item(questionnaire, by, data: dict) -> Item:
    """Add a question at the end of the draft (made from the current version if needed)."""
    _require_manager(by)
    with transaction.atomic():
        version = _editable(questionnaire, by)
        fields = clean_item(version, data)
        order = (version.items.aggregate(n=Max("order"))["n"] or 0) + 1
        item = Item.objects.create(version=version, key=_next_item_key(questionnaire), order=order, **fields)
        _checked(version)
    return item


def _item_in(version, key) -> Item:
    item = version.items.filter(key=key).first()
    if item is None:
        raise QuestionnaireError(_("There is no question %(key)s in this version.") % {"key": key})
    return item


def update_item(questionnaire, by, key: str, data: dict) -> Item:
    _require_manager(by)
    with transaction.atomic():
        version = _editable(questionnaire, by)
        item = _item_in(version, key)
        fields = clean_item(version, data, item=item)
        for name, value in fields.items():
            setattr(item, name, value)
        item.save()
        _checked(version)
    return item


def move_item(questionnaire, by, key: str, direction: str) -> None:
    """Move a question one place up or down; refused if a condition would then point forward."""
    _require_manager(by)
    if direction not in ("up", "down"):
        raise QuestionnaireError(_("Move a question up or down."))
    with transaction.atomic():
        version = _editable(questionnaire, by)
        items = items_of(version)
        index = next((n for n, i in enumerate(items) if i.key == key), None)
        if index is None:
            raise QuestionnaireError(_("There is no question %(key)s in this version.") % {"key": key})
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(items):
            items[index], items[other] = items[other], items[index]
            for n, item in enumerate(items, start=1):
                item.order = n
            Item.objects.bulk_update(items, ["order"])
        _checked(version)


def remove_item(questionnaire, by, key: str) -> None:
    """Take a question out of the draft. Stored answers to it stay with the versions that asked it."""
    _require_manager(by)
    with transaction.atomic():
        version = _editable(questionnaire, by)
        _item_in(version, key).delete()
        _renumber(version)
        _checked(version)


# ---------------------------------------------------------------------------
# Publishing


def _stored_answer_counts(questionnaire, keys) -> dict[str, Counter]:
    """For each item key: how often each stored value occurs (option keys counted one by one)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    rows = (
        Answer.objects.filter(response__questionnaire=questionnaire, item_key__in=list(keys), value__isnull=False)
        .values_list("item_key", "value")
        .annotate(n=Count("id"))
        .order_by()
    )
    for key, value, n in rows:
        for part in value if isinstance(value, list) else [value]:
            counts[key][_hashable(part)] += n
    return counts


def _hashable(value):
    return value if isinstance(value, (str, int, float)) else str(value)


def check_compatible(old_version, new_version) -> list[str]:
    """Why publishing ``new_version`` after ``old_version`` would break stored answers (empty: it would not).

    Breaking, for a question that has stored answers: its kind changed; an option that was
    chosen is gone (the "other" option included); its scale no longer covers stored numbers.
    Everything else is allowed: new wording, new questions, new options, another order,
    a question made optional, and questions dropped (their answers stay with the old versions)."""
    old_items = {i.key: i for i in items_of(old_version)}
    new_items = [i for i in items_of(new_version) if i.key in old_items]
    stored = _stored_answer_counts(old_version.questionnaire, [i.key for i in new_items])
    problems = []
    for new in new_items:
        old = old_items[new.key]
        counts = stored.get(new.key)
        if not counts:
            continue
        name = item_name(new)
        if new.kind != old.kind:
            problems.append(
                _("%(item)s has stored answers, so its kind cannot change from “%(old)s” to “%(new)s”.")
                % {"item": name, "old": ItemKind(old.kind).label, "new": ItemKind(new.kind).label}
            )
            continue
        if new.kind in CHOICE_KINDS:
            old_labels = {o["key"]: o["label"] for o in old.options or []}
            kept = _choices_of(new)
            for option_key, n in sorted(counts.items(), key=lambda kv: str(kv[0])):
                if option_key in kept:
                    continue
                if option_key == OTHER:
                    problems.append(
                        _("%(item)s: the “other” answer was chosen %(n)d times, so it cannot be removed.")
                        % {"item": name, "n": n}
                    )
                else:
                    problems.append(
                        _("%(item)s: the answer “%(label)s” (%(key)s) was chosen %(n)d times, so it cannot be removed.")
                        % {"item": name, "label": old_labels.get(option_key, option_key), "key": option_key, "n": n}
                    )
        elif new.kind == ItemKind.SCALE:
            outside = sum(
                n
                for value, n in counts.items()
                if not isinstance(value, int) or not new.scale_min <= value <= new.scale_max
            )
            if outside:
                problems.append(
                    _("%(item)s: %(n)d stored answers lie outside the new scale %(low)d–%(high)d.")
                    % {"item": name, "n": outside, "low": new.scale_min, "high": new.scale_max}
                )
    return problems


UNCHANGED = object()


def publish(questionnaire, by, *, opens_at=UNCHANGED, closes_at=UNCHANGED, now=None) -> QuestionnaireVersion:
    """Open the questionnaire for answers in the window [opens_at, closes_at) (opens_at None: now;
    closes_at None: until closed), publishing its draft version if it has one. Not given, an open
    questionnaire keeps its window; one opened (again) opens now with no end.

    A draft is checked as a whole, and against the stored answers when it follows a published
    version; every problem is listed in the QuestionnaireError."""
    _require_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        questionnaire = _lock(questionnaire)
        draft, current = draft_version(questionnaire), current_version(questionnaire)
        problems = []
        if draft is not None:
            problems += version_problems(draft, for_publishing=True)
            if current is not None:
                problems += check_compatible(current, draft)
        is_open = questionnaire.status == Questionnaire.Status.OPEN
        if opens_at is UNCHANGED:
            opens_at = questionnaire.opens_at if is_open else None
        if closes_at is UNCHANGED:
            closes_at = questionnaire.closes_at if is_open else None
        opens_at = opens_at or now
        if closes_at is not None and closes_at <= opens_at:
            problems.append(_("The closing time must come after the opening time."))
        elif closes_at is not None and closes_at <= now:
            problems.append(_("The closing time has already passed."))
        if problems:
            raise QuestionnaireError(problems)
        if draft is not None:
            draft.published_at = now
            draft.save(update_fields=["published_at"])
        questionnaire.status = Questionnaire.Status.OPEN
        questionnaire.opens_at, questionnaire.closes_at = opens_at, closes_at
        questionnaire.save(update_fields=["status", "opens_at", "closes_at"])
        return draft or current


def close(questionnaire, by, *, now=None) -> Questionnaire:
    """Stop taking answers now."""
    _require_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        questionnaire = _lock(questionnaire)
        if questionnaire.status != Questionnaire.Status.OPEN:
            raise QuestionnaireError(_("Only an open questionnaire can be closed."))
        questionnaire.status = Questionnaire.Status.CLOSED
        if questionnaire.closes_at is None or questionnaire.closes_at > now:
            questionnaire.closes_at = now
        questionnaire.save(update_fields=["status", "closes_at"])
    return questionnaire


# ---------------------------------------------------------------------------
# Answering


def not_accepting_reason(questionnaire, now=None) -> str | None:
    """Why the questionnaire takes no answers now, in words for the respondent; None if it does."""
    now = now or timezone.now()
    current = state(questionnaire, now)
    if current in ("draft", "closed"):
        return _("This questionnaire is closed.")
    if current == "scheduled":
        return _("This questionnaire opens on %(when)s.") % {
            "when": date_format(timezone.localtime(questionnaire.opens_at), "DATETIME_FORMAT")
        }
    if current == "ended":
        return _("This questionnaire closed on %(when)s.") % {
            "when": date_format(timezone.localtime(questionnaire.closes_at), "DATETIME_FORMAT")
        }
    return None


def session_hash(questionnaire, token: str) -> str:
    """The stored form of a browser session's token, different for each questionnaire."""
    if not token:
        return ""
    message = f"questionnaire:{questionnaire.pk}:{token}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def has_answered(questionnaire, *, user=None, session_token: str = "") -> bool:
    responses = Response.objects.filter(questionnaire=questionnaire)
    if user is not None and getattr(user, "is_authenticated", False) and responses.filter(user=user).exists():
        return True
    return bool(session_token) and responses.filter(session_hash=session_hash(questionnaire, session_token)).exists()


def ip_daily_cap() -> int:
    return int(getattr(settings, "WENMING_QUESTIONNAIRE_IP_DAILY_CAP", DEFAULT_IP_DAILY_CAP))


def _values(data, name) -> list[str]:
    if hasattr(data, "getlist"):
        values = data.getlist(name)
    else:
        value = data.get(name)
        values = value if isinstance(value, (list, tuple)) else ([] if value is None else [value])
    return [_clean_text(v) for v in values]


def _value(data, name) -> str:
    values = _values(data, name)
    return values[-1] if values else ""


def _clean_text(value) -> str:
    # NUL cannot be stored in PostgreSQL text or jsonb.
    return str(value).replace("\x00", "").strip()


def shown(item, answers: dict, visible: dict) -> bool:
    """Whether ``item`` is asked, given the answers to earlier items (and whether those were asked)."""
    if not item.show_if_item:
        return True
    if not visible.get(item.show_if_item):
        return False
    chosen = answers.get(item.show_if_item, (None, ""))[0]
    chosen = chosen if isinstance(chosen, list) else [chosen]
    return any(value in (item.show_if_values or []) for value in chosen)


def clean_answers(version, data) -> tuple[dict, dict]:
    """Check answers against the version: ``({key: (value, other_text)}, {key: error})``.

    ``data`` is the form (a QueryDict or a dict): the item key for the answer (several values
    for multiple choice), ``<key>_other`` for the "other" words. Items hidden by their condition
    are not asked: what was sent for them is dropped, and they are never required."""
    answers, errors, visible = {}, {}, {}
    for item in items_of(version):
        visible[item.key] = shown(item, answers, visible)
        if not visible[item.key]:
            continue
        value, other_text, error = _clean_answer(item, data)
        if error:
            errors[item.key] = error
        elif value is None:
            if item.required:
                errors[item.key] = _("Please answer this question.")
        else:
            answers[item.key] = (value, other_text)
    return answers, errors


def _clean_answer(item, data):
    """(value, other_text, error) for one shown item; value None when unanswered."""
    key = item.key
    if item.kind in CHOICE_KINDS:
        chosen = [v for v in _values(data, key) if v]
        if item.kind == ItemKind.SINGLE and len(chosen) > 1:
            return None, "", _("Choose only one answer.")
        allowed = _choices_of(item)
        if any(v not in allowed for v in chosen):
            return None, "", _("Choose among the answers offered.")
        if not chosen:
            return None, "", None
        chosen = list(dict.fromkeys(chosen))
        other_text = ""
        if OTHER in chosen:
            other_text = _value(data, f"{key}_other")
            if not other_text:
                return None, "", _("Please say what your “other” answer is.")
            if len(other_text) > OTHER_TEXT_MAX:
                return None, "", _("Your “other” answer may have at most %(n)d characters.") % {"n": OTHER_TEXT_MAX}
        return (chosen[0] if item.kind == ItemKind.SINGLE else chosen), other_text, None
    raw = _value(data, key)
    if not raw:
        return None, "", None
    if item.kind == ItemKind.SCALE:
        number = _as_int(raw)
        if number is None or not item.scale_min <= number <= item.scale_max:
            return (
                None,
                "",
                _("Choose a number from %(low)d to %(high)d.") % {"low": item.scale_min, "high": item.scale_max},
            )
        return number, "", None
    if len(raw) > TEXT_MAX:
        return (
            None,
            "",
            _("Please write at most %(max)d characters (you wrote %(n)d).") % {"max": TEXT_MAX, "n": len(raw)},
        )
    return raw, "", None


def districts():
    return Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code")


def streets(district_code: str = ""):
    found = Area.objects.filter(level=AreaLevel.STREET).select_related("parent").order_by("code")
    return found.filter(parent__code=district_code) if district_code else found


def clean_area(district_code: str, street_code: str) -> tuple[Area | None, str | None]:
    """The deepest area chosen: the street if one was chosen within the district, else the district."""
    district_code, street_code = (district_code or "").strip(), (street_code or "").strip()
    if not district_code and not districts().exists():
        return None, None  # a city without districts yet: nothing to choose from
    if not district_code:
        return None, _("Choose the district where you live.")
    district = districts().filter(code=district_code).first()
    if district is None:
        return None, _("Choose a district from the list.")
    if not street_code:
        return district, None
    street = streets(district.code).filter(code=street_code).first()
    if street is None:
        return None, _("Choose a street of %(district)s from the list.") % {"district": district.name}
    return street, None


def check_answers(questionnaire, version, data) -> tuple[dict, Area | None, dict]:
    """The answers and the area as they would be stored, and what is wrong with them (by item key, "area")."""
    answers, errors = clean_answers(version, data)
    area = None
    if questionnaire.ask_area:
        area, area_error = clean_area(_value(data, "district"), _value(data, "street"))
        if area_error:
            errors["area"] = area_error
    return answers, area, errors


def submit(questionnaire, data, *, user=None, session_token: str = "", ip_hash: str = "", now=None) -> Response:
    """Store one response, all of it or nothing.

    Refused when the questionnaire takes no answers (NotAccepting), when this session or
    this account has answered already (AlreadyAnswered), when the hashed address has sent
    the day's cap of responses to this questionnaire (TooManyFromAddress), or when an answer
    or the area is not valid (QuestionnaireError with ``errors`` by item key, "area").
    The request-level guards (rate limit, captcha) are the caller's: see the portal view."""
    now = now or timezone.now()
    user = user if user is not None and getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        # One submission at a time per questionnaire: the once-only and cap checks stay true.
        questionnaire = _lock(questionnaire)
        reason = not_accepting_reason(questionnaire, now)
        if reason:
            raise NotAccepting(reason)
        if user is None and not questionnaire.allow_anonymous:
            raise NotAccepting(_("Please log in to answer this questionnaire."))
        version = current_version(questionnaire)
        if version is None:
            raise NotAccepting(_("This questionnaire is closed."))
        if not session_token and user is None:
            raise NotAccepting(
                _(
                    "Your browser did not keep this page's session. "
                    "Please allow cookies and open the questionnaire again."
                )
            )
        if has_answered(questionnaire, user=user, session_token=session_token):
            raise AlreadyAnswered(_("You have already answered this questionnaire. Thank you!"))
        if ip_hash:
            day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
            sent = Response.objects.filter(
                questionnaire=questionnaire, ip_hash=ip_hash, submitted_at__gte=day_start
            ).count()
            if sent >= ip_daily_cap():
                raise TooManyFromAddress(
                    _(
                        "Too many answers to this questionnaire have come from your network today. "
                        "Please try again tomorrow."
                    )
                )
        answers, area, errors = check_answers(questionnaire, version, data)
        if errors:
            raise QuestionnaireError(errors=errors)
        response = Response.objects.create(
            questionnaire=questionnaire,
            version=version,
            user=user,
            area=area,
            session_hash=session_hash(questionnaire, session_token),
            ip_hash=ip_hash,
            submitted_at=now,
        )
        Answer.objects.bulk_create(
            Answer(response=response, item_key=key, value=value, other_text=other_text)
            for key, (value, other_text) in answers.items()
        )
        if user is not None:
            award(user, "questionnaire_answered", ref=f"questionnaire:{questionnaire.pk}", now=now)
    return response
