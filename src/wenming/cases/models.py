"""Cases: every problem found or reported, from intake to closure (GB/T 30428 workflow).

A case changes state only through the functions in ``services``; each change is
recorded as an immutable ``CaseEvent``, the source of truth for every figure
computed later.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wenming.org.models import Area, Unit
from wenming.workdays.models import TimeUnit


class CaseKind(models.TextChoices):
    COMPONENT = "C", _("Component")  # 部件
    EVENT = "E", _("Event")  # 事件


class Category(models.Model):
    """大类 (no parent, 2-digit code) and 小类 (4-digit code: major + 2) of 部件 and 事件."""

    kind = models.CharField(_("kind"), max_length=1, choices=CaseKind.choices)
    code = models.CharField(_("code"), max_length=4)
    name = models.CharField(_("name"), max_length=60)
    plain_name = models.CharField(
        _("name for citizens"), max_length=60, blank=True, help_text=_("Plain words shown in the citizen portal.")
    )
    icon = models.CharField(_("icon"), max_length=8, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("major class"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    time_limit = models.PositiveIntegerField(_("time limit"), null=True, blank=True)
    time_unit = models.CharField(_("time unit"), max_length=16, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS)
    responsible_unit_type = models.CharField(_("responsible unit type"), max_length=60, blank=True)
    citizen_reportable = models.BooleanField(_("citizens may report"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["kind", "code"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="cases_category_kind_code")]

    def __str__(self):
        return f"{self.kind}{self.code} {self.name}"

    @property
    def is_subclass(self) -> bool:
        return self.parent_id is not None


class Source(models.TextChoices):
    INSPECTION = "inspection", _("Field inspection")
    GRID = "grid", _("Grid patrol")
    CITIZEN = "citizen", _("Citizen")
    OPEN311 = "open311", _("Open311 client")
    HOTLINE = "hotline", _("12345 hotline")
    MEDIA = "media", _("Media exposure")
    LEADER = "leader", _("Leader's instruction")
    VOLUNTEER = "volunteer", _("Volunteer")
    SUPERVISION = "supervision", _("Supervision")


class Status(models.TextChoices):
    REPORTED = "reported", _("Awaiting registration")
    REGISTERED = "registered", _("Awaiting dispatch")
    DISPATCHED = "dispatched", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Being handled")
    RECTIFIED = "rectified", _("Awaiting verification")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")
    EVALUATED = "evaluated", _("Evaluated")
    REJECTED = "rejected", _("Rejected as invalid")
    MERGED = "merged", _("Merged as duplicate")


# Statuses in which a case is still being worked on (its deadline runs).
OPEN_STATUSES = [Status.DISPATCHED, Status.ACCEPTED]
ACTIVE_STATUSES = [
    Status.REPORTED,
    Status.REGISTERED,
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.RECTIFIED,
    Status.SUSPENDED,
]
FINISHED_STATUSES = [Status.CLOSED, Status.EVALUATED, Status.REJECTED, Status.MERGED]


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    UNSATISFIED = "unsatisfied", _("Not satisfied")


class Case(models.Model):
    number = models.CharField(_("number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=1, choices=CaseKind.choices)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    description = models.TextField(_("description"), max_length=4000)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    # The deepest area found at intake and the chain above it, for filters and scope.
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        Area, verbose_name=_("district"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    street = models.ForeignKey(Area, verbose_name=_("street"), on_delete=models.PROTECT, null=True, related_name="+")
    community = models.ForeignKey(
        Area, verbose_name=_("community"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    grid = models.ForeignKey(Area, verbose_name=_("grid"), on_delete=models.PROTECT, null=True, related_name="+")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    client_key = models.CharField(_("client key"), max_length=80, null=True, blank=True, unique=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # Answers to a category's extra questions (e.g. Open311 service attributes).
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    # Links to the inspection site (点位) and the framework item (测评内容) of later modules.
    site_ref = models.CharField(_("site"), max_length=40, blank=True)
    framework_item_ref = models.CharField(_("framework item"), max_length=40, blank=True)

    assigned_unit = models.ForeignKey(
        Unit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dispatcher_unit = models.ForeignKey(
        Unit, verbose_name=_("dispatching office"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    suggested_unit = models.ForeignKey(
        Unit, verbose_name=_("suggested unit"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    routing_reason = models.CharField(_("routing reason"), max_length=300, blank=True)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    possible_duplicates = models.PositiveSmallIntegerField(_("possible duplicates"), default=0)

    time_limit = models.PositiveIntegerField(_("time limit"), null=True, blank=True)
    time_unit = models.CharField(_("time unit"), max_length=16, choices=TimeUnit.choices, blank=True)
    # The deadline is counted from deadline_from over deadline_seconds of working
    # time (clock time for clock hours), so it can be counted again when the
    # official calendar of a year is entered.
    deadline_from = models.DateTimeField(null=True, blank=True, editable=False)
    deadline_seconds = models.BigIntegerField(null=True, blank=True, editable=False)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    # Set when the deadline was counted over a year whose official holidays were not yet entered.
    deadline_provisional = models.BooleanField(_("deadline provisional"), default=False)
    remaining_seconds = models.BigIntegerField(null=True, blank=True, editable=False)  # kept while suspended
    suspended_from = models.CharField(max_length=16, blank=True, editable=False)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    escalation = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    reminded = models.BooleanField(default=False, editable=False)
    red_flag = models.BooleanField(_("red-flagged"), default=False)
    rework_count = models.PositiveSmallIntegerField(_("rework"), default=0)
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True)

    created_at = models.DateTimeField(_("reported at"))
    updated_at = models.DateTimeField(_("updated at"))
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    public_note = models.CharField(_("latest public note"), max_length=500, blank=True)
    hidden = models.BooleanField(_("hidden from the public"), default=False)
    # Words of the description, category and address, for search inside Chinese text.
    search_text = models.TextField(blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["assigned_unit", "status", "-created_at"]),
            models.Index(fields=["district", "status", "-created_at"]),
            models.Index(
                fields=["deadline"], condition=Q(status__in=["dispatched", "accepted"]), name="cases_open_deadline"
            ),
            models.Index(fields=["category", "lat", "lon"]),
            models.Index(fields=["-created_at", "-id"]),
        ]

    # What people were told about the case (notifications.Notification.subject).
    notifications = GenericRelation(
        "notifications.Notification",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="case",
    )

    scope_area = "area__path"
    scope_unit = "assigned_unit__path"

    def __str__(self):
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.number])


class CaseEvent(models.Model):
    """One step of a case's life. Written once, never changed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(_("from status"), max_length=16, blank=True)
    to_status = models.CharField(_("to status"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_unit = models.ForeignKey(
        Unit, verbose_name=_("for unit"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    public = models.BooleanField(_("public"), default=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"]), models.Index(fields=["action", "at"])]

    scope_area = "case__area__path"
    scope_unit = "case__assigned_unit__path"

    def __str__(self):
        return f"{self.action}: {self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("case events are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("case events are immutable")


class Stage(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


def _upload_to(instance, filename):
    return f"cases/{instance.case.created_at:%Y/%m}/{instance.case.number}/{filename}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(CaseEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments")
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    image = models.ImageField(_("photo"), upload_to=_upload_to)
    thumbnail = models.ImageField(upload_to=_upload_to, blank=True)
    # A copy without any metadata (no EXIF, no GPS), the only one shown publicly.
    public_image = models.ImageField(upload_to=_upload_to, blank=True)
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    exif_lon = models.FloatField(null=True, blank=True)
    exif_lat = models.FloatField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    redacted = models.BooleanField(_("redacted"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name or self.image.name


class RoutingRule(models.Model):
    """Which unit handles a category in an area. The most specific matching rule wins:
    a subclass beats its major class beats any category; then a deeper area beats a wider one."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("A subclass, a major class, or empty for any category."),
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty for the whole city."),
    )
    unit = models.ForeignKey(Unit, verbose_name=_("responsible unit"), on_delete=models.CASCADE, related_name="+")
    auto_dispatch = models.BooleanField(_("dispatch automatically"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self):
        return f"{self.category or '*'} @ {self.area or '*'} → {self.unit}"


class RequestKind(models.TextChoices):
    EXTENSION = "extension", _("Extension")
    SUSPENSION = "suspension", _("Suspension")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class CaseRequest(models.Model):
    """A unit's request for more time (延期) or to put a case on hold (挂账), decided by the dispatcher."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("kind"), max_length=12, choices=RequestKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    working_days = models.PositiveSmallIntegerField(_("working days"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status="pending"), name="cases_one_pending_request")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_status_display()}"
