"""Importing coverage data: an OpenStreetMap extract, a generated network, the
city's own lists. Every import is checked whole before anything is saved."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import shapely
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from shapely import affinity
from shapely.geometry import shape
from shapely.validation import explain_validity

from wenming.core.tables import TableError, read_table
from wenming.coverage import osm
from wenming.coverage.errors import CoverageError
from wenming.coverage.models import GREEN_KINDS, PRECEDENCE_GROUPS, Dataset, DataSource, Feature, FeatureKind
from wenming.geo.crs import geometry_gcj02_to_wgs84
from wenming.geo.geometry import to_geojson
from wenming.geo.measure import area_m2
from wenming.org.models import Area, AreaLevel
from wenming.org.services import ImportRejected, Problem

BATCH = 2000

#: What people write in a city list's kind column, besides the codes themselves.
KIND_WORDS = {
    "公园": FeatureKind.PARK,
    "综合公园": FeatureKind.PARK,
    "社区公园": FeatureKind.PARK,
    "游园": FeatureKind.GREEN,
    "口袋公园": FeatureKind.GREEN,
    "绿地": FeatureKind.GREEN,
    "pocket_park": FeatureKind.GREEN,
    "游乐场": FeatureKind.PLAYGROUND,
    "公厕": FeatureKind.TOILET,
    "公共厕所": FeatureKind.TOILET,
    "果皮箱": FeatureKind.BIN,
    "垃圾桶": FeatureKind.BIN,
    "废物箱": FeatureKind.BIN,
    "公园出入口": FeatureKind.ENTRANCE,
    "候选点": FeatureKind.CANDIDATE,
    "闲置地块": FeatureKind.CANDIDATE,
    "居住用地": FeatureKind.RESIDENTIAL,
    "商业用地": FeatureKind.BUSY,
    "住宅楼": FeatureKind.BUILDING,
}
POINT_KINDS = {FeatureKind.TOILET, FeatureKind.BIN, FeatureKind.ENTRANCE, FeatureKind.CANDIDATE}
POLYGON_KINDS = {FeatureKind.RESIDENTIAL, FeatureKind.BUSY}


def city_boundary():
    """The city's outline (lon/lat) from its areas: the city itself, else its districts."""
    for level in (AreaLevel.CITY, AreaLevel.DISTRICT):
        shapes = [
            shape(b)
            for b in Area.objects.filter(level=level, boundary__isnull=False).values_list("boundary", flat=True)
        ]
        if shapes:
            return shapely.union_all(shapes)
    return None


def read_boundary(path, *, gcj02: bool = False):
    """A boundary from a GeoJSON file: the union of its polygons."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CoverageError(_("No file at %s.") % path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CoverageError(_("%(file)s is not GeoJSON: %(error)s") % {"file": path.name, "error": exc}) from None
    geometries = _geojson_geometries(data)
    polygons = []
    for geometry in geometries:
        try:
            geom = shapely.make_valid(shape(geometry))
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException):
            continue
        polygons.extend(p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon"))
    if not polygons:
        raise CoverageError(_("%s holds no polygon to use as a boundary.") % path.name)
    boundary = shapely.union_all(polygons)
    return geometry_gcj02_to_wgs84(boundary) if gcj02 else boundary


def _geojson_geometries(data) -> list:
    if not isinstance(data, dict):
        return []
    if data.get("type") == "FeatureCollection":
        return [f.get("geometry") for f in data.get("features") or [] if isinstance(f, dict) and f.get("geometry")]
    if data.get("type") == "Feature":
        return [data["geometry"]] if data.get("geometry") else []
    return [data] if "coordinates" in data else []


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_osm(path, *, boundary=None, user=None, progress=None) -> Dataset:
    """Import the walking network and features of an OpenStreetMap extract,
    clipped to ``boundary`` (lon/lat), else to the city's own outline."""
    boundary = boundary if boundary is not None else city_boundary()
    if boundary is None:
        raise CoverageError(_("The city has no boundary yet: import its areas first, or give --boundary."))
    extract = osm.read(path, boundary=boundary, progress=progress)
    return save_extract(
        extract,
        source=DataSource.OSM,
        file_name=Path(path).name,
        checksum=sha256_of(path),
        boundary=boundary,
        user=user,
        progress=progress,
    )


@transaction.atomic
def save_extract(
    extract: osm.Extract, *, source, file_name: str, checksum: str, boundary=None, user=None, progress=None
) -> Dataset:
    """Store a network and its features as the network in use."""
    network = extract.network()
    if network.edge_count == 0:
        raise CoverageError(_("%s has no walkable street.") % file_name)
    Dataset.objects.filter(source__in=(DataSource.OSM, DataSource.GENERATED), is_current=True).update(is_current=False)
    counts: dict[str, int] = {}
    for f in extract.features:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    dataset = Dataset.objects.create(
        source=source,
        file_name=file_name,
        checksum=checksum,
        imported_by=user,
        network=network.to_bytes(),
        node_count=network.node_count,
        edge_count=network.edge_count,
        boundary=to_geojson(boundary) if boundary is not None else None,
        counts=counts,
    )
    _save_features(
        dataset, ((f.kind, f.ref, f.name, f.geometry, f.tags.get("population")) for f in extract.features), progress
    )
    return dataset


