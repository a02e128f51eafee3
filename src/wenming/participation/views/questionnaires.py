"""Questionnaire pages: answering in the portal; the builder, results and export in the back office.

Views translate HTTP to calls of ``services.questionnaires`` and ``services.questionnaire_results``.
"""

import secrets
from datetime import datetime, time, timedelta
from itertools import zip_longest

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wenming.core.excel import xlsx_response
from wenming.org.access import requires
from wenming.org.models import Area, AreaLevel
from wenming.participation import protection
from wenming.participation.access import citizen_required
from wenming.participation.models import ItemKind, Questionnaire
from wenming.participation.services import questionnaire_results as results_service
from wenming.participation.services import questionnaires as services
from wenming.participation.services.questionnaires import (
    AlreadyAnswered,
    NotAccepting,
    QuestionnaireError,
    TooManyFromAddress,
)

TOKEN_SESSION_KEY = "wenming_questionnaire_token"
T = "participation/questionnaires/"


# ---------------------------------------------------------------------------
# Portal: answering


def _session_token(request, *, create: bool) -> str:
    """A random token for this browser session; only its hash is stored with a response."""
    token = request.session.get(TOKEN_SESSION_KEY, "")
    if not token and create:
        token = secrets.token_urlsafe(24)
        request.session[TOKEN_SESSION_KEY] = token
    return token


def questionnaire_list(request):
    found = list(services.open_now().order_by("closes_at", "-opens_at", "-id"))
    token = _session_token(request, create=False)
    answered = {q.pk for q in found if services.has_answered(q, user=request.user, session_token=token)}
    return render(request, T + "list.html", {"questionnaires": found, "answered": answered})


def _form_items(version, data=None, errors=None) -> list[dict]:
    """What the answer form shows for each item, refilled from what was sent."""
    errors = errors or {}
    rows = []
    for item in services.items_of(version):
        chosen = [str(v) for v in data.getlist(item.key)] if data is not None else []
        rows.append(
            {
                "item": item,
                "chosen": chosen,
                "value": chosen[-1] if chosen else "",
                "other": data.get(f"{item.key}_other", "") if data is not None else "",
                "error": errors.get(item.key),
                "show_values": " ".join(item.show_if_values or []),
                "steps": range(item.scale_min, item.scale_max + 1) if item.kind == ItemKind.SCALE else (),
            }
        )
    return rows


def _render_answer(
    request, questionnaire, version, *, data=None, errors=None, problem="", status=200, closed="", answered=False
):
    captcha = ""
    if questionnaire.require_captcha and not closed and not answered:
        captcha = protection.new_captcha(request)
    district = data.get("district", "") if data is not None else ""
    context = {
        "questionnaire": questionnaire,
        "version": version,
        "items": _form_items(version, data, errors) if version and not closed and not answered else [],
        "errors": errors or {},
        "problem": problem,
        "closed": closed,
        "answered": answered,
        "captcha": captcha,
        "districts": services.districts() if questionnaire.ask_area else [],
        "streets_by_district": _streets_by_district(district) if questionnaire.ask_area else [],
        "district": district,
        "street": data.get("street", "") if data is not None else "",
    }
    return render(request, T + "answer.html", context, status=status)


def _streets_by_district(district: str = ""):
    """Streets grouped by district, for the street select without JS (only the chosen district's, once chosen)."""
    groups = {}
    found = services.streets(district) if services.districts().filter(code=district).exists() else services.streets()
    for street in found:
        groups.setdefault(street.parent, []).append(street)
    return list(groups.items())


def questionnaire_answer(request, pk):
    questionnaire = get_object_or_404(Questionnaire.objects.exclude(status=Questionnaire.Status.DRAFT), pk=pk)
    if request.user.is_authenticated or not questionnaire.allow_anonymous:
        # Logged-in people answer as citizens (a blocked account may not); some questionnaires need a log-in.
        return citizen_required(_answer)(request, questionnaire)
    return _answer(request, questionnaire)


