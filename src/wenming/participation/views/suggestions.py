"""我为城市献一计 pages: the public list and page of a suggestion, the form with similar suggestions
shown while typing, supports and flags; in the back office the list, replies and moderation.

Views only translate HTTP into calls of wenming.participation.services.suggestions.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wenming.core.errors import ServiceError
from wenming.core.excel import xlsx_response
from wenming.core.files import image_response
from wenming.org.access import requires
from wenming.participation import protection, similarity
from wenming.participation.access import citizen_required
from wenming.participation.models import (
    Flag,
    ModerationEvent,
    PortalSettings,
    SuggestionPhoto,
    SuggestionStatus,
    SuggestionSupport,
    SuggestionTopic,
)
from wenming.participation.services import suggestions as service

PAGE_SIZE = 20
OFFICE_PAGE_SIZE = 50
T = "participation/suggestions/"
TABS = [
    ("new", gettext_lazy("Newest")),
    ("supported", gettext_lazy("Most supported")),
    ("replied", gettext_lazy("Replied")),
]
FLAG_REASONS = [
    ("abuse", gettext_lazy("Insults or abuse")),
    ("personal", gettext_lazy("Shows someone's personal data")),
    ("advert", gettext_lazy("Advertising or spam")),
    ("off_topic", gettext_lazy("Not a suggestion for the city")),
    ("other", gettext_lazy("Something else")),
]


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _topics():
    return SuggestionTopic.objects.filter(is_active=True)


def _int(value):
    value = str(value or "").strip()
    return int(value) if value.isdigit() else None


def _support_context(suggestion, user, **extra) -> dict:
    return {
        "s": suggestion,
        "supported": service.has_supported(suggestion, user),
        "open": service.supports_open(suggestion),
        **extra,
    }


# ---------------------------------------------------------------------------
# Portal


@require_GET
def suggestion_list(request):
    tab = request.GET.get("tab", "new")
    if tab not in dict(TABS):
        tab = "new"
    suggestions = service.public_suggestions().select_related("topic", "author__citizen")
    topic = _int(request.GET.get("topic"))
    if topic:
        suggestions = suggestions.filter(topic_id=topic)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        suggestions = similarity.search(suggestions, q)
    if tab == "supported":
        suggestions = suggestions.order_by("-support_count", "-created_at", "-id")
    elif tab == "replied":
        suggestions = suggestions.filter(status=SuggestionStatus.REPLIED).order_by("-replied_at", "-id")
    page = Paginator(suggestions, PAGE_SIZE).get_page(request.GET.get("page"))
    for suggestion in page:
        suggestion.author_name = service.author_label(suggestion)
    return render(
        request,
        T + "list.html",
        {
            "page": page,
            "tab": tab,
            "tabs": TABS,
            "topics": _topics(),
            "topic": topic,
            "q": q,
        },
    )


def _form_context(form=None, errors=None, message="") -> dict:
    return {
        "form": form or {},
        "errors": errors or {},
        "message": message,
        "topics": _topics(),
        "max_photos": service.MAX_PHOTOS,
        "title_max": service.TITLE_MAX,
        "body_max": service.BODY_MAX,
        "i18n": {
            "locating": _("Finding your location…"),
            "located": _("Place set. You can tap the map to correct it."),
            "chosen": _("Place set."),
            "denied": _("Location not available. Tap the map instead."),
            "tooMany": _("Too many photos: choose at most %d.") % service.MAX_PHOTOS,
            "sending": _("Sending…"),
        },
    }


@citizen_required
@protection.rate_limited("suggest")
def suggestion_new(request):
    if request.method != "POST":
        return render(request, T + "new.html", _form_context())
    form = request.POST.dict()
    try:
        suggestion = service.submit(
            request.user,
            topic=form.get("topic"),
            title=form.get("title", ""),
            body=form.get("body", ""),
            lon=form.get("lon"),
            lat=form.get("lat"),
            photos=request.FILES.getlist("photos"),
        )
    except ServiceError as exc:
        return render(request, T + "new.html", _form_context(form, exc.fields, exc.message), status=exc.status)
    if suggestion.status == SuggestionStatus.PENDING:
        messages.success(
            request,
            _("Thank you. Your suggestion %s will be published once the campaign office has checked it.")
            % suggestion.number,
        )
    else:
        messages.success(request, _("Thank you. Your suggestion %s is published.") % suggestion.number)
    return redirect("participation:suggestion_detail", number=suggestion.number)


@require_GET
def suggestion_similar(request):
    """Suggestions like the title and text being typed (htmx fragment)."""
    text = f"{request.GET.get('title', '')}\n{request.GET.get('body', '')}"[: service.TITLE_MAX + service.BODY_MAX + 1]
    found = service.similar(text, limit=5)
    supported = set()
    if request.user.is_authenticated and found:
        supported = set(
            SuggestionSupport.objects.filter(user=request.user, suggestion__in=found).values_list(
                "suggestion_id", flat=True
            )
        )
    items = [{"s": s, "supported": s.pk in supported, "open": service.supports_open(s)} for s in found]
    return render(request, T + "_similar.html", {"items": items})


def _readable(request, number):
    try:
        return service.for_reader(number, request.user)
    except service.NotFound:
        raise Http404 from None


@require_GET
def suggestion_detail(request, number):
    return _detail(request, _readable(request, number))


def _detail(request, suggestion, *, error="", status=200):
    settings = PortalSettings.get()
    context = _support_context(suggestion, request.user, error=error)
    context.update(
        {
            "author_name": service.author_label(suggestion),
            "photos": suggestion.photos.filter(redacted=False),
            "is_author": request.user.is_authenticated and suggestion.author_id == request.user.pk,
            "is_public": suggestion.status in service.PUBLIC_STATUSES,
            "threshold": settings.support_threshold,
            "missing": max(0, settings.support_threshold - suggestion.support_count),
            "flagged": request.user.is_authenticated
            and Flag.objects.filter(suggestion=suggestion, user=request.user).exists(),
        }
    )
    return render(request, T + "detail.html", context, status=status)


@require_POST
@citizen_required
@protection.rate_limited("support")
def suggestion_support(request, number):
    """Support or withdraw (the button says which, so a double tap does not undo itself)."""
    suggestion = _readable(request, number)
    action = request.POST.get("action", "support")
    error, status = "", 200
    try:
        if action == "withdraw":
            suggestion = service.withdraw_support(suggestion, request.user)
            message = _("Your support is withdrawn.")
        else:
            suggestion = service.support(suggestion, request.user)
            message = _("Thank you: your support is counted.")
    except ServiceError as exc:
        error, status, message = exc.message, exc.status, ""
        suggestion.refresh_from_db()
    if _is_htmx(request):
        return render(
            request,
            T + "_support.html",
            _support_context(suggestion, request.user, message=message, error=error),
            status=status,
        )
    if error:
        return _detail(request, _readable(request, number), error=error, status=status)
    messages.success(request, message)
    return redirect("participation:suggestion_detail", number=number)


@citizen_required
@protection.rate_limited("flag")
def suggestion_flag(request, number):
    suggestion = _readable(request, number)
    if suggestion.status not in service.PUBLIC_STATUSES:
        raise Http404
    form, error, status = {}, "", 200
    if request.method == "POST":
        form = request.POST.dict()
        label = dict(FLAG_REASONS).get(form.get("kind", ""))
        details = " ".join(form.get("details", "").split())
        reason = ": ".join(str(part) for part in (label, details) if part)
        try:
            service.flag(suggestion, request.user, reason=reason)
        except ServiceError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, _("Thank you. The campaign office will check this suggestion."))
            return redirect("participation:suggestion_detail", number=number)
    return render(
        request,
        T + "flag.html",
        {"s": suggestion, "reasons": FLAG_REASONS, "form": form, "error": error},
        status=status,
    )


@require_GET
def suggestion_photo(request, number, pk, variant):
    """A suggestion's photo: only unredacted ones of a suggestion the reader may see."""
    suggestion = _readable(request, number)
    photo = get_object_or_404(SuggestionPhoto, pk=pk, suggestion=suggestion, redacted=False)
    return _photo_response(
        photo,
        variant,
        "public, max-age=300" if suggestion.status in service.PUBLIC_STATUSES else "private, max-age=300",
    )


