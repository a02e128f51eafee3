"""Reading a coverage run back for people: the page's tables, the map's layers
and the workbook. Nothing is computed again here; every figure comes from the run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wenming.coverage.models import (
    GREEN_KINDS,
    PRECEDENCE_GROUPS,
    CoverageRule,
    Dataset,
    DataSource,
    Feature,
    FeatureKind,
    Method,
    RuleTarget,
    Run,
)
from wenming.coverage.network import STREET_CLASSES, Network
from wenming.coverage.services.coverage import data_version
from wenming.coverage.services.datasets import sources_in_use

#: Street classes always drawn; the finer ones only on a small network or inside a box.
MAJOR_CLASSES = ("main", "branch")
#: Below this many segments the whole network is drawn at once.
WHOLE_NETWORK_SEGMENTS = 60_000
#: No network response carries more segments than this.
MAX_SEGMENTS = 60_000
MAX_PARCELS = 20_000
MAX_PARKS = 20_000
MAX_GAP_POINTS = 5_000

NETWORK_SOURCES = (DataSource.OSM, DataSource.GENERATED)


def latest_run(*, parcels: bool = False) -> Run | None:
    """The newest run; its per-parcel results (large) only when asked for."""
    runs = Run.objects.select_related("created_by")
    if not parcels:
        runs = runs.defer("parcels")
    return runs.first()


def city_figures() -> dict | None:
    """The latest run's city park coverage by both methods, for the dashboard."""
    run = Run.objects.defer("parcels", "gaps", "candidates").first()
    city = city_row(run) if run else None
    if city is None:
        return None
    return {"run": run, "network": city["park"].get(Method.NETWORK), "buffer": city["park"].get(Method.BUFFER)}


def has_network() -> bool:
    return Dataset.objects.filter(source__in=NETWORK_SOURCES, is_current=True).exists()


def datasets_in_use() -> list[Dataset]:
    """The datasets a run would read now, without loading a single feature."""
    network = Dataset.objects.filter(source__in=NETWORK_SOURCES, is_current=True).defer("network").first()
    return sources_in_use(network)[1] if network is not None else []


def is_outdated(run: Run) -> bool:
    """Whether a run now would start from other data, rules or parameters."""
    datasets = datasets_in_use()
    if not datasets:
        return True
    parameters = {k: v for k, v in run.parameters.items() if k != "rules"}
    return data_version(datasets, CoverageRule.objects.filter(is_active=True), parameters) != run.data_version


# -- the page's figures ------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    id: str
    name: str
    distance_m: float | None
    min_area_m2: float | None


def park_tiers(run: Run) -> list[Tier]:
    """The park tiers of a run, smallest first, named as the rules were when it ran."""
    city = city_row(run)
    ids = []
    for by_tier in (city or {}).get("tiers", {}).values():
        ids += [i for i in by_tier if i not in ids]
    names = dict(CoverageRule.objects.filter(pk__in=[int(i) for i in ids if i.isdigit()]).values_list("pk", "name"))
    snapshot = {r["name"]: r for r in run.parameters.get("rules", []) if r.get("target") == RuleTarget.PARK}
    tiers = []
    for i in ids:
        name = names.get(int(i)) if i.isdigit() else None
        rule = snapshot.get(name, {})
        tiers.append(Tier(i, name or _("tier %s") % i, rule.get("distance_m"), rule.get("min_area_m2")))
    return sorted(tiers, key=lambda t: (t.min_area_m2 or 0, t.distance_m or 0))


def city_row(run: Run) -> dict | None:
    return next((row for row in run.areas if row["level"] == "city"), None)


def table_cells(row: dict, tiers: list[Tier]) -> list:
    """The table's numbers for one area, in the order of ``table_headers``; None where not measured."""
    return (
        [row.get("land_ha"), row["park"].get(Method.NETWORK), row["park"].get(Method.BUFFER)]
        + [row["tiers"].get(Method.NETWORK, {}).get(t.id) for t in tiers]
        + [row["toilet"].get(Method.NETWORK), row["toilet"].get(Method.BUFFER)]
    )


