"""Checking and preparing uploaded photos (evidence before and after a problem is fixed).

Every upload is judged by its content, never by its name or declared type. The
uploaded bytes are kept unchanged as evidence; what is shown publicly is a
re-encoded JPEG without any metadata, so no GPS position or device detail leaks.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps

from wenming.core.errors import Invalid

try:
    import pillow_heif
except ImportError:  # HEIC is then refused as an unknown format; the rest still works.
    pillow_heif = None
    HEIF_SUPPORTED = False
else:
    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True

PUBLIC_MAX_SIDE = 1600
THUMBNAIL_SIZE = (320, 320)
PUBLIC_QUALITY = 85
THUMBNAIL_QUALITY = 80
ORIGINAL_NAME_MAX = 100

# Pillow format name -> (content type, extension of the stored original).
# MPO is how Pillow names a JPEG carrying extra pictures (depth maps, previews),
# which many phones write; it is a JPEG and its first picture is the photo.
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "MPO": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "HEIF": ("image/heic", "heic"),
}
# MPO has no opener of its own: the JPEG plugin returns it.
_OPEN_FORMATS = [f for f in FORMATS if f != "MPO" and (f != "HEIF" or HEIF_SUPPORTED)]

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}


class PhotoError(Invalid):
    """An upload that is not an acceptable photo; the message is shown to the user."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class ProcessedPhoto:
    original: ContentFile
    public: ContentFile
    thumbnail: ContentFile
    content_type: str
    size: int
    width: int
    height: int
    exif_lon: float | None
    exif_lat: float | None
    taken_at: datetime | None
    original_name: str


def process_upload(
    file: UploadedFile | IO[bytes], *, max_bytes: int | None = None, max_pixels: int | None = None
) -> ProcessedPhoto:
    """Check an uploaded photo and make its public copy and thumbnail.

    Raises PhotoError for anything that is not an acceptable photo.
    """
    if max_bytes is None:
        max_bytes = settings.WENMING_MAX_UPLOAD_BYTES
    if max_pixels is None:
        max_pixels = settings.WENMING_MAX_IMAGE_PIXELS

    original_name = clean_name(getattr(file, "name", "") or "")
    data = _read_limited(file, max_bytes)

    with _decoding():
        im = _open(data)
        fmt = im.format or ""
        width, height = im.size
        # The size comes from the header; refuse before any pixel is decoded.
        if width * height > max_pixels:
            raise PhotoError(_("The photo has too many pixels (%(pixels)d).") % {"pixels": width * height}, "pixels")
        # MPO's extra frames are companions of one photo, not an animation.
        if fmt != "MPO" and getattr(im, "n_frames", 1) > 1:
            raise PhotoError(_("Animated images are not accepted."), "animated")
        im.verify()

        # verify() leaves the image unusable; decode from a fresh one.
        im = _open(data)
        exif = im.getexif()
        if fmt in ("JPEG", "MPO"):
            # Let libjpeg decode at 1/2..1/8 scale; still reads the whole stream, so truncation shows.
            im.draft("RGB", _fit((width, height), (PUBLIC_MAX_SIDE, PUBLIC_MAX_SIDE)))
        im.load()
        decoded_size = im.size
        ImageOps.exif_transpose(im, in_place=True)  # in place: no second full-size copy
        if im.size != decoded_size:
            width, height = height, width
        public_image = _to_rgb(_shrink(im, (PUBLIC_MAX_SIDE, PUBLIC_MAX_SIDE)))
        thumb_image = _shrink(public_image, THUMBNAIL_SIZE)
        public_bytes = _jpeg(public_image, PUBLIC_QUALITY)
        thumb_bytes = _jpeg(thumb_image, THUMBNAIL_QUALITY)

    location = exif_location(exif)
    content_type, ext = FORMATS[fmt]
    key = uuid.uuid4().hex
    return ProcessedPhoto(
        original=ContentFile(data, name=f"{key}.{ext}"),
        public=ContentFile(public_bytes, name=f"{key}-public.jpg"),
        thumbnail=ContentFile(thumb_bytes, name=f"{key}-thumb.jpg"),
        content_type=content_type,
        size=len(data),
        width=width,
        height=height,
        exif_lon=location[0] if location else None,
        exif_lat=location[1] if location else None,
        taken_at=exif_taken_at(exif),
        original_name=original_name,
    )


def exif_location(image: Image.Image | Image.Exif) -> tuple[float, float] | None:
    """(lon, lat) in WGS-84 degrees from the EXIF GPS IFD, or None when absent or malformed."""
    try:
        exif = image.getexif() if isinstance(image, Image.Image) else image
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat = _gps_degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "N", "S", 90)
        lon = _gps_degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "E", "W", 180)
    except Exception:  # EXIF is attacker-controlled; anything odd means "no location".
        return None
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None  # 0,0 is what broken GPS units write, not a real place here.
    return lon, lat


