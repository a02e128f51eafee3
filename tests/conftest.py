"""Shared fixtures: a small made-up city built through the same services as real data.

示范市 (990100), two districts side by side, one split into two streets; the west
street has one community with two grids. Each role has one person.
"""

from types import SimpleNamespace

import pytest
from shapely.geometry import box, mapping

from wenming.org import services
from wenming.org.models import Area, Role, Unit

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory):
    """Each test run gets its own SQLite test file, so that runs side by side never share one."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def pytest_configure(config):
    from django.conf import settings

    # Hashing cost is irrelevant to what the tests check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def feature(code, name, geom, parent=""):
    return {"type": "Feature", "properties": {"code": code, "name": name, "parent": parent}, "geometry": mapping(geom)}


# lon/lat boxes near 111°E 40°N
BOXES = {
    "990100": box(111.0, 40.0, 111.2, 40.1),
    "990101": box(111.0, 40.0, 111.1, 40.1),
    "990102": box(111.1, 40.0, 111.2, 40.1),
    "990101001": box(111.0, 40.0, 111.1, 40.05),
    "990101002": box(111.0, 40.05, 111.1, 40.1),
    "990102001": box(111.1, 40.0, 111.2, 40.1),
    "990101001001": box(111.0, 40.0, 111.1, 40.05),
    "990101001001001": box(111.0, 40.0, 111.05, 40.05),
    "990101001001002": box(111.05, 40.0, 111.1, 40.05),
}


def ensure_reference_data():
    """The migrations seed categories and the official calendar; a transactional test's
    flush removes them, so put back what is missing."""
    from wenming.cases.categories import seed_categories
    from wenming.cases.models import Category
    from wenming.participation.services.points import seed_rules
    from wenming.workdays.calendar import seed_official_calendar

    seed_categories(Category)
    seed_official_calendar()
    seed_rules()


def build_city():
    ensure_reference_data()
    services.import_areas([feature("990100", "示范市", BOXES["990100"])], "city")
    services.import_areas(
        [feature("990101", "西区", BOXES["990101"]), feature("990102", "东区", BOXES["990102"])], "district"
    )
    services.import_areas(
        [
            feature("990101001", "西一街道", BOXES["990101001"]),
            feature("990101002", "西二街道", BOXES["990101002"]),
            feature("990102001", "东一街道", BOXES["990102001"]),
        ],
        "street",
    )
    services.import_areas([feature("990101001001", "和平社区", BOXES["990101001001"])], "community")
    services.import_areas(
        [
            feature("990101001001001", "和平社区第1网格", BOXES["990101001001001"]),
            feature("990101001001002", "和平社区第2网格", BOXES["990101001001002"]),
        ],
        "grid",
    )
    unit_rows = [
        ("LG", "示范市创城领导小组", "leading_group", "990100", ""),
        ("CCB", "示范市创城办", "campaign_office", "990100", "LG"),
        ("SG", "市容环境专项组", "special_group", "990100", "LG"),
        ("D1", "市城管局", "department", "990100", ""),
        ("D1A", "市城管执法支队", "department", "990100", "D1"),
        ("D2", "市住建局", "department", "990100", ""),
        ("WGOV", "西区政府", "district_government", "990101", ""),
        ("WCCB", "西区创城办", "campaign_office", "990101", "WGOV"),
        ("EGOV", "东区政府", "district_government", "990102", ""),
        ("W1", "西一街道办事处", "street_office", "990101001", "WGOV"),
        ("W2", "西二街道办事处", "street_office", "990101002", "WGOV"),
        ("E1", "东一街道办事处", "street_office", "990102001", "EGOV"),
        ("W1C", "和平社区居委会", "community", "990101001001", "W1"),
    ]
    services.import_units(
        [
            (
                n,
                {
                    "code": c,
                    "name": name,
                    "kind": k,
                    "area_code": a,
                    "parent_code": p,
                    "member_of": "SG" if c == "D1" else "",
                },
            )
            for n, (c, name, k, a, p) in enumerate(unit_rows, start=2)
        ]
    )
    units = {u.code: u for u in Unit.objects.all()}
    people = {
        "campaign_admin": ("CCB", Role.CAMPAIGN_ADMIN, None),
        "group_lead": ("SG", Role.GROUP_LEAD, None),
        "district_leader": ("WGOV", Role.UNIT_LEADER, None),
        "department_handler": ("D1", Role.HANDLER, None),
        "street_handler": ("W1", Role.HANDLER, None),
        "inspector": ("CCB", Role.INSPECTOR, None),
        "grid_worker": ("W1C", Role.GRID_WORKER, "990101001001001"),
        "volunteer": (None, Role.VOLUNTEER, None),
        "citizen": (None, Role.CITIZEN, None),
    }
    users = {}
    for i, (username, (unit, role, grid)) in enumerate(people.items()):
        users[username] = services.create_person(
            username=username,
            real_name=f"测试{i}",
            password=PASSWORD,
            role=role,
            unit=units.get(unit),
            phone=f"1380000{i:04d}",
            area=Area.objects.get(code=grid) if grid else None,
        )
    return SimpleNamespace(areas={a.code: a for a in Area.objects.all()}, units=units, users=users)


@pytest.fixture
def city(db):
    return build_city()


@pytest.fixture
def cal(db):
    """The working calendar as its tables hold it now."""
    from wenming.workdays import calendar

    calendar.invalidate()
    return calendar.get_calendar()


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def english(client, settings):
    """Messages in English, for tests that read them word for word (the default is Chinese)."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
