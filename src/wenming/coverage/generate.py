"""A generated city: streets, parks, homes and street furniture inside a real boundary.

The Hohhot demo has no street data offline and benchmarks need networks of a
given size, so both get a deterministic, plausible city instead. It comes back
as an ``osm.Extract``, exactly what the OpenStreetMap reader returns, so the
rest of the product cannot tell generated data from real data.

The city is laid out in its own frame (a, b), in metres: main roads every
700–1000 m, branch roads halfway between them, local streets every 120–250 m
in between. A smooth warp bends and turns the frame onto the ground, so every
block, park and building is an axis-aligned rectangle in the frame and still
follows its streets on the ground. All work is done on arrays: Python touches
single items only to make the feature objects handed back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from wenming.coverage import network as nw
from wenming.coverage import osm

DEFAULT_SEED = 20261129

MAIN, BRANCH, LOCAL, COMMERCIAL, PATH = (nw.class_index(name) for name in nw.STREET_CLASSES)

# Realistic spacing (scaled together when a node count is asked for).
MAIN_SPACING_M = (700.0, 1000.0)
LOCAL_SPACING_M = (140.0, 230.0)  # aimed at; a stretch is cut into equal pieces of 120–250 m
COMMERCIAL_LENGTH_M = (300.0, 800.0)
WARP_AMPLITUDE_M = (10.0, 35.0)
WARP_WAVELENGTH_M = (3000.0, 8000.0)
SERVICE_WAVELENGTH_M = (4000.0, 10000.0)
CENTRE_RADIUS_M = 3500.0

# Real-world sizes: they do not scale, except to fit into smaller blocks.
# A frame piece this long stays under 120 m on the ground after warp and jitter.
MAX_PIECE_M = 105.0
JITTER_SD_M, JITTER_MAX_M = 1.5, 3.0
INSET_M = 10.0
MISSING_INSET_M = JITTER_MAX_M + 1.0
SPLIT_GAP_M = 6.0
GREEN_AREA_M2 = (250.0, 8000.0)  # log-uniform: about one in eight is under 400 m²
PLAYGROUND_AREA_M2 = (200.0, 1500.0)
BUILDING_M = (50.0, 15.0)  # length, depth
BUILDING_ROW_GAP_M = 25.0  # sunlight spacing between slabs
BUILDING_BUDGET = 3000
DENSIFY_M = 100.0
PEOPLE_PER_M2 = (0.015, 0.035)  # about the real core's 3 million on Hohhot's land

CHUNK = 50_000  # geometries moved at a time
MIN_CUT_SHARE = 0.1  # of an area the region's boundary cuts

# Shares and rates, tuned so that 60–90 % of homes are near green space.
MISSING_SHARE, STUB_SHARE = 0.08, 0.07  # of local links: superblocks, dead ends
PARK_CHANCE = 0.6  # per superblock, times service
PARK_DIAGONAL_CHANCE = 0.5
CORNER_CHANCE = 0.5  # a pocket green or playground per block, times service
PLAYGROUND_SHARE = 0.12
VACANT_SHARE = 0.05
SPLIT_SHARE = 0.15
LANE_NAME_SHARE = 0.3
NAMED_PARKS = 12
ENTRANCE_SHARE = 1 / 3
BIN_SPACING_M = (30.0, 120.0)  # along main and commercial streets
BIN_GAP_M = (250.0, 700.0)
BIN_GAP_SHARE = 0.5  # of main and commercial street lines
BIN_MISSING_SHARE = 0.08
# Points per metre of street, by class; toilets also scale with how well served the area is.
BINS_PER_M = {BRANCH: 1 / 400, LOCAL: 1 / 700, PATH: 1 / 250}
TOILETS_PER_M = {MAIN: 1 / 500, COMMERCIAL: 1 / 250, BRANCH: 1 / 1500, LOCAL: 1 / 5000, PATH: 1 / 700}
TOILET_OFFSET_M = (3.0, 8.0)
BIN_OFFSET_M = (1.5, 4.0)
CANDIDATES_PER_KM2 = 0.2
CANDIDATES = (20, 60)

ROAD_STEMS = (
    "新华 中山 昭君 大学 兴安 锡林 乌兰察布 呼伦贝尔 鄂尔多斯 通道 满都海 海拉尔 成吉思汗 丁香 车站 "
    "石羊 光明 团结 健康 阿尔泰 巴彦淖尔 草原 民族 育才 塞上 敕勒川 金桥 万通 展览馆 工农兵 新城 "
    "回民 玉泉 赛罕 北垣 东影 西落凤 讨号板 大召 五塔寺 公主府 将军衙署 如意河 小黑河 扎达盖 "
    "金川 青山 腾飞 保全庄 海东 学苑 艺术厅 察素齐 巨海城 机场 甲兰营 双树 锦绣 示范 文化 科尔沁"
).split()
LANE_CHARS = "福寿康宁安和顺兴旺德仁义礼智信乐永吉庆丰"
COMMERCIAL_STEMS = ("中山路", "大召", "塞上老街", "通道街", "海亮", "万达", "维多利", "大学西街")
PARK_STEMS = (
    "青城 满都海 敕勒川 南湖 北垣 东河 西河 仕奇 丁香 阿尔泰 大青山 扎达盖 昭君 如意 "
    "人民 朝阳 赛罕 新华 健康 团结 金桥 乌素图 八拜"
).split()
DIGITS = "零一二三四五六七八九"


def city(region, *, target_nodes: int | None = None, seed: int = DEFAULT_SEED, progress=None) -> osm.Extract:
    """A generated city inside ``region`` (a lon/lat (Multi)Polygon).

    With ``target_nodes`` the spacing is scaled so the network has about that
    many nodes; otherwise it is a realistic Chinese city core. ``progress``,
    when given, is advanced by the nodes made and then by the features made.
    """
    builder = _Builder(region, target_nodes, seed)
    extract = builder.streets()
    if progress:
        progress(len(extract.lons))
    extract.features = builder.features()
    if progress:
        progress(len(extract.features))
    return extract


@dataclass(frozen=True)
class _Lines:
    """Parallel street lines across the frame, sorted by position."""

    position: np.ndarray
    street_class: np.ndarray  # MAIN, BRANCH or LOCAL

    @property
    def major(self) -> np.ndarray:
        """Indices of the main and branch lines: the edges of superblocks."""
        return np.flatnonzero(self.street_class != LOCAL)


def _lines(low: float, high: float, scale: float, rng) -> _Lines:
    """Main lines covering [low, high], a branch line about halfway between each
    pair, and local lines cutting every stretch between those into equal pieces."""
    count = int((high - low) / (MAIN_SPACING_M[0] * scale)) + 2
    spacing = rng.uniform(*MAIN_SPACING_M, count) * scale
    mains = low - rng.uniform() * spacing[0] + np.r_[0.0, np.cumsum(spacing)]
    mains = mains[: np.searchsorted(mains, high) + 1]
    majors = np.empty(2 * len(mains) - 1)
    majors[0::2] = mains
    majors[1::2] = mains[:-1] + np.diff(mains) * rng.uniform(0.45, 0.55, len(mains) - 1)
    major_class = np.where(np.arange(len(majors)) % 2 == 0, MAIN, BRANCH)
    stretch = np.diff(majors)
    aimed = rng.uniform(*LOCAL_SPACING_M, len(stretch)) * scale
    pieces = np.maximum(1, np.rint(stretch / aimed)).astype(np.int64)
    of, step = _members(pieces - 1)
    local = majors[of] + stretch[of] * (step + 1 + rng.uniform(-0.1, 0.1, len(of))) / pieces[of]
    position = np.r_[majors, local]
    street_class = np.r_[major_class, np.full(len(local), LOCAL)].astype(np.int8)
    order = np.argsort(position, kind="stable")
    return _Lines(position[order], street_class[order])


def _node_estimate(lines_a: _Lines, lines_b: _Lines, area_m2: float) -> float:
    """Nodes in ``area_m2`` of this grid: intersections, plus shape nodes on
    long links, less those of missing links, with stubs ending at a node."""

    def shape_nodes(lines, across):
        per_link = np.ceil(np.diff(across.position) / MAX_PIECE_M) - 1
        stub_nodes = (np.maximum(per_link, 1) + 1) // 2
        local = np.count_nonzero(lines.street_class == LOCAL)
        change = MISSING_SHARE * -per_link + STUB_SHARE * (stub_nodes - per_link)
        return len(lines.position) * per_link.sum() + local * change.sum()

    total = (
        len(lines_a.position) * len(lines_b.position) + shape_nodes(lines_a, lines_b) + shape_nodes(lines_b, lines_a)
    )
    span = np.ptp(lines_a.position) * np.ptp(lines_b.position)
    return total * area_m2 / span


@dataclass(frozen=True)
class _Frame:
    """The city's own grid coordinates (a, b) and their bent, turned image on the ground."""

    centre: tuple[float, float]
    angle: float
    waves: np.ndarray  # [axis, wave] → amplitude, wavenumber, phase, modulation wavenumber, modulation phase

    def to_ground(self, a, b) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.asarray(a, float), np.asarray(b, float)
        # Lines of constant a wander sideways as b runs, and vice versa; the
        # slow modulation makes neighbouring roads bend a little differently.
        da = sum(w[0] * np.sin(w[1] * b + w[2]) * (1 + 0.3 * np.sin(w[3] * a + w[4])) for w in self.waves[0])
        db = sum(w[0] * np.sin(w[1] * a + w[2]) * (1 + 0.3 * np.sin(w[3] * b + w[4])) for w in self.waves[1])
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        a, b = a + da, b + db
        return self.centre[0] + cos * a - sin * b, self.centre[1] + sin * a + cos * b

    def to_frame(self, x: float, y: float) -> tuple[float, float]:
        """The frame point over a ground point (the warp is small: a few fixed-point steps)."""
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        dx, dy = x - self.centre[0], y - self.centre[1]
        turned = np.array([cos * dx + sin * dy, -sin * dx + cos * dy])
        a, b = turned
        for _ in range(5):
            ga, gb = self.to_ground(a, b)
            gx, gy = float(ga) - self.centre[0], float(gb) - self.centre[1]
            a += turned[0] - (cos * gx + sin * gy)
            b += turned[1] - (-sin * gx + cos * gy)
        return float(a), float(b)