def table_headers(tiers: list[Tier]) -> list[str]:
    return (
        [_("residential land (ha)"), _("parks, network %"), _("parks, buffer %")]
        + [_("%s, network %%") % t.name for t in tiers]
        + [_("toilets, network %"), _("toilets, buffer %")]
    )


@dataclass
class DistrictRows:
    district: dict | None  # None: streets whose district has no row
    streets: list[dict]


def rows_by_district(run: Run) -> list[DistrictRows]:
    """District rows in the run's order, each with its streets under it."""
    groups = {row["code"]: DistrictRows(row, []) for row in run.areas if row["level"] == "district"}
    orphans = DistrictRows(None, [])
    for row in run.areas:
        if row["level"] == "street":
            groups.get(row.get("parent"), orphans).streets.append(row)
    return list(groups.values()) + ([orphans] if orphans.streets else [])


def gap_summary(run: Run) -> dict:
    """Count and total length (km) of the spacing gaps, by what is missing."""
    found = {kind: {"count": 0, "km": 0.0} for kind in (FeatureKind.BIN, FeatureKind.TOILET)}
    for gap in run.gaps:
        entry = found.setdefault(gap["kind"], {"count": 0, "km": 0.0})
        entry["count"] += 1
        entry["km"] += gap["length_m"] / 1000
    return found


def gaps_of(run: Run, kind: str = "") -> list[dict]:
    return [g for g in run.gaps if not kind or g["kind"] == kind]


def datasets_of(run: Run) -> list[Dataset]:
    return list(run.datasets.defer("network").order_by("imported_at", "id"))


# -- map layers (GeoJSON, longitude/latitude) ----------------------------------


def _collection(features, **extra) -> dict:
    return {"type": "FeatureCollection", "features": features, **extra}


def network_dataset(run: Run) -> Dataset | None:
    return run.datasets.filter(source__in=NETWORK_SOURCES).defer("network").first()


@dataclass(frozen=True)
class NetworkLines:
    lon: np.ndarray
    lat: np.ndarray
    u: np.ndarray
    v: np.ndarray
    street_class: np.ndarray


#: The decoded network of the last dataset drawn: the map asks again on every pan.
_lines_cache: dict[int, NetworkLines] = {}


def network_lines(dataset: Dataset) -> NetworkLines:
    lines = _lines_cache.get(dataset.pk)
    if lines is None:
        data = Dataset.objects.filter(pk=dataset.pk).values_list("network", flat=True).first()
        network = Network.from_bytes(data)
        lon, lat = network.projection.inverse(network.x, network.y)
        lines = NetworkLines(np.round(lon, 6), np.round(lat, 6), network.u, network.v, network.street_class)
        _lines_cache.clear()
        _lines_cache[dataset.pk] = lines
    return lines


def network_geojson(dataset: Dataset, *, bbox: tuple[float, float, float, float] | None = None) -> dict:
    """Segments grouped by street class, one MultiLineString per class.

    A large network gives its main and branch streets only, unless a box is
    asked for; at most MAX_SEGMENTS segments either way.
    """
    lines = network_lines(dataset)
    whole = len(lines.u) < WHOLE_NETWORK_SEGMENTS or bbox is not None
    classes = STREET_CLASSES if whole else MAJOR_CLASSES
    wanted = np.isin(lines.street_class, [STREET_CLASSES.index(c) for c in classes])
    if bbox is not None:
        west, south, east, north = bbox
        lon_u, lon_v, lat_u, lat_v = lines.lon[lines.u], lines.lon[lines.v], lines.lat[lines.u], lines.lat[lines.v]
        wanted &= (
            (np.minimum(lon_u, lon_v) <= east)
            & (np.maximum(lon_u, lon_v) >= west)
            & (np.minimum(lat_u, lat_v) <= north)
            & (np.maximum(lat_u, lat_v) >= south)
        )
    chosen = np.flatnonzero(wanted)
    truncated = len(chosen) > MAX_SEGMENTS
    if truncated:
        # Keep the most important streets when something must go.
        chosen = chosen[np.argsort(lines.street_class[chosen], kind="stable")[:MAX_SEGMENTS]]
    features = []
    for index, name in enumerate(STREET_CLASSES):
        mine = chosen[lines.street_class[chosen] == index]
        if not len(mine):
            continue
        ends = np.stack(
            [
                np.column_stack([lines.lon[lines.u[mine]], lines.lat[lines.u[mine]]]),
                np.column_stack([lines.lon[lines.v[mine]], lines.lat[lines.v[mine]]]),
            ],
            axis=1,
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "MultiLineString", "coordinates": ends.tolist()},
                "properties": {"street_class": name, "segments": len(mine)},
            }
        )
    omitted = [c for c in STREET_CLASSES if c not in classes]
    return _collection(features, omitted=omitted, truncated=truncated)


