"""Fixtures of the 献一计 and 征集 tests: topics, photos, places in 示范市, generous rate limits."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from wenming.participation.models import PortalSettings, SuggestionTopic
from wenming.participation.protection import DEFAULT_LIMITS
from wenming.participation.services import suggestions as service

WEST = (111.02, 40.02)  # 和平社区第1网格, 西一街道, 西区
EAST = (111.15, 40.05)  # 东一街道, 东区
OUTSIDE = (112.5, 41.0)


def jpeg(name="photo.jpg", size=(64, 48), colour=(30, 120, 200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def fake_image(name="photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<?php echo 'not a photo'; ?>", content_type="image/jpeg")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def no_limits(settings):
    settings.WENMING_PORTAL_LIMITS = {
        action: {"account": (10000, 3600), "ip": (10000, 3600)} for action in DEFAULT_LIMITS
    }


@pytest.fixture
def topics(city):
    service.seed_topics()
    return {t.name: t for t in SuggestionTopic.objects.all()}


@pytest.fixture
def portal_settings(city):
    return PortalSettings.get()


def configure(**values) -> PortalSettings:
    settings = PortalSettings.get()
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings


@pytest.fixture
def suggest(topics, media):
    """Submit through the one service: suggest(user, title=…, body=…, topic="市容环境", where=WEST, …)."""

    def make(
        user,
        title="公园里垃圾桶太少了",
        body="每到周末公园里人很多，希望多放几个垃圾桶。",
        topic="市容环境",
        where=None,
        **extra,
    ):
        lon, lat = where if where else (None, None)
        return service.submit(user, topic=topics[topic], title=title, body=body, lon=lon, lat=lat, **extra)

    return make