def _photo_response(photo, variant, cache_control):
    return image_response({"thumb": photo.thumbnail or photo.image, "full": photo.image}.get(variant), cache_control)


# ---------------------------------------------------------------------------
# Back office

EXPORT_COLUMNS = [
    (gettext_lazy("number"), lambda s: s.number),
    (gettext_lazy("topic"), lambda s: s.topic.name),
    (gettext_lazy("title"), lambda s: s.title),
    (gettext_lazy("suggestion"), lambda s: s.body),
    (gettext_lazy("status"), lambda s: s.get_status_display()),
    (gettext_lazy("area"), lambda s: s.area.name if s.area_id else ""),
    (gettext_lazy("responsible unit"), lambda s: s.responsible_unit.name if s.responsible_unit_id else ""),
    (gettext_lazy("supports"), lambda s: s.support_count),
    (gettext_lazy("flags"), lambda s: s.flag_count),
    (gettext_lazy("submitted at"), lambda s: s.created_at),
    (gettext_lazy("threshold reached at"), lambda s: s.threshold_reached_at),
    (gettext_lazy("reply due"), lambda s: s.reply_due_at),
    (gettext_lazy("replied at"), lambda s: s.replied_at),
    (gettext_lazy("official reply"), lambda s: s.reply),
]


def _export(name, suggestions):
    return xlsx_response(
        name,
        [str(label) for label, _get in EXPORT_COLUMNS],
        (
            [get(s) for _label, get in EXPORT_COLUMNS]
            for s in suggestions.select_related("topic", "area", "responsible_unit").iterator(chunk_size=2000)
        ),
    )