def parcels_geojson(run: Run) -> dict:
    """Residential parcels with their covered share (0–1) in each of the run's columns."""
    parcels = run.parcels or {}
    columns, ids, values = parcels.get("columns", []), parcels.get("ids", []), parcels.get("values", [])
    shares = dict(zip(ids[:MAX_PARCELS], values[:MAX_PARCELS], strict=True))
    features = [
        {
            "type": "Feature",
            "geometry": geometry,
            "properties": {"id": pk, "name": name, "shares": dict(zip(columns, shares[pk], strict=True))},
        }
        for pk, name, geometry in Feature.objects.filter(pk__in=list(shares))
        .values_list("pk", "name", "geometry")
        .iterator(chunk_size=500)
    ]
    return _collection(features, columns=columns, truncated=len(ids) > MAX_PARCELS)


def _used_for(run: Run, group) -> list[Dataset]:
    """The run's datasets that provided a kind group: the city's lists holding it, else the network."""
    datasets = datasets_of(run)
    lists = [d for d in datasets if d.source == DataSource.CITY and set(d.counts) & set(group)]
    return lists or [d for d in datasets if d.source in NETWORK_SOURCES]


def parks_geojson(run: Run) -> dict:
    group = next(g for g in PRECEDENCE_GROUPS if FeatureKind.PARK in g)
    parks = Feature.objects.filter(dataset__in=_used_for(run, group), kind__in=GREEN_KINDS).values_list(
        "name", "kind", "area_m2", "geometry"
    )
    features = [
        {"type": "Feature", "geometry": geometry, "properties": {"name": name, "kind": kind, "area_m2": area}}
        for name, kind, area, geometry in parks[:MAX_PARKS].iterator(chunk_size=500)
    ]
    return _collection(features, truncated=parks[MAX_PARKS : MAX_PARKS + 1].exists())


def sites_geojson(run: Run) -> dict:
    """Ranked candidate sites and the middle of each spacing gap, as points."""
    features = []
    for purpose, picks in (run.candidates or {}).items():
        for rank, pick in enumerate(picks, start=1):
            features.append(
                _point(
                    pick["lon"],
                    pick["lat"],
                    layer="candidate",
                    purpose=purpose,
                    rank=rank,
                    name=pick["name"],
                    gain_m2=pick["gain_m2"],
                    gain_pct=pick["gain_pct"],
                    coverage_pct=pick["coverage_pct"],
                )
            )
    for gap in run.gaps[:MAX_GAP_POINTS]:
        features.append(
            _point(
                gap["lon"],
                gap["lat"],
                layer="gap",
                kind=gap["kind"],
                street=gap["street"],
                street_class=gap["street_class"],
                length_m=gap["length_m"],
                spacing_m=gap["spacing_m"],
            )
        )
    return _collection(features, truncated=len(run.gaps) > MAX_GAP_POINTS)


def _point(lon, lat, **properties) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


# -- the workbook ----------------------------------------------------------------


