"""The filters of case lists, shared by the back office, its Excel export, its map and the API."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.cases.models import ACTIVE_STATUSES, OPEN_STATUSES, Category, Priority, Source, Status
from wenming.core.errors import Invalid
from wenming.org.models import Area, Unit

QUEUES = {
    "to_register": (gettext_lazy("To register"), Q(status=Status.REPORTED)),
    "to_dispatch": (gettext_lazy("To dispatch"), Q(status=Status.REGISTERED)),
    "to_accept": (gettext_lazy("To accept"), Q(status=Status.DISPATCHED)),
    "to_handle": (gettext_lazy("To handle"), Q(status=Status.ACCEPTED)),
    "to_verify": (gettext_lazy("To verify"), Q(status=Status.RECTIFIED)),
    "due_soon": (gettext_lazy("Due soon"), None),  # needs the current time: queue_condition()
    "overdue": (gettext_lazy("Overdue"), None),
}


def queue_condition(key: str, now) -> Q:
    """Which cases a work queue holds at ``now``."""
    if key == "due_soon":
        return Q(status__in=OPEN_STATUSES, deadline__gt=now, deadline__lte=now + timedelta(days=1))
    if key == "overdue":
        return Q(status__in=OPEN_STATUSES, deadline__lte=now)
    return QUEUES[key][1]


def queue_counts(queryset, now=None) -> list[dict]:
    """How many of ``queryset`` (already scoped) each work queue holds, in one query."""
    now = now or timezone.now()
    # Every queue holds active cases only, which the status index finds without a full scan.
    counts = queryset.filter(status__in=ACTIVE_STATUSES).aggregate(
        **{key: Count("id", filter=queue_condition(key, now)) for key in QUEUES}
    )
    return [{"key": key, "label": label, "count": counts[key]} for key, (label, _q) in QUEUES.items()]


SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "deadline": ("deadline", "id"),
    "number": ("number",),
    "updated": ("-updated_at", "-id"),
}
SORT_LABELS = {
    "newest": gettext_lazy("newest first"),
    "oldest": gettext_lazy("oldest first"),
    "deadline": gettext_lazy("nearest deadline"),
    "number": gettext_lazy("by number"),
    "updated": gettext_lazy("recently changed"),
}


class FilterError(Invalid):
    """A filter of the query string that cannot be applied; ``field`` names it."""

    code = "invalid_filter"

    def __init__(self, field: str, message: str):
        super().__init__(message, field=field)
        self.field = field


@dataclass
class CaseFilter:
    queue: str = ""
    status: list | None = None
    category: str = ""
    area: str = ""
    unit: str = ""
    source: str = ""
    priority: str = ""
    date_from: str = ""
    date_to: str = ""
    overdue: bool | None = None
    red_flag: bool | None = None
    q: str = ""
    sort: str = "newest"

    @classmethod
    def from_params(cls, params) -> "CaseFilter":
        """From a QueryDict or dict; empty values mean absent."""

        def one(name):
            value = params.get(name, "")
            return value.strip() if isinstance(value, str) else value

        def flag(name):
            value = one(name)
            if value in ("", None):
                return None
            if str(value).lower() in ("1", "true", "yes", "on"):
                return True
            if str(value).lower() in ("0", "false", "no", "off"):
                return False
            raise FilterError(name, _("“%(value)s” is not yes or no") % {"value": value})

        statuses = params.getlist("status") if hasattr(params, "getlist") else params.get("status") or []
        if isinstance(statuses, str):
            statuses = [statuses]
        statuses = [s for part in statuses for s in str(part).split(",") if s]
        return cls(
            queue=one("queue") or "",
            status=statuses or None,
            category=one("category") or "",
            area=one("area") or "",
            unit=one("unit") or "",
            source=one("source") or "",
            priority=one("priority") or "",
            date_from=one("date_from") or "",
            date_to=one("date_to") or "",
            overdue=flag("overdue"),
            red_flag=flag("red_flag"),
            q=one("q") or "",
            sort=one("sort") or "newest",
        )

    def apply(self, queryset, now=None):
        now = now or timezone.now()
        if self.queue:
            if self.queue not in QUEUES:
                raise FilterError("queue", _("unknown queue “%s”") % self.queue)
            queryset = queryset.filter(queue_condition(self.queue, now))
        if self.status:
            unknown = [s for s in self.status if s not in Status.values]
            if unknown:
                raise FilterError("status", _("unknown status “%s”") % unknown[0])
            queryset = queryset.filter(status__in=self.status)
        if self.category:
            category = _category(self.category)
            queryset = queryset.filter(Q(category=category) | Q(category__parent=category))
        if self.area:
            area = Area.objects.filter(code=self.area).first()
            if area is None:
                raise FilterError("area", _("unknown area “%s”") % self.area)
            queryset = queryset.filter(area__path__startswith=area.path)
        if self.unit:
            unit = Unit.objects.filter(code=self.unit).first()
            if unit is None:
                raise FilterError("unit", _("unknown unit “%s”") % self.unit)
            queryset = queryset.filter(assigned_unit__path__startswith=unit.path)
        if self.source:
            if self.source not in Source.values:
                raise FilterError("source", _("unknown source “%s”") % self.source)
            queryset = queryset.filter(source=self.source)
        if self.priority:
            if self.priority not in Priority.values:
                raise FilterError("priority", _("unknown priority “%s”") % self.priority)
            queryset = queryset.filter(priority=self.priority)
        if self.date_from:
            queryset = queryset.filter(created_at__gte=_day_start(self.date_from, "date_from"))
        if self.date_to:
            queryset = queryset.filter(created_at__lt=_day_start(self.date_to, "date_to") + timedelta(days=1))
        if self.overdue is not None:
            overdue = Q(is_overdue=True) | Q(status__in=OPEN_STATUSES, deadline__lte=now)
            queryset = queryset.filter(overdue) if self.overdue else queryset.exclude(overdue)
        if self.red_flag is not None:
            queryset = queryset.filter(red_flag=self.red_flag)
        for word in self.q.split()[:5]:
            # Substring match: finds words inside Chinese text, not only at its start.
            queryset = queryset.filter(search_text__icontains=word)
        if self.sort not in SORTS:
            raise FilterError("sort", _("unknown sort “%s”") % self.sort)
        return queryset.order_by(*SORTS[self.sort])


def _category(value: str) -> Category:
    """A category by kind + code (E0501, C01) or by id."""
    value = value.strip()
    category = None
    if len(value) in (3, 5) and value[0] in "CE":
        category = Category.objects.filter(kind=value[0], code=value[1:]).first()
    elif value.isdigit():
        category = Category.objects.filter(pk=value).first()
    if category is None:
        raise FilterError("category", _("unknown category “%s”") % value)
    return category


def _day_start(value: str, field: str):
    try:
        day = parse_date(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise FilterError(field, _("“%s” is not a date (YYYY-MM-DD)") % value)
    return timezone.make_aware(datetime.combine(day, time.min))
