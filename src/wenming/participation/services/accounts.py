"""Citizen accounts: verification codes, registration, password reset, personal data (PIPL),
deleting an account, and blocking abusive accounts.

Every change of state is one function here; views only call them. Bad input raises
``Invalid`` (with a message per form field) and saves nothing.
"""

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases import services as cases
from wenming.core.errors import Conflict, Forbidden, Invalid, TooSoon
from wenming.notifications import services as notification_centre
from wenming.notifications.models import Notification
from wenming.participation import channels
from wenming.participation.models import (
    Citizen,
    CodePurpose,
    Flag,
    ModerationEvent,
    Response,
    Suggestion,
    SuggestionSupport,
    Support,
    VerificationCode,
    Vote,
)
from wenming.participation.rules import is_campaign_staff

CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
# Codes are deleted a day after they expire: long enough to read the resend interval, no longer.
CODE_KEPT = timedelta(days=1)
NICKNAME_MAX = 30
REASON_MAX = 200

PHONE_RE = re.compile(r"1[3-9]\d{9}")


def _invalid(problems: dict) -> Invalid:
    return Invalid(" ".join(problems.values()), problems)


# ---------------------------------------------------------------------------
# Addresses: a mainland mobile number or an e-mail address


def normalise_phone(text: str) -> str:
    """ "+86 139 0000 0001", "139-0000-0001" or full-width digits → "13900000001"; Invalid otherwise."""
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", text or ""))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not PHONE_RE.fullmatch(digits):
        raise Invalid(_("Enter a mainland mobile number: 11 digits starting with 13 to 19."), {"address": ""})
    return digits


def normalise_email(text: str) -> str:
    address = unicodedata.normalize("NFKC", text or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise Invalid(_("Enter a valid e-mail address, such as name@example.com."), {"address": ""}) from None
    if len(address) > 254:
        raise Invalid(_("Enter a valid e-mail address, such as name@example.com."), {"address": ""})
    return address


def normalise_address(text: str) -> tuple[str, str]:
    """("phone", "13900000001") or ("email", "name@example.com"); Invalid with a message for people."""
    text = (text or "").strip()
    if not text:
        raise Invalid(_("Enter your mobile number or e-mail address."), {"address": ""})
    if "@" in text:
        return "email", normalise_email(text)
    return "phone", normalise_phone(text)


def _address(text: str) -> tuple[str, str]:
    try:
        return normalise_address(text)
    except Invalid as exc:
        raise Invalid(exc.message, {"address": exc.message}) from None


def citizen_by_address(kind: str, address: str) -> Citizen | None:
    return Citizen.objects.select_related("user").filter(**{kind: address}).first()


def mask_email(email: str) -> str:
    name, _at, domain = (email or "").partition("@")
    if not domain:
        return "*" * len(name)
    return f"{name[:1]}{'*' * max(len(name) - 1, 2)}@{domain}"


def masked_address(citizen: Citizen) -> str:
    from wenming.org.services import mask_phone

    if citizen.phone:
        return mask_phone(citizen.phone)
    return mask_email(citizen.email or "")


# ---------------------------------------------------------------------------
# Verification codes: 6 digits, kept as a keyed hash, 10 minutes, 5 tries, used once


def _code_hash(address: str, purpose: str, code: str) -> str:
    message = f"{purpose}:{address}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _clean_code(text) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(text or "")))


def send_code(address_text: str, purpose: str, *, now=None) -> str:
    """Send a new code for ``purpose`` to the address; returns the normalised address.

    Raises Invalid (bad or unsuitable address), TooSoon (a code went out less than a minute ago)
    or channels.ChannelError (the channel failed: then no code is stored)."""
    now = now or timezone.now()
    if purpose not in CodePurpose.values:
        raise ValueError(f"unknown purpose {purpose!r}")
    kind, address = _address(address_text)
    exists = Citizen.objects.filter(**{kind: address}).exists()
    if purpose == CodePurpose.REGISTER and exists:
        message = (
            _("This mobile number is already registered. Log in, or set a new password if you forgot it.")
            if kind == "phone"
            else _("This e-mail address is already registered. Log in, or set a new password if you forgot it.")
        )
        raise Invalid(message, {"address": message})
    if purpose == CodePurpose.RESET and not exists:
        message = _("No account uses this mobile number or e-mail address.")
        raise Invalid(message, {"address": message})
    last = VerificationCode.objects.filter(address=address).order_by("-created_at").first()
    if last is not None and now - last.created_at < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - last.created_at)).total_seconds()) + 1
        message = _("A code was sent less than a minute ago. Please wait %(seconds)d seconds before asking again.") % {
            "seconds": wait
        }
        raise TooSoon(message, wait, {"address": message})
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    # Send first, store after: a channel that fails leaves nothing behind.
    channels.send_code(address, code, purpose)
    with transaction.atomic():
        VerificationCode.objects.filter(expires_at__lt=now - CODE_KEPT).delete()
        VerificationCode.objects.create(
            address=address,
            purpose=purpose,
            code_hash=_code_hash(address, purpose, code),
            created_at=now,
            expires_at=now + CODE_VALID,
        )
    return address


