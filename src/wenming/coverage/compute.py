"""Service coverage on a street network, as numbers: pure functions on arrays
and shapely geometries in the network's projected metres. Nothing here reads
or writes the database, so the same code runs in the product and the benchmark.

Land is measured by area: each residential parcel is sampled on a regular
grid of points, each point carrying its share of the parcel's area, and a
point is covered when a facility lies within the radius by walking distance
(network method) or in a straight line (buffer method).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from wenming.coverage.network import Network, Snap

#: Segments asked about at once when finding park entrances.
ENTRY_BLOCK = 200_000


@dataclass
class Origins:
    """Sample points of land (or buildings), each with a weight (m², people, 1 per building)."""

    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    parcel: np.ndarray  # index of the polygon each point samples

    def __len__(self) -> int:
        return len(self.x)


@dataclass
class Sources:
    """Where a walk to a facility may end: network nodes with the distance still to go."""

    nodes: np.ndarray
    offsets: np.ndarray
    facility: np.ndarray  # index of the facility each entry belongs to
    # The segment each entry's facility is reached from and how far along it
    # (from its u end) the facility's foot lies: an origin on that same segment
    # walks straight along it, not round by one of its ends.
    edge: np.ndarray | None = None
    along: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.nodes)

    def subset(self, facilities: np.ndarray) -> Sources:
        keep = np.isin(self.facility, facilities)
        return Sources(
            self.nodes[keep],
            self.offsets[keep],
            self.facility[keep],
            None if self.edge is None else self.edge[keep],
            None if self.along is None else self.along[keep],
        )

    def shifted(self, extra: np.ndarray) -> Sources:
        """The same entries, each facility's offsets raised by extra[facility]."""
        return Sources(self.nodes, self.offsets + extra[self.facility], self.facility, self.edge, self.along)


