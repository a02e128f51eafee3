"""Writing small OpenStreetMap extracts (.osm.pbf) for tests, laid out in metres.

Coordinates are given in metres around a fixed centre and turned into lon/lat
with the same Projection the product uses, so expected lengths are exact:

    data = OsmData()
    data.street([(0, 0), (100, 0)], highway="residential", name="Main")
    data.area([(10, 10), (90, 10), (90, 90), (10, 90)], leisure="park")
    data.point(50, 5, amenity="toilets")
    data.write(tmp_path / "city.osm.pbf")
"""

from __future__ import annotations

import json
from pathlib import Path

import osmium
from osmium.osm.mutable import Node, Relation, Way
from shapely.geometry import box, mapping

from wenming.coverage.network import Projection

#: The middle of the test city in tests/conftest.py (示范市, 111.0–111.2°E, 40.0–40.1°N),
#: on the border between its two districts.
CENTRE = Projection(111.1, 40.05)


class OsmData:
    """Nodes, ways and relations to write; ids are handed out in order."""

    def __init__(self, projection: Projection = CENTRE):
        self.projection = projection
        self.nodes: list[Node] = []
        self.ways: list[Way] = []
        self.relations: list[Relation] = []
        self._next = {"n": 1, "w": 1000, "r": 5000}

    def _id(self, kind) -> int:
        self._next[kind] += 1
        return self._next[kind] - 1

    def lonlat(self, x, y) -> tuple[float, float]:
        lon, lat = self.projection.inverse(x, y)
        return float(lon), float(lat)

    def node(self, x, y, tags=None, **more) -> int:
        """A node at (x, y) metres; returns its id."""
        node_id = self._id("n")
        self.nodes.append(
            Node(
                id=node_id,
                location=self.lonlat(x, y),
                tags={**(tags or {}), **more},
                version=1,
                timestamp="2024-01-01T00:00:00Z",
                changeset=1,
                uid=1,
                user="test",
            )
        )
        return node_id

    def point(self, x, y, tags=None, **more) -> int:
        """A tagged node: a toilet, a bin, an entrance."""
        return self.node(x, y, tags, **more)

    def way(self, node_ids, tags=None, **more) -> int:
        way_id = self._id("w")
        self.ways.append(
            Way(
                id=way_id,
                nodes=list(node_ids),
                tags={**(tags or {}), **more},
                version=1,
                timestamp="2024-01-01T00:00:00Z",
                changeset=1,
                uid=1,
                user="test",
            )
        )
        return way_id

    def street(self, points, tags=None, **more) -> int:
        """A way through new nodes at ``points`` (metres); tags such as highway=residential."""
        return self.way([self.node(x, y) for x, y in points], tags, **more)

    def street_through(self, node_ids, tags=None, **more) -> int:
        """A way through existing nodes, to join streets at crossings."""
        return self.way(node_ids, tags, **more)

    def area(self, ring, tags=None, **more) -> int:
        """A closed way around ``ring`` (metres, not repeating the first point)."""
        ids = [self.node(x, y) for x, y in ring]
        return self.way(ids + ids[:1], tags, **more)

    def rectangle(self, x0, y0, x1, y1, tags=None, **more) -> int:
        return self.area([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], tags, **more)

    def multipolygon(self, outer, inners=(), tags=None, **more) -> int:
        """A multipolygon relation with untagged member ways."""
        members = [("w", self._ring_way(outer), "outer")]
        members += [("w", self._ring_way(inner), "inner") for inner in inners]
        relation_id = self._id("r")
        self.relations.append(
            Relation(
                id=relation_id,
                members=members,
                tags={"type": "multipolygon", **(tags or {}), **more},
                version=1,
                timestamp="2024-01-01T00:00:00Z",
                changeset=1,
                uid=1,
                user="test",
            )
        )
        return relation_id

    def _ring_way(self, ring) -> int:
        ids = [self.node(x, y) for x, y in ring]
        return self.way(ids + ids[:1])

    def write(self, path) -> Path:
        """Write the .osm.pbf (nodes, then ways, then relations, as readers expect)."""
        path = Path(path)
        if path.exists():
            path.unlink()
        writer = osmium.SimpleWriter(str(path))
        try:
            for node in self.nodes:
                writer.add_node(node)
            for way in self.ways:
                writer.add_way(way)
            for relation in self.relations:
                writer.add_relation(relation)
        finally:
            writer.close()
        return path


def metre_box(projection: Projection, x0, y0, x1, y1):
    """A lon/lat polygon for a rectangle given in metres."""
    return projection.geometry_back(box(x0, y0, x1, y1))


def write_geojson(path, *geometries, properties=None) -> Path:
    """A FeatureCollection of lon/lat shapely geometries."""
    path = Path(path)
    features = [{"type": "Feature", "properties": dict(properties or {}), "geometry": mapping(g)} for g in geometries]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path
