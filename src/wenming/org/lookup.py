"""Point → area lookup: which grid, community, street and district a point lies in.

All boundaries are held in one Shapely STRtree per process. The tree is rebuilt
when the areas change (their count or latest update time differs), so every
process of a multi-server deployment sees imports without a restart.
"""

from dataclasses import dataclass

import numpy as np
import shapely
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from wenming.core.cache import TableCache
from wenming.core.errors import Invalid
from wenming.org.models import LEVEL_ORDER, Area


@dataclass(frozen=True)
class AreaRef:
    id: int
    code: str
    name: str
    level: str


@dataclass(frozen=True)
class Location:
    """The chain of areas around a point, from the city down to the deepest area known."""

    chain: tuple[AreaRef, ...]

    def at(self, level: str) -> AreaRef | None:
        return next((a for a in self.chain if a.level == level), None)

    @property
    def deepest(self) -> AreaRef:
        return self.chain[-1]

    def as_dict(self) -> dict:
        return {a.level: {"id": a.id, "code": a.code, "name": a.name} for a in self.chain}


class OutsideCity(Invalid):
    def __init__(self, lon, lat):
        message = _("The point (%(lon).6f, %(lat).6f) lies outside the city.") % {"lon": lon, "lat": lat}
        super().__init__(message, {"location": message})
        self.lon, self.lat = lon, lat


class AreaIndex:
    def __init__(self, rows):
        # rows: (id, code, name, level, path, boundary)
        self.refs: list[AreaRef] = []
        self.paths: list[str] = []
        geoms = []
        by_code: dict[str, AreaRef] = {}
        for area_id, code, name, level, path, boundary in rows:
            ref = AreaRef(area_id, code, name, level)
            by_code[code] = ref
            if boundary:
                self.refs.append(ref)
                self.paths.append(path)
                geoms.append(shapely.geometry.shape(boundary))
        self.by_code = by_code
        self.geoms = np.array(geoms, dtype=object)
        self.tree = shapely.STRtree(self.geoms)
        # Deeper levels win; among equals (a point exactly on a shared border)
        # the smaller code wins, so the answer is the same every time.
        self.depth = [LEVEL_ORDER.index(r.level) for r in self.refs]

    def _chain(self, tree_index: int) -> Location:
        codes = self.paths[tree_index].strip("/").split("/")
        return Location(tuple(self.by_code[c] for c in codes if c in self.by_code))

    def _best(self, candidates) -> int | None:
        if len(candidates) == 0:
            return None
        return int(min(candidates, key=lambda i: (-self.depth[i], self.refs[i].code)))

    def locate(self, lon: float, lat: float) -> Location | None:
        """The chain of areas covering the point (borders included), or None outside the city."""
        candidates = self.tree.query(shapely.Point(lon, lat), predicate="covered_by")
        best = self._best(candidates)
        return None if best is None else self._chain(best)

    def locate_many(self, lons, lats) -> list[Location | None]:
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        inputs, hits = self.tree.query(points, predicate="covered_by")
        results: list[Location | None] = [None] * len(points)
        order = np.argsort(inputs, kind="stable")
        inputs, hits = inputs[order], hits[order]
        bounds = np.flatnonzero(np.diff(inputs)) + 1
        for group in np.split(np.arange(len(inputs)), bounds):
            if len(group):
                best = self._best(hits[group])
                results[int(inputs[group[0]])] = self._chain(best)
        return results


def _version() -> tuple:
    stats = Area.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return (stats["n"], stats["latest"])


def _build() -> AreaIndex:
    rows = Area.objects.values_list("id", "code", "name", "level", "path", "boundary")
    return AreaIndex(rows.iterator(chunk_size=500))


_index = TableCache(_version, _build)
get_index = _index.get
invalidate = _index.invalidate


def locate(lon: float, lat: float) -> Location:
    """The areas around a point; raises OutsideCity when no area covers it."""
    location = get_index().locate(lon, lat)
    if location is None:
        raise OutsideCity(lon, lat)
    return location
