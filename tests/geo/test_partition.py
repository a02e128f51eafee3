import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

import wenming.geo.partition as partition_module
from wenming.geo.partition import partition

SQUARE = box(111.60, 40.80, 111.70, 40.90)
# Narrow arms and a wide gap: Voronoi cells easily straddle the gap.
U_SHAPE = Polygon(
    [
        (111.60, 40.80), (111.66, 40.80), (111.66, 40.86), (111.65, 40.86),
        (111.65, 40.81), (111.61, 40.81), (111.61, 40.86), (111.60, 40.86),
    ]
)  # fmt: skip
L_SHAPE = Polygon(
    [(111.60, 40.80), (111.66, 40.80), (111.66, 40.81), (111.61, 40.81), (111.61, 40.86), (111.60, 40.86)]
)
# Five teeth on a bar; even relaxed cells fall apart across the teeth.
COMB = shapely.union_all(
    [box(111.60, 40.80, 111.70, 40.81)] + [box(111.60 + 0.02 * i, 40.80, 111.61 + 0.02 * i, 40.86) for i in range(5)]
)
MAINLAND_AND_ISLAND = MultiPolygon([box(111.60, 40.80, 111.80, 40.90), box(111.85, 40.82, 111.87, 40.83)])


def district_like_polygon(vertices: int = 300) -> Polygon:
    """A jagged, concave, county-sized outline with the given number of vertices."""
    rng = np.random.default_rng(42)
    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    wobble = 0.25 * np.sin(3 * angles) + 0.15 * np.sin(7 * angles + 1)
    radius = 0.25 * (1 + wobble + 0.05 * rng.standard_normal(vertices))
    lon = 111.67 + radius * np.cos(angles) / np.cos(np.radians(40.8))
    lat = 40.82 + radius * np.sin(angles)
    polygon = Polygon(np.column_stack([lon, lat]))
    assert polygon.is_valid
    return polygon


def assert_is_a_partition(boundary, pieces, n):
    assert len(pieces) == n
    arr = np.array(pieces, dtype=object)
    assert all(isinstance(p, Polygon | MultiPolygon) for p in pieces)
    assert shapely.is_valid(arr).all()
    assert not shapely.is_empty(arr).any()
    total = boundary.area
    assert abs(shapely.area(arr).sum() - total) <= 1e-9 * total
    left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
    pairs = left < right
    overlaps = shapely.area(shapely.intersection(arr[left[pairs]], arr[right[pairs]]))
    assert overlaps.max(initial=0.0) < 1e-12 * total
    # Nothing outside the boundary either.
    assert shapely.difference(shapely.union_all(arr), boundary).area < 1e-12 * total


def shared_border(a, b) -> float:
    return shapely.intersection(a.boundary, b.boundary).length


@pytest.mark.parametrize(
    "boundary", [SQUARE, L_SHAPE, U_SHAPE, COMB, MAINLAND_AND_ISLAND], ids=["square", "L", "U", "comb", "island"]
)
@pytest.mark.parametrize("n", [2, 7, 40])
def test_it_covers_the_boundary_without_gaps_or_overlaps(boundary, n):
    assert_is_a_partition(boundary, partition(boundary, n, seed=3), n)


def test_it_covers_a_realistic_boundary_without_gaps_or_overlaps():
    boundary = district_like_polygon()
    for n in (5, 60, 500):
        pieces = partition(boundary, n, seed=n)
        assert_is_a_partition(boundary, pieces, n)
        assert all(p.geom_type == "Polygon" for p in pieces)


def test_one_piece_is_the_boundary_itself():
    pieces = partition(L_SHAPE, 1, seed=0)
    assert len(pieces) == 1
    assert pieces[0].equals(L_SHAPE)
    assert pieces[0] == shapely.normalize(L_SHAPE)


