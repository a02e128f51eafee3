"""The citizen portal: accounts, supports (+1) on reports, points, suggestions (献一计),
solicitations (征集) and questionnaires.

Reports themselves are cases (wenming.cases): the portal adds what only citizens
need around them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.org.models import Area, Unit

User = settings.AUTH_USER_MODEL


# ---------------------------------------------------------------------------
# Accounts


class Citizen(models.Model):
    """A resident's portal account, beside the Django user that logs in."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="citizen")
    nickname = models.CharField(_("nickname"), max_length=30, blank=True)
    # Normalised: 11 digits for a mainland mobile number, lower case for e-mail.
    phone = models.CharField(_("mobile phone"), max_length=20, null=True, blank=True, unique=True)
    email = models.EmailField(_("e-mail"), null=True, blank=True, unique=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    large_text = models.BooleanField(_("large text"), default=False)
    points = models.IntegerField(_("points"), default=0)  # the ledger's balance, kept in the same transaction
    blocked_at = models.DateTimeField(_("blocked at"), null=True, blank=True)
    blocked_reason = models.CharField(_("reason for blocking"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self):
        return self.nickname or self.phone or self.email or str(self.user_id)

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None


class CodePurpose(models.TextChoices):
    REGISTER = "register", _("Registration")
    RESET = "reset", _("Password reset")


class VerificationCode(models.Model):
    """A one-time code sent to a phone or an address; only its hash is kept."""

    address = models.CharField(max_length=200)
    purpose = models.CharField(max_length=16, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["address", "purpose", "-created_at"])]

    def __str__(self):
        return f"{self.get_purpose_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class TrackingCode(models.Model):
    """Lets someone who reported without an account follow the report."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="tracking")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.code_hash[:8]}…"


# ---------------------------------------------------------------------------
# Reports: support (+1) instead of a duplicate


class Support(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="participation_support_once")]

    def __str__(self):
        return f"+1 · {self.created_at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------
# Points (积分)


class PointRule(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    points = models.IntegerField(_("points"))
    daily_limit = models.PositiveIntegerField(
        _("daily limit"), default=0, help_text=_("How many times a day a person earns these points; 0 means no limit.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["code"]

    def __str__(self):
        return self.name


class PointEntry(models.Model):
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="ledger")
    rule = models.ForeignKey(PointRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    points = models.IntegerField(_("points"))
    balance = models.IntegerField(_("balance"))
    reason = models.CharField(_("reason"), max_length=200)
    # What earned the points ("case:12", "suggestion:3"): one award per rule and thing.
    ref = models.CharField(max_length=60)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["citizen", "rule", "ref"], name="participation_points_once")]

    def __str__(self):
        return f"{self.points:+d} {self.reason}"


# ---------------------------------------------------------------------------
# Portal settings (one row)


class PortalSettings(models.Model):
    premoderate_suggestions = models.BooleanField(_("check suggestions before publishing"), default=False)
    support_threshold = models.PositiveIntegerField(_("supports that require an official reply"), default=30)
    reply_working_days = models.PositiveIntegerField(_("working days to reply"), default=10)
    suggestion_reply_days_limit = models.PositiveIntegerField(
        _("days a suggestion may collect supports"),
        default=90,
        help_text=_("After this many days without reaching the threshold, a suggestion no longer collects supports."),
    )
    flags_to_hide = models.PositiveIntegerField(_("flags that hide a suggestion until checked"), default=5)

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def __str__(self):
        return str(_("portal settings"))

    @classmethod
    def get(cls) -> "PortalSettings":
        return cls.objects.get_or_create(pk=1)[0]


# ---------------------------------------------------------------------------
# Suggestions (我为城市献一计)


class SuggestionTopic(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    responsible_unit = models.ForeignKey(
        Unit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("suggestion topic")
        verbose_name_plural = _("suggestion topics")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    PUBLISHED = "published", _("Published")
    REPLIED = "replied", _("Replied")
    HIDDEN = "hidden", _("Hidden")
    REJECTED = "rejected", _("Rejected")


class Suggestion(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    topic = models.ForeignKey(SuggestionTopic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=60)
    body = models.TextField(_("suggestion"), max_length=3000)
    author = models.ForeignKey(User, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+")
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=SuggestionStatus.choices)
    moderation_note = models.CharField(_("moderation note"), max_length=200, blank=True)
    responsible_unit = models.ForeignKey(
        Unit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    flag_count = models.PositiveIntegerField(_("flags"), default=0)
    supports_close_at = models.DateTimeField(_("collects supports until"), null=True, blank=True)
    threshold_reached_at = models.DateTimeField(_("threshold reached at"), null=True, blank=True)
    reply_due_at = models.DateTimeField(_("reply due"), null=True, blank=True)
    reply = models.TextField(_("official reply"), blank=True)
    replied_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    # Segmented words of title and body, for similarity and search in Chinese text.
    words = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("submitted at"))
    updated_at = models.DateTimeField(_("updated at"))
    version = models.PositiveIntegerField(default=1, editable=False)
    # When the unit was reminded that its reply is due soon, and that it is overdue: once each.
    reply_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Data scope (wenming.org.scope): the area it is about, and the unit that answers it.
    scope_area = "area__path"
    scope_unit = "responsible_unit__path"

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"]), models.Index(fields=["reply_due_at"])]

    def __str__(self):
        return f"{self.number} {self.title}"


def _suggestion_upload(instance, filename):
    return f"suggestions/{instance.suggestion.created_at:%Y/%m}/{instance.suggestion.number}/{filename}"


class SuggestionPhoto(models.Model):
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="photos")
    # Only the metadata-free copy is kept: a suggestion's photos are public.
    image = models.ImageField(upload_to=_suggestion_upload)
    thumbnail = models.ImageField(upload_to=_suggestion_upload, blank=True)
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    redacted = models.BooleanField(_("redacted"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.image.name


class SuggestionSupport(models.Model):
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "user"], name="participation_suggestion_support_once")
        ]

    def __str__(self):
        return f"+1 · {self.created_at:%Y-%m-%d %H:%M}"


class Flag(models.Model):
    """A citizen's report that a suggestion is abusive or off-topic."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["suggestion", "user"], name="participation_flag_once")]

    def __str__(self):
        return self.reason


class ModerationEvent(models.Model):
    """Every moderation decision, kept: who hid, published, blocked what and why."""

    class Action(models.TextChoices):
        PUBLISH = "publish", _("Published")
        REJECT = "reject", _("Rejected")
        HIDE = "hide", _("Hidden")
        UNHIDE = "unhide", _("Shown again")
        REDACT = "redact", _("Photo redacted")
        BLOCK = "block", _("Account blocked")
        UNBLOCK = "unblock", _("Account unblocked")
        REPLY = "reply", _("Replied")
        DISMISS = "dismiss", _("Flags dismissed")

    action = models.CharField(max_length=12, choices=Action.choices)
    suggestion = models.ForeignKey(
        Suggestion, on_delete=models.CASCADE, null=True, blank=True, related_name="moderation"
    )
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, null=True, blank=True, related_name="moderation")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------
# Solicitations (征集)