def _office_filtered(request):
    suggestions = service.office_suggestions(request.user)
    now = timezone.now()
    status = request.GET.get("status", "")
    if status in SuggestionStatus.values:
        suggestions = suggestions.filter(status=status)
    due = request.GET.get("due", "")
    if due == "awaiting":
        suggestions = service.awaiting_reply(suggestions)
    elif due == "overdue":
        suggestions = service.awaiting_reply(suggestions).filter(reply_due_at__lt=now)
    topic = _int(request.GET.get("topic"))
    if topic:
        suggestions = suggestions.filter(topic_id=topic)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        suggestions = (
            similarity.search(suggestions, q)
            if not q.upper().startswith("JY")
            else suggestions.filter(number__startswith=q.upper())
        )
    order = "reply_due_at" if due in ("awaiting", "overdue") else "-created_at"
    return suggestions.order_by(order, "-id"), {"status": status, "due": due, "topic": topic, "q": q}


@requires("participation.browse_suggestions")
@require_GET
def office_list(request):
    suggestions, chosen = _office_filtered(request)
    if request.GET.get("format") == "xlsx":
        return _export(_("suggestions"), suggestions)
    page = Paginator(suggestions, OFFICE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        T + "office_list.html",
        {
            "page": page,
            "chosen": chosen,
            "statuses": SuggestionStatus.choices,
            "topics": SuggestionTopic.objects.all(),
            "now": timezone.now(),
            "is_moderator": service.is_moderator(request.user),
        },
    )


def _office_suggestion(request, number):
    return get_object_or_404(
        service.office_suggestions(request.user).select_related("author__citizen", "replied_by"), number=number
    )


def _office_detail(request, suggestion, *, error="", status=200, form=None):
    return render(
        request,
        T + "office_detail.html",
        {
            "s": suggestion,
            "author_name": service.author_label(suggestion),
            "photos": suggestion.photos.all(),
            "flags": Flag.objects.filter(suggestion=suggestion).order_by("resolved_at", "-created_at"),
            "events": ModerationEvent.objects.filter(suggestion=suggestion).select_related("by"),
            "can_reply": service.can_reply(request.user, suggestion)
            and suggestion.status == SuggestionStatus.PUBLISHED,
            "can_moderate": service.can_moderate(request.user, suggestion),
            "error": error,
            "form": form or {},
            "now": timezone.now(),
        },
        status=status,
    )


@requires("participation.browse_suggestions")
@require_GET
def office_detail(request, number):
    return _office_detail(request, _office_suggestion(request, number))


@requires("participation.browse_suggestions")
@require_POST
def office_reply(request, number):
    suggestion = _office_suggestion(request, number)
    try:
        service.reply(suggestion, request.user, text=request.POST.get("reply", ""))
    except ServiceError as exc:
        suggestion.refresh_from_db()
        return _office_detail(request, suggestion, error=exc.message, status=exc.status, form=request.POST)
    messages.success(request, _("The reply is published."))
    return redirect("participation_office:suggestion_detail", number=number)