def _use_code(address: str, purpose: str, code: str, now) -> str | None:
    """Inside a transaction: mark the latest code for address and purpose as used when ``code``
    matches it, and return None; otherwise count the attempt and return what went wrong."""
    row = (
        VerificationCode.objects.select_for_update()
        .filter(address=address, purpose=purpose)
        .order_by("-created_at", "-id")
        .first()
    )
    if row is None:
        return _("No code was sent to this address. Please ask for a code first.")
    if row.used_at is not None:
        return _("This code was already used. Please ask for a new code.")
    if row.expires_at <= now:
        return _("The code has expired. Please ask for a new code.")
    if row.attempts >= CODE_MAX_ATTEMPTS:
        return _("Too many wrong codes. Please ask for a new code.")
    if not hmac.compare_digest(row.code_hash, _code_hash(address, purpose, code)):
        VerificationCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        left = CODE_MAX_ATTEMPTS - row.attempts - 1
        if left <= 0:
            return _("Too many wrong codes. Please ask for a new code.")
        return _("The code is not right. You can try %(left)d more times.") % {"left": left}
    VerificationCode.objects.filter(pk=row.pk).update(used_at=now)
    return None


def _check_password(password: str, user, field: str = "password") -> dict:
    if not password:
        return {field: _("Choose a password.")}
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return {field: " ".join(exc.messages)}
    return {}


def _check_nickname(nickname: str) -> tuple[str, dict]:
    nickname = " ".join((nickname or "").split())
    if not nickname:
        return nickname, {"nickname": _("Choose a nickname.")}
    if len(nickname) > NICKNAME_MAX:
        return nickname, {"nickname": _("The nickname may have at most %(n)d characters.") % {"n": NICKNAME_MAX}}
    if any(unicodedata.category(ch).startswith("C") for ch in nickname):
        return nickname, {"nickname": _("The nickname may not contain control characters.")}
    return nickname, {}


# ---------------------------------------------------------------------------
# Registration, password reset, nickname