@dataclass(frozen=True)
class _Service:
    """A smooth random field in [0, 1] over the ground: how well a neighbourhood
    is provided for. Low patches get few parks and toilets, like real districts."""

    waves: np.ndarray  # rows: kx, ky, phase

    def __call__(self, x, y) -> np.ndarray:
        x, y = np.asarray(x, float), np.asarray(y, float)
        z = sum(np.sin(kx * x + ky * y + phase) for kx, ky, phase in self.waves) / math.sqrt(len(self.waves))
        return np.clip(0.5 + 0.5 * z, 0.0, 1.0)


@dataclass
class _Links:
    """Streets from grid node to grid node, before shape nodes cut them into segments."""

    start: np.ndarray  # intersection node
    end: np.ndarray
    street_class: np.ndarray
    name: np.ndarray
    line: np.ndarray  # the grid line it lies on; -1 for a path across a park block
    along_start: np.ndarray  # frame coordinate along the line at each end
    along_end: np.ndarray
    stub: np.ndarray  # 0 whole, 1 its first half only, 2 its second half only (a dead end)


class _Builder:
    """One city: the street grid first, then the features on its blocks."""

    def __init__(self, region, target_nodes, seed):
        seeds = np.random.SeedSequence(seed).spawn(4)
        frame_rng = np.random.default_rng(seeds[0])
        self.rng = np.random.default_rng(seeds[3])
        self.region = region
        shapely.prepare(region)
        minx, miny, maxx, maxy = region.bounds
        self.projection = nw.Projection.around([minx, maxx], [miny, maxy])
        self.ground = self.projection.geometry(region)
        shapely.prepare(self.ground)
        gx0, gy0, gx1, gy1 = self.ground.bounds
        centre = ((gx0 + gx1) / 2, (gy0 + gy1) / 2)
        angle = math.radians(frame_rng.uniform(-10, 10))
        # The frame's extent: the ground's bounding box turned into the frame.
        cos, sin = math.cos(angle), math.sin(angle)
        corners_x = np.array([gx0, gx1, gx1, gx0]) - centre[0]
        corners_y = np.array([gy0, gy0, gy1, gy1]) - centre[1]
        a_span = cos * corners_x + sin * corners_y
        b_span = -sin * corners_x + cos * corners_y

        def lines(scale):
            margin = MAIN_SPACING_M[1] * scale
            return (
                _lines(a_span.min() - margin, a_span.max() + margin, scale, np.random.default_rng(seeds[1])),
                _lines(b_span.min() - margin, b_span.max() + margin, scale, np.random.default_rng(seeds[2])),
            )

        area = self.ground.area
        scale = 1.0
        if target_nodes is not None:
            scale = _scale_for(target_nodes, lambda s: _node_estimate(*lines(s), area))
        self.scale = scale
        # Real-world sizes shrink only to fit into blocks smaller than real ones.
        self.fit = min(1.0, scale)
        self.lines_a, self.lines_b = lines(scale)
        self.nx, self.ny = len(self.lines_a.position), len(self.lines_b.position)
        self.n_along_a = self.nx * (self.ny - 1)  # links are numbered along the a-lines first

        def waves(count):
            unit = frame_rng.uniform(size=(2, count, 5))
            amplitude = (WARP_AMPLITUDE_M[0] + unit[..., 0] * np.ptp(WARP_AMPLITUDE_M)) * scale
            wavelength = (WARP_WAVELENGTH_M[0] + unit[..., 1] * np.ptp(WARP_WAVELENGTH_M)) * scale
            modulation = 2 * (WARP_WAVELENGTH_M[0] + unit[..., 3] * np.ptp(WARP_WAVELENGTH_M)) * scale
            return np.stack(
                [
                    amplitude,
                    2 * np.pi / wavelength,
                    2 * np.pi * unit[..., 2],
                    2 * np.pi / modulation,
                    2 * np.pi * unit[..., 4],
                ],
                axis=-1,
            )

        self.frame = _Frame(centre, angle, waves(2))
        direction = frame_rng.uniform(0, 2 * np.pi, 5)
        wavenumber = 2 * np.pi / (frame_rng.uniform(*SERVICE_WAVELENGTH_M, 5) * scale)
        self.service = _Service(
            np.column_stack(
                [wavenumber * np.cos(direction), wavenumber * np.sin(direction), frame_rng.uniform(0, 2 * np.pi, 5)]
            )
        )
        middle = self.ground.centroid
        if not self.ground.contains(middle):
            middle = self.ground.representative_point()
        self.middle = (middle.x, middle.y)

    # -- streets -----------------------------------------------------------

    def streets(self) -> osm.Extract:
        self._place_parks()
        links, names = self._links()
        x, y, u, v, s0, s1, link = self._cut(links)
        x, y, u, v, kept, s0, s1 = self._clip_streets(x, y, u, v, s0, s1)
        link = link[kept]
        self.x, self.y, self.u, self.v, self.s0, self.s1 = x, y, u, v, s0, s1
        self.segment_class, self.segment_line = links.street_class[link], links.line[link]
        lons, lats = self.projection.inverse(x, y)
        return osm.Extract(
            lons, lats, u.astype(np.int32), v.astype(np.int32), self.segment_class, links.name[link], names, []
        )

    def _links(self) -> tuple[_Links, list[str]]:
        """The streets between neighbouring intersections near the region, and
        footpaths across park blocks; the street names."""
        rng, lines_a, lines_b = self.rng, self.lines_a, self.lines_b
        A, B, nx, ny = lines_a.position, lines_b.position, self.nx, self.ny
        # Intersection i * ny + j is where line a = A[i] meets line b = B[j].
        node_i, node_j = np.divmod(np.arange(nx * ny, dtype=np.int32), ny)
        x, y = self.frame.to_ground(A[node_i], B[node_j])
        reach = max(np.diff(A).max(), np.diff(B).max()) + 50.0
        near_zone = shapely.buffer(self.ground, reach, quad_segs=2)
        shapely.prepare(near_zone)
        self.near = shapely.contains_xy(near_zone, x, y)

        # Links along the a-lines first, then along the b-lines.
        vi, vj = np.divmod(np.arange(self.n_along_a, dtype=np.int32), ny - 1)
        hi, hj = np.divmod(np.arange((nx - 1) * ny, dtype=np.int32), ny)
        start = np.r_[vi * ny + vj, hi * ny + hj]
        end = np.r_[vi * ny + vj + 1, (hi + 1) * ny + hj]
        street_class = np.r_[lines_a.street_class[vi], lines_b.street_class[hj]]
        line = np.r_[vi, nx + hj]
        along_start, along_end = np.r_[B[vj], A[hi]], np.r_[B[vj + 1], A[hi + 1]]
        side_1 = np.r_[self._cell(vi - 1, vj), self._cell(hi, hj - 1)]
        side_2 = np.r_[self._cell(vi, vj), self._cell(hi, hj)]

        park = np.r_[self.park_of_cell, -1]  # index -1: beyond the grid
        in_park = (park[side_1] >= 0) & (park[side_1] == park[side_2])
        street_class[in_park] = PATH
        commercial, commercial_name = self._commercial_runs(line, (along_start + along_end) / 2, in_park)
        street_class[commercial >= 0] = COMMERCIAL
        self.commercial_cells = np.unique(np.r_[side_1[commercial >= 0], side_2[commercial >= 0]])
        removable = (street_class == LOCAL) & (park[side_1] < 0) & (park[side_2] < 0)
        draw = rng.random(len(start))
        self.missing = removable & (draw < MISSING_SHARE)
        stub = np.where(
            removable & (draw >= MISSING_SHARE) & (draw < MISSING_SHARE + STUB_SHARE), rng.integers(1, 3, len(start)), 0
        ).astype(np.int8)
        names, name = self._street_names(line, street_class, commercial, commercial_name)
        name[street_class == PATH] = 0

        # Footpaths across park blocks, corner to corner.
        crossed = rng.random(len(self.park_of_cell)) < PARK_DIAGONAL_CHANCE
        diagonal = np.flatnonzero((self.park_of_cell >= 0) & crossed)
        ci, cj = np.divmod(diagonal, ny - 1)
        rising = rng.random(len(ci)) < 0.5
        diagonal_start = np.where(rising, ci * ny + cj, (ci + 1) * ny + cj)
        diagonal_end = np.where(rising, (ci + 1) * ny + cj + 1, ci * ny + cj + 1)

        built = ~self.missing & (self.near[start] | self.near[end])
        n = len(diagonal)
        return _Links(
            start=np.r_[start[built], diagonal_start].astype(np.int32),
            end=np.r_[end[built], diagonal_end].astype(np.int32),
            street_class=np.r_[street_class[built], np.full(n, PATH, np.int8)],
            name=np.r_[name[built], np.zeros(n, np.int32)],
            line=np.r_[line[built], np.full(n, -1, np.int32)],
            along_start=np.r_[along_start[built], np.zeros(n)],
            along_end=np.r_[along_end[built], np.zeros(n)],
            stub=np.r_[stub[built], np.zeros(n, np.int8)],
        ), names

    def _cut(self, links: _Links):
        """Links cut into segments no longer than MAX_PIECE_M by shape nodes;
        a stub keeps only the pieces of its first or second half.

        Returns node coordinates (ground, jittered), the segments' ends, their
        frame coordinates along their line and the link each comes from.
        """
        A, B, ny = self.lines_a.position, self.lines_b.position, self.ny
        fa, fb = A[links.start // ny], B[links.start % ny]
        ta, tb = A[links.end // ny], B[links.end % ny]
        shape = (np.ceil(np.hypot(ta - fa, tb - fb) / MAX_PIECE_M) - 1).astype(np.int32)
        shape[links.stub > 0] = np.maximum(shape[links.stub > 0], 1)  # a dead end needs a node to end at
        pieces = shape + 1
        link, piece = _members(pieces)
        count = pieces[link]
        half = count // 2
        stub = links.stub[link]
        keep = (stub == 0) | ((stub == 1) & (piece < half)) | ((stub == 2) & (piece >= count - half))
        link, piece, count = link[keep], piece[keep], count[keep]
        first_shape = (self.nx * ny + np.cumsum(shape) - shape).astype(np.int32)
        u = np.where(piece == 0, links.start[link], first_shape[link] + piece - 1)
        v = np.where(piece == count - 1, links.end[link], first_shape[link] + piece)
        span = (links.along_end - links.along_start)[link]
        s0 = links.along_start[link] + piece / count * span
        s1 = links.along_start[link] + (piece + 1) / count * span

        # Nodes: every intersection, then each link's shape nodes in turn; only used ones are kept.
        shape_link, step = _members(shape)
        t = (step + 1) / pieces[shape_link]
        node_i, node_j = np.divmod(np.arange(self.nx * ny, dtype=np.int32), ny)
        a = np.r_[A[node_i], fa[shape_link] + t * (ta - fa)[shape_link]]
        b = np.r_[B[node_j], fb[shape_link] + t * (tb - fb)[shape_link]]
        used, u, v = _renumber(u, v, len(a))
        x, y = self.frame.to_ground(a[used], b[used])
        jitter = np.clip(self.rng.normal(0, JITTER_SD_M, (2, len(x))), -JITTER_MAX_M, JITTER_MAX_M) * self.fit
        return x + jitter[0], y + jitter[1], u, v, s0, s1, link

    def _cell(self, i, j):
        """Block (i, j) between lines a = A[i], A[i+1] and b = B[j], B[j+1]; -1 beyond the grid."""
        inside = (i >= 0) & (i < self.nx - 1) & (j >= 0) & (j < self.ny - 1)
        return np.where(inside, i * (self.ny - 1) + j, -1)

    def _place_parks(self):
        """Parks take whole blocks inside one superblock (between main and branch
        roads), in well served neighbourhoods: 1 to about 30 ha."""
        rng, A, B = self.rng, self.lines_a.position, self.lines_b.position
        major_a, major_b = self.lines_a.major, self.lines_b.major
        sa, sb = np.divmod(np.arange((len(major_a) - 1) * (len(major_b) - 1)), len(major_b) - 1)
        cols, rows = np.diff(major_a)[sa], np.diff(major_b)[sb]
        mx, my = self.frame.to_ground(
            (A[major_a[sa]] + A[major_a[sa + 1]]) / 2, (B[major_b[sb]] + B[major_b[sb + 1]]) / 2
        )
        chance = PARK_CHANCE * self.service(mx, my)
        chosen = (rng.random(len(sa)) < chance) & shapely.contains_xy(self.ground, mx, my)
        width, height = rng.integers(1, cols + 1), rng.integers(1, rows + 1)
        left = major_a[sa] + rng.integers(0, cols - width + 1)
        bottom = major_b[sb] + rng.integers(0, rows - height + 1)
        park_number = np.cumsum(chosen) - 1
        ci, cj = np.divmod(np.arange((self.nx - 1) * (self.ny - 1)), self.ny - 1)
        superblock = (
            (np.searchsorted(major_a, ci, "right") - 1) * (len(major_b) - 1) + np.searchsorted(major_b, cj, "right") - 1
        )
        inside = (
            chosen[superblock]
            & (ci >= left[superblock])
            & (ci < left[superblock] + width[superblock])
            & (cj >= bottom[superblock])
            & (cj < bottom[superblock] + height[superblock])
        )
        self.park_of_cell = np.where(inside, park_number[superblock], -1)
        self.park_box = np.column_stack([A[left], B[bottom], A[left + width], B[bottom + height]])[chosen]

    def _commercial_runs(self, line, along, in_park):
        """A couple of pedestrian streets near the centre, each on a local line:
        the run of a link's line it belongs to (-1: none) and the run names."""
        rng = self.rng
        ca, cb = self.frame.to_frame(*self.middle)
        run = np.full(len(line), -1, np.int32)
        stems = [str(stem) for stem in rng.choice(COMMERCIAL_STEMS, 2, replace=False)]
        names = []
        for axis, (lines, across, centre_along) in enumerate([(self.lines_a, ca, cb), (self.lines_b, cb, ca)]):
            close = np.flatnonzero(
                (lines.street_class == LOCAL) & (np.abs(lines.position - across) < 1200 * self.scale)
            )
            if len(close) == 0:
                continue
            chosen = rng.choice(close) + axis * self.nx
            middle = centre_along + rng.uniform(-300, 300) * self.scale
            half = rng.uniform(*COMMERCIAL_LENGTH_M) * self.scale / 2
            run[(line == chosen) & (np.abs(along - middle) <= half) & ~in_park] = len(names)
            names.append(stems[axis] + "步行街")
        return run, names

    def _street_names(self, line, link_class, commercial, commercial_name):
        """Names for every link: main roads from a pool, branch roads numbered
        (经一路 runs north–south, 纬一路 east–west), some local stretches 巷."""
        rng, nx = self.rng, self.nx
        line_class = np.r_[self.lines_a.street_class, self.lines_b.street_class]
        names = [""]
        line_name = np.zeros(len(line_class), np.int32)
        mains = np.flatnonzero(line_class == MAIN)
        line_name[mains] = len(names) + np.arange(len(mains))
        names += _distinct(ROAD_STEMS, ("大街", "路", "大道"), len(mains), rng)
        for first, stop, prefix in ((0, nx, "经"), (nx, len(line_class), "纬")):
            branches = first + np.flatnonzero(line_class[first:stop] == BRANCH)
            line_name[branches] = len(names) + np.arange(len(branches))
            names += [f"{prefix}{_chinese_number(k + 1)}路" for k in range(len(branches))]
        link_name = line_name[line]
        # A lane is a local line's stretch within one superblock.
        local = np.flatnonzero(link_class == LOCAL)
        on_a = line[local] < nx
        position = np.where(on_a, self._link_row(local), self._link_column(local))
        stretch = line[local] * (max(self.nx, self.ny) + 1) + position
        stretches, which = np.unique(stretch, return_inverse=True)
        named = rng.random(len(stretches)) < LANE_NAME_SHARE
        lane_name = np.where(named, len(names) + np.cumsum(named) - 1, 0)
        lane_stems = [a + b for a in LANE_CHARS for b in LANE_CHARS if a != b]
        names += _distinct(lane_stems, ("巷",), int(named.sum()), rng)
        link_name[local] = lane_name[which]
        on_run = commercial >= 0
        link_name[on_run] = len(names) + commercial[on_run]
        names += commercial_name
        return names, link_name

    def _link_row(self, link):
        """For links along a-lines: the superblock row they lie in."""
        j = link % (self.ny - 1)
        return np.searchsorted(self.lines_b.major, j, "right") - 1

    def _link_column(self, link):
        """For links along b-lines: the superblock column they lie in."""
        i = (link - self.n_along_a) // self.ny
        return np.searchsorted(self.lines_a.major, i, "right") - 1

    def _clip_streets(self, x, y, u, v, s0, s1):
        """Keep segments with an end inside the region; an end outside moves back
        along the segment to the boundary, so every node lies inside."""
        lons, lats = self.projection.inverse(x, y)
        inside = shapely.contains_xy(self.region, lons, lats)
        keep = inside[u] | inside[v]
        u, v, s0, s1 = u[keep], v[keep], s0[keep], s1[keep]
        crossing = np.flatnonzero(inside[u] != inside[v])
        anchor = np.where(inside[u[crossing]], u[crossing], v[crossing])
        loose = np.where(inside[u[crossing]], v[crossing], u[crossing])
        low, high = np.zeros(len(crossing)), np.ones(len(crossing))
        for _ in range(30):
            middle = (low + high) / 2
            lon, lat = self.projection.inverse(
                x[anchor] + middle * (x[loose] - x[anchor]), y[anchor] + middle * (y[loose] - y[anchor])
            )
            inner = shapely.contains_xy(self.region, lon, lat)
            low, high = np.where(inner, middle, low), np.where(inner, high, middle)
        new_x = x[anchor] + low * (x[loose] - x[anchor])
        new_y = y[anchor] + low * (y[loose] - y[anchor])
        new_node = (len(x) + np.arange(len(crossing))).astype(u.dtype)
        outward = ~inside[u[crossing]]
        u[crossing[outward]] = new_node[outward]
        v[crossing[~outward]] = new_node[~outward]
        s0[crossing[outward]] = s1[crossing[outward]] + low[outward] * (s0 - s1)[crossing[outward]]
        s1[crossing[~outward]] = s0[crossing[~outward]] + low[~outward] * (s1 - s0)[crossing[~outward]]
        x, y = np.r_[x, new_x], np.r_[y, new_y]
        # A crossing that leaves at once is no street.
        long_enough = np.hypot(x[u] - x[v], y[u] - y[v]) >= 1.0
        u, v, s0, s1 = u[long_enough], v[long_enough], s0[long_enough], s1[long_enough]
        used, u, v = _renumber(u, v, len(x))
        return x[used], y[used], u, v, np.flatnonzero(keep)[long_enough], s0, s1

    # -- features ------------------------------------------------------------

    def features(self) -> list[osm.OsmFeature]:
        features: list[osm.OsmFeature] = []
        self._emit(features, "park", *self._parks())
        self._emit(features, "entrance", self._entrances())
        self._land(features)
        for kind, (px, py) in (("toilet", self._toilets()), ("bin", self._bins())):
            lons, lats = self.projection.inverse(px, py)
            inside = shapely.contains_xy(self.region, lons, lats)
            features += [osm.OsmFeature(kind, p, "") for p in shapely.points(lons[inside], lats[inside])]
        for number, feature in enumerate(features, 1):
            feature.ref = f"g{number}"
        return features

    def _land(self, features):
        """Every block near the region: homes (some split, some with a pocket
        green or playground cut out of a corner), commercial land, vacant lots."""
        rng, fit = self.rng, self.fit
        A, B, ny = self.lines_a.position, self.lines_b.position, self.ny
        ci, cj = np.divmod(np.arange((self.nx - 1) * (ny - 1), dtype=np.int32), ny - 1)
        corner = ci * ny + cj
        cells = np.flatnonzero(
            self.near[corner] | self.near[corner + 1] | self.near[corner + ny] | self.near[corner + ny + 1]
        ).astype(np.int32)
        ci, cj = ci[cells], cj[cells]
        # Each block's land: inset from the streets around it, and nearly up to
        # where a missing street would be (clear of the jittered nodes at its ends).
        west, east = cells, cells + ny - 1
        south = self.n_along_a + ci * ny + cj
        x0 = A[ci] + np.where(self.missing[west], MISSING_INSET_M, INSET_M) * fit
        x1 = A[ci + 1] - np.where(self.missing[east], MISSING_INSET_M, INSET_M) * fit
        y0 = B[cj] + np.where(self.missing[south], MISSING_INSET_M, INSET_M) * fit
        y1 = B[cj + 1] - np.where(self.missing[south + 1], MISSING_INSET_M, INSET_M) * fit
        service, closeness = self._surroundings((x0 + x1) / 2, (y0 + y1) / 2)

        class_a, class_b = self.lines_a.street_class, self.lines_b.street_class
        on_main = (class_a[ci] == MAIN) | (class_a[ci + 1] == MAIN) | (class_b[cj] == MAIN) | (class_b[cj + 1] == MAIN)
        free = self.park_of_cell[cells] < 0
        busy = free & (
            (on_main & (rng.random(len(cells)) < 0.12 + 0.5 * closeness)) | np.isin(cells, self.commercial_cells)
        )
        vacant = free & ~busy & (rng.random(len(cells)) < VACANT_SHARE)
        homes = np.flatnonzero(free & ~busy & ~vacant).astype(np.int32)
        busy = np.flatnonzero(busy)

        # Pocket greens and playgrounds in a corner of some blocks, cut out of the homes.
        has_corner = rng.random(len(homes)) < CORNER_CHANCE * service[homes]
        cornered = homes[has_corner]
        playground = rng.random(len(cornered)) < PLAYGROUND_SHARE
        area = np.where(
            playground,
            rng.uniform(*PLAYGROUND_AREA_M2, len(cornered)),
            np.exp(rng.uniform(*np.log(GREEN_AREA_M2), len(cornered))),
        )
        width = np.sqrt(area * rng.uniform(0.6, 1.6, len(cornered)))
        width = np.minimum(width, 0.45 * (x1 - x0)[cornered])
        height = np.minimum(area / width, 0.45 * (y1 - y0)[cornered])
        # The corner (cx, cy) the green takes, the block's far corner (fx, fy), and
        # which way is inwards; the homes keep the L-shape around the green.
        east_side, north_side = rng.random(len(cornered)) < 0.5, rng.random(len(cornered)) < 0.5
        cx, fx = np.where(east_side, x1[cornered], x0[cornered]), np.where(east_side, x0[cornered], x1[cornered])
        cy, fy = np.where(north_side, y1[cornered], y0[cornered]), np.where(north_side, y0[cornered], y1[cornered])
        gx, gy = cx + np.where(east_side, -width, width), cy + np.where(north_side, -height, height)
        self._emit(
            features,
            "green",
            shapely.box(np.minimum(cx, gx), np.minimum(cy, gy), np.maximum(cx, gx), np.maximum(cy, gy))[~playground],
        )
        self._emit(
            features,
            "playground",
            shapely.box(np.minimum(cx, gx), np.minimum(cy, gy), np.maximum(cx, gx), np.maximum(cy, gy))[playground],
        )
        cornered_land = shapely.polygons(
            np.stack(
                [np.column_stack(corner) for corner in ((gx, cy), (fx, cy), (fx, fy), (cx, fy), (cx, gy), (gx, gy))],
                axis=1,
            )
        )

        plain = homes[~has_corner]
        split = rng.random(len(plain)) < SPLIT_SHARE
        halves, whole = plain[split], plain[~split]
        gap = SPLIT_GAP_M * fit / 2
        wide = (x1 - x0)[halves] >= (y1 - y0)[halves]
        mid_x, mid_y = (x0 + x1)[halves] / 2, (y0 + y1)[halves] / 2
        homes_land = np.concatenate(
            [
                cornered_land,
                shapely.box(
                    x0[halves],
                    y0[halves],
                    np.where(wide, mid_x - gap, x1[halves]),
                    np.where(wide, y1[halves], mid_y - gap),
                ),
                shapely.box(
                    np.where(wide, mid_x + gap, x0[halves]),
                    np.where(wide, y0[halves], mid_y + gap),
                    x1[halves],
                    y1[halves],
                ),
                shapely.box(x0[whole], y0[whole], x1[whole], y1[whole]),
            ]
        )
        homes_block = np.r_[cornered, halves, halves, whole]
        density = PEOPLE_PER_M2[0] + np.ptp(PEOPLE_PER_M2) * (
            0.5 * closeness[homes_block] + 0.5 * rng.random(len(homes_block))
        )
        people = shapely.area(homes_land) * density
        self._emit(features, "residential", homes_land, people=people)
        self._emit(features, "busy", shapely.box(x0[busy], y0[busy], x1[busy], y1[busy]))
        self._emit(features, "building", self._buildings(whole, x0, y0, x1, y1))
        sites = self._candidates(np.flatnonzero(vacant), x0, y0, x1, y1, service)
        self._emit(features, "candidate", sites, names=[f"闲置地块{i:02d}" for i in range(1, len(sites) + 1)])

    def _surroundings(self, a, b):
        """How well served the ground under frame points is, and how close to the centre (both 0–1)."""
        x, y = self.frame.to_ground(a, b)
        distance = np.hypot(x - self.middle[0], y - self.middle[1])
        return self.service(x, y), np.exp(-((distance / (CENTRE_RADIUS_M * self.scale)) ** 2))

    def _parks(self):
        inset = INSET_M * self.fit
        a0, b0, a1, b1 = self.park_box.T
        parks = shapely.box(a0 + inset, b0 + inset, a1 - inset, b1 - inset)
        # The biggest few get names.
        names = [""] * len(parks)
        biggest = np.argsort(-shapely.area(parks), kind="stable")[:NAMED_PARKS]
        for k, name in zip(biggest, _distinct(PARK_STEMS, ("公园",), len(biggest), self.rng), strict=True):
            names[k] = name
        return parks, names

    def _entrances(self):
        """A third of the parks have 2–4 mapped gates, on different sides, facing a street."""
        rng, inset = self.rng, INSET_M * self.fit
        gated = np.flatnonzero(rng.random(len(self.park_box)) < ENTRANCE_SHARE)
        gate, k = _members(rng.integers(2, 5, len(gated)))
        park = gated[gate]
        side = (rng.integers(0, 4, len(gated))[gate] + k) % 4
        a0, b0, a1, b1 = (self.park_box[park] + [inset, inset, -inset, -inset]).T
        along = rng.uniform(0.2, 0.8, len(park))
        a = np.select([side == 0, side == 1, side == 2], [a0 + along * (a1 - a0), a1, a0 + along * (a1 - a0)], a0)
        b = np.select([side == 0, side == 1, side == 2], [b0, b0 + along * (b1 - b0), b1], b0 + along * (b1 - b0))
        return shapely.points(a, b)

    def _buildings(self, blocks, x0, y0, x1, y1):
        """Rows of residential slabs, long side east–west, in randomly chosen
        blocks until BUILDING_BUDGET is spent."""
        rng, fit = self.rng, self.fit
        margin = 8.0 * fit
        length, depth, row_gap = BUILDING_M[0] * fit, BUILDING_M[1] * fit, BUILDING_ROW_GAP_M * fit
        w, h = (x1 - x0)[blocks], (y1 - y0)[blocks]
        columns = np.clip((w - margin) // (length + margin), 0, 2).astype(np.int64)
        rows = np.clip((h - 2 * margin + row_gap) // (depth + row_gap), 0, 4).astype(np.int64)
        order = rng.permutation(len(blocks))
        chosen = np.sort(order[np.cumsum((columns * rows)[order]) <= BUILDING_BUDGET])
        blocks, w, h, columns, rows = blocks[chosen], w[chosen], h[chosen], columns[chosen], rows[chosen]
        block, k = _members(columns * rows)
        column, row = k % columns[block], k // columns[block]
        left = x0[blocks][block] + (w[block] - columns[block] * length - (columns[block] - 1) * margin) / 2
        bottom = y0[blocks][block] + (h[block] - rows[block] * depth - (rows[block] - 1) * row_gap) / 2
        bx = left + column * (length + margin)
        by = bottom + row * (depth + row_gap)
        return shapely.box(bx, by, bx + length, by + depth)

    def _candidates(self, vacant, x0, y0, x1, y1, service):
        """Vacant lots that could take a pocket park or a toilet, mostly where service is poor."""
        count = int(np.clip(self.ground.area / 1e6 * CANDIDATES_PER_KM2, *CANDIDATES))
        a, b = (x0 + x1)[vacant] / 2, (y0 + y1)[vacant] / 2
        inside = shapely.contains_xy(self.ground, *self.frame.to_ground(a, b))
        if not inside.any():
            return shapely.points(np.empty((0, 2)))
        weight = (1 - service[vacant][inside]) ** 3 + 1e-9
        chosen = self.rng.choice(
            np.flatnonzero(inside), size=min(count, inside.sum()), replace=False, p=weight / weight.sum()
        )
        return shapely.points(a[chosen], b[chosen])

    def _toilets(self):
        """Toilets at random along streets, denser on main and commercial streets and in well served areas."""
        rng = self.rng
        length = np.hypot(self.x[self.u] - self.x[self.v], self.y[self.u] - self.y[self.v])
        rate = np.zeros(len(nw.STREET_CLASSES))
        for street_class, per_m in TOILETS_PER_M.items():
            rate[street_class] = per_m
        mx, my = (self.x[self.u] + self.x[self.v]) / 2, (self.y[self.u] + self.y[self.v]) / 2
        expected = rate[self.segment_class] * length * (0.3 + 1.4 * self.service(mx, my))
        segment = np.repeat(np.arange(len(length)), rng.poisson(expected))
        return self._beside(segment, rng.uniform(0.1, 0.9, len(segment)), TOILET_OFFSET_M)

    def _bins(self):
        """Bins at a regular spacing along main and commercial streets, with a long
        gap on some of them and a few missing; a scattering on other streets."""
        rng = self.rng
        lines = len(self.lines_a.position) + len(self.lines_b.position)
        spacing = rng.uniform(*BIN_SPACING_M, lines)
        phase = rng.uniform(0, 1, lines) * spacing
        has_gap = rng.random(lines) < BIN_GAP_SHARE
        gap_half = rng.uniform(*BIN_GAP_M, lines) / 2
        # Along an a-line runs b, and along a b-line a.
        A, B = self.lines_a.position, self.lines_b.position
        origin = np.r_[np.full(self.nx, B[0]), np.full(self.ny, A[0])]
        extent = np.r_[np.full(self.nx, np.ptp(B)), np.full(self.ny, np.ptp(A))]
        gap_middle = origin + rng.random(lines) * extent

        regular = np.flatnonzero(np.isin(self.segment_class, (MAIN, COMMERCIAL)) & (self.segment_line >= 0))
        line = self.segment_line[regular]
        low = np.minimum(self.s0, self.s1)[regular]
        high = np.maximum(self.s0, self.s1)[regular]
        first = np.floor((low - phase[line]) / spacing[line])
        member, k = _members((np.floor((high - phase[line]) / spacing[line]) - first).astype(np.int64))
        segment = regular[member]
        line = self.segment_line[segment]
        s = (first[member] + k + 1) * spacing[line] + phase[line]
        in_gap = has_gap[line] & (np.abs(s - gap_middle[line]) < gap_half[line])
        kept = ~in_gap & (rng.random(len(s)) >= BIN_MISSING_SHARE)
        segment, s = segment[kept], s[kept]
        span = self.s1[segment] - self.s0[segment]
        t = np.clip((s - self.s0[segment]) / np.where(span == 0, 1, span), 0, 1)

        length = np.hypot(self.x[self.u] - self.x[self.v], self.y[self.u] - self.y[self.v])
        rate = np.zeros(len(nw.STREET_CLASSES))
        for street_class, per_m in BINS_PER_M.items():
            rate[street_class] = per_m
        scattered = np.repeat(np.arange(len(length)), rng.poisson(rate[self.segment_class] * length))
        return self._beside(np.r_[segment, scattered], np.r_[t, rng.uniform(0, 1, len(scattered))], BIN_OFFSET_M)

    def _beside(self, segment, t, offset_m):
        """Points a few metres to either side of segments, at fraction t along them."""
        rng = self.rng
        ux, uy = self.x[self.u[segment]], self.y[self.u[segment]]
        dx, dy = self.x[self.v[segment]] - ux, self.y[self.v[segment]] - uy
        length = np.maximum(np.hypot(dx, dy), 1e-9)
        offset = rng.uniform(*offset_m, len(segment)) * self.fit * np.where(rng.random(len(segment)) < 0.5, -1, 1)
        return ux + t * dx - dy / length * offset, uy + t * dy + dx / length * offset

    def _emit(self, features, kind, geometries, names=None, people=None):
        """Frame geometries onto the ground in lon/lat, clipped to the region, as
        features: polygons cut at its boundary, points outside dropped."""
        self._to_lonlat(geometries)
        contained = shapely.contains(self.region, geometries)
        cut = np.flatnonzero(
            ~contained
            & (shapely.get_type_id(geometries) == shapely.GeometryType.POLYGON)
            & shapely.intersects(self.region, geometries)
        )
        keep = contained
        if len(cut):
            parts = shapely.intersection(geometries[cut], self.region)
            share = shapely.area(parts) / shapely.area(geometries[cut])
            if people is not None:
                people[cut] *= share
            geometries[cut] = [_polygons_of(part) for part in parts]
            # A sliver the boundary leaves is no block, park or green.
            keep[cut] = (share >= MIN_CUT_SHARE) & ~shapely.is_empty(geometries[cut])
        kept = np.flatnonzero(keep)
        names = [names[k] for k in kept] if names else [""] * len(kept)
        if people is None:
            features += [osm.OsmFeature(kind, g, "", name) for g, name in zip(geometries[kept], names, strict=True)]
        else:
            # Only homes carry tags: the generated population, as a city's own list would.
            population = np.rint(people[kept]).astype(int).tolist()
            features += [
                osm.OsmFeature(kind, g, "", name, {"population": n})
                for g, name, n in zip(geometries[kept], names, population, strict=True)
            ]

    def _to_lonlat(self, geometries):
        """Frame geometries moved onto the ground, in lon/lat, in place and in chunks
        (a million blocks would otherwise be held twice)."""
        # Long edges are densified first, so they bend with the streets they follow.
        bounds = shapely.bounds(geometries)
        long = np.flatnonzero(np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) > DENSIFY_M)
        geometries[long] = shapely.segmentize(geometries[long], DENSIFY_M)
        for start in range(0, len(geometries), CHUNK):
            part = geometries[start : start + CHUNK]
            coords = shapely.get_coordinates(part)
            x, y = self.frame.to_ground(coords[:, 0], coords[:, 1])
            shapely.set_coordinates(part, np.column_stack(self.projection.inverse(x, y)))


def _members(counts):
    """For groups of the given sizes, one entry per member: its group and its rank in the group."""
    group = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    return group, np.arange(len(group)) - np.repeat(np.cumsum(counts) - counts, counts)


def _renumber(u, v, node_count):
    """The nodes segments use, and the segment ends renumbered to them."""
    used = np.zeros(node_count, bool)
    used[u] = used[v] = True
    number = (np.cumsum(used) - 1).astype(np.int32)
    return np.flatnonzero(used), number[u], number[v]


def _polygons_of(geometry):
    """The polygonal part of a clipped geometry (a cut can leave lines and points)."""
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and p.area > 0]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _scale_for(target_nodes: int, estimate) -> float:
    """The spacing factor that gives about ``target_nodes`` nodes (bisection; fewer nodes as it grows)."""
    low, high = math.log(0.01), math.log(100.0)
    for _ in range(40):
        middle = (low + high) / 2
        if estimate(math.exp(middle)) > target_nodes:
            low = middle
        else:
            high = middle
    return math.exp((low + high) / 2)


def _distinct(stems, suffixes, count: int, rng) -> list[str]:
    """``count`` different names: each stem with each suffix, then numbered (新华二路, 新华三路, …)."""
    names: list[str] = []
    round_ = 1
    while len(names) < count:
        number = _chinese_number(round_) if round_ > 1 else ""
        batch = [stem + number + suffix for stem in stems for suffix in suffixes]
        rng.shuffle(batch)
        names += batch[: count - len(names)]
        round_ += 1
    return names


def _chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 305 → 三百零五; Arabic digits from 1000 on."""
    if n >= 1000:
        return str(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    if hundreds == 0:
        if tens == 0:
            return DIGITS[ones]
        return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")
    text = DIGITS[hundreds] + "百"
    if rest == 0:
        return text
    if tens == 0:
        return text + "零" + DIGITS[ones]
    return text + DIGITS[tens] + "十" + (DIGITS[ones] if ones else "")
