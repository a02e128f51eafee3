"""The coverage page of the back office: the latest run's figures, its map layers
and workbook, and recomputing. Figures come from ``services.results``."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wenming.core.excel import workbook_sheets, xlsx_file_response
from wenming.coverage.errors import CoverageError
from wenming.coverage.models import FeatureKind, RuleTarget
from wenming.coverage.services import coverage, results
from wenming.org.access import requires

GAPS_PER_PAGE = 50
PARAMETER_LABELS = {
    "cell_m": gettext_lazy("sample spacing on residential land (m)"),
    "entrance_gap_m": gettext_lazy("a park is entered from a street within (m)"),
    "max_access_m": gettext_lazy("farthest from a street a point is still reachable (m)"),
    "gap_snap_m": gettext_lazy("a bin or toilet counts for a street within (m)"),
    "candidates": gettext_lazy("candidate sites ranked"),
}
STREET_CLASS_LABELS = {
    "main": gettext_lazy("main road"),
    "branch": gettext_lazy("branch road"),
    "local": gettext_lazy("local street"),
    "commercial": gettext_lazy("commercial or pedestrian street"),
    "path": gettext_lazy("footpath"),
}
CANDIDATE_PURPOSES = {"park": gettext_lazy("New pocket parks"), "toilet": gettext_lazy("New public toilets")}


@requires("coverage.browse_coverage")
@require_GET
def coverage_page(request):
    run = results.latest_run()
    if run is not None and request.GET.get("format") == "xlsx":
        return xlsx_file_response(_("coverage"), workbook_sheets(results.workbook_sheets(run)))
    context = {
        "run": run,
        "may_recompute": request.user.has_perm("coverage.recompute"),
        "has_network": results.has_network(),
    }
    if run is not None:
        context.update(_run_context(request, run))
    return render(request, "coverage/coverage.html", context)


def _run_context(request, run) -> dict:
    tiers = results.park_tiers(run)
    city = results.city_row(run) or {}
    gap_kind = request.GET.get("gaps", "")
    if gap_kind not in (FeatureKind.BIN, FeatureKind.TOILET):
        gap_kind = ""
    districts = [
        {
            "row": group.district,
            "cells": results.table_cells(group.district, tiers) if group.district else [],
            "streets": [{"row": s, "cells": results.table_cells(s, tiers)} for s in group.streets],
        }
        for group in results.rows_by_district(run)
    ]
    return {
        "outdated": results.is_outdated(run),
        "datasets": results.datasets_of(run),
        "parameters": [(PARAMETER_LABELS.get(k, k), v) for k, v in run.parameters.items() if k != "rules"],
        "rules": _rules(run),
        "tiers": [
            {
                "tier": t,
                "network": city.get("tiers", {}).get("network", {}).get(t.id),
                "buffer": city.get("tiers", {}).get("buffer", {}).get(t.id),
            }
            for t in tiers
        ],
        "city": city,
        "headers": results.table_headers(tiers),
        "city_cells": results.table_cells(city, tiers) if city else [],
        "districts": districts,
        "gap_summary": results.gap_summary(run),
        "gap_kind": gap_kind,
        "gap_page": _gap_page(request, run, gap_kind),
        "candidates": [
            (CANDIDATE_PURPOSES.get(purpose, purpose), picks) for purpose, picks in (run.candidates or {}).items()
        ],
        "tier_choices": [("park", _("all tiers"))] + [(f"tier{t.id}", t.name) for t in tiers],
    }


def _gap_page(request, run, kind):
    page = Paginator(results.gaps_of(run, kind), GAPS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = [
        {**gap, "class_label": STREET_CLASS_LABELS.get(gap["street_class"], gap["street_class"])}
        for gap in page.object_list
    ]
    return page


def _rules(run) -> list[dict]:
    targets = dict(RuleTarget.choices)
    return [
        {**rule, "target_label": targets.get(rule["target"], rule["target"])}
        for rule in run.parameters.get("rules", [])
    ]


@require_POST
@requires("coverage.recompute")
def recompute(request):
    try:
        run = coverage.run(user=request.user)
    except CoverageError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Coverage recomputed in %(seconds).1f s (data version %(version)s).")
            % {"seconds": run.duration_s, "version": run.data_version[:12]},
        )
    return redirect("coverage:coverage")


# -- map layers: JSON, staff only, bounded ------------------------------------------


def _run_or_404(parcels=False):
    run = results.latest_run(parcels=parcels)
    if run is None:
        return None, JsonResponse({"error": _("Coverage has not been computed yet.")}, status=404)
    return run, None


@requires("coverage.browse_coverage")
@require_GET
def network_json(request):
    run, missing = _run_or_404()
    if missing:
        return missing
    dataset = results.network_dataset(run)
    if dataset is None:
        return JsonResponse({"error": _("The run's street network is no longer stored.")}, status=404)
    bbox = None
    if "bbox" in request.GET:
        try:
            west, south, east, north = (float(v) for v in request.GET["bbox"].split(","))
        except ValueError:
            return JsonResponse({"error": _("give bbox as west,south,east,north in degrees")}, status=400)
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            return JsonResponse({"error": _("give bbox as west,south,east,north in degrees")}, status=400)
        bbox = (west, south, east, north)
    return JsonResponse(results.network_geojson(dataset, bbox=bbox))


@requires("coverage.browse_coverage")
@require_GET
def parcels_json(request):
    run, missing = _run_or_404(parcels=True)
    return missing or JsonResponse(results.parcels_geojson(run))


@requires("coverage.browse_coverage")
@require_GET
def parks_json(request):
    run, missing = _run_or_404()
    return missing or JsonResponse(results.parks_geojson(run))


@requires("coverage.browse_coverage")
@require_GET
def sites_json(request):
    run, missing = _run_or_404()
    return missing or JsonResponse(results.sites_geojson(run))
