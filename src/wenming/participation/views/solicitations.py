"""征集 pages: the portal's galleries with voting and results; the campaign office's editor.

Views only translate HTTP into calls of wenming.participation.services.solicitations.
"""

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wenming.core.errors import ServiceError
from wenming.core.files import image_response
from wenming.org.access import requires
from wenming.participation import protection
from wenming.participation.access import citizen_required
from wenming.participation.models import Solicitation, SolicitationEntry
from wenming.participation.services import solicitations as service

T = "participation/solicitations/"


# ---------------------------------------------------------------------------
# Portal


@require_GET
def solicitation_list(request):
    now = timezone.now()
    items = list(service.published().annotate(entry_count=Count("entries")))
    order = {service.Phase.OPEN: 0, service.Phase.UPCOMING: 1, service.Phase.CLOSED: 2}
    for item in items:
        item.phase = service.phase(item, now)
    items.sort(key=lambda s: (order[s.phase], -s.voting_opens_at.timestamp()))
    return render(request, T + "list.html", {"items": items})


def _portal_detail(request, solicitation, *, error="", status=200):
    now = timezone.now()
    current = service.phase(solicitation, now)
    mine = service.votes_of(solicitation, request.user)
    context = {
        "s": solicitation,
        "phase": current,
        "entries": solicitation.entries.all(),
        "mine": mine,
        "left": max(0, solicitation.votes_per_person - len(mine)),
        "results": service.results(solicitation, now=now),
        "voters": service.voter_count(solicitation) if current == service.Phase.CLOSED else None,
        "error": error,
    }
    return render(request, T + "detail.html", context, status=status)


@require_GET
def solicitation_detail(request, pk):
    return _portal_detail(request, get_object_or_404(service.published(), pk=pk))


@require_POST
@citizen_required
@protection.rate_limited("vote")
def solicitation_vote(request, pk, entry):
    solicitation = get_object_or_404(service.published(), pk=pk)
    try:
        service.vote(solicitation, entry, request.user)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from None
        return _portal_detail(request, solicitation, error=exc.message, status=exc.status)
    messages.success(request, _("Thank you: your vote is counted."))
    return redirect(reverse("participation:solicitation_detail", args=[pk]) + f"#entry-{entry}")


@require_GET
def solicitation_image(request, pk, entry, variant):
    """Entry images of published solicitations only."""
    item = get_object_or_404(SolicitationEntry, pk=entry, solicitation_id=pk, solicitation__is_published=True)
    return _image(item, variant, "public, max-age=3600")


def _image(entry, variant, cache_control):
    return image_response({"thumb": entry.thumbnail or entry.image, "full": entry.image}.get(variant), cache_control)


# ---------------------------------------------------------------------------
# Back office


# Back office, and only for the campaign office (others do not see solicitations here).
_manager = requires("participation.run_solicitations")


@_manager
@require_GET
def office_list(request):
    now = timezone.now()
    items = list(Solicitation.objects.annotate(entry_count=Count("entries")).select_related("created_by"))
    for item in items:
        item.phase = service.phase(item, now)
    return render(request, T + "office_list.html", {"items": items})


def _form_values(solicitation=None, data=None) -> dict:
    if data is not None:
        return data.dict()
    if solicitation is None:
        return {"votes_per_person": "1"}
    local = lambda moment: timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    return {
        "title": solicitation.title,
        "description": solicitation.description,
        "voting_opens_at": local(solicitation.voting_opens_at),
        "voting_closes_at": local(solicitation.voting_closes_at),
        "votes_per_person": str(solicitation.votes_per_person),
    }


@_manager
def office_new(request):
    form, errors, message, status = _form_values(), {}, "", 200
    if request.method == "POST":
        form = _form_values(data=request.POST)
        try:
            solicitation = service.create(request.user, **_fields(form))
        except ServiceError as exc:
            errors, message, status = exc.fields, exc.message, exc.status
        else:
            messages.success(request, _("The solicitation is saved. Add its entries, then publish it."))
            return redirect("participation_office:solicitation_detail", pk=solicitation.pk)
    return render(request, T + "office_form.html", {"form": form, "errors": errors, "message": message}, status=status)


def _fields(form: dict) -> dict:
    names = ("title", "description", "voting_opens_at", "voting_closes_at", "votes_per_person")
    return {name: form.get(name, "") for name in names}