def sample_land(polygons, cell: float, weights=None) -> Origins:
    """Points on a ``cell``-metre grid inside each polygon; a polygon too small to
    hold a grid point is represented by one point inside it.

    Each polygon's weight (its area unless ``weights`` are given) is shared
    equally among its points, so sums over points are exact per polygon.
    """
    polygons = np.asarray(polygons, dtype=object)
    if len(polygons) == 0:
        return Origins(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, np.int64))
    bounds = shapely.bounds(polygons)
    x0 = np.floor(bounds[:, 0] / cell) * cell + cell / 2
    y0 = np.floor(bounds[:, 1] / cell) * cell + cell / 2
    nx = np.maximum(0, np.ceil((bounds[:, 2] - x0) / cell)).astype(np.int64)
    ny = np.maximum(0, np.ceil((bounds[:, 3] - y0) / cell)).astype(np.int64)
    count = nx * ny
    parcel = np.repeat(np.arange(len(polygons)), count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    px = x0[parcel] + (k % nx[parcel]) * cell
    py = y0[parcel] + (k // nx[parcel]) * cell
    inside = shapely.contains_xy(polygons[parcel], px, py)
    px, py, parcel = px[inside], py[inside], parcel[inside]
    # Slivers and small parcels that no grid point falls in.
    missing = np.setdiff1d(np.arange(len(polygons)), parcel)
    if len(missing):
        reps = shapely.get_coordinates(shapely.point_on_surface(polygons[missing]))
        px, py = np.concatenate([px, reps[:, 0]]), np.concatenate([py, reps[:, 1]])
        parcel = np.concatenate([parcel, missing])
    total = shapely.area(polygons) if weights is None else np.asarray(weights, float)
    per_parcel = np.bincount(parcel, minlength=len(polygons))
    weight = total[parcel] / per_parcel[parcel]
    order = np.argsort(parcel, kind="stable")
    return Origins(px[order], py[order], weight[order], parcel[order])


def point_sources(network: Network, x, y) -> Sources:
    """Facilities at points (toilets, entrances): both ends of the nearest segment."""
    snap = network.snap(x, y)
    nodes, offsets = network.facility_sources(snap)
    facility = np.tile(np.arange(len(snap.edge)), 2)
    return Sources(nodes, offsets, facility, np.tile(snap.edge, 2), np.tile(snap.along, 2))


def polygon_sources(network: Network, polygons, gap: float) -> Sources:
    """Where each polygon (a park) touches or comes within ``gap`` metres of a street.

    Every such segment is an entrance at its point nearest the polygon (or, for
    a segment running into it, where it crosses the outline).
    """
    polygons = np.asarray(polygons, dtype=object)
    empty = Sources(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if len(polygons) == 0 or network.edge_count == 0:
        return empty
    # Every segment within the gap of a park, asked of the parks' R-tree a block
    # of segments at a time, so a city-sized network is never all geometry at once.
    parks = shapely.STRtree(polygons)
    found = []
    for start in range(0, network.edge_count, ENTRY_BLOCK):
        block = np.arange(start, min(start + ENTRY_BLOCK, network.edge_count))
        hit, park = parks.query(_segment_lines(network, block), predicate="dwithin", distance=gap)
        found.append((block[hit], park))
    edge = np.concatenate([e for e, _ in found])
    park = np.concatenate([p for _, p in found])
    segments = _segment_lines(network, edge)
    if len(park) == 0:
        return empty
    links = shapely.shortest_line(segments, polygons[park])
    ends = shapely.get_coordinates(links).reshape(-1, 2, 2)
    on_street = ends[:, 0, :]
    distance = shapely.length(links)
    along = network._along(edge, on_street[:, 0], on_street[:, 1])
    # A segment that runs into the park has no single nearest point: it is
    # entered wherever it crosses the outline, from either end.
    crossing = np.flatnonzero(distance == 0)
    if len(crossing):
        inside = shapely.intersection(segments[crossing], polygons[park[crossing]])
        points, row = shapely.get_coordinates(inside, return_index=True)
        park, edge = np.concatenate([park, park[crossing[row]]]), np.concatenate([edge, edge[crossing[row]]])
        distance = np.concatenate([distance, np.zeros(len(row))])
        along = np.concatenate([along, network._along(edge[len(along) :], points[:, 0], points[:, 1])])
    snap = Snap(edge, distance, along, network.length[edge] - along)
    nodes, offsets = network.facility_sources(snap)
    return Sources(nodes, offsets, np.tile(park, 2), np.tile(edge, 2), np.tile(along, 2))


def _segment_lines(network: Network, edge: np.ndarray):
    coords = np.empty((len(edge), 2, 2))
    coords[:, 0, 0], coords[:, 0, 1] = network.x[network.u[edge]], network.y[network.u[edge]]
    coords[:, 1, 0], coords[:, 1, 1] = network.x[network.v[edge]], network.y[network.v[edge]]
    return shapely.linestrings(coords)


def entrances_of(polygons, x, y, tolerance: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """Mapped entrances (points) that lie on a polygon's outline: (point, polygon) pairs."""
    polygons = np.asarray(polygons, dtype=object)
    if len(polygons) == 0 or len(x) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # The outline, not the polygon: a door inside the park (a museum's) is no way into it.
    tree = shapely.STRtree(shapely.boundary(polygons))
    point, polygon = tree.query(shapely.points(x, y), predicate="dwithin", distance=tolerance)
    return point, polygon


def walking_distance(
    network: Network, origin_snap: Snap, sources: Sources, limit: float, max_access: float
) -> np.ndarray:
    """Each origin's walking distance to the nearest source, inf beyond ``limit``: one pass."""
    node_distance = network.distances_from(sources.nodes, sources.offsets, limit)
    d = network.origin_distances(origin_snap, node_distance, max_access=max_access)
    along_own = _along_own_segment(network, origin_snap, sources)
    along_own[origin_snap.distance > max_access] = np.inf
    return np.minimum(d, along_own)


def _along_own_segment(network: Network, origin_snap: Snap, sources: Sources) -> np.ndarray:
    """Walks that never leave the origin's segment: to a facility reached from
    that same segment, straight along it (the search over nodes misses these)."""
    n = len(origin_snap.edge)
    best = np.full(n, np.inf)
    if n == 0 or len(sources) == 0 or sources.edge is None or sources.along is None:
        return best
    edge, along = np.asarray(sources.edge, np.int64), np.asarray(sources.along, float)
    length = network.length[edge]
    # What is still to go from the facility's foot: the entry's offset less the stretch from its node.
    start = sources.offsets - np.where(sources.nodes == network.u[edge], along, length - along)
    order = np.argsort(edge, kind="stable")
    edge, along, start = edge[order], along[order], start[order]
    lo = np.searchsorted(edge, origin_snap.edge, "left")
    count = np.searchsorted(edge, origin_snap.edge, "right") - lo
    if count.sum() == 0:
        return best
    rows = np.repeat(np.arange(n), count)
    entry = np.repeat(lo - (np.cumsum(count) - count), count) + np.arange(count.sum())
    d = origin_snap.distance[rows] + np.abs(origin_snap.along[rows] - along[entry]) + start[entry]
    np.minimum.at(best, rows, d)
    return best


def tiered_distance(
    network: Network, origin_snap: Snap, sources: Sources, radius_of: np.ndarray, max_access: float
) -> np.ndarray:
    """Both radii of a tiered rule in one pass: a facility serving r metres
    starts (R - r) metres behind, R the largest radius, so an origin is served
    by some facility exactly when its distance comes out ≤ R."""
    largest = float(np.max(radius_of)) if len(radius_of) else 0.0
    shifted = sources.shifted(largest - np.asarray(radius_of, float))
    return walking_distance(network, origin_snap, shifted, largest, max_access)


def buffer_covered(origins: Origins, geometries, radius: np.ndarray) -> np.ndarray:
    """Straight-line coverage: the origin lies within a facility's radius."""
    if len(geometries) == 0 or len(origins) == 0:
        return np.zeros(len(origins), bool)
    zone = shapely.union_all(shapely.buffer(np.asarray(geometries, dtype=object), radius, quad_segs=16))
    shapely.prepare(zone)
    return shapely.contains_xy(zone, origins.x, origins.y)


def greedy_sites(
    network: Network,
    origin_snap: Snap,
    weight: np.ndarray,
    uncovered: np.ndarray,
    sites_x,
    sites_y,
    radius: float,
    max_access: float,
    limit: int | None = None,
):
    """Greedy maximum coverage: pick the candidate site that serves the most
    still-unserved weight, then the next, and so on.

    Yields (site index, weight gained) in the order chosen; stops when no site adds anything.
    """
    sites = point_sources(network, sites_x, sites_y)
    serves = []
    todo = np.flatnonzero(uncovered)
    snap_todo = Snap(
        origin_snap.edge[todo], origin_snap.distance[todo], origin_snap.along[todo], origin_snap.beyond[todo]
    )
    for site in range(len(sites_x)):
        mine = sites.subset(np.array([site]))
        d = walking_distance(network, snap_todo, mine, radius, max_access)
        serves.append(todo[d <= radius])
    left = uncovered.copy()
    chosen = 0
    while limit is None or chosen < limit:
        gains = np.array([weight[s][left[s]].sum() for s in serves]) if serves else np.zeros(0)
        if len(gains) == 0 or gains.max() <= 0:
            return
        best = int(gains.argmax())
        yield best, float(gains[best])
        left[serves[best]] = False
        serves[best] = serves[best][:0]
        chosen += 1


@dataclass
class Gap:
    street: int  # name index
    street_class: int
    start_m: float
    end_m: float
    x: float  # the middle of the gap
    y: float

    @property
    def length_m(self) -> float:
        return self.end_m - self.start_m


def street_gaps(network: Network, x, y, spacing_by_class: dict[int, float], *, snap_m: float = 20.0) -> list[Gap]:
    """Stretches of street longer than the class's spacing without a point
    (a litter bin, a toilet) within ``snap_m`` of it, ends of the street included.

    A street is the chain of segments sharing a name and class.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    points = shapely.points(x, y) if len(x) else np.zeros(0, dtype=object)
    point_tree = shapely.STRtree(points) if len(x) else None
    gaps: list[Gap] = []
    for street_class, spacing in spacing_by_class.items():
        in_class = np.flatnonzero(network.street_class == street_class)
        if len(in_class) == 0:
            continue
        order = np.argsort(network.street_name[in_class], kind="stable")
        in_class = in_class[order]
        names = network.street_name[in_class]
        bounds = np.flatnonzero(np.r_[True, names[1:] != names[:-1], True])
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            group = in_class[a:b]
            lines = np.empty((len(group), 2, 2))
            lines[:, 0, 0], lines[:, 0, 1] = network.x[network.u[group]], network.y[network.u[group]]
            lines[:, 1, 0], lines[:, 1, 1] = network.x[network.v[group]], network.y[network.v[group]]
            merged = shapely.line_merge(shapely.multilinestrings(lines))
            for part in shapely.get_parts(merged):
                gaps.extend(_gaps_along(part, points, point_tree, spacing, snap_m, int(names[a]), street_class))
    return gaps


def _gaps_along(line, points, point_tree, spacing, snap_m, name, street_class) -> list[Gap]:
    length = line.length
    if length <= spacing:
        # Too short to need more than the bins at its ends (or its neighbours').
        return []
    positions = [0.0, length]
    if point_tree is not None:
        near = point_tree.query(line, predicate="dwithin", distance=snap_m)
        positions += shapely.line_locate_point(line, points[near]).tolist()
    positions = np.sort(np.array(positions))
    found = []
    for start, end in zip(positions[:-1], positions[1:], strict=True):
        if end - start > spacing:
            middle = line.interpolate((start + end) / 2)
            found.append(Gap(name, street_class, float(start), float(end), middle.x, middle.y))
    return found