def exif_taken_at(image: Image.Image | Image.Exif) -> datetime | None:
    """When the photo was taken, from DateTimeOriginal, as an aware datetime.

    Read in OffsetTimeOriginal's offset when the camera wrote one, else in settings.TIME_ZONE.
    """
    try:
        exif = image.getexif() if isinstance(image, Image.Image) else image
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        value = _exif_text(sub.get(ExifTags.Base.DateTimeOriginal))
        if not value:
            return None
        naive = datetime.strptime(value[:19], "%Y:%m:%d %H:%M:%S")
        offset = _exif_text(sub.get(ExifTags.Base.OffsetTimeOriginal))
        match = re.fullmatch(r"([+-])(\d\d):(\d\d)", offset or "")
        if match:
            minutes = int(match[2]) * 60 + int(match[3])
            if minutes <= 14 * 60:
                tz = dt_timezone(timedelta(minutes=minutes if match[1] == "+" else -minutes))
                return naive.replace(tzinfo=tz).astimezone(timezone.get_default_timezone())
        return timezone.make_aware(naive, timezone.get_default_timezone())
    except Exception:  # "0000:00:00 00:00:00", garbage, a time skipped by DST: no date.
        return None


def clean_name(name: str) -> str:
    """The base name of an uploaded file, safe to store and show."""
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    # Cc: newlines and other controls; Cf: invisible marks such as the right-to-left override.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf")).strip()
    if name in (".", ".."):
        return ""
    if len(name) > ORIGINAL_NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: ORIGINAL_NAME_MAX - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:ORIGINAL_NAME_MAX]
    return name


def _read_limited(file: Any, max_bytes: int) -> bytes:
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _too_large(max_bytes)
    try:
        file.seek(0)
    except Exception:  # Not seekable: read from where it is.
        pass
    chunks: list[bytes] = []
    total = 0
    while total <= max_bytes:
        chunk = file.read(max_bytes + 1 - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > max_bytes:
        raise _too_large(max_bytes)
    if total == 0:
        raise PhotoError(_("The file is empty."), "empty")
    return b"".join(chunks)


def _too_large(max_bytes: int) -> PhotoError:
    mib = 1024 * 1024
    if max_bytes >= mib:
        message = _("The photo is larger than %(limit)d MB.") % {"limit": max_bytes // mib}
    else:
        message = _("The photo is larger than %(limit)d KB.") % {"limit": max(1, max_bytes // 1024)}
    return PhotoError(message, "too_large")


@contextmanager
def _decoding() -> Iterator[None]:
    """Turn whatever Pillow raises on bad input into PhotoError."""
    try:
        # The filter is process-wide while active; at worst another thread's bomb warning becomes an error too.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError(_("The photo has too many pixels."), "pixels") from exc
    except Exception as exc:  # Malformed files make decoders fail in many ways.
        raise PhotoError(_("The file is not an image or is damaged."), "damaged") from exc


def _open(data: bytes) -> Image.ImageFile.ImageFile:
    # Only the accepted decoders see the data; other formats are only named for the message.
    try:
        return Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
    except Image.UnidentifiedImageError:
        pass
    fmt = _other_format(data)
    if fmt in _OPEN_FORMATS:
        # Looks like a format we take, but its decoder refused it.
        raise PhotoError(_("The file is not an image or is damaged."), "damaged")
    if fmt:
        raise PhotoError(_("This image format is not accepted: %(format)s.") % {"format": fmt}, "format")
    raise PhotoError(_("The file is not an image."), "not_image")


def _other_format(data: bytes) -> str | None:
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "AVIF" if data[8:12] == b"avif" else "HEIF"
    try:
        with Image.open(io.BytesIO(data)) as other:
            return other.format or None
    except Exception:
        return None


def _fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    scale = min(box[0] / size[0], box[1] / size[1], 1.0)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _shrink(im: Image.Image, box: tuple[int, int]) -> Image.Image:
    target = _fit(im.size, box)
    if target == im.size:
        return im
    # reducing_gap: a cheap box reduction first, then Lanczos over few pixels.
    return im.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _to_rgb(im: Image.Image) -> Image.Image:
    icc = im.info.get("icc_profile")
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        im = Image.new("RGB", rgba.size, (255, 255, 255))
        im.paste(rgba, mask=rgba.getchannel("A"))
    elif im.mode != "RGB":
        im = im.convert("RGB")
    if icc:
        # Bake the colour profile (e.g. iPhone Display P3) into sRGB pixels so no profile is stored.
        im = _icc_to_srgb(im, icc)
    return im


def _icc_to_srgb(im: Image.Image, icc: bytes) -> Image.Image:
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if ImageCms.getProfileColorSpace(source).strip() != "RGB":
            return im
        converted = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        return converted if converted is not None else im
    except Exception:  # A broken or unusual profile: keep the pixels as they are.
        return im


def _jpeg(im: Image.Image, quality: int) -> bytes:
    # Pillow copies some of im.info (comment) into the file; start from nothing.
    im.info = {}
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def _gps_degrees(value: Any, ref: Any, positive: str, negative: str, limit: float) -> float | None:
    if value is None or len(value) != 3:
        return None
    deg, minutes, seconds = (float(v) for v in value)
    if not all(math.isfinite(v) and v >= 0 for v in (deg, minutes, seconds)):
        return None
    if minutes > 60 or seconds > 60:
        return None
    result = deg + minutes / 60 + seconds / 3600
    hemisphere = (_exif_text(ref) or "").upper()
    if hemisphere == negative:
        result = -result
    elif hemisphere != positive:
        return None  # Without the reference the sign is a guess; a wrong hemisphere is worse than none.
    if abs(result) > limit:
        return None
    return result


def _exif_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).strip("\x00 ").strip() or None