def _save_features(dataset, rows, progress=None) -> None:
    batch = []
    for kind, ref, name, geom, population in rows:
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        batch.append(
            Feature(
                dataset=dataset,
                kind=kind,
                ref=str(ref)[:64],
                name=(name or "")[:200],
                geometry=to_geojson(geom),
                lon=round(point.x, 7),
                lat=round(point.y, 7),
                area_m2=round(area_m2(geom), 1) if geom.geom_type in ("Polygon", "MultiPolygon") else 0,
                population=int(population) if population not in (None, "") else None,
            )
        )
        if len(batch) >= BATCH:
            Feature.objects.bulk_create(batch)
            if progress:
                progress(len(batch))
            batch = []
    Feature.objects.bulk_create(batch)


# -- the city's own lists -------------------------------------------------


def import_list(path, *, kind: str | None = None, gcj02: bool = False, user=None) -> Dataset:
    """Import a city's own list (CSV/Excel of points, or GeoJSON), all or nothing.

    It takes precedence over OpenStreetMap for the kinds it holds, and
    replaces the city's earlier list of those kinds.
    """
    path = Path(path)
    if kind is not None:
        kind = _kind(kind)
        if kind is None:
            raise CoverageError(_("Unknown kind. Use one of: %s.") % ", ".join(FeatureKind.values))
    if path.suffix.lower() in (".geojson", ".json"):
        rows, problems = _geojson_rows(path, kind)
    else:
        rows, problems = _table_rows(path, kind)
    boundary = city_boundary()
    checked = []
    for where, ref, row_kind, name, geom, population in rows:
        if gcj02:
            geom = geometry_gcj02_to_wgs84(geom)
        why = _check_geometry(row_kind, geom, boundary)
        if why:
            problems.append(Problem(where, name or ref, why))
        else:
            checked.append((row_kind, ref, name, geom, population))
    if problems:
        raise ImportRejected(problems)
    if not checked:
        raise CoverageError(_("%s lists nothing.") % path.name)
    return _save_list(path, checked, gcj02, user)


@transaction.atomic
def _save_list(path, rows, gcj02, user) -> Dataset:
    kinds = sorted({r[0] for r in rows})
    for older in Dataset.objects.filter(source=DataSource.CITY, is_current=True):
        if set(older.counts) <= set(kinds):
            older.is_current = False
            older.save(update_fields=["is_current"])
    counts = {k: sum(1 for r in rows if r[0] == k) for k in kinds}
    dataset = Dataset.objects.create(
        source=DataSource.CITY,
        file_name=path.name,
        checksum=sha256_of(path),
        imported_by=user,
        converted_from_gcj02=gcj02,
        counts=counts,
    )
    _save_features(dataset, rows)
    return dataset


def _kind(value) -> str | None:
    text = str(value or "").strip()
    if text in FeatureKind.values:
        return text
    return KIND_WORDS.get(text) or KIND_WORDS.get(text.lower())


def _table_rows(path, kind):
    try:
        table = read_table(path)
    except TableError as exc:
        raise CoverageError(str(exc)) from None
    rows, problems = [], []
    for number, row in table:
        where = _("row %d") % number
        name = str(row.get("name") or row.get("名称") or "").strip()
        ref = str(row.get("id") or row.get("编号") or "").strip()
        row_kind = kind or _kind(row.get("kind") or row.get("类型"))
        why = []
        if row_kind is None:
            why.append(_("the kind is missing or unknown (%s)") % (row.get("kind") or row.get("类型") or ""))
        elif row_kind in POLYGON_KINDS:
            why.append(_("land needs a polygon: list it in a GeoJSON file"))
        try:
            lon = float(row.get("lon") if row.get("lon") not in (None, "") else row.get("经度"))
            lat = float(row.get("lat") if row.get("lat") not in (None, "") else row.get("纬度"))
            if not (math.isfinite(lon) and math.isfinite(lat)):
                raise ValueError(lon)
        except (TypeError, ValueError):
            why.append(_("lon and lat must be numbers in degrees"))
            lon = lat = None
        if why:
            problems.extend(Problem(where, name or ref, w) for w in why)
            continue
        geom, why = _sized(row_kind, shapely.Point(lon, lat), row.get("area_m2") or row.get("面积"))
        if why:
            problems.append(Problem(where, name or ref, why))
            continue
        rows.append((where, ref, row_kind, name, geom, None))
    return rows, problems


