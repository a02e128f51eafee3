"""The Hohhot demo's coverage data. No street network of Hohhot is available
offline, so the demo generates one, with parks, toilets, bins and residential
land, inside the real urban districts, and marks it as generated. A real city
imports its OpenStreetMap extract instead (`wenming coverage import-osm`)."""

import hashlib

import numpy as np
import shapely
from shapely.geometry import shape

from wenming.coverage import generate
from wenming.coverage.models import DataSource
from wenming.coverage.network import Projection
from wenming.coverage.services import coverage, datasets
from wenming.org.models import Area

#: The four urban districts: 新城区, 回民区, 玉泉区, 赛罕区.
URBAN_DISTRICTS = ("150102", "150103", "150104", "150105")
#: The built-up core: about 9 km around the old town.
CENTRE = (111.67, 40.82)
CORE_RADIUS_M = 9000
SEED = 20261129


def region():
    districts = [
        shape(b)
        for b in Area.objects.filter(code__in=URBAN_DISTRICTS, boundary__isnull=False).values_list(
            "boundary", flat=True
        )
    ]
    if not districts:
        return None
    projection = Projection(*CENTRE)
    angle = np.linspace(0, 2 * np.pi, 73)
    lon, lat = projection.inverse(CORE_RADIUS_M * np.cos(angle), CORE_RADIUS_M * np.sin(angle))
    return shapely.union_all(districts).intersection(shapely.Polygon(np.column_stack([lon, lat])))


def load(progress=None) -> dict:
    core = region()
    if core is None or core.is_empty:
        return {}
    extract = generate.city(core, seed=SEED, progress=progress)
    network_bytes = extract.network().to_bytes()
    dataset = datasets.save_extract(
        extract,
        source=DataSource.GENERATED,
        file_name="呼和浩特示范路网（生成）",
        checksum=hashlib.sha256(network_bytes).hexdigest(),
        boundary=core,
        progress=progress,
    )
    coverage.run()
    return {"street network node": dataset.node_count, "coverage feature": sum(dataset.counts.values())}
