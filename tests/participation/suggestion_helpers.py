"""Helpers of the 献一计 and 征集 tests: photos, places in 示范市, portal settings (fixtures: conftest.py)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from wenming.participation.models import PortalSettings

WEST = (111.02, 40.02)  # 和平社区第1网格, 西一街道, 西区
EAST = (111.15, 40.05)  # 东一街道, 东区
OUTSIDE = (112.5, 41.0)


def jpeg(name="photo.jpg", size=(64, 48), colour=(30, 120, 200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def fake_image(name="photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<?php echo 'not a photo'; ?>", content_type="image/jpeg")


def configure(**values) -> PortalSettings:
    settings = PortalSettings.get()
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings
