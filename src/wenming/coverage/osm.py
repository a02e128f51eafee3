"""Reading an OpenStreetMap extract (.osm.pbf) into a walking network and the
features service coverage is measured with: green space, toilets, litter
bins, residential land and buildings, park entrances. Pure: nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.utils.translation import gettext as _

from wenming.coverage import network as nw
from wenming.coverage.errors import CoverageError
from wenming.geo.measure import area_m2

#: A strip of grass thinner than this (2 × area / perimeter) is a verge, not green space.
MIN_GREEN_WIDTH_M = 8.0

RESIDENTIAL_BUILDINGS = {
    "residential",
    "apartments",
    "house",
    "detached",
    "dormitory",
    "terrace",
    "semidetached_house",
}
NOT_FOR_WALKING = {"no", "private"}
WALKING_ALLOWED = {"yes", "designated", "permissive"}


class OsmError(CoverageError):
    """The file cannot be used; the message says why, for a person."""


@dataclass
class OsmFeature:
    kind: str  # see geo.models.FeatureKind
    geometry: shapely.Geometry  # lon/lat
    ref: str  # "w123", "r45", "n678"
    name: str = ""
    tags: dict = field(default_factory=dict)


@dataclass
class Extract:
    lons: np.ndarray
    lats: np.ndarray
    u: np.ndarray
    v: np.ndarray
    street_class: np.ndarray
    street_name: np.ndarray
    names: list[str]
    features: list[OsmFeature]

    def network(self) -> nw.Network:
        return nw.build(self.lons, self.lats, self.u, self.v, self.street_class, self.street_name, self.names)


def _walkable(tags) -> str | None:
    """The street class of a way a pedestrian may use, else None."""
    street_class = nw.HIGHWAY_CLASS.get(tags.get("highway", ""))
    if street_class is None or tags.get("area") == "yes":
        return None
    foot = tags.get("foot", "")
    if foot in NOT_FOR_WALKING:
        return None
    if tags.get("access", "") in NOT_FOR_WALKING and foot not in WALKING_ALLOWED:
        return None
    return street_class


def _area_kind(tags) -> str | None:
    kind = _area_kind_of(tags)
    # Private green space serves nobody else; private land (a gated compound) is still lived on.
    if kind in ("park", "garden", "playground", "green") and tags.get("access", "") in NOT_FOR_WALKING:
        return None
    return kind


def _area_kind_of(tags) -> str | None:
    leisure, landuse = tags.get("leisure", ""), tags.get("landuse", "")
    if leisure == "park":
        return "park"
    if leisure == "garden":
        return None if tags.get("garden:type") in ("residential", "private") else "garden"
    if leisure == "playground":
        return "playground"
    if landuse in ("grass", "recreation_ground", "village_green"):
        return "green"
    if landuse == "residential":
        return "residential"
    if landuse in ("commercial", "retail"):
        return "busy"
    building = tags.get("building", "")
    if building in RESIDENTIAL_BUILDINGS:
        return "building"
    if building == "yes":
        return "building?"  # a building of unknown use: residential if it stands on residential land
    return None


def _point_kind(tags) -> str | None:
    amenity = tags.get("amenity", "")
    if amenity == "toilets" and tags.get("access", "") not in NOT_FOR_WALKING | {"customers"}:
        return "toilet"
    if amenity == "waste_basket":
        return "bin"
    if "entrance" in tags or tags.get("barrier") == "gate":
        return "entrance"
    return None


def read(path, boundary: shapely.Geometry | None = None, progress=None) -> Extract:
    """Read a .osm.pbf, keeping what lies in ``boundary`` (lon/lat) when given."""
    import osmium

    path = Path(path)
    if not path.is_file():
        raise OsmError(_("No file at %s.") % path)
    wkb = osmium.geom.WKBFactory()
    node_refs: list[np.ndarray] = []
    way_class: list[int] = []
    way_name: list[int] = []
    names = [""]
    name_index = {"": 0}
    locations: dict[int, tuple[float, float]] = {}
    features: list[OsmFeature] = []
    seen = 0
    try:
        processor = osmium.FileProcessor(str(path)).with_locations().with_areas()
        for obj in processor:
            seen += 1
            if progress and seen % 20000 == 0:
                progress(20000)
            if obj.is_node():
                kind = _point_kind(obj.tags)
                if kind and obj.location.valid():
                    features.append(
                        OsmFeature(
                            kind,
                            shapely.Point(obj.location.lon, obj.location.lat),
                            f"n{obj.id}",
                            obj.tags.get("name", ""),
                            _kept_tags(obj.tags),
                        )
                    )
            elif obj.is_way():
                street_class = _walkable(obj.tags)
                if street_class is None:
                    continue
                refs = []
                for n in obj.nodes:
                    if n.location.valid():
                        refs.append(n.ref)
                        locations[n.ref] = (n.location.lon, n.location.lat)
                if len(refs) < 2:
                    continue
                name = obj.tags.get("name", "")
                if name not in name_index:
                    name_index[name] = len(names)
                    names.append(name)
                node_refs.append(np.array(refs, dtype=np.int64))
                way_class.append(nw.class_index(street_class))
                way_name.append(name_index[name])
            elif obj.is_area():
                kind = _area_kind(obj.tags)
                if kind is None:
                    continue
                try:
                    geom = shapely.from_wkb(wkb.create_multipolygon(obj))
                except (RuntimeError, shapely.errors.GEOSException):
                    continue  # a broken multipolygon in the data: left out, like every OSM consumer does
                ref = ("w" if obj.from_way() else "r") + str(obj.orig_id())
                features.append(OsmFeature(kind, geom, ref, obj.tags.get("name", ""), _kept_tags(obj.tags)))
    except RuntimeError as exc:
        raise OsmError(
            _("%(file)s is not a readable OpenStreetMap PBF file (%(error)s).") % {"file": path.name, "error": exc}
        ) from None
    if not node_refs:
        raise OsmError(_("%s contains no walkable streets.") % path.name)
    return _assemble(node_refs, way_class, way_name, names, locations, features, boundary, path.name)


def _kept_tags(tags) -> dict:
    keep = ("name", "leisure", "landuse", "amenity", "building", "entrance", "barrier", "access", "fee", "highway")
    return {k: tags.get(k) for k in keep if k in tags}


def _assemble(node_refs, way_class, way_name, names, locations, features, boundary, file_name) -> Extract:
    lengths = np.array([len(r) for r in node_refs])
    all_refs = np.concatenate(node_refs)
    starts = np.cumsum(lengths) - lengths
    # Consecutive nodes of a way make a segment; none crosses from one way to the next.
    first = np.ones(len(all_refs), bool)
    first[starts] = False
    seg_from = np.flatnonzero(first) - 1
    seg_to = seg_from + 1
    seg_class = np.repeat(np.array(way_class, np.int8), lengths - 1)
    seg_name = np.repeat(np.array(way_name, np.int32), lengths - 1)
    ids, inverse = np.unique(all_refs, return_inverse=True)
    coords = np.array([locations[i] for i in ids.tolist()])
    lons, lats = coords[:, 0], coords[:, 1]
    u, v = inverse[seg_from], inverse[seg_to]

    if boundary is not None:
        data_box = shapely.box(lons.min(), lats.min(), lons.max(), lats.max())
        if not boundary.intersects(data_box):
            raise OsmError(
                _("The boundary misses the data: %(file)s covers %(data)s, the boundary %(boundary)s.")
                % {"file": file_name, "data": _bbox_text(data_box), "boundary": _bbox_text(boundary)}
            )
        shapely.prepare(boundary)
        inside = shapely.contains_xy(boundary, lons, lats)
        keep = inside[u] | inside[v]
        if not keep.any():
            raise OsmError(_("No walkable street of %s lies inside the boundary.") % file_name)
        u, v, seg_class, seg_name = u[keep], v[keep], seg_class[keep], seg_name[keep]
        features = _clip_features(features, boundary)
    # Renumber to the nodes still used.
    used, compact = np.unique(np.concatenate([u, v]), return_inverse=True)
    u, v = compact[: len(u)], compact[len(u) :]
    features = _classify_buildings(features)
    return Extract(lons[used], lats[used], u.astype(np.int32), v.astype(np.int32), seg_class, seg_name, names, features)


def _bbox_text(geom) -> str:
    minx, miny, maxx, maxy = geom.bounds
    return f"{minx:.4f},{miny:.4f} – {maxx:.4f},{maxy:.4f}"


def _clip_features(features, boundary) -> list[OsmFeature]:
    kept = []
    for f in features:
        if not boundary.intersects(f.geometry):
            continue
        if f.kind in ("residential", "busy") and not boundary.contains(f.geometry):
            # Land is measured by area: only the part inside the city counts.
            f.geometry = shapely.make_valid(f.geometry.intersection(boundary))
            if f.geometry.is_empty or shapely.area(f.geometry) == 0:
                continue
        kept.append(f)
    return kept


def _classify_buildings(features) -> list[OsmFeature]:
    """Residential buildings: tagged as such, or of unknown use on residential land.

    Green space that is only a verge (thinner than MIN_GREEN_WIDTH_M) is dropped.
    """
    land = [f.geometry for f in features if f.kind == "residential"]
    unknown = [f for f in features if f.kind == "building?"]
    on_land = set()
    if land and unknown:
        tree = shapely.STRtree(land)
        points = shapely.points([shapely.get_coordinates(f.geometry.representative_point())[0] for f in unknown])
        hits = tree.query(points, predicate="within")
        on_land = set(hits[0].tolist())
    for i, f in enumerate(unknown):
        if i in on_land:
            f.kind = "building"
    kept = []
    for f in features:
        if f.kind == "building?":
            continue
        if f.kind == "green" and _is_verge(f.geometry):
            continue
        kept.append(f)
    return kept


def _is_verge(geom) -> bool:
    length = shapely.length(geom)
    if length == 0:
        return True
    # 2A/P in degrees² / degrees → metres by the area's own scale.
    width_ratio = 2 * shapely.area(geom) / length
    metres_per_degree = (area_m2(geom) / shapely.area(geom)) ** 0.5 if shapely.area(geom) else 0
    return width_ratio * metres_per_degree < MIN_GREEN_WIDTH_M
