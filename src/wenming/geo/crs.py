"""GCJ-02 ("Mars coordinates") ⇄ WGS-84.

Chinese web maps (AMap/Gaode, Tencent, ...) publish coordinates in GCJ-02, a
deliberately offset datum. The offset is given by the well-known public
formulas on the Krasovsky 1940 ellipsoid; there is no closed-form inverse, so
GCJ-02 → WGS-84 is solved by fixed-point iteration. Points outside the rough
bounding box of mainland China are not offset, like the standard formula.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared

# The rough mainland-China box the standard formula uses.
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271

_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_ITERATIONS = 30


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon >= _LON_MIN) & (lon <= _LON_MAX) & (lat >= _LAT_MIN) & (lat <= _LAT_MAX)


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS-84 in degrees at a WGS-84 point (no box test)."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0

    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    d_lat += common
    d_lat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0

    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    d_lon += common
    d_lon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0

    # The formulas above give metres-ish values; scale by the ellipsoid's
    # meridional and parallel radii of curvature to get degrees.
    rad_lat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * pi)
    return d_lon, d_lat


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray, bool]:
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    scalar = lon_a.ndim == 0 and lat_a.ndim == 0
    lon_a, lat_a = np.broadcast_arrays(lon_a, lat_a)
    return lon_a, lat_a, scalar


def _result(lon: np.ndarray, lat: np.ndarray, scalar: bool):
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike):
    """WGS-84 → GCJ-02. Floats in, floats out; arrays in, arrays out."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    d_lon, d_lat = _offset(lon_a, lat_a)
    inside = _in_china(lon_a, lat_a)
    return _result(np.where(inside, lon_a + d_lon, lon_a), np.where(inside, lat_a + d_lat, lat_a), scalar)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike):
    """GCJ-02 → WGS-84, the exact inverse of `wgs84_to_gcj02` to ~1e-10°.

    Fixed-point iteration w ← w − (gcj(w) − g); the offset varies slowly (its
    derivative is ~1e-4), so it converges in a few steps.
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    inside = _in_china(lon_a, lat_a)
    g_lon, g_lat = lon_a[inside], lat_a[inside]
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(_INVERSE_MAX_ITERATIONS):
        d_lon, d_lat = _offset(w_lon, w_lat)
        err_lon = w_lon + d_lon - g_lon
        err_lat = w_lat + d_lat - g_lat
        w_lon = w_lon - err_lon
        w_lat = w_lat - err_lat
        if err_lon.size == 0 or max(np.abs(err_lon).max(), np.abs(err_lat).max()) < _INVERSE_TOLERANCE_DEG:
            break
    out_lon, out_lat = lon_a.copy(), lat_a.copy()
    out_lon[inside] = w_lon
    out_lat[inside] = w_lat
    return _result(out_lon, out_lat, scalar)


def geometry_gcj02_to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    """Convert any shapely geometry from GCJ-02 to WGS-84 (vectorised)."""

    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, convert)
