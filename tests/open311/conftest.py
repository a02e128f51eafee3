"""An Open311 client application talking to the made-up 示范市 (see tests/conftest.py)."""

import io
import json
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from wenming.cases.models import Category, RoutingRule
from wenming.open311 import keys
from wenming.open311.models import ServiceAttribute
from wenming.open311.seed import seed_attributes

BASE = "/open311/v2/"
WEST = (111.02, 40.02)  # 西区 西一街道 和平社区第1网格
EAST = (111.15, 40.05)  # 东区 东一街道
OUTSIDE = (112.5, 41.5)
FORMATS = ["xml", "json"]
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
LIST_TAGS = {"services", "service_requests", "errors", "attributes", "values", "endpoints", "formats"}


def category(code: str) -> Category:
    return Category.objects.get(kind=code[0], code=code[1:])


def jpeg(name="photo.jpg", size=(64, 48), colour=(30, 120, 200), exif_gps=None) -> SimpleUploadedFile:
    """A small JPEG; with ``exif_gps`` (lon, lat) the position a phone writes into it."""
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    exif = Image.Exif()
    if exif_gps:
        lon, lat = exif_gps
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: _dms(lat),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: _dms(lon),
        }
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 3)
    return (float(degrees), float(minutes), seconds)


def _from_xml(element):
    children = list(element)
    if element.tag in LIST_TAGS:
        return [_from_xml(child) for child in children]
    if not children:
        return element.text
    return {child.tag: _from_xml(child) for child in children}


def parse(response):
    """The body of an Open311 answer as Python data, XML or JSON alike (XML values are text)."""
    if response["Content-Type"].startswith("application/json"):
        return json.loads(response.content.decode("utf-8"))
    root = ET.fromstring(response.content)
    return _from_xml(root)


class Open311:
    """A client application: GET and POST in either format, with its api_key.

    Messages come in English (the language cookie) so that tests can read them;
    without the cookie the interface speaks Chinese."""

    def __init__(self, key=None, language="en"):
        self.client = Client()
        if language:
            self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        self.key = key

    def get(self, path, fmt="json", **params):
        return self.client.get(f"{BASE}{path}.{fmt}", params)

    def post(self, fmt="json", *, key="default", query=None, headers=None, **fields):
        """Form-encoded, or multipart when a field is a file; the api_key in the body."""
        key = self.key if key == "default" else key
        data = dict(fields)
        if key is not None:
            data.setdefault("api_key", key)
        url = f"{BASE}requests.{fmt}" + (f"?{urlencode(query)}" if query else "")
        if any(hasattr(v, "read") for v in data.values()):
            return self.client.post(url, data, headers=headers or {})
        return self.client.post(
            url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded", headers=headers or {}
        )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(city):
    """The city, routing (占道经营 → 市城管局 everywhere; anything in 东区 → 东一街道), the standard
    service attributes, and a registered client application."""
    RoutingRule.objects.create(category=category("E0501"), unit=city.units["D1"])
    RoutingRule.objects.create(area=city.areas["990102"], unit=city.units["E1"])
    seed_attributes(ServiceAttribute, Category)
    city.app, city.key = keys.create("随手拍小程序", contact="信息中心 0471-1234567", per_minute=1000)
    return city


@pytest.fixture
def api(world):
    return Open311(world.key)


def report(api, fmt="json", **fields):
    """POST a request that is valid unless ``fields`` say otherwise; returns the response."""
    data = {"service_code": "E0502", "lat": WEST[1], "long": WEST[0], "description": "小区门口有车辆长期占用消防通道"}
    data.update(fields)
    return api.post(fmt, **{k: v for k, v in data.items() if v is not None})


def created_id(response) -> str:
    assert response.status_code == 201, response.content.decode()
    return parse(response)[0]["service_request_id"]
