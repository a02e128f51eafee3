"""Cases in the made-up 示范市: categories come from the migration, routing rules from here."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from wenming.cases import services
from wenming.cases.models import Category, RoutingRule

# In grid 990101001001001 of 西一街道, 西区.
WEST_POINT = (111.02, 40.02)
# In 东一街道, 东区 (no grids there).
EAST_POINT = (111.15, 40.05)


def category(code: str) -> Category:
    return Category.objects.get(kind=code[0], code=code[1:])


def jpeg_bytes(size=(64, 48), colour=(200, 30, 30), *, gps=None) -> bytes:
    """A JPEG; ``gps=(lon, lat)`` writes the position in EXIF as a phone camera does (N/E, degrees-minutes-seconds)."""
    params = {}
    if gps is not None:
        from tests.core.test_photos import make_exif

        lon, lat = gps
        params["exif"] = make_exif(lat=("N", _dms(lat)), lon=("E", _dms(lon)))
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", **params)
    return buffer.getvalue()


def _dms(degrees: float) -> tuple:
    d = int(degrees)
    m = int((degrees - d) * 60)
    return (d, m, round(((degrees - d) * 60 - m) * 60, 2))


def jpeg(name="photo.jpg", size=(64, 48), colour=(200, 30, 30), *, gps=None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(size, colour, gps=gps), content_type="image/jpeg")


def with_routing(city):
    """The city plus routing: 占道经营 → 市城管局 (D1) everywhere; anything in 东区 → 东一街道 (E1)."""
    RoutingRule.objects.create(category=category("E0501"), unit=city.units["D1"])
    RoutingRule.objects.create(area=city.areas["990102"], unit=city.units["E1"])
    return city


@pytest.fixture
def world(city):
    return with_routing(city)


@pytest.fixture
def report(world):
    """A factory of cases through the one intake service."""

    def make(code="E0501", where=WEST_POINT, source="hotline", user=None, **extra):
        user = user or world.users["campaign_admin"]
        return services.intake(
            source=source,
            category=category(code),
            lon=where[0],
            lat=where[1],
            description=extra.pop("description", "路边有人占道摆摊卖水果"),
            user=user,
            **extra,
        ).case

    return make


@pytest.fixture
def dispatched(world, report):
    """A registered case dispatched to 市城管局 (D1)."""
    case = report()
    return services.register(case, world.users["campaign_admin"])


def act(case, world, role, action, **params):
    """Run an action as the person of ``role`` and return the fresh case."""
    case.refresh_from_db()
    return services.perform(case, world.users[role], action, params, photos=params.pop("photos", ()))


@pytest.fixture
def run():
    return act