def _answer(request, questionnaire):
    version = services.current_version(questionnaire)
    if request.method == "POST":
        return _submit(request, questionnaire, version)
    closed = services.not_accepting_reason(questionnaire) or ""
    token = _session_token(request, create=True)
    answered = services.has_answered(questionnaire, user=request.user, session_token=token)
    return _render_answer(request, questionnaire, version, closed=closed, answered=answered)


def _submit(request, questionnaire, version):
    try:
        protection.check(request, "answer")
    except protection.RateLimited as exc:
        return protection.too_many(request, exc)
    data = request.POST
    token = _session_token(request, create=False)
    if not token:
        _session_token(request, create=True)
        problem = _("Your session had expired. Please check your answers and send them again.")
        return _render_answer(request, questionnaire, version, data=data, problem=problem, status=400)
    if questionnaire.require_captcha and not protection.captcha_passed(request, data.get("captcha")):
        problem = _("The answer to the sum was not right. Please try again.")
        # Say at once what else needs attention; nothing is stored.
        errors = services.check_answers(questionnaire, version, data)[2] if version else {}
        return _render_answer(
            request,
            questionnaire,
            version,
            data=data,
            errors={**errors, "captcha": problem},
            problem=problem,
            status=400,
        )
    try:
        services.submit(
            questionnaire, data, user=request.user, session_token=token, ip_hash=protection.ip_hash(request)
        )
    except NotAccepting as exc:
        return _render_answer(request, questionnaire, version, closed=exc.message, status=403)
    except AlreadyAnswered:
        return _render_answer(request, questionnaire, version, answered=True, status=409)
    except TooManyFromAddress as exc:
        return _render_answer(request, questionnaire, version, data=data, problem=exc.message, status=429)
    except QuestionnaireError as exc:
        problem = _("Some answers need your attention.")
        return _render_answer(
            request, questionnaire, version, data=data, errors=exc.errors, problem=problem, status=400
        )
    return redirect("participation:questionnaire_done", pk=questionnaire.pk)


def questionnaire_done(request, pk):
    questionnaire = get_object_or_404(Questionnaire.objects.exclude(status=Questionnaire.Status.DRAFT), pk=pk)
    return render(request, T + "done.html", {"questionnaire": questionnaire})


@require_GET
def questionnaire_streets(request):
    """The street choices of a district, for the area select (htmx)."""
    district = request.GET.get("district", "")
    found = services.streets(district) if district else []
    return render(request, T + "_street_options.html", {"streets": found})


# ---------------------------------------------------------------------------
# Back office: the builder


manager_required = requires("participation.build_questionnaires")


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _flag(post, name) -> bool:
    return post.get(name) in ("1", "on", "true")


@manager_required
def office_list(request):
    found = Questionnaire.objects.annotate(
        n_responses=Count("responses", distinct=True),
        current_number=Max("versions__number", filter=Q(versions__published_at__isnull=False)),
    ).order_by("-created_at", "-id")
    rows = [{"q": q, "state": services.state(q), "current": q.current_number} for q in found]
    return render(request, T + "office_list.html", {"rows": rows})


def _settings_from(post) -> dict:
    return {
        "title": post.get("title", ""),
        "description": post.get("description", ""),
        "allow_anonymous": _flag(post, "allow_anonymous"),
        "require_captcha": _flag(post, "require_captcha"),
        "ask_area": _flag(post, "ask_area"),
    }


@manager_required
def office_new(request):
    values = {"allow_anonymous": True, "ask_area": True}
    errors = {}
    if request.method == "POST":
        values = _settings_from(request.POST)
        try:
            questionnaire = services.create_questionnaire(request.user, **values)
        except QuestionnaireError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("Questionnaire created. Now add its questions."))
            return redirect("participation_office:questionnaire_edit", pk=questionnaire.pk)
    return render(request, T + "office_new.html", {"values": values, "errors": errors}, status=400 if errors else 200)