MODERATION_ACTIONS = {
    "publish": (service.publish, False, gettext_lazy("The suggestion is published.")),
    "reject": (service.reject, True, gettext_lazy("The suggestion is rejected; the author is told why.")),
    "hide": (service.hide, True, gettext_lazy("The suggestion is hidden; the author is told why.")),
    "unhide": (service.unhide, False, gettext_lazy("The suggestion is shown again.")),
    "dismiss": (service.dismiss_flags, False, gettext_lazy("The reports are dismissed.")),
}


@requires("participation.browse_suggestions")
@require_POST
def office_moderate(request, number, action):
    if action not in MODERATION_ACTIONS:
        raise Http404
    suggestion = _office_suggestion(request, number)
    function, needs_reason, done = MODERATION_ACTIONS[action]
    try:
        if needs_reason:
            function(suggestion, request.user, reason=request.POST.get("reason", ""))
        else:
            function(suggestion, request.user)
    except ServiceError as exc:
        suggestion.refresh_from_db()
        return _office_detail(request, suggestion, error=exc.message, status=exc.status, form=request.POST)
    messages.success(request, str(done))
    target = request.POST.get("next")
    if target == "queue":
        return redirect("participation_office:moderation")
    return redirect("participation_office:suggestion_detail", number=number)


@requires("participation.browse_suggestions")
@require_POST
def office_redact(request, number, pk):
    suggestion = _office_suggestion(request, number)
    photo = get_object_or_404(SuggestionPhoto, pk=pk, suggestion=suggestion)
    try:
        service.redact_photo(photo, request.user, reason=request.POST.get("reason", ""))
    except ServiceError as exc:
        return _office_detail(request, suggestion, error=exc.message, status=exc.status)
    messages.success(request, _("The photo is redacted: it is no longer shown to anyone."))
    return redirect("participation_office:suggestion_detail", number=number)


@requires("participation.browse_suggestions")
@require_GET
def office_photo(request, number, pk, variant):
    """Staff see the photos of any suggestion in their scope, pending ones too, except redacted ones."""
    suggestion = _office_suggestion(request, number)
    photo = get_object_or_404(SuggestionPhoto, pk=pk, suggestion=suggestion, redacted=False)
    return _photo_response(photo, variant, "private, max-age=300")


@requires("participation.moderate")
@require_GET
def moderation(request):
    queue = service.moderation_queue(request.user).select_related("author__citizen")
    if request.GET.get("format") == "xlsx":
        return _export(_("moderation"), queue)
    page = Paginator(queue, OFFICE_PAGE_SIZE).get_page(request.GET.get("page"))
    for suggestion in page:
        suggestion.open_flags = list(suggestion.flags.filter(resolved_at__isnull=True).order_by("created_at"))
        suggestion.author_name = service.author_label(suggestion)
    return render(request, T + "moderation.html", {"page": page, "settings": PortalSettings.get()})


@requires("participation.moderate")
def office_settings(request):
    settings, error, status = PortalSettings.get(), "", 200
    if request.method == "POST":
        try:
            service.update_settings(request.user, request.POST)
        except ServiceError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, _("The settings are saved."))
            return redirect("participation_office:suggestion_settings")
    return render(request, T + "settings.html", {"settings": settings, "error": error}, status=status)


routes = [
    path("suggestions/", suggestion_list, name="suggestion_list"),
    path("suggestions/new/", suggestion_new, name="suggestion_new"),
    path("suggestions/similar/", suggestion_similar, name="suggestion_similar"),
    path("suggestions/<str:number>/", suggestion_detail, name="suggestion_detail"),
    path("suggestions/<str:number>/support/", suggestion_support, name="suggestion_support"),
    path("suggestions/<str:number>/flag/", suggestion_flag, name="suggestion_flag"),
    path("suggestions/<str:number>/photos/<int:pk>/<str:variant>.jpg", suggestion_photo, name="suggestion_photo"),
]

office_routes = [
    path("suggestions/", office_list, name="suggestion_list"),
    path("suggestions/settings/", office_settings, name="suggestion_settings"),
    path("moderation/", moderation, name="moderation"),
    path("suggestions/<str:number>/", office_detail, name="suggestion_detail"),
    path("suggestions/<str:number>/reply/", office_reply, name="suggestion_reply"),
    path("suggestions/<str:number>/moderate/<str:action>/", office_moderate, name="suggestion_moderate"),
    path("suggestions/<str:number>/photos/<int:pk>/redact/", office_redact, name="suggestion_photo_redact"),
    path("suggestions/<str:number>/photos/<int:pk>/<str:variant>.jpg", office_photo, name="suggestion_office_photo"),
]