def register(address_text: str, code: str, nickname: str, password: str, *, now=None):
    """Create a citizen's account after the code sent to the address was given back; returns the user."""
    now = now or timezone.now()
    User = get_user_model()
    problems = {}
    kind = address = ""
    try:
        kind, address = normalise_address(address_text)
    except Invalid as exc:
        problems["address"] = exc.message
    nickname, nickname_problems = _check_nickname(nickname)
    problems.update(nickname_problems)
    code = _clean_code(code)
    if not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", code):
        problems["code"] = _("Enter the 6-digit code you received.")
    # Judged against what the account will hold, so a password cannot repeat the address.
    candidate = User(username=address.split("@")[0] if address else "", email=address if kind == "email" else "")
    problems.update(_check_password(password, candidate))
    if address and Citizen.objects.filter(**{kind: address}).exists():
        problems["address"] = _("This mobile number or e-mail address is already registered. Log in instead.")
    if problems:
        raise _invalid(problems)
    try:
        with transaction.atomic():
            problem = _use_code(address, CodePurpose.REGISTER, code, now)
            if problem is None:
                user = User(username=f"c{secrets.token_hex(8)}", email=address if kind == "email" else "")
                user.set_password(password)
                user.save()
                Citizen.objects.create(user=user, nickname=nickname, verified_at=now, **{kind: address})
    except IntegrityError:
        # Someone registered the same address a moment earlier; nothing of this attempt was kept.
        raise _invalid(
            {"address": _("This mobile number or e-mail address is already registered. Log in instead.")}
        ) from None
    if problem is not None:
        raise _invalid({"code": problem})
    return user


def reset_password(address_text: str, code: str, password: str, *, now=None):
    """Set a new password with a code sent to the registered address; returns the user."""
    now = now or timezone.now()
    problems = {}
    citizen = None
    try:
        kind, address = normalise_address(address_text)
        citizen = citizen_by_address(kind, address)
        if citizen is None:
            problems["address"] = _("No account uses this mobile number or e-mail address.")
    except Invalid as exc:
        problems["address"] = exc.message
    code = _clean_code(code)
    if not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", code):
        problems["code"] = _("Enter the 6-digit code you received.")
    if citizen is not None:
        problems.update(_check_password(password, citizen.user))
    elif not password:
        problems["password"] = _("Choose a password.")
    if problems:
        raise _invalid(problems)
    user = citizen.user
    with transaction.atomic():
        problem = _use_code(address, CodePurpose.RESET, code, now)
        if problem is None:
            user.set_password(password)
            user.save(update_fields=["password"])
            if citizen.verified_at is None:
                Citizen.objects.filter(pk=citizen.pk).update(verified_at=now)
    if problem is not None:
        raise _invalid({"code": problem})
    return user


def change_nickname(citizen: Citizen, nickname: str) -> Citizen:
    if citizen.is_blocked:
        raise Forbidden(_("Your account is blocked and may not change anything."))
    nickname, problems = _check_nickname(nickname)
    if problems:
        raise _invalid(problems)
    Citizen.objects.filter(pk=citizen.pk).update(nickname=nickname)
    citizen.nickname = nickname
    return citizen


# ---------------------------------------------------------------------------
# Personal data (PIPL): see it, download it, delete the account


