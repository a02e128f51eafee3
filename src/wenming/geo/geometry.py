"""Reading and checking GeoJSON polygons (WGS-84 longitude/latitude)."""

import json

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

POLYGONAL = ("Polygon", "MultiPolygon")


class GeometryError(ValueError):
    pass


def polygon_from_geojson(geometry) -> shapely.Geometry:
    """Parse a GeoJSON geometry (dict or text) into a valid shapely (Multi)Polygon.

    Raises GeometryError with a message a person can act on.
    """
    if isinstance(geometry, str):
        try:
            geometry = json.loads(geometry)
        except json.JSONDecodeError as exc:
            raise GeometryError(_("the geometry is not valid JSON: %s") % exc) from None
    if not isinstance(geometry, dict) or "type" not in geometry:
        raise GeometryError(_("the geometry is missing"))
    if geometry["type"] not in POLYGONAL:
        raise GeometryError(_("the geometry is a %(type)s, not a Polygon or MultiPolygon") % {"type": geometry["type"]})
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.GEOSException) as exc:
        raise GeometryError(_("the coordinates cannot be read: %s") % exc) from None
    if geom.is_empty:
        raise GeometryError(_("the geometry is empty"))
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise GeometryError(_("the coordinates are not longitude/latitude in degrees (WGS-84)"))
    if not geom.is_valid:
        raise GeometryError(_("the geometry is invalid: %s") % explain_validity(geom))
    return geom


def to_geojson(geom) -> dict:
    """A plain GeoJSON geometry dict with coordinates rounded to about 1 cm."""
    return json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-7)))


def share_outside(child, parent) -> float:
    """The share of ``child``'s area that lies outside ``parent`` (0 = fully inside)."""
    if child.area == 0:
        return 0.0
    return child.difference(parent).area / child.area


__all__ = ["GeometryError", "polygon_from_geojson", "to_geojson", "share_outside", "mapping"]
