"""Computing service coverage for the city and storing it as a run.

A run reads the network and features in use and the active rules, measures
park, toilet and litter-bin coverage by both methods, and stores the results
by area and by parcel with the data version and parameters, so every figure
can be reproduced.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape

from wenming.coverage import compute
from wenming.coverage.errors import CoverageError
from wenming.coverage.models import GREEN_KINDS, CoverageRule, FeatureKind, Method, RuleTarget, Run
from wenming.coverage.network import STREET_CLASSES, Network
from wenming.coverage.services.datasets import features_in_use, network_in_use
from wenming.org.models import Area, AreaLevel

DEFAULT_PARAMETERS = {
    "cell_m": 25.0,  # spacing of the sample points on residential land
    "entrance_gap_m": 20.0,  # a park is entered from a street this close to it
    "max_access_m": 300.0,  # an origin farther than this from any street is not reachable on foot
    "gap_snap_m": 20.0,  # a bin or toilet this close to a street counts for it
    "candidates": 20,  # how many candidate sites to rank
}


@dataclass
class Layer:
    """Origins of one kind with where they lie."""

    origins: compute.Origins
    snap: object
    district: np.ndarray  # index into the district list, -1 outside
    street: np.ndarray


def run(*, methods=(Method.NETWORK, Method.BUFFER), user=None, progress=None, **overrides) -> Run:
    methods = [Method(m) for m in methods]
    parameters = {**DEFAULT_PARAMETERS, **overrides}
    network_data = network_in_use()
    if network_data is None:
        raise CoverageError(
            _(
                "There is no street network yet: import an OpenStreetMap extract "
                "(wenming coverage import-osm FILE.osm.pbf) or load the demo."
            )
        )
    started = time.monotonic()
    features, datasets = features_in_use(network_data)
    rules = list(CoverageRule.objects.filter(is_active=True))
    park_rules = sorted((r for r in rules if r.target == RuleTarget.PARK), key=lambda r: (r.min_area_m2, r.distance_m))
    if not park_rules:
        raise CoverageError(_("No park rule is active: set the service radii in the admin."))
    network = Network.from_bytes(network_data.network)
    step = progress or (lambda n=1: None)
    project = network.projection.geometry

    areas = _areas(network)
    residential = features[FeatureKind.RESIDENTIAL]
    if not residential:
        raise CoverageError(_("The data holds no residential land, so there is nothing to measure coverage of."))
    land = _layer(network, areas, [project(shape(f.geometry)) for f in residential], parameters["cell_m"])
    step()
    buildings = _building_layer(network, areas, features[FeatureKind.BUILDING])
    people = _population_weights(residential, land.origins)
    step()

    park = _parks(network, features, park_rules, land, buildings, methods, parameters)
    step()
    toilet = _toilets(network, areas, features, rules, land, methods, parameters)
    step()
    gaps = _gaps(network, features, rules, parameters)
    step()
    candidates = _candidates(network, features, park_rules, rules, land, park, toilet, parameters)
    step()

    rows = _area_rows(areas, land, buildings, people, park, toilet, park_rules, gaps, methods)
    parcels = _parcel_results(residential, land, park, park_rules, methods)
    version = data_version(datasets, rules, parameters)
    with transaction.atomic():
        result = Run.objects.create(
            created_by=user,
            methods=[m.value for m in methods],
            parameters={**parameters, "rules": [_rule_dict(r) for r in rules]},
            data_version=version,
            is_generated=any(d.source == "generated" for d in datasets),
            duration_s=round(time.monotonic() - started, 2),
            areas=rows,
            parcels=parcels,
            gaps=gaps,
            candidates=candidates,
        )
        result.datasets.set(datasets)
    return result


def data_version(datasets, rules, parameters) -> str:
    """One hash of every input: the datasets' checksums, the rules and the parameters."""
    payload = {
        "datasets": sorted(d.checksum for d in datasets),
        "rules": sorted(json.dumps(_rule_dict(r), sort_keys=True) for r in rules),
        "parameters": parameters,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _rule_dict(rule) -> dict:
    return {
        "target": rule.target,
        "name": rule.name,
        "min_area_m2": rule.min_area_m2,
        "applies_to": rule.applies_to,
        "distance_m": rule.distance_m,
    }


# -- where things lie ----------------------------------------------------------


@dataclass
class Areas:
    districts: list[Area]
    streets: list[Area]
    district_tree: shapely.STRtree | None
    street_tree: shapely.STRtree | None

    def locate(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        return _locate(self.district_tree, x, y), _locate(self.street_tree, x, y)


def _areas(network: Network) -> Areas:
    found = {}
    for level in (AreaLevel.DISTRICT, AreaLevel.STREET):
        rows = list(Area.objects.filter(level=level, boundary__isnull=False).order_by("code"))
        shapes = [network.projection.geometry(shape(a.boundary)) for a in rows]
        found[level] = (rows, shapely.STRtree(shapes) if shapes else None)
    return Areas(
        found[AreaLevel.DISTRICT][0],
        found[AreaLevel.STREET][0],
        found[AreaLevel.DISTRICT][1],
        found[AreaLevel.STREET][1],
    )


def _locate(tree, x, y) -> np.ndarray:
    where = np.full(len(x), -1, np.int64)
    if tree is None or len(x) == 0:
        return where
    point, area = tree.query(shapely.points(x, y), predicate="within")
    # A point on a shared border belongs to the first area found, once.
    where[point[::-1]] = area[::-1]
    return where


def _layer(network, areas, polygons, cell) -> Layer:
    origins = compute.sample_land(polygons, cell)
    # A parcel lies in one street: locate it once, by a point inside it.
    inside = shapely.get_coordinates(shapely.point_on_surface(np.asarray(polygons, dtype=object)))
    district, street = areas.locate(inside[:, 0], inside[:, 1])
    return Layer(origins, network.snap(origins.x, origins.y), district[origins.parcel], street[origins.parcel])


def _building_layer(network, areas, buildings) -> Layer | None:
    if not buildings:
        return None
    xy = network.projection.forward([b.lon for b in buildings], [b.lat for b in buildings])
    origins = compute.Origins(xy[0], xy[1], np.ones(len(buildings)), np.arange(len(buildings)))
    district, street = areas.locate(origins.x, origins.y)
    return Layer(origins, network.snap(origins.x, origins.y), district, street)


def _population_weights(residential, origins) -> np.ndarray | None:
    """People per sample point, where the residential land carries a population."""
    population = np.array([f.population or 0 for f in residential], float)
    if population.sum() <= 0:
        return None
    per_parcel = np.bincount(origins.parcel, minlength=len(residential))
    return population[origins.parcel] / np.maximum(per_parcel[origins.parcel], 1)


# -- parks ---------------------------------------------------------------------


def _parks(network, features, park_rules, land, buildings, methods, parameters) -> dict:
    """Covered flags per origin: the whole rule ("any") and each tier, by method."""
    green = [f for kind in GREEN_KINDS for f in features[kind]]
    area = np.array([f.area_m2 for f in green], float)
    smallest = park_rules[0].min_area_m2
    green = [f for f, a in zip(green, area, strict=True) if a >= smallest]
    area = np.array([f.area_m2 for f in green], float)
    geometries = [network.projection.geometry(shape(f.geometry)) for f in green]
    # The radius a park serves: the largest of the tiers its area reaches.
    radius = np.zeros(len(green))
    for rule in park_rules:
        radius = np.where(area >= rule.min_area_m2, np.maximum(radius, rule.distance_m), radius)
    result = {"count": len(green), "any": {}, "tiers": {}, "buildings": {}}
    sources = _park_sources(network, geometries, features[FeatureKind.ENTRANCE], parameters)
    for method in methods:
        if method == Method.NETWORK:
            largest = float(radius.max()) if len(radius) else 0.0
            d = compute.tiered_distance(network, land.snap, sources, radius, parameters["max_access_m"])
            result["any"][method] = d <= largest
            if buildings:
                db = compute.tiered_distance(network, buildings.snap, sources, radius, parameters["max_access_m"])
                result["buildings"][method] = db <= largest
            for rule in park_rules:
                members = np.flatnonzero(area >= rule.min_area_m2)
                d = compute.walking_distance(
                    network, land.snap, sources.subset(members), rule.distance_m, parameters["max_access_m"]
                )
                result["tiers"].setdefault(rule.pk, {})[method] = d <= rule.distance_m
        else:
            result["any"][method] = compute.buffer_covered(land.origins, geometries, radius)
            if buildings:
                result["buildings"][method] = compute.buffer_covered(buildings.origins, geometries, radius)
            for rule in park_rules:
                members = np.flatnonzero(area >= rule.min_area_m2)
                result["tiers"].setdefault(rule.pk, {})[method] = compute.buffer_covered(
                    land.origins, [geometries[i] for i in members], np.full(len(members), rule.distance_m)
                )
    return result


def _park_sources(network, geometries, entrances, parameters) -> compute.Sources:
    """Mapped entrances where a park has them; elsewhere every street that
    touches or comes within the entrance gap. A park given as a point is entered there."""
    geometries = np.asarray(geometries, dtype=object)
    if len(geometries) == 0:
        return compute.Sources(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
    parts = []
    with_entrance = np.zeros(len(geometries), bool)
    if entrances:
        ex, ey = network.projection.forward([e.lon for e in entrances], [e.lat for e in entrances])
        point, park = compute.entrances_of(geometries, ex, ey)
        if len(point):
            gates = compute.point_sources(network, ex[point], ey[point])
            parts.append(compute.Sources(gates.nodes, gates.offsets, np.tile(park, 2), gates.edge, gates.along))
            with_entrance[park] = True
    polygonal = np.flatnonzero(~with_entrance)
    if len(polygonal):
        open_sides = compute.polygon_sources(network, geometries[polygonal], parameters["entrance_gap_m"])
        parts.append(
            compute.Sources(
                open_sides.nodes, open_sides.offsets, polygonal[open_sides.facility], open_sides.edge, open_sides.along
            )
        )
    return compute.Sources(
        np.concatenate([p.nodes for p in parts]),
        np.concatenate([p.offsets for p in parts]),
        np.concatenate([p.facility for p in parts]),
        np.concatenate([p.edge for p in parts]),
        np.concatenate([p.along for p in parts]),
    )


# -- toilets -------------------------------------------------------------------


def _toilets(network, areas, features, rules, land, methods, parameters) -> dict | None:
    """Toilet coverage of residential and busy land, each with its own radius."""
    radii = {r.applies_to: r.distance_m for r in rules if r.target == RuleTarget.TOILET}
    if not radii:
        return None
    busy = features[FeatureKind.BUSY]
    busy_layer = (
        _layer(network, areas, [network.projection.geometry(shape(f.geometry)) for f in busy], parameters["cell_m"])
        if busy and FeatureKind.BUSY in radii
        else None
    )
    layers = {}
    if FeatureKind.RESIDENTIAL in radii:
        layers[FeatureKind.RESIDENTIAL] = land
    if busy_layer is not None:
        layers[FeatureKind.BUSY] = busy_layer
    toilets = features[FeatureKind.TOILET]
    tx, ty = network.projection.forward([t.lon for t in toilets], [t.lat for t in toilets])
    sources = compute.point_sources(network, tx, ty)
    result = {"count": len(toilets), "layers": {}}
    for kind, layer in layers.items():
        radius = radii[kind]
        covered = {}
        for method in methods:
            if method == Method.NETWORK:
                d = compute.walking_distance(network, layer.snap, sources, radius, parameters["max_access_m"])
                covered[method] = d <= radius
            else:
                covered[method] = compute.buffer_covered(
                    layer.origins, list(shapely.points(tx, ty)), np.full(len(toilets), radius)
                )
        result["layers"][kind] = {"layer": layer, "covered": covered, "radius": radius}
    return result


# -- gaps along streets ----------------------------------------------------------


def _gaps(network, features, rules, parameters) -> list[dict]:
    found = []
    for target, kind in ((RuleTarget.BIN_SPACING, FeatureKind.BIN), (RuleTarget.TOILET_SPACING, FeatureKind.TOILET)):
        spacing = {
            STREET_CLASSES.index(r.applies_to): r.distance_m
            for r in rules
            if r.target == target and r.applies_to in STREET_CLASSES
        }
        if not spacing:
            continue
        points = features[kind]
        x, y = network.projection.forward([p.lon for p in points], [p.lat for p in points])
        for gap in compute.street_gaps(network, x, y, spacing, snap_m=parameters["gap_snap_m"]):
            lon, lat = network.projection.inverse(gap.x, gap.y)
            found.append(
                {
                    "kind": kind,
                    "street": network.names[gap.street],
                    "street_class": STREET_CLASSES[gap.street_class],
                    "from_m": round(gap.start_m),
                    "to_m": round(gap.end_m),
                    "length_m": round(gap.length_m),
                    "spacing_m": spacing[gap.street_class],
                    "lon": round(float(lon), 6),
                    "lat": round(float(lat), 6),
                }
            )
    found.sort(key=lambda g: (g["kind"], -g["length_m"]))
    return found


# -- candidate sites -------------------------------------------------------------


def _candidates(network, features, park_rules, rules, land, park, toilet, parameters) -> dict:
    """Candidate sites ranked by the residential land each would add to coverage."""
    sites = features[FeatureKind.CANDIDATE]
    if not sites:
        return {}
    sx, sy = network.projection.forward([s.lon for s in sites], [s.lat for s in sites])
    total = float(land.origins.weight.sum())
    ranked = {}
    plans = []
    if Method.NETWORK in park["any"]:
        # A new pocket park serves the smallest tier's radius.
        plans.append(("park", ~park["any"][Method.NETWORK], park_rules[0].distance_m))
    if toilet and FeatureKind.RESIDENTIAL in toilet["layers"]:
        layer = toilet["layers"][FeatureKind.RESIDENTIAL]
        if Method.NETWORK in layer["covered"]:
            plans.append(("toilet", ~layer["covered"][Method.NETWORK], layer["radius"]))
    for purpose, uncovered, radius in plans:
        picks = []
        running = float(land.origins.weight[~uncovered].sum())
        for site, gained in compute.greedy_sites(
            network,
            land.snap,
            land.origins.weight,
            uncovered,
            sx,
            sy,
            radius,
            parameters["max_access_m"],
            limit=parameters["candidates"],
        ):
            running += gained
            picks.append(
                {
                    "id": sites[site].pk,
                    "name": sites[site].name or sites[site].ref,
                    "lon": sites[site].lon,
                    "lat": sites[site].lat,
                    "gain_m2": round(gained),
                    "gain_pct": round(100 * gained / total, 2),
                    "coverage_pct": round(100 * running / total, 2),
                }
            )
        ranked[purpose] = picks
    return ranked


# -- results ---------------------------------------------------------------------


def _share(weight, covered, mask) -> float | None:
    total = weight[mask].sum()
    if total <= 0:
        return None
    return round(100 * float(weight[mask & covered].sum()) / float(total), 2)


def _area_rows(areas, land, buildings, people, park, toilet, park_rules, gaps, methods) -> list[dict]:
    """City, district and street rows: shares in percent by method."""
    units = [("city", None, None)]
    units += [("district", i, a) for i, a in enumerate(areas.districts)]
    units += [("street", i, a) for i, a in enumerate(areas.streets)]
    rows = []
    for level, index, area in units:

        def mask_of(layer, level=level, index=index):
            if level == "city":
                return np.ones(len(layer.origins), bool)
            return (layer.district if level == "district" else layer.street) == index

        land_mask = mask_of(land)
        land_m2 = float(land.origins.weight[land_mask].sum())
        if level != "city" and land_m2 == 0:
            continue
        row = {
            "level": level,
            "code": area.code if area else "",
            "name": area.name if area else _("Whole city"),
            "parent": _parent_code(area, areas) if area else "",
            "land_ha": round(land_m2 / 1e4, 2),
            "park": {},
            "tiers": {},
            "buildings": {},
            "population": {},
            "toilet": {},
        }
        for method in methods:
            row["park"][method] = _share(land.origins.weight, park["any"][method], land_mask)
            row["tiers"][method] = {
                str(r.pk): _share(land.origins.weight, park["tiers"][r.pk][method], land_mask) for r in park_rules
            }
            if buildings and method in park["buildings"]:
                row["buildings"][method] = _share(
                    buildings.origins.weight, park["buildings"][method], mask_of(buildings)
                )
            if people is not None:
                row["population"][method] = _share(people, park["any"][method], land_mask)
            if toilet:
                weight_sum, covered_sum = 0.0, 0.0
                for entry in toilet["layers"].values():
                    layer = entry["layer"]
                    m = mask_of(layer)
                    weight_sum += float(layer.origins.weight[m].sum())
                    covered_sum += float(layer.origins.weight[m & entry["covered"][method]].sum())
                row["toilet"][method] = round(100 * covered_sum / weight_sum, 2) if weight_sum else None
        rows.append(row)
    return rows


def _parent_code(area, areas) -> str:
    if area.level == AreaLevel.STREET:
        return area.path.strip("/").split("/")[-2] if area.path.count("/") >= 2 else ""
    return ""


def _parcel_results(residential, land, park, park_rules, methods) -> dict:
    """Per residential parcel: the covered share of its land, by method and by tier."""
    weight = land.origins.weight
    total = np.bincount(land.origins.parcel, weights=weight, minlength=len(residential))

    def share(covered):
        part = np.bincount(land.origins.parcel, weights=weight * covered, minlength=len(residential))
        return np.round(np.divide(part, total, out=np.zeros_like(part), where=total > 0), 3)

    columns = {f"park.{m}": share(park["any"][m]) for m in methods}
    for rule in park_rules:
        for m in methods:
            columns[f"tier{rule.pk}.{m}"] = share(park["tiers"][rule.pk][m])
    names = list(columns)
    values = np.column_stack([columns[n] for n in names]) if names else np.zeros((len(residential), 0))
    return {"columns": names, "ids": [f.pk for f in residential], "values": values.tolist()}