@pytest.mark.parametrize("boundary,relax", [(U_SHAPE, 0), (L_SHAPE, 0), (COMB, 2)], ids=["U", "L", "comb"])
def test_cells_that_fall_apart_on_a_concave_boundary_are_merged_into_single_polygons(boundary, relax, monkeypatch):
    fragmented = []
    merge = partition_module._merge_fragments

    def spy(pieces, b):
        fragmented.append(int((shapely.get_type_id(pieces) != 3).sum()))
        return merge(pieces, b)

    monkeypatch.setattr(partition_module, "_merge_fragments", spy)
    for seed in range(8):
        for n in (3, 5, 8, 12):
            pieces = partition(boundary, n, seed=seed, relax=relax)
            assert_is_a_partition(boundary, pieces, n)
            assert all(p.geom_type == "Polygon" for p in pieces), (seed, n)
    if boundary is not L_SHAPE:
        # The shape really did make some Voronoi cells fall apart.
        assert sum(fragmented) > 0


def test_a_fragment_goes_to_the_neighbour_it_shares_the_longest_border_with():
    # U = left arm + bottom + right arm; piece 0 owns the left arm plus the
    # top of the right arm, which only touches piece 2.
    u = shapely.difference(box(0, 0, 3, 3), box(1, 1, 2, 3))
    pieces = np.array(
        [MultiPolygon([box(0, 0, 1, 3), box(2, 2, 3, 3)]), box(1, 0, 2, 1), box(2, 0, 3, 2)], dtype=object
    )
    merged = partition_module._merge_fragments(pieces, u)
    assert merged[0].equals(box(0, 0, 1, 3))
    assert merged[1].equals(box(1, 0, 2, 1))
    assert merged[2].equals(box(2, 0, 3, 3))
    assert merged[2].geom_type == "Polygon"


def test_an_island_that_touches_no_other_piece_stays_a_detached_part():
    for seed in range(6):
        for n in (2, 5, 20, 100):
            pieces = partition(MAINLAND_AND_ISLAND, n, seed=seed)
            assert_is_a_partition(MAINLAND_AND_ISLAND, pieces, n)
            multi = [p for p in pieces if p.geom_type == "MultiPolygon"]
            assert len(multi) <= 1  # the island ends up whole in one piece
            for piece in multi:
                # One part may border other pieces; any other part is the island.
                bordering = [
                    part
                    for part in piece.geoms
                    if any(shared_border(part, other) > 0 for other in pieces if other is not piece)
                ]
                assert len(bordering) <= 1
                assert len(piece.geoms) == 2


def test_no_piece_is_tiny():
    for boundary in (SQUARE, U_SHAPE, COMB, district_like_polygon()):
        for seed in range(5):
            for n in (4, 15, 80):
                pieces = partition(boundary, n, seed=seed)
                mean = boundary.area / n
                assert min(p.area for p in pieces) >= mean / 20, (seed, n)


def test_the_same_seed_gives_identical_pieces():
    boundary = district_like_polygon()
    first = partition(boundary, 50, seed=11)
    second = partition(boundary, 50, seed=11)
    assert [p.wkb for p in first] == [p.wkb for p in second]


def test_the_same_seed_and_weight_give_identical_pieces():
    def weight(lon, lat):
        return 1 + 9 * (lon < 111.65)

    first = partition(SQUARE, 30, seed=5, weight=weight)
    second = partition(SQUARE, 30, seed=5, weight=weight)
    assert [p.wkb for p in first] == [p.wkb for p in second]


def test_another_seed_gives_different_pieces():
    first = partition(SQUARE, 20, seed=1)
    second = partition(SQUARE, 20, seed=2)
    assert [p.wkb for p in first] != [p.wkb for p in second]


def test_pieces_come_sorted_from_north_to_south_then_west_to_east():
    pieces = partition(district_like_polygon(), 80, seed=4)
    keys = [(-round(p.representative_point().y, 6), p.representative_point().x) for p in pieces]
    assert keys == sorted(keys)


