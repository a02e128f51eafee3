"""Areas and distances on the sphere for geometries in WGS-84 lon/lat degrees."""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry

#: Mean earth radius (IUGG), metres.
EARTH_RADIUS_M = 6371008.8

# Edges are taken as straight lines in lon/lat; densifying before projecting
# keeps long edges (e.g. along a parallel) from turning into chords.
_MAX_SEGMENT_DEG = 0.05


def area_m2(geom: BaseGeometry) -> float:
    """Area in m² of a (Multi)Polygon given in lon/lat degrees.

    The geometry is projected to a spherical Lambert azimuthal equal-area
    projection centred on its centroid, so the planar area of the projection
    is the spherical area; accurate to far better than 0.1% for city-sized
    areas. Non-polygonal parts contribute nothing.
    """
    if geom is None or geom.is_empty:
        return 0.0
    centre = geom.centroid
    lon0 = math.radians(centre.x)
    lat0 = math.radians(centre.y)
    sin0, cos0 = math.sin(lat0), math.cos(lat0)

    def laea(coords: np.ndarray) -> np.ndarray:
        lam = np.radians(coords[:, 0]) - lon0
        phi = np.radians(coords[:, 1])
        sin_phi, cos_phi = np.sin(phi), np.cos(phi)
        cos_lam = np.cos(lam)
        denom = 1.0 + sin0 * sin_phi + cos0 * cos_phi * cos_lam
        # denom is 0 only at the antipode of the centre, never for real data.
        k = np.sqrt(2.0 / np.maximum(denom, 1e-300))
        x = EARTH_RADIUS_M * k * cos_phi * np.sin(lam)
        y = EARTH_RADIUS_M * k * (cos0 * sin_phi - sin0 * cos_phi * cos_lam)
        return np.column_stack([x, y])

    dense = shapely.segmentize(geom, _MAX_SEGMENT_DEG)
    return float(shapely.area(shapely.transform(dense, laea)))


def distance_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> float | np.ndarray:
    """Great-circle (haversine) distance in metres; scalars or numpy arrays."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(np.subtract(lon2, lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(d) if np.ndim(d) == 0 else d
