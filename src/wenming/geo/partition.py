"""Generated, made-up sub-divisions of a real boundary.

The demo city needs street, community and grid boundaries, but those are not
public. `partition` invents plausible ones: it splits a real (district or
street) boundary into Voronoi cells around random seeds smoothed by Lloyd
relaxation. The pieces tile the boundary exactly, but they are generated, not
real administrative boundaries, and must never be presented as such.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

WeightFn = Callable[[np.ndarray, np.ndarray], np.ndarray]

# Uniform samples per seed used to estimate weighted centroids.
_SAMPLES_PER_SEED = 24
_MIN_SAMPLES = 2000
# Rounds of extra sampling before concluding the weight is zero everywhere.
_MAX_REJECTION_ROUNDS = 40
# Extra relaxation rounds allowed while a piece is still tiny.
_MAX_EXTRA_RELAX = 10
_TINY_FRACTION = 1 / 20


def partition(
    boundary: BaseGeometry,
    n: int,
    *,
    seed: int | np.random.SeedSequence | None,
    weight: WeightFn | None = None,
    relax: int = 2,
) -> list[Polygon | MultiPolygon]:
    """Split ``boundary`` (lon/lat degrees) into exactly ``n`` generated pieces.

    The pieces cover the boundary without gaps or overlaps, are each one
    Polygon where the boundary's shape allows (a piece keeps an island that
    touches no other piece as a MultiPolygon part), and are returned sorted by
    their representative point from north to south, then west to east. Seeds
    come from ``numpy.random.default_rng(seed)``; with ``weight`` (a vectorised
    ``weight(lon, lat) -> non-negative array``) seeds are denser, so pieces
    smaller, where the weight is high. Same inputs → same output.
    """
    n = _check_n(n)
    relax = _check_relax(relax)
    boundary = _check_boundary(boundary)
    if n == 1:
        return [shapely.normalize(boundary)]

    frame = _Frame(boundary)
    local = frame.forward(boundary)
    shapely.prepare(local)
    rng = np.random.default_rng(seed)
    sampler = _Sampler(local, rng)

    pool: _Pool | None = None
    if weight is None:
        seeds = sampler.draw(n)
    else:
        seeds, pool = _weighted_seeds(sampler, frame, weight, n, rng)

    # Seeds live in the isotropic local frame where the Voronoi diagram is
    # drawn; cells are clipped in degrees against the original boundary so the
    # last round's cells are the final pieces, sharing its exact vertices.
    # Beyond the requested rounds, keep relaxing (a bounded number of times)
    # while some piece is still tiny.
    extent = _padded_envelope(local)
    shapely.prepare(boundary)
    round_no = 0
    while True:
        cells = _clip(frame.backward(_voronoi(seeds, extent)), boundary)
        labels = None if pool is None else _nearest_seed(seeds, pool.local)
        if round_no >= relax and (
            relax == 0 or round_no >= relax + _MAX_EXTRA_RELAX or not _has_tiny(cells, labels, pool)
        ):
            break
        moved = frame.forward_points(_lloyd_step(cells, boundary, pool, labels))
        if len(np.unique(moved, axis=0)) < n:
            break  # two seeds collapsed; a Voronoi diagram needs n distinct points
        seeds = moved
        round_no += 1

    pieces = _merge_fragments(cells, boundary)
    pieces = _ensure_valid(pieces)
    return _sorted_north_to_south(pieces)


# -- input checks -------------------------------------------------------------


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ValueError(f"n must be a whole number of pieces, got {n!r}")
    if n < 1:
        raise ValueError(f"n must be at least 1 piece, got {n}")
    return int(n)


def _check_relax(relax: int) -> int:
    if isinstance(relax, bool) or not isinstance(relax, numbers.Integral) or relax < 0:
        raise ValueError(f"relax must be a non-negative whole number, got {relax!r}")
    return int(relax)


def _check_boundary(boundary: BaseGeometry) -> Polygon | MultiPolygon:
    if not isinstance(boundary, Polygon | MultiPolygon):
        kind = getattr(boundary, "geom_type", type(boundary).__name__)
        raise ValueError(f"boundary must be a Polygon or MultiPolygon, got {kind}")
    if boundary.is_empty:
        raise ValueError("boundary is empty (it has no area to partition)")
    if not boundary.is_valid:
        boundary = _polygonal(shapely.make_valid(boundary))
    if not boundary.area > 0:
        raise ValueError("boundary has no area to partition")
    return boundary


# -- geometry helpers ---------------------------------------------------------


class _Frame:
    """A local plane where distances are isotropic and coordinates are O(1).

    Voronoi cells drawn in raw lon/lat would be stretched east-west by
    1/cos(lat).
    """

    def __init__(self, boundary: BaseGeometry) -> None:
        minx, miny, maxx, maxy = boundary.bounds
        self.lon0 = (minx + maxx) / 2
        self.lat0 = (miny + maxy) / 2
        self.kx = math.cos(math.radians(self.lat0))
        size = max((maxx - minx) * self.kx, maxy - miny)
        self.scale = size if size > 0 else 1.0

    def forward_xy(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (lon - self.lon0) * self.kx / self.scale, (lat - self.lat0) / self.scale

    def backward_xy(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x * self.scale / self.kx + self.lon0, y * self.scale + self.lat0

    def forward_points(self, lonlat: np.ndarray) -> np.ndarray:
        return np.column_stack(self.forward_xy(lonlat[:, 0], lonlat[:, 1]))

    def backward_points(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack(self.backward_xy(xy[:, 0], xy[:, 1]))

    def forward(self, geom):
        return shapely.transform(geom, lambda c: np.column_stack(self.forward_xy(c[:, 0], c[:, 1])))

    def backward(self, geom):
        return shapely.transform(geom, lambda c: np.column_stack(self.backward_xy(c[:, 0], c[:, 1])))


class _Sampler:
    """Uniform random points inside a polygon via its triangulation."""

    def __init__(self, polygon: BaseGeometry, rng: np.random.Generator) -> None:
        triangles = shapely.get_parts(shapely.constrained_delaunay_triangles(polygon))
        triangles = triangles[shapely.area(triangles) > 0]
        corners = shapely.get_coordinates(shapely.get_exterior_ring(triangles)).reshape(-1, 4, 2)
        self.a = corners[:, 0]
        self.ab = corners[:, 1] - corners[:, 0]
        self.ac = corners[:, 2] - corners[:, 0]
        self.cumulative = np.cumsum(shapely.area(triangles))
        self.polygon = polygon
        self.rng = rng

    def draw(self, k: int) -> np.ndarray:
        """k points strictly inside the polygon, as a (k, 2) array."""
        out = np.empty((0, 2))
        while len(out) < k:
            need = k - len(out)
            m = need + need // 10 + 8
            tri = np.searchsorted(self.cumulative, self.rng.random(m) * self.cumulative[-1], side="right")
            tri = np.minimum(tri, len(self.cumulative) - 1)
            u, v = self.rng.random(m), self.rng.random(m)
            flip = u + v > 1
            u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
            pts = self.a[tri] + u[:, None] * self.ab[tri] + v[:, None] * self.ac[tri]
            # Rounding can put a point of a sliver triangle on or just outside
            # the boundary; such a seed could get an empty piece.
            pts = pts[shapely.contains_xy(self.polygon, pts[:, 0], pts[:, 1])]
            out = np.vstack([out, pts])
        return out[:k]


@dataclass(frozen=True)
class _Pool:
    """Uniform sample points of the boundary with their weights.

    They estimate weighted centroids and weight mass per cell; ``local`` is
    in the Voronoi frame (for nearest-seed lookup), ``lonlat`` in degrees.
    """

    local: np.ndarray
    lonlat: np.ndarray
    weights: np.ndarray


def _weighted_seeds(
    sampler: _Sampler, frame: _Frame, weight: WeightFn, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, _Pool]:
    """Rejection-sample n seeds with density ∝ weight; also return the pool."""

    def weigh(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lonlat = frame.backward_points(points)
        w = np.asarray(weight(lonlat[:, 0], lonlat[:, 1]), dtype=float)
        w = np.broadcast_to(w, (len(points),))
        return lonlat, np.clip(np.nan_to_num(w, nan=0.0, posinf=0.0, neginf=0.0), 0.0, None)

    pool = sampler.draw(max(_SAMPLES_PER_SEED * n, _MIN_SAMPLES))
    pool_lonlat, pool_w = weigh(pool)
    w_max = pool_w.max()
    if not w_max > 0:
        raise ValueError("weight is zero everywhere inside the boundary")
    seeds = pool[rng.random(len(pool)) * w_max < pool_w]
    for _ in range(_MAX_REJECTION_ROUNDS):
        if len(seeds) >= n:
            break
        rate = max(len(seeds), 1) / len(pool)
        extra = sampler.draw(int((n - len(seeds)) / rate * 1.5) + 16)
        _, extra_w = weigh(extra)
        seeds = np.vstack([seeds, extra[rng.random(len(extra)) * w_max < extra_w]])
    if len(seeds) < n:
        raise ValueError("weight is too close to zero inside the boundary to place seeds")
    return seeds[:n], _Pool(pool, pool_lonlat, pool_w)


def _padded_envelope(geom: BaseGeometry) -> Polygon:
    # Cells must reach beyond the boundary's envelope: after converting back
    # to degrees an edge lying exactly on the envelope could shift by 1 ulp.
    minx, miny, maxx, maxy = geom.bounds
    pad = 0.1 * max(maxx - minx, maxy - miny)
    return shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)


def _voronoi(seeds: np.ndarray, extent: Polygon) -> np.ndarray:
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=extent, ordered=True)
    cells = shapely.get_parts(diagram)
    if len(cells) != len(seeds):  # pragma: no cover - GEOS guarantees one cell per site
        raise RuntimeError(f"Voronoi diagram has {len(cells)} cells for {len(seeds)} seeds")
    return cells


def _clip(cells: np.ndarray, boundary: BaseGeometry) -> np.ndarray:
    """Cells ∩ boundary, polygonal parts only; inner cells skip the overlay."""
    inside = shapely.contains_properly(boundary, cells)
    out = cells.copy()
    crossing = ~inside
    if crossing.any():
        clipped = shapely.intersection(cells[crossing], boundary)
        out[crossing] = [_polygonal(g) for g in clipped]
    return out


def _polygonal(geom: BaseGeometry) -> Polygon | MultiPolygon:
    """Drop lines and points an overlay may leave in a GeometryCollection."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polys = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    for p in shapely.get_parts(geom):
        if isinstance(p, MultiPolygon):
            polys.extend(shapely.get_parts(p))
    if not polys:
        return MultiPolygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _largest_part(geom: BaseGeometry) -> Polygon:
    if isinstance(geom, Polygon):
        return geom
    parts = shapely.get_parts(geom)
    return parts[int(np.argmax(shapely.area(parts)))]