def test_a_weight_makes_pieces_denser_where_it_is_high():
    def weight(lon, lat):
        return np.where(lon < 111.65, 10.0, 1.0)

    def western_share(pieces):
        return np.mean([p.representative_point().x < 111.65 for p in pieces])

    for relax in (0, 2, 5):
        weighted = partition(SQUARE, 100, seed=8, weight=weight, relax=relax)
        assert_is_a_partition(SQUARE, weighted, 100)
        assert western_share(weighted) > 0.65, relax
    assert 0.4 < western_share(partition(SQUARE, 100, seed=8)) < 0.6


def test_long_relaxation_keeps_seeds_denser_where_the_weight_is_high():
    # Plain centroids would even the seeds out again (share → 0.5); weighted
    # centroids converge to a density ∝ √weight, a share of about 0.76.
    def weight(lon, lat):
        return np.where(lon < 111.65, 10.0, 1.0)

    pieces = partition(SQUARE, 100, seed=8, weight=weight, relax=20)
    assert np.mean([p.representative_point().x < 111.65 for p in pieces]) > 0.76


def test_pieces_are_not_stretched_east_west_at_high_latitudes():
    # At 50°N a degree of longitude is only 0.64 of a degree of latitude.
    boundary = box(125.0, 50.0, 125.4, 50.25)
    pieces = np.array(partition(boundary, 200, seed=1), dtype=object)
    minx, miny, maxx, maxy = shapely.bounds(pieces).T
    aspect = (maxx - minx) * np.cos(np.radians(50.1)) / (maxy - miny)
    assert 0.8 < np.median(aspect) < 1.25


def test_a_weight_receives_lon_lat_arrays_inside_the_boundary():
    seen = []

    def weight(lon, lat):
        seen.append((np.asarray(lon), np.asarray(lat)))
        return np.ones_like(lon)

    partition(L_SHAPE, 6, seed=0, weight=weight)
    lon = np.concatenate([s[0] for s in seen])
    lat = np.concatenate([s[1] for s in seen])
    assert len(lon) > 6
    assert shapely.contains_xy(L_SHAPE, lon, lat).all()


def test_a_weight_that_is_zero_everywhere_is_rejected():
    with pytest.raises(ValueError, match="weight"):
        partition(SQUARE, 5, seed=0, weight=lambda lon, lat: np.zeros_like(lon))


def test_a_tiny_boundary_can_still_be_split_into_several_pieces():
    tiny = box(111.67, 40.82, 111.67001, 40.82001)  # about 1 m across
    pieces = partition(tiny, 9, seed=0)
    assert_is_a_partition(tiny, pieces, 9)


def test_fewer_than_one_piece_is_rejected_with_a_clear_message():
    for n in (0, -3):
        with pytest.raises(ValueError, match="n must be at least 1"):
            partition(SQUARE, n, seed=0)
    with pytest.raises(ValueError, match="whole number"):
        partition(SQUARE, 2.5, seed=0)


@pytest.mark.parametrize(
    "boundary",
    [Polygon(), MultiPolygon(), Point(111.6, 40.8), LineString([(111.6, 40.8), (111.7, 40.9)]), None],
    ids=["empty polygon", "empty multipolygon", "point", "line", "none"],
)
def test_an_empty_or_non_polygon_boundary_is_rejected(boundary):
    with pytest.raises(ValueError, match="boundary"):
        partition(boundary, 3, seed=0)


def test_an_invalid_boundary_is_repaired_before_splitting():
    bowtie = Polygon([(111.60, 40.80), (111.70, 40.90), (111.70, 40.80), (111.60, 40.90)])
    pieces = partition(bowtie, 6, seed=0)
    assert_is_a_partition(shapely.make_valid(bowtie), pieces, 6)


def test_a_district_splits_into_five_hundred_pieces():
    # How long this takes: python bench/partition.py
    pieces = partition(district_like_polygon(400), 500, seed=1)
    assert len(pieces) == 500