def _builder_context(questionnaire, **extra) -> dict:
    draft, current = services.draft_version(questionnaire), services.current_version(questionnaire)
    shown = draft or current
    versions = questionnaire.versions.annotate(n_responses=Count("responses")).order_by("-number")
    items = services.items_of(shown)
    _describe_conditions(items)
    context = {
        "questionnaire": questionnaire,
        "draft": draft,
        "current": current,
        "version": shown,
        "items": items,
        "editable": draft is not None,
        "versions": versions,
        "state": services.state(questionnaire),
        "n_responses": questionnaire.responses.count(),
        "new_item": _item_form_state(None) if draft is not None else None,
        "new_item_sources": _condition_sources(items, None),
        "kinds": ItemKind.choices,
        "other_key": services.OTHER,
        "opens_at": _local_input(questionnaire.opens_at),
        "closes_at": _local_input(questionnaire.closes_at),
    }
    context.update(extra)
    return context


def _describe_conditions(items) -> None:
    """Put on each conditional item the words that say when it is shown."""
    by_key = {i.key: i for i in items}
    for item in items:
        item.condition_text = ""
        if not item.show_if_item:
            continue
        source = by_key.get(item.show_if_item)
        labels = {o["key"]: o["label"] for o in (source.options if source else [])}
        labels[services.OTHER] = _("Other")
        item.condition_text = _("Shown only if %(key)s is answered with: %(values)s") % {
            "key": item.show_if_item,
            "values": " / ".join(labels.get(v, v) for v in item.show_if_values or []),
        }