def _nearest_seed(seeds: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """Index of the Voronoi cell (nearest seed) each sample point falls in."""
    tree = shapely.STRtree(shapely.points(seeds))
    _, label = tree.query_nearest(shapely.points(samples), all_matches=False)
    return label


def _has_tiny(cells: np.ndarray, labels: np.ndarray | None, pool: _Pool | None) -> bool:
    """Is some cell below 1/20 of the mean, by area or, with a weight, by weight mass?

    With a weight, pieces in the dense core are meant to be small in area;
    they are tiny only if they hold little weight too. Detached fragments go
    to the neighbours, so only a cell's largest part counts.
    """
    n = len(cells)
    if pool is not None and labels is not None:
        mass = np.bincount(labels, weights=pool.weights, minlength=n)
        return bool(mass.min() < _TINY_FRACTION * mass.sum() / n)
    areas = shapely.area(cells)
    total = areas.sum()
    multi = np.flatnonzero(shapely.get_type_id(cells) != 3)
    areas[multi] = [_largest_part(cells[i]).area for i in multi]
    return bool(areas.min() < _TINY_FRACTION * total / n)


def _lloyd_step(cells: np.ndarray, boundary: BaseGeometry, pool: _Pool | None, labels: np.ndarray | None) -> np.ndarray:
    """New seeds (lon/lat): the centroid of the largest part of each clipped cell.

    A detached fragment will be handed to a neighbour, so only the largest
    part counts. Centroids map exactly between degrees and the local frame
    (the map is affine). With a weight the centroid is weighted by it
    (estimated from the uniform sample pool): a plain centroid would spread
    the seeds evenly again, while the weighted one keeps them denser where the
    weight is high (converging to a density ∝ √weight instead of ∝ weight).
    """
    n = len(cells)
    multi = np.flatnonzero(shapely.get_type_id(cells) != 3)
    mains = cells.copy()
    for i in multi:
        mains[i] = _largest_part(cells[i])
    centres = shapely.get_coordinates(shapely.centroid(mains))

    if pool is not None and labels is not None:
        xy, w = pool.lonlat, pool.weights.copy()
        for i in multi:  # ignore samples lying in a detached fragment of cell i
            mine = np.flatnonzero(labels == i)
            w[mine[~shapely.contains_xy(mains[i], xy[mine, 0], xy[mine, 1])]] = 0.0
        total = np.bincount(labels, weights=w, minlength=n)
        wx = np.bincount(labels, weights=w * xy[:, 0], minlength=n)
        wy = np.bincount(labels, weights=w * xy[:, 1], minlength=n)
        has = total > 0  # else keep the plain centroid
        centres[has, 0] = wx[has] / total[has]
        centres[has, 1] = wy[has] / total[has]

    outside = ~shapely.contains_xy(boundary, centres[:, 0], centres[:, 1])
    if outside.any():
        centres[outside] = shapely.get_coordinates(shapely.point_on_surface(mains[outside]))
    return centres


# -- fragments ----------------------------------------------------------------


def _merge_fragments(pieces: np.ndarray, boundary: BaseGeometry) -> np.ndarray:
    """Give each detached fragment of a cell to the neighbour it borders most.

    A Voronoi cell clipped by a concave boundary can fall apart. Every part
    but the largest is a fragment; fragments are attached breadth-first,
    starting from the largest parts, so a fragment only bordering other
    fragments still ends up connected. A fragment touching nobody (an island)
    stays with its cell.
    """
    n = len(pieces)
    multi = np.flatnonzero(shapely.get_type_id(pieces) != 3)
    if len(multi) == 0:
        return pieces

    parts: list[Polygon] = list(pieces)  # main parts first, index == owner
    frag_owner: list[int] = []
    for i in multi:
        sub = shapely.get_parts(pieces[i])
        order = np.argsort(-shapely.area(sub), kind="stable")
        parts[i] = sub[order[0]]
        for j in order[1:]:
            parts.append(sub[j])
            frag_owner.append(int(i))
    parts_arr = np.array(parts, dtype=object)
    owner = np.array(list(range(n)) + frag_owner)
    n_frag = len(frag_owner)
    if n_frag == 0:
        return pieces

    # Shared border lengths between each fragment and the parts it touches.
    # A small tolerance absorbs last-bit differences where two cells' edges
    # were cut by the boundary in separate overlays.
    minx, miny, maxx, maxy = boundary.bounds
    eps = 1e-9 * max(maxx - minx, maxy - miny)
    tree = shapely.STRtree(parts_arr)
    borders: dict[int, list[tuple[int, float]]] = {}
    for k in range(n_frag):
        f_idx = n + k
        frag = parts_arr[f_idx]
        cand = tree.query(frag.buffer(eps, quad_segs=1))
        cand = cand[(cand != f_idx)]
        cand = cand[owner[cand] != owner[f_idx]]
        if len(cand) == 0:
            borders[f_idx] = []
            continue
        near = shapely.buffer(parts_arr[cand], eps, quad_segs=1)
        length = shapely.length(shapely.intersection(frag.boundary, near))
        borders[f_idx] = [(int(c), float(shared)) for c, shared in zip(cand, length, strict=True) if shared > 10 * eps]

    resolved = np.zeros(len(parts_arr), dtype=bool)
    resolved[:n] = True
    new_owner = owner.copy()
    while True:
        assigned = {}
        for f_idx, touching in borders.items():
            if resolved[f_idx]:
                continue
            per_owner: dict[int, float] = {}
            for c, length in touching:
                if resolved[c]:
                    per_owner[new_owner[c]] = per_owner.get(new_owner[c], 0.0) + length
            if per_owner:
                # Longest border wins; ties go to the lower index for determinism.
                assigned[f_idx] = max(per_owner.items(), key=lambda kv: (kv[1], -kv[0]))[0]
        if not assigned:
            break
        for f_idx, o in assigned.items():
            new_owner[f_idx] = o
            resolved[f_idx] = True

    # Fragments left over touch only each other, e.g. bits of an island no
    # seed landed on: give each such cluster whole to the owner of its
    # largest fragment, so it becomes one detached part of one piece.
    cluster = {f: f for f in borders if not resolved[f]}

    def root(f: int) -> int:
        while cluster[f] != f:
            f = cluster[f]
        return f

    for f_idx in cluster:
        for c, _ in borders[f_idx]:
            if c in cluster:
                a, b = root(f_idx), root(c)
                if a != b:
                    cluster[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for f_idx in sorted(cluster):
        groups.setdefault(root(f_idx), []).append(f_idx)
    for members in groups.values():
        biggest = max(members, key=lambda f: (parts_arr[f].area, -f))
        new_owner[members] = owner[biggest]

    out = pieces.copy()
    for i in np.unique(np.concatenate([owner[new_owner != owner], new_owner[new_owner != owner]])):
        members = parts_arr[new_owner == i]
        out[i] = members[0] if len(members) == 1 else _polygonal(shapely.union_all(members))
    return out


def _ensure_valid(pieces: np.ndarray) -> np.ndarray:
    bad = ~shapely.is_valid(pieces)
    for i in np.flatnonzero(bad):  # rare: only after a union of near-touching parts
        pieces[i] = _polygonal(shapely.make_valid(pieces[i]))
    return pieces


def _sorted_north_to_south(pieces: np.ndarray) -> list[Polygon | MultiPolygon]:
    reps = shapely.get_coordinates(shapely.point_on_surface(pieces))
    order = np.lexsort((reps[:, 0], -np.round(reps[:, 1], 6)))
    return [shapely.normalize(pieces[i]) for i in order]
