import numpy as np
import pytest
from shapely.geometry import LineString, Polygon

from wenming.geo.crs import gcj02_to_wgs84, geometry_gcj02_to_wgs84, wgs84_to_gcj02

HOHHOT = (111.67, 40.82)
HELSINKI = (24.94, 60.17)


def test_the_offset_at_hohhot_has_the_well_known_size():
    lon, lat = wgs84_to_gcj02(*HOHHOT)
    assert 0.006 < lon - HOHHOT[0] < 0.007
    assert 0.001 < lat - HOHHOT[1] < 0.0015


def test_a_round_trip_at_hohhot_returns_the_start():
    lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(*HOHHOT))
    assert lon == pytest.approx(HOHHOT[0], abs=1e-6)
    assert lat == pytest.approx(HOHHOT[1], abs=1e-6)


def test_the_inverse_is_exact_not_the_one_step_approximation():
    # The one-step inverse (g - offset(g)) is off by ~2e-5° at Hohhot.
    gcj = wgs84_to_gcj02(*HOHHOT)
    lon, lat = gcj02_to_wgs84(*gcj)
    assert abs(lon - HOHHOT[0]) < 1e-9
    assert abs(lat - HOHHOT[1]) < 1e-9
    back = wgs84_to_gcj02(lon, lat)
    assert back == pytest.approx(gcj, abs=1e-9)


def test_a_point_outside_china_is_unchanged():
    assert wgs84_to_gcj02(*HELSINKI) == HELSINKI
    assert gcj02_to_wgs84(*HELSINKI) == HELSINKI


def test_scalars_come_back_as_floats():
    lon, lat = wgs84_to_gcj02(*HOHHOT)
    assert type(lon) is float and type(lat) is float
    lon, lat = gcj02_to_wgs84(*HOHHOT)
    assert type(lon) is float and type(lat) is float


def test_arrays_are_converted_point_by_point():
    rng = np.random.default_rng(0)
    lon = np.concatenate([rng.uniform(75, 135, 500), [HELSINKI[0]]])
    lat = np.concatenate([rng.uniform(18, 53, 500), [HELSINKI[1]]])
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert g_lon.shape == lon.shape
    assert g_lon[3] == wgs84_to_gcj02(lon[3], lat[3])[0]
    assert (g_lon[-1], g_lat[-1]) == HELSINKI
    w_lon, w_lat = gcj02_to_wgs84(g_lon, g_lat)
    assert np.abs(w_lon - lon).max() < 1e-7
    assert np.abs(w_lat - lat).max() < 1e-7


def test_a_geometry_is_converted_vertex_by_vertex():
    gcj = Polygon([(111.60, 40.80), (111.70, 40.80), (111.70, 40.90), (111.60, 40.90)])
    wgs = geometry_gcj02_to_wgs84(gcj)
    assert wgs.geom_type == "Polygon"
    expected = np.column_stack(gcj02_to_wgs84(*np.asarray(gcj.exterior.coords).T))
    assert np.allclose(np.asarray(wgs.exterior.coords), expected, rtol=0, atol=1e-12)
    # GCJ-02 is north-east of WGS-84 here, so the WGS-84 outline moves south-west.
    assert wgs.bounds[0] < gcj.bounds[0] and wgs.bounds[1] < gcj.bounds[1]


def test_any_geometry_type_can_be_converted():
    line = LineString([(111.6, 40.8), (111.7, 40.9)])
    converted = geometry_gcj02_to_wgs84(line)
    assert converted.geom_type == "LineString"
    assert converted.coords[0] == pytest.approx(gcj02_to_wgs84(111.6, 40.8))