def _when(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def personal_data(user) -> dict:
    """Everything the portal holds about the person, as plain data (for the page and the JSON file)."""
    from wenming.participation.models import Item
    from wenming.participation.services.points import ledger

    citizen = Citizen.objects.filter(user=user).first()
    account = {
        "nickname": citizen.nickname if citizen else "",
        "phone": (citizen.phone if citizen else "") or "",
        "email": (citizen.email if citizen else "") or user.email or "",
        "registered_at": _when(citizen.created_at if citizen else user.date_joined),
        "verified_at": _when(citizen.verified_at) if citizen else None,
        "last_login": _when(user.last_login),
        "large_text": bool(citizen and citizen.large_text),
        "points": citizen.points if citizen else 0,
        "blocked_at": _when(citizen.blocked_at) if citizen else None,
        "blocked_reason": citizen.blocked_reason if citizen else "",
    }
    reports = [
        {
            "number": case.number,
            "category": case.category.plain_name or case.category.name,
            "description": case.description,
            "address": case.address,
            "longitude": case.lon,
            "latitude": case.lat,
            "reported_at": _when(case.created_at),
            "status": case.get_status_display(),
            "name_given": case.reporter_name,
            "phone_given": case.reporter_phone,
            "anonymous": case.anonymous,
        }
        for case in cases.Case.objects.filter(reporter=user).select_related("category").order_by("-created_at", "-id")
    ]
    suggestions = [
        {
            "number": s.number,
            "title": s.title,
            "suggestion": s.body,
            "topic": s.topic.name,
            "status": s.get_status_display(),
            "submitted_at": _when(s.created_at),
            "longitude": s.lon,
            "latitude": s.lat,
        }
        for s in Suggestion.objects.filter(author=user).select_related("topic").order_by("-created_at", "-id")
    ]
    supports = [
        {"report": s.case.number, "at": _when(s.created_at)}
        for s in Support.objects.filter(user=user).select_related("case").order_by("-created_at")
    ]
    suggestion_supports = [
        {"suggestion": s.suggestion.number, "title": s.suggestion.title, "at": _when(s.created_at)}
        for s in SuggestionSupport.objects.filter(user=user).select_related("suggestion").order_by("-created_at")
    ]
    flags = [
        {"suggestion": f.suggestion.number, "reason": f.reason, "at": _when(f.created_at)}
        for f in Flag.objects.filter(user=user).select_related("suggestion").order_by("-created_at")
    ]
    votes = [
        {"solicitation": v.solicitation.title, "entry": v.entry.title, "at": _when(v.created_at)}
        for v in Vote.objects.filter(user=user).select_related("solicitation", "entry").order_by("-created_at")
    ]
    responses = []
    for response in (
        Response.objects.filter(user=user)
        .select_related("questionnaire", "area")
        .prefetch_related("answers")
        .order_by("-submitted_at")
    ):
        questions = dict(Item.objects.filter(version_id=response.version_id).values_list("key", "text"))
        responses.append(
            {
                "questionnaire": response.questionnaire.title,
                "submitted_at": _when(response.submitted_at),
                "area": response.area.name if response.area_id else "",
                "answers": [
                    {"question": questions.get(a.item_key, a.item_key), "answer": a.value, "other": a.other_text}
                    for a in response.answers.all()
                ],
            }
        )
    points = [
        {"at": _when(e.created_at), "points": e.points, "balance": e.balance, "reason": e.reason}
        for e in (ledger(citizen) if citizen else [])
    ]
    notifications = [
        {
            "at": _when(n.created_at),
            "title": n.title,
            "text": n.body,
            "report": str(n.subject or ""),
            "read_at": _when(n.read_at),
        }
        for n in notification_centre.inbox(user)
    ]
    return {
        "generated_at": _when(timezone.now()),
        "account": account,
        "reports": reports,
        "suggestions": suggestions,
        "supports": supports,
        "suggestion_supports": suggestion_supports,
        "flags": flags,
        "votes": votes,
        "questionnaire_responses": responses,
        "points_ledger": points,
        "notifications": notifications,
    }


def is_staff_account(user) -> bool:
    from wenming.org.models import STAFF_ROLES, Membership

    return bool(
        user.is_staff
        or user.is_superuser
        or Membership.objects.filter(user=user, is_active=True, role__in=STAFF_ROLES).exists()
    )


def delete_account(user, password: str, *, now=None) -> None:
    """Remove the person and keep what they gave the city.

    Reports stay, made anonymous (no reporter, name and phone blanked); suggestions stay without
    an author; questionnaire answers stay without the user. The user, the citizen account, supports,
    votes, flags, codes, the points ledger and notifications go. One transaction: all or nothing."""
    now = now or timezone.now()
    if not password or not user.check_password(password):
        raise _invalid({"password": _("The password is not right. Nothing was deleted.")})
    if is_staff_account(user):
        raise Forbidden(_("Staff accounts are closed by the campaign office, not here."))
    citizen = Citizen.objects.filter(user=user).first()
    addresses = [a for a in (citizen and citizen.phone, citizen and citizen.email, user.email) if a]
    with transaction.atomic():
        cases.forget_reporter(user)
        Suggestion.objects.filter(author=user).update(author=None)
        Response.objects.filter(user=user).update(user=None)
        # Counts follow the rows that go; a closed vote's published tally stays as published.
        Suggestion.objects.filter(supports__user=user).update(support_count=Greatest(F("support_count") - 1, 0))
        Suggestion.objects.filter(flags__user=user, flags__resolved_at__isnull=True).update(
            flag_count=Greatest(F("flag_count") - 1, 0)
        )
        from wenming.participation.models import SolicitationEntry

        SolicitationEntry.objects.filter(votes__user=user, solicitation__voting_closes_at__gt=now).update(
            vote_count=Greatest(F("vote_count") - 1, 0)
        )
        SuggestionSupport.objects.filter(user=user).delete()
        Support.objects.filter(user=user).delete()
        Flag.objects.filter(user=user).delete()
        Vote.objects.filter(user=user).delete()
        if addresses:
            VerificationCode.objects.filter(address__in=addresses).delete()
        # The citizen (with its ledger and moderation history), notifications and the login go with the user.
        user.delete()


# ---------------------------------------------------------------------------
# Blocking abusive accounts (campaign offices)


# Campaign office staff block and unblock accounts.
can_moderate = is_campaign_staff


def block(citizen: Citizen, by, reason: str, *, now=None) -> Citizen:
    """Stop an account from posting; it may still log in and read. The reason is shown to the person."""
    now = now or timezone.now()
    if not can_moderate(by):
        raise Forbidden(_("Only the campaign office may block accounts."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise _invalid({"reason": _("Give the reason for blocking: the person will read it.")})
    if len(reason) > REASON_MAX:
        raise _invalid({"reason": _("The reason may have at most %(n)d characters.") % {"n": REASON_MAX}})
    with transaction.atomic():
        locked = Citizen.objects.select_for_update().get(pk=citizen.pk)
        if locked.is_blocked:
            raise Conflict(_("This account is already blocked."))
        locked.blocked_at, locked.blocked_reason = now, reason
        locked.save(update_fields=["blocked_at", "blocked_reason"])
        ModerationEvent.objects.create(
            action=ModerationEvent.Action.BLOCK, citizen=locked, reason=reason, by=by, at=now
        )
        # Told in the portal only: the person reads it where the block bites.
        notification_centre.send(
            [locked.user],
            Notification.Kind.PROGRESS,
            _("Your account may no longer post"),
            body=reason,
            outbound=False,
            now=now,
        )
    return locked


def unblock(citizen: Citizen, by, *, now=None) -> Citizen:
    now = now or timezone.now()
    if not can_moderate(by):
        raise Forbidden(_("Only the campaign office may unblock accounts."))
    with transaction.atomic():
        locked = Citizen.objects.select_for_update().get(pk=citizen.pk)
        if not locked.is_blocked:
            raise Conflict(_("This account is not blocked."))
        locked.blocked_at, locked.blocked_reason = None, ""
        locked.save(update_fields=["blocked_at", "blocked_reason"])
        ModerationEvent.objects.create(action=ModerationEvent.Action.UNBLOCK, citizen=locked, by=by, at=now)
        notification_centre.send(
            [locked.user], Notification.Kind.PROGRESS, _("Your account may post again"), outbound=False, now=now
        )
    return locked


def citizens(query: str = ""):
    """Accounts for the back office list, newest first, with the number of reports each filed."""
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    reports = (
        cases.Case.objects.filter(reporter_id=OuterRef("user_id"))
        .order_by()
        .values("reporter_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    queryset = Citizen.objects.select_related("user").annotate(report_count=Coalesce(Subquery(reports), 0))
    query = " ".join((query or "").split())
    if query:
        digits = re.sub(r"\D", "", query)
        condition = Q(nickname__icontains=query) | Q(email__icontains=query)
        if digits and len(digits) >= 3:
            condition |= Q(phone__contains=digits)
        queryset = queryset.filter(condition)
    return queryset.order_by("-created_at", "-id")