class Solicitation(models.Model):
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    votes_per_person = models.PositiveSmallIntegerField(
        _("votes per person"), default=1, help_text=_("Each person gives at most one vote to an entry.")
    )
    voting_opens_at = models.DateTimeField(_("voting opens"))
    voting_closes_at = models.DateTimeField(_("voting closes"))
    is_published = models.BooleanField(_("published"), default=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("solicitation")
        verbose_name_plural = _("solicitations")
        ordering = ["-voting_opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(voting_closes_at__gt=models.F("voting_opens_at")), name="participation_window_order"
            )
        ]

    def __str__(self):
        return self.title


def _entry_upload(instance, filename):
    return f"solicitations/{instance.solicitation_id}/{filename}"


class SolicitationEntry(models.Model):
    solicitation = models.ForeignKey(Solicitation, on_delete=models.CASCADE, related_name="entries")
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    author_name = models.CharField(_("author"), max_length=60, blank=True)
    image = models.ImageField(_("image"), upload_to=_entry_upload)
    thumbnail = models.ImageField(upload_to=_entry_upload, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    vote_count = models.PositiveIntegerField(_("votes"), default=0)

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["order", "id"]

    def __str__(self):
        return self.title


class Vote(models.Model):
    solicitation = models.ForeignKey(Solicitation, on_delete=models.CASCADE, related_name="votes")
    entry = models.ForeignKey(SolicitationEntry, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "user"], name="participation_vote_once")]
        indexes = [models.Index(fields=["solicitation", "user"])]

    def __str__(self):
        return f"{self.entry} · {self.created_at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------
# Questionnaires (群众满意度 / 知晓率)


class Questionnaire(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("introduction"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    allow_anonymous = models.BooleanField(_("anonymous answers allowed"), default=True)
    require_captcha = models.BooleanField(_("ask a simple question against robots"), default=False)
    ask_area = models.BooleanField(_("ask where the respondent lives"), default=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class QuestionnaireVersion(models.Model):
    """The items as answered. A version with answers is frozen: changes make a new version."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["questionnaire", "number"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "number"], name="participation_version_number")]

    def __str__(self):
        return f"{self.questionnaire} v{self.number}"


class ItemKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Text")
    SCALE = "scale", _("Scale")


class Item(models.Model):
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="items")
    # Stable across versions: answers, exports and scores refer to the key, never to the row.
    key = models.SlugField(_("key"), max_length=20)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind.choices)
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("hint"), max_length=200, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # Choices: [{"key": "a", "label": "满意", "score": 100}, …]; "score" is optional.
    options = models.JSONField(_("options"), default=list, blank=True)
    allow_other = models.BooleanField(_("“other” option with text"), default=False)
    scale_min = models.SmallIntegerField(_("scale from"), default=1)
    scale_max = models.SmallIntegerField(_("scale to"), default=5)
    scale_min_label = models.CharField(max_length=20, blank=True)
    scale_max_label = models.CharField(max_length=20, blank=True)
    # Shown only when the item with key show_if_item was answered with one of show_if_values.
    show_if_item = models.SlugField(max_length=20, blank=True)
    show_if_values = models.JSONField(default=list, blank=True)
    scored = models.BooleanField(_("counts in the score"), default=False)

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="participation_item_key")]

    def __str__(self):
        return self.text


class Response(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses")
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses")
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Hashes only: enough to refuse ballot-stuffing, nothing that identifies a person.
    session_hash = models.CharField(max_length=64, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [
            models.Index(fields=["questionnaire", "session_hash"]),
            models.Index(fields=["questionnaire", "user"]),
        ]

    def __str__(self):
        return f"{self.questionnaire} · {self.submitted_at:%Y-%m-%d %H:%M}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item_key = models.SlugField(max_length=20)
    # An option key, a list of option keys, a number or text, as the item's kind says.
    value = models.JSONField(null=True)
    other_text = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "item_key"], name="participation_answer_once")]

    def __str__(self):
        return self.item_key