def workbook_sheets(run: Run) -> list[tuple[str, list[str], list]]:
    """Every area, the candidate sites, the gaps and what the run was computed from."""
    tiers = park_tiers(run)
    levels = {"city": _("city"), "district": _("district"), "street": _("street")}
    area_headers = (
        [_("level"), _("code"), _("name"), _("district code")]
        + table_headers(tiers)
        + [_("%s, buffer %%") % t.name for t in tiers]
        + [_("buildings, network %"), _("buildings, buffer %"), _("population, network %"), _("population, buffer %")]
    )
    area_rows = [
        # The city's row is named in the reader's language, not the language it was computed in.
        [
            levels.get(row["level"], row["level"]),
            row["code"],
            _("Whole city") if row["level"] == "city" else row["name"],
            row.get("parent", ""),
        ]
        + table_cells(row, tiers)
        + [row["tiers"].get(Method.BUFFER, {}).get(t.id) for t in tiers]
        + [
            row["buildings"].get(Method.NETWORK),
            row["buildings"].get(Method.BUFFER),
            row["population"].get(Method.NETWORK),
            row["population"].get(Method.BUFFER),
        ]
        for row in run.areas
    ]
    purposes = {"park": _("pocket park"), "toilet": _("public toilet")}
    candidate_rows = [
        [
            purposes.get(purpose, purpose),
            rank,
            pick["name"],
            pick["gain_m2"],
            pick["gain_pct"],
            pick["coverage_pct"],
            pick["lon"],
            pick["lat"],
        ]
        for purpose, picks in (run.candidates or {}).items()
        for rank, pick in enumerate(picks, start=1)
    ]
    kinds = {FeatureKind.BIN: _("litter bins"), FeatureKind.TOILET: _("public toilets")}
    gap_rows = [
        [
            kinds.get(g["kind"], g["kind"]),
            g["street"],
            g["street_class"],
            g["from_m"],
            g["to_m"],
            g["length_m"],
            g["spacing_m"],
            g["lon"],
            g["lat"],
        ]
        for g in run.gaps
    ]
    return [
        (_("areas"), area_headers, area_rows),
        (
            _("candidates"),
            [
                _("for"),
                _("rank"),
                _("site"),
                _("gain (m²)"),
                _("gain (percentage points)"),
                _("coverage after (%)"),
                _("longitude"),
                _("latitude"),
            ],
            candidate_rows,
        ),
        (
            _("gaps"),
            [
                _("missing"),
                pgettext("road", "street"),
                _("street class"),
                _("from (m)"),
                _("to (m)"),
                _("length (m)"),
                _("spacing rule (m)"),
                _("longitude"),
                _("latitude"),
            ],
            gap_rows,
        ),
        (_("parameters"), [_("item"), _("value"), _("detail")], _parameter_rows(run)),
    ]


def _parameter_rows(run: Run) -> list:
    rows = [
        [_("computed"), run.created_at, ""],
        [_("data version"), run.data_version, ""],
        [_("methods"), ", ".join(run.methods), ""],
        [_("generated data"), _("yes") if run.is_generated else _("no"), ""],
    ]
    rows += [[_("parameter"), key, value] for key, value in run.parameters.items() if key != "rules"]
    targets = dict(RuleTarget.choices)
    for rule in run.parameters.get("rules", []):
        detail = f"{rule['distance_m']:g} m"
        if rule.get("min_area_m2"):
            detail += f" · ≥ {rule['min_area_m2']:g} m²"
        if rule.get("applies_to"):
            detail += f" · {rule['applies_to']}"
        rows.append([_("rule"), f"{targets.get(rule['target'], rule['target'])}: {rule['name']}", detail])
    for dataset in datasets_of(run):
        rows.append(
            [
                _("dataset"),
                f"{dataset.get_source_display()} · {dataset.file_name}",
                f"{timezone.localtime(dataset.imported_at):%Y-%m-%d %H:%M} · {dataset.checksum[:12]}",
            ]
        )
    return rows