@_manager
def office_edit(request, pk):
    solicitation = get_object_or_404(Solicitation, pk=pk)
    form, errors, message, status = _form_values(solicitation), {}, "", 200
    if request.method == "POST":
        form = _form_values(data=request.POST)
        try:
            service.update(solicitation, request.user, **_fields(form))
        except ServiceError as exc:
            errors, message, status = exc.fields, exc.message, exc.status
        else:
            messages.success(request, _("The solicitation is saved."))
            return redirect("participation_office:solicitation_detail", pk=pk)
    return render(
        request,
        T + "office_form.html",
        {
            "s": solicitation,
            "form": form,
            "errors": errors,
            "message": message,
            "started": service.voting_started(solicitation),
        },
        status=status,
    )


def _office_detail(request, solicitation, *, errors=None, message="", status=200, entry_form=None):
    now = timezone.now()
    return render(
        request,
        T + "office_detail.html",
        {
            "s": solicitation,
            "phase": service.phase(solicitation, now),
            "started": service.voting_started(solicitation, now),
            "tally": service.tally(solicitation),
            "voters": service.voter_count(solicitation),
            "entries": solicitation.entries.all(),
            "errors": errors or {},
            "message": message,
            "entry_form": entry_form or {},
            "min_entries": service.MIN_ENTRIES,
        },
        status=status,
    )


@_manager
@require_GET
def office_detail(request, pk):
    return _office_detail(request, get_object_or_404(Solicitation, pk=pk))


@_manager
@require_POST
def office_entry_add(request, pk):
    solicitation = get_object_or_404(Solicitation, pk=pk)
    form = request.POST.dict()
    try:
        service.add_entry(
            solicitation,
            request.user,
            title=form.get("title", ""),
            author_name=form.get("author_name", ""),
            description=form.get("description", ""),
            image=request.FILES.get("image"),
        )
    except ServiceError as exc:
        return _office_detail(
            request, solicitation, errors=exc.fields, message=exc.message, status=exc.status, entry_form=form
        )
    messages.success(request, _("The entry is added."))
    return redirect("participation_office:solicitation_detail", pk=pk)


@_manager
@require_POST
def office_entry_remove(request, pk, entry):
    solicitation = get_object_or_404(Solicitation, pk=pk)
    item = get_object_or_404(SolicitationEntry, pk=entry, solicitation=solicitation)
    return _office_step(
        request, solicitation, _("The entry is removed."), lambda: service.remove_entry(item, request.user)
    )


@_manager
@require_POST
def office_publish(request, pk):
    solicitation = get_object_or_404(Solicitation, pk=pk)
    return _office_step(
        request,
        solicitation,
        _("The solicitation is published on the portal."),
        lambda: service.publish(solicitation, request.user),
    )


@_manager
@require_POST
def office_close(request, pk):
    solicitation = get_object_or_404(Solicitation, pk=pk)
    return _office_step(
        request,
        solicitation,
        _("Voting is closed; the results are published."),
        lambda: service.close_early(solicitation, request.user),
    )


def _office_step(request, solicitation, done: str, step):
    """Run one change; a refusal is shown on the solicitation's page with its status."""
    try:
        step()
    except ServiceError as exc:
        return _office_detail(request, solicitation, message=exc.message, status=exc.status)
    messages.success(request, done)
    return redirect("participation_office:solicitation_detail", pk=solicitation.pk)


@_manager
@require_GET
def office_image(request, pk, entry, variant):
    item = get_object_or_404(SolicitationEntry, pk=entry, solicitation_id=pk)
    return _image(item, variant, "private, max-age=300")


routes = [
    path("solicitations/", solicitation_list, name="solicitation_list"),
    path("solicitations/<int:pk>/", solicitation_detail, name="solicitation_detail"),
    path("solicitations/<int:pk>/vote/<int:entry>/", solicitation_vote, name="solicitation_vote"),
    path("solicitations/<int:pk>/entries/<int:entry>/<str:variant>.jpg", solicitation_image, name="solicitation_image"),
]

office_routes = [
    path("solicitations/", office_list, name="solicitation_list"),
    path("solicitations/new/", office_new, name="solicitation_new"),
    path("solicitations/<int:pk>/", office_detail, name="solicitation_detail"),
    path("solicitations/<int:pk>/edit/", office_edit, name="solicitation_edit"),
    path("solicitations/<int:pk>/entries/", office_entry_add, name="solicitation_entry_add"),
    path("solicitations/<int:pk>/entries/<int:entry>/remove/", office_entry_remove, name="solicitation_entry_remove"),
    path("solicitations/<int:pk>/publish/", office_publish, name="solicitation_publish"),
    path("solicitations/<int:pk>/close/", office_close, name="solicitation_close"),
    path(
        "solicitations/<int:pk>/entries/<int:entry>/<str:variant>.jpg", office_image, name="solicitation_office_image"
    ),
]
