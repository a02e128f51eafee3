import math

import numpy as np
import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from wenming.geo.measure import area_m2, distance_m

R = 6371008.8


def spherical_box_area(lon1, lat1, lon2, lat2):
    return R**2 * math.radians(lon2 - lon1) * (math.sin(math.radians(lat2)) - math.sin(math.radians(lat1)))


def test_a_small_square_has_its_spherical_area_within_a_tenth_of_a_percent():
    square = box(111.67, 40.8, 111.68, 40.81)
    expected = spherical_box_area(111.67, 40.8, 111.68, 40.81)
    assert area_m2(square) == pytest.approx(expected, rel=1e-3)


def test_a_one_degree_square_has_its_spherical_area_within_half_a_percent():
    square = box(111.0, 40.8, 112.0, 41.8)
    expected = spherical_box_area(111.0, 40.8, 112.0, 41.8)
    assert area_m2(square) == pytest.approx(expected, rel=5e-3)


def test_area_shrinks_towards_the_pole():
    assert area_m2(box(0, 60, 1, 61)) < area_m2(box(0, 40, 1, 41)) < area_m2(box(0, 0, 1, 1))


def test_a_multipolygon_area_is_the_sum_of_its_parts():
    a, b = box(111.6, 40.8, 111.7, 40.9), box(112.0, 41.0, 112.05, 41.02)
    assert area_m2(MultiPolygon([a, b])) == pytest.approx(area_m2(a) + area_m2(b), rel=1e-6)


def test_a_hole_is_not_counted():
    outer = [(111.6, 40.8), (111.7, 40.8), (111.7, 40.9), (111.6, 40.9)]
    hole = [(111.62, 40.82), (111.64, 40.82), (111.64, 40.84), (111.62, 40.84)]
    with_hole = Polygon(outer, [hole])
    assert area_m2(with_hole) == pytest.approx(area_m2(Polygon(outer)) - area_m2(Polygon(hole)), rel=1e-6)


def test_an_empty_geometry_has_no_area():
    assert area_m2(Polygon()) == 0.0


def test_one_degree_of_latitude_is_about_111_km():
    assert distance_m(111.67, 40.0, 111.67, 41.0) == pytest.approx(R * math.pi / 180, rel=1e-9)


def test_a_quarter_of_the_equator_is_a_quarter_of_the_circumference():
    assert distance_m(0.0, 0.0, 90.0, 0.0) == pytest.approx(R * math.pi / 2, rel=1e-12)


def test_distance_is_symmetric_and_zero_to_itself():
    d = distance_m(111.67, 40.82, 116.40, 39.90)
    assert d == pytest.approx(distance_m(116.40, 39.90, 111.67, 40.82))
    assert 405_000 < d < 420_000  # Hohhot to Beijing
    assert distance_m(111.67, 40.82, 111.67, 40.82) == 0.0


def test_distances_of_arrays_are_computed_elementwise():
    lon = np.array([0.0, 111.67])
    lat = np.array([0.0, 40.0])
    d = distance_m(lon, lat, lon + np.array([90.0, 0.0]), lat + np.array([0.0, 1.0]))
    assert d.shape == (2,)
    assert d == pytest.approx([R * math.pi / 2, R * math.pi / 180])