def _sized(kind, geom, area):
    """Green space listed as a point becomes a circle of its stated area: the
    area decides its tier, so it is required."""
    if geom.geom_type != "Point" or kind not in GREEN_KINDS:
        return geom, None
    try:
        return _point_with_area(geom, float(area)), None
    except (TypeError, ValueError):
        return None, _("green space listed as a point needs its area in square metres (area_m2)")


def _point_with_area(point, area):
    if not math.isfinite(area) or area <= 0:
        raise ValueError(area)
    # A circle of that area around the point, in degrees at this latitude.
    radius_m = math.sqrt(area / math.pi)
    metres_per_degree = 111_195.0
    circle = point.buffer(radius_m / metres_per_degree, quad_segs=8)
    return affinity.scale(circle, xfact=1 / max(math.cos(math.radians(point.y)), 0.01), yfact=1, origin=point)


def _geojson_rows(path, kind):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CoverageError(_("No file at %s.") % path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CoverageError(_("%(file)s is not GeoJSON: %(error)s") % {"file": Path(path).name, "error": exc}) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise CoverageError(_("%s is not a GeoJSON FeatureCollection.") % Path(path).name)
    rows, problems = [], []
    for index, feature in enumerate(data.get("features") or [], start=1):
        where = _("feature %d") % index
        props = (feature or {}).get("properties") or {}
        name = str(props.get("name") or props.get("名称") or "").strip()
        ref = str(props.get("id") or props.get("编号") or "").strip()
        row_kind = kind or _kind(props.get("kind") or props.get("类型"))
        if row_kind is None:
            problems.append(
                Problem(
                    where,
                    name or ref,
                    _("the kind is missing or unknown (%s)") % (props.get("kind") or props.get("类型") or ""),
                )
            )
            continue
        try:
            geom = shape(feature.get("geometry"))
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, shapely.errors.GEOSException):
            problems.append(Problem(where, name or ref, _("the geometry cannot be read")))
            continue
        geom, why = _sized(row_kind, geom, props.get("area_m2") or props.get("面积"))
        if why:
            problems.append(Problem(where, name or ref, why))
            continue
        population = props.get("population") or props.get("人口")
        rows.append((where, ref, row_kind, name, geom, population))
    return rows, problems


def _check_geometry(kind, geom, boundary) -> str | None:
    if geom.is_empty:
        return _("the geometry is empty")
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        return _("the coordinates are not longitude/latitude in degrees")
    if kind in POINT_KINDS and geom.geom_type != "Point":
        return _("a %s is a point") % FeatureKind(kind).label
    if kind in POLYGON_KINDS and geom.geom_type not in ("Polygon", "MultiPolygon"):
        return _("%s needs a polygon") % FeatureKind(kind).label
    if geom.geom_type not in ("Point", "Polygon", "MultiPolygon"):
        return _("a %s is a point or a polygon") % FeatureKind(kind).label
    if not geom.is_valid:
        return _("the polygon is invalid: %s") % explain_validity(geom)
    if boundary is not None and not boundary.intersects(geom):
        return _("it lies outside the city")
    return None


# -- what a run uses -------------------------------------------------------


def network_in_use() -> Dataset | None:
    return Dataset.objects.filter(source__in=(DataSource.OSM, DataSource.GENERATED), is_current=True).first()


def sources_in_use(network: Dataset) -> tuple[dict[str, Dataset | None], list[Dataset]]:
    """Where each kind is read from, and the datasets that makes, network first.

    A kind comes from the newest current city list that holds it; a group the
    city lists hold none of comes from the network's own (OSM or generated) data.
    """
    newest: dict[str, Dataset] = {}
    for dataset in Dataset.objects.filter(source=DataSource.CITY, is_current=True).defer("network"):  # newest first
        for kind in dataset.counts:
            newest.setdefault(kind, dataset)
    source_of: dict[str, Dataset | None] = {}
    for group in PRECEDENCE_GROUPS:
        held = any(kind in newest for kind in group)
        for kind in group:
            source_of[kind] = newest.get(kind) if held else network
    used = [network]
    for dataset in source_of.values():
        if dataset is not None and dataset not in used:
            used.append(dataset)
    return source_of, used


def features_in_use(network: Dataset) -> tuple[dict[str, list[Feature]], list[Dataset]]:
    """The features a run measures with, by kind, and the datasets they come from."""
    source_of, used = sources_in_use(network)
    wanted = Q(pk__in=[])
    for kind, dataset in source_of.items():
        if dataset is not None:
            wanted |= Q(dataset=dataset, kind=kind)
    by_kind: dict[str, list[Feature]] = {k: [] for k in FeatureKind.values}
    for feature in Feature.objects.filter(wanted).order_by("id"):
        by_kind[feature.kind].append(feature)
    return by_kind, used
