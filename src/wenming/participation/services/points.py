"""Points (积分): awarded by configurable rules, written to a ledger, never twice for the same thing."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from wenming.participation.models import Citizen, PointEntry, PointRule

# The rules a new installation starts with; the campaign office edits them as reference data.
DEFAULT_RULES = [
    # code, name (Chinese, as the office would write it), points, daily limit
    ("report_valid", "随手拍问题被受理", 10, 5),
    ("support_confirmed", "支持的问题被受理", 2, 10),
    ("suggestion_published", "建言献策被公开", 3, 3),
    ("suggestion_replied", "建言献策获官方答复", 10, 0),
    ("questionnaire_answered", "参与问卷调查", 2, 5),
]


def seed_rules(rule_model=PointRule) -> None:
    for code, name, points, daily_limit in DEFAULT_RULES:
        rule_model.objects.get_or_create(
            code=code, defaults={"name": name, "points": points, "daily_limit": daily_limit}
        )


def award(user, code: str, ref: str, *, reason: str = "", now=None) -> PointEntry | None:
    """Give the points of rule ``code`` for ``ref`` (e.g. "case:12"); None when nothing is due:
    no such active rule, no citizen account, already awarded for ``ref``, or the daily limit reached."""
    if user is None or not getattr(user, "pk", None):
        return None
    rule = PointRule.objects.filter(code=code, is_active=True).first()
    citizen = Citizen.objects.filter(user_id=user.pk).first()
    if rule is None or citizen is None or rule.points == 0:
        return None
    now = now or timezone.now()
    if rule.daily_limit:
        day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        if PointEntry.objects.filter(citizen=citizen, rule=rule, created_at__gte=day_start).count() >= rule.daily_limit:
            return None
    try:
        with transaction.atomic():
            # Lock the balance row: two awards at once both count.
            Citizen.objects.filter(pk=citizen.pk).update(points=F("points") + rule.points)
            balance = Citizen.objects.select_for_update().values_list("points", flat=True).get(pk=citizen.pk)
            return PointEntry.objects.create(
                citizen=citizen,
                rule=rule,
                points=rule.points,
                balance=balance,
                reason=(reason or rule.name)[:200],
                ref=ref[:60],
                created_at=now,
            )
    except IntegrityError:
        return None  # already awarded for this ref


def ledger(citizen: Citizen):
    return citizen.ledger.select_related("rule")