def _local_input(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _questionnaire(pk) -> Questionnaire:
    return get_object_or_404(Questionnaire, pk=pk)


@manager_required
@require_GET
def office_edit(request, pk):
    questionnaire = _questionnaire(pk)
    return render(request, T + "office_edit.html", _builder_context(questionnaire))


@manager_required
@require_POST
def office_settings(request, pk):
    questionnaire = _questionnaire(pk)
    try:
        services.update_settings(questionnaire, request.user, **_settings_from(request.POST))
    except QuestionnaireError as exc:
        context = _builder_context(
            questionnaire, settings_errors=exc.errors, settings_values=_settings_from(request.POST)
        )
        return render(request, T + "office_edit.html", context, status=400)
    messages.success(request, _("Settings saved."))
    return redirect("participation_office:questionnaire_edit", pk=pk)


def _state_change(request, pk, change, success: str):
    """Run a service call for the builder; problems are listed on the builder page."""
    questionnaire = _questionnaire(pk)
    try:
        change(questionnaire)
    except QuestionnaireError as exc:
        context = _builder_context(questionnaire, problems=exc.problems + list(exc.errors.values()))
        return render(request, T + "office_edit.html", context, status=400)
    messages.success(request, success)
    return redirect("participation_office:questionnaire_edit", pk=pk)


@manager_required
@require_POST
def office_revise(request, pk):
    return _state_change(
        request,
        pk,
        lambda q: services.start_revision(q, request.user),
        _("A new draft version was made from the current one. Change it, then publish it."),
    )


@manager_required
@require_POST
def office_discard(request, pk):
    return _state_change(request, pk, lambda q: services.discard_draft(q, request.user), _("The draft was discarded."))


@manager_required
@require_POST
def office_delete(request, pk):
    questionnaire = _questionnaire(pk)
    try:
        services.delete_questionnaire(questionnaire, request.user)
    except QuestionnaireError as exc:
        return render(
            request, T + "office_edit.html", _builder_context(questionnaire, problems=exc.problems), status=400
        )
    messages.success(request, _("Questionnaire deleted."))
    return redirect("participation_office:questionnaire_list")


def _parse_local(value: str):
    """A datetime-local input in the site's time zone; None when blank; ValueError when not a time."""
    value = (value or "").strip()
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(value)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@manager_required
@require_POST
def office_publish(request, pk):
    questionnaire = _questionnaire(pk)
    try:
        opens_at, closes_at = _parse_local(request.POST.get("opens_at")), _parse_local(request.POST.get("closes_at"))
    except ValueError:
        return render(
            request,
            T + "office_edit.html",
            _builder_context(questionnaire, problems=[_("Enter the times as date and time.")]),
            status=400,
        )
    return _state_change(
        request,
        pk,
        lambda q: services.publish(q, request.user, opens_at=opens_at, closes_at=closes_at),
        _("The questionnaire is open for answers."),
    )


@manager_required
@require_POST
def office_close(request, pk):
    return _state_change(request, pk, lambda q: services.close(q, request.user), _("The questionnaire is closed."))


# Items ---------------------------------------------------------------------


def _item_form_state(item) -> dict:
    """The item form's fields, from an item (or blank for a new one)."""
    if item is None:
        return {
            "key": "",
            "kind": ItemKind.SINGLE,
            "text": "",
            "help_text": "",
            "required": True,
            "options": [{"key": "", "label": "", "score": ""} for _i in range(4)],
            "allow_other": False,
            "scale_min": 1,
            "scale_max": 5,
            "scale_min_label": "",
            "scale_max_label": "",
            "show_if_item": "",
            "show_if_values": [],
            "scored": False,
        }
    options = [{"key": o["key"], "label": o["label"], "score": o.get("score", "")} for o in item.options or []]
    return {
        "key": item.key,
        "kind": item.kind,
        "text": item.text,
        "help_text": item.help_text,
        "required": item.required,
        "options": options + [{"key": "", "label": "", "score": ""} for _i in range(2)],
        "allow_other": item.allow_other,
        "scale_min": item.scale_min,
        "scale_max": item.scale_max,
        "scale_min_label": item.scale_min_label,
        "scale_max_label": item.scale_max_label,
        "show_if_item": item.show_if_item,
        "show_if_values": list(item.show_if_values or []),
        "scored": item.scored,
    }


def _item_data(post) -> dict:
    """What the item form sent, in the shape ``services.clean_item`` reads."""
    source = post.get("show_if_item", "").strip()
    values = [v.split(":", 1)[1] for v in post.getlist("show_if_values") if ":" in v and v.split(":", 1)[0] == source]
    options = [
        {"key": k.strip(), "label": label, "score": score}
        for k, label, score in zip_longest(
            post.getlist("opt_key"), post.getlist("opt_label"), post.getlist("opt_score"), fillvalue=""
        )
    ]
    return {
        "kind": post.get("kind", ""),
        "text": post.get("text", ""),
        "help_text": post.get("help_text", ""),
        "required": _flag(post, "required"),
        "options": options,
        "allow_other": _flag(post, "allow_other"),
        "scale_min": post.get("scale_min", ""),
        "scale_max": post.get("scale_max", ""),
        "scale_min_label": post.get("scale_min_label", ""),
        "scale_max_label": post.get("scale_max_label", ""),
        "show_if_item": source,
        "show_if_values": values,
        "scored": _flag(post, "scored"),
    }


def _posted_form_state(post, key="") -> dict:
    data = _item_data(post)
    options = [o for o in data["options"] if o["label"] or o["key"]]
    data["options"] = options + [{"key": "", "label": "", "score": ""} for _i in range(2)]
    data["key"] = key
    return data


def _condition_sources(items, item_key) -> list:
    """The questions a condition of item ``item_key`` may refer to: earlier choice questions."""
    sources = []
    for item in items:
        if item.key == item_key:
            break
        if item.kind in services.CHOICE_KINDS:
            sources.append(item)
    return sources


def _render_item_form(request, questionnaire, form, *, errors=None, status=200):
    version = services.draft_version(questionnaire) or services.current_version(questionnaire)
    context = {
        "questionnaire": questionnaire,
        "form": form,
        "errors": errors or {},
        "sources": _condition_sources(services.items_of(version), form["key"] or None),
        "kinds": ItemKind.choices,
        "other_key": services.OTHER,
    }
    template = T + ("_item_form.html" if _is_htmx(request) else "office_item.html")
    return render(request, template, context, status=status)


def _items_fragment(request, questionnaire, *, problems=None, status=200):
    response = render(
        request, T + "_items.html", _builder_context(questionnaire, problems=problems or []), status=status
    )
    response["HX-Retarget"] = "#items"
    response["HX-Reswap"] = "outerHTML"
    return response


def _done(request, questionnaire, message: str):
    if _is_htmx(request):
        return _items_fragment(request, questionnaire)
    messages.success(request, message)
    return redirect(reverse("participation_office:questionnaire_edit", args=[questionnaire.pk]) + "#items")


@manager_required
def office_item_new(request, pk):
    questionnaire = _questionnaire(pk)
    if request.method != "POST":
        return _render_item_form(request, questionnaire, _item_form_state(None))
    try:
        services.add_item(questionnaire, request.user, _item_data(request.POST))
    except QuestionnaireError as exc:
        errors = {**exc.errors, **({"general": exc.problems} if exc.problems else {})}
        return _render_item_form(request, questionnaire, _posted_form_state(request.POST), errors=errors, status=400)
    return _done(request, questionnaire, _("Question added."))


def _version_item(questionnaire, key):
    version = services.draft_version(questionnaire) or services.current_version(questionnaire)
    item = version.items.filter(key=key).first() if version else None
    if item is None:
        raise Http404
    return item


@manager_required
def office_item_edit(request, pk, key):
    questionnaire = _questionnaire(pk)
    item = _version_item(questionnaire, key)
    if request.method != "POST":
        return _render_item_form(request, questionnaire, _item_form_state(item))
    try:
        services.update_item(questionnaire, request.user, key, _item_data(request.POST))
    except QuestionnaireError as exc:
        errors = {**exc.errors, **({"general": exc.problems} if exc.problems else {})}
        return _render_item_form(
            request, questionnaire, _posted_form_state(request.POST, key), errors=errors, status=400
        )
    return _done(request, questionnaire, _("Question saved."))


def _item_change(request, pk, change, success):
    questionnaire = _questionnaire(pk)
    try:
        change(questionnaire)
    except QuestionnaireError as exc:
        problems = exc.problems + list(exc.errors.values())
        if _is_htmx(request):
            return _items_fragment(request, questionnaire, problems=problems, status=400)
        return render(request, T + "office_edit.html", _builder_context(questionnaire, problems=problems), status=400)
    return _done(request, questionnaire, success)


@manager_required
@require_POST
def office_item_move(request, pk, key):
    direction = request.POST.get("direction", "")
    return _item_change(
        request, pk, lambda q: services.move_item(q, request.user, key, direction), _("Question moved.")
    )


@manager_required
@require_POST
def office_item_remove(request, pk, key):
    return _item_change(request, pk, lambda q: services.remove_item(q, request.user, key), _("Question removed."))


# Results ---------------------------------------------------------------------


def _result_filters(request, questionnaire) -> tuple[dict, list[str]]:
    """since/until (dates, both days included), version number and district from the query string."""
    params, problems, filters = request.GET, [], {}
    tz = timezone.get_current_timezone()
    for name in ("since", "until"):
        raw = params.get(name, "").strip()
        if not raw:
            continue
        day = parse_date(raw) if len(raw) == 10 else None
        if day is None:
            problems.append(_("Enter dates as YYYY-MM-DD."))
            continue
        if name == "since":
            filters["since"] = datetime.combine(day, time.min, tzinfo=tz)
        else:
            filters["until"] = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    raw_version = params.get("version", "").strip()
    if raw_version:
        if raw_version.isdigit() and questionnaire.versions.filter(number=int(raw_version)).exists():
            filters["version"] = int(raw_version)
        else:
            problems.append(_("There is no such version."))
    district = params.get("district", "").strip()
    if district:
        area = Area.objects.filter(code=district, level=AreaLevel.DISTRICT).first()
        if area is None:
            problems.append(_("Choose a district from the list."))
        else:
            filters["area"] = area
    return filters, problems


def _charts(result) -> list[dict]:
    """Chart data for ECharts, read by the page from a json_script block (labels are plain text)."""
    charts = []
    if result["areas"]:
        charts.append(
            {
                "id": "chart-areas",
                "type": "bar",
                "title": _("Responses by area"),
                "labels": [a["name"] for a in result["areas"]],
                "values": [a["responses"] for a in result["areas"]],
            }
        )
    for item in result["items"]:
        if item["kind"] in services.CHOICE_KINDS and item["answered"]:
            charts.append(
                {
                    "id": f"chart-{item['key']}",
                    "type": "pie" if item["kind"] == ItemKind.SINGLE else "bar",
                    "labels": [o["label"] for o in item["options"]],
                    "values": [o["count"] for o in item["options"]],
                }
            )
        elif item["kind"] == ItemKind.SCALE and item["answered"]:
            charts.append(
                {
                    "id": f"chart-{item['key']}",
                    "type": "bar",
                    "labels": [str(d["value"]) for d in item["distribution"]],
                    "values": [d["count"] for d in item["distribution"]],
                }
            )
    return charts


@manager_required
@require_GET
def office_results(request, pk):
    questionnaire = _questionnaire(pk)
    filters, problems = _result_filters(request, questionnaire)
    result = results_service.results(questionnaire, **filters)
    charts = _charts(result)
    context = {
        "questionnaire": questionnaire,
        "result": result,
        "charts": charts,
        "charted": {c["id"] for c in charts},
        "problems": problems,
        "versions": questionnaire.versions.filter(published_at__isnull=False).order_by("number"),
        "districts": services.districts(),
        "district": filters.get("area"),
        "area_level": _("street") if filters.get("area") else _("district"),
        "query": request.GET.urlencode(),
        "params": request.GET,
        "state": services.state(questionnaire),
    }
    return render(request, T + "office_results.html", context, status=400 if problems else 200)


@manager_required
@require_GET
def office_export(request, pk):
    questionnaire = _questionnaire(pk)
    filters, problems = _result_filters(request, questionnaire)
    if problems:
        messages.error(request, " ".join(problems))
        return redirect("participation_office:questionnaire_results", pk=pk)
    found = results_service.responses(questionnaire, **filters)
    headers, rows = results_service.export_table(questionnaire, found)
    return xlsx_response(f"{_('questionnaire')}-{questionnaire.pk}", headers, rows)


routes = [
    path("questionnaires/", questionnaire_list, name="questionnaire_list"),
    path("questionnaires/streets/", questionnaire_streets, name="questionnaire_streets"),
    path("questionnaires/<int:pk>/", questionnaire_answer, name="questionnaire_answer"),
    path("questionnaires/<int:pk>/thanks/", questionnaire_done, name="questionnaire_done"),
]

office_routes = [
    path("questionnaires/", office_list, name="questionnaire_list"),
    path("questionnaires/new/", office_new, name="questionnaire_new"),
    path("questionnaires/<int:pk>/", office_edit, name="questionnaire_edit"),
    path("questionnaires/<int:pk>/settings/", office_settings, name="questionnaire_settings"),
    path("questionnaires/<int:pk>/revise/", office_revise, name="questionnaire_revise"),
    path("questionnaires/<int:pk>/discard/", office_discard, name="questionnaire_discard"),
    path("questionnaires/<int:pk>/delete/", office_delete, name="questionnaire_delete"),
    path("questionnaires/<int:pk>/publish/", office_publish, name="questionnaire_publish"),
    path("questionnaires/<int:pk>/close/", office_close, name="questionnaire_close"),
    path("questionnaires/<int:pk>/items/new/", office_item_new, name="questionnaire_item_new"),
    path("questionnaires/<int:pk>/items/<slug:key>/", office_item_edit, name="questionnaire_item_edit"),
    path("questionnaires/<int:pk>/items/<slug:key>/move/", office_item_move, name="questionnaire_item_move"),
    path("questionnaires/<int:pk>/items/<slug:key>/remove/", office_item_remove, name="questionnaire_item_remove"),
    path("questionnaires/<int:pk>/results/", office_results, name="questionnaire_results"),
    path("questionnaires/<int:pk>/results/export/", office_export, name="questionnaire_export"),
]
