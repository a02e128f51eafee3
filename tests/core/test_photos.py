"""Uploaded photos are judged by content, kept unchanged, and shown publicly only without metadata."""

import io
import struct
import zlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, ImageFile

from wenming.core import photos
from wenming.core.errors import Invalid
from wenming.core.photos import PhotoError, ProcessedPhoto, clean_name, exif_location, process_upload

pytestmark = pytest.mark.usefixtures("english")

RED, BLUE = (220, 20, 20), (20, 20, 220)


def two_colour(size=(400, 200), mode="RGB"):
    """Left half red, right half blue: shows which way the picture was turned."""
    im = Image.new(mode, size, BLUE)
    im.paste(RED, (0, 0, size[0] // 2, size[1]))
    return im


def noisy(size=(640, 480)):
    """Pixels that do not compress away, so a cut file is cut inside the picture data."""
    return Image.effect_noise(size, 64).convert("RGB")


def make_exif(orientation=None, lat=None, lon=None, taken=None, offset=None):
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if lat is not None:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: lat[0],
            ExifTags.GPS.GPSLatitude: lat[1],
            ExifTags.GPS.GPSLongitudeRef: lon[0],
            ExifTags.GPS.GPSLongitude: lon[1],
        }
    if taken:
        sub = {ExifTags.Base.DateTimeOriginal: taken}
        if offset:
            sub[ExifTags.Base.OffsetTimeOriginal] = offset
        exif[ExifTags.IFD.Exif] = sub
    return exif


def encode(im, fmt, **params):
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def huijin_jpeg(**exif_args):
    exif = make_exif(
        orientation=6,
        lat=("N", (40.0, 49.0, 0.0)),
        lon=("E", (111.0, 40.0, 0.0)),
        taken="2024:05:01 09:30:00",
        **exif_args,
    )
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(
        two_colour(),
        "JPEG",
        exif=exif,
        icc_profile=srgb,
        comment=b"secret comment",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret xmp</x:xmpmeta>',
    )


def assert_bare_jpeg(data: bytes):
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG"
    assert dict(im.getexif()) == {}
    for key in ("exif", "icc_profile", "comment", "xmp", "XML:com.adobe.xmp"):
        assert key not in im.info
    for marker in (b"Exif", b"secret", b"ICC_PROFILE", b"http://ns.adobe.com/xap/"):
        assert marker not in data


# Accepted photos


def test_a_rotated_phone_jpeg_becomes_an_upright_public_copy_without_any_metadata():
    data = huijin_jpeg()
    photo = process_upload(upload(data, "IMG_0001.JPG"))

    assert isinstance(photo, ProcessedPhoto)
    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (200, 400)
    public_bytes = photo.public.read()
    assert_bare_jpeg(public_bytes)
    public = Image.open(io.BytesIO(public_bytes)).convert("RGB")
    assert public.size == (200, 400)
    # Orientation 6 turns the stored left (red) side to the top.
    assert public.getpixel((100, 20))[0] > 150
    assert public.getpixel((100, 380))[2] > 150


def test_the_thumbnail_is_upright_fits_in_320_and_has_no_metadata():
    photo = process_upload(upload(huijin_jpeg()))
    thumb_bytes = photo.thumbnail.read()
    assert_bare_jpeg(thumb_bytes)
    assert Image.open(io.BytesIO(thumb_bytes)).size == (160, 320)


def test_gps_position_and_time_taken_are_read_from_the_exif():
    photo = process_upload(upload(huijin_jpeg()))
    assert photo.exif_lon == pytest.approx(111 + 40 / 60, abs=1e-6)
    assert photo.exif_lat == pytest.approx(40 + 49 / 60, abs=1e-6)
    assert photo.taken_at == datetime(2024, 5, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert photo.taken_at.utcoffset().total_seconds() == 8 * 3600


def test_the_offset_written_by_the_camera_is_honoured_for_the_time_taken():
    photo = process_upload(upload(huijin_jpeg(offset="+02:00")))
    assert photo.taken_at == datetime(2024, 5, 1, 7, 30, tzinfo=UTC)


def test_southern_and_western_references_give_negative_degrees():
    exif = make_exif(lat=("S", (33.0, 52.0, 4.2)), lon=("W", (70.0, 30.0, 0.0)))
    location = exif_location(Image.open(io.BytesIO(encode(two_colour(), "JPEG", exif=exif))))
    assert location == pytest.approx((-70.5, -(33 + 52 / 60 + 4.2 / 3600)))


@pytest.mark.parametrize(
    "lat, lon",
    [
        (("N", (0.0, 0.0, 0.0)), ("E", (0.0, 0.0, 0.0))),  # what a GPS without a fix writes
        (("N", (95.0, 0.0, 0.0)), ("E", (111.0, 0.0, 0.0))),  # beyond the pole
        (("X", (40.0, 0.0, 0.0)), ("E", (111.0, 0.0, 0.0))),  # unknown hemisphere
        (("N", (40.0, 0.0)), ("E", (111.0, 0.0, 0.0))),  # two numbers instead of three
    ],
)
def test_absent_or_malformed_gps_gives_no_location(lat, lon):
    exif = make_exif(lat=lat, lon=lon)
    assert exif_location(exif) is None
    assert exif_location(Image.new("RGB", (4, 4))) is None


@pytest.mark.parametrize("value", ["0000:00:00 00:00:00", "yesterday", "2024:13:45 99:00:00"])
def test_a_malformed_time_taken_gives_none(value):
    photo = process_upload(upload(encode(two_colour(), "JPEG", exif=make_exif(taken=value))))
    assert photo.taken_at is None


def test_a_png_with_transparency_is_accepted_by_content_whatever_its_name():
    im = two_colour(mode="RGBA")
    im.paste((0, 0, 0, 0), (0, 0, 40, 40))
    photo = process_upload(upload(encode(im, "PNG"), "looks-like.jpg", "image/jpeg"))
    assert photo.content_type == "image/png"
    assert photo.original.name.endswith(".png")
    assert (photo.width, photo.height) == (400, 200)
    assert photo.exif_lon is None and photo.exif_lat is None and photo.taken_at is None
    public = Image.open(io.BytesIO(photo.public.read()))
    assert public.format == "JPEG" and public.mode == "RGB"
    assert public.getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=8)  # transparency on white


def test_a_16_bit_greyscale_png_is_accepted():
    im = Image.linear_gradient("L").resize((300, 100)).convert("I").point(lambda v: v * 256).convert("I;16")
    photo = process_upload(upload(encode(im, "PNG"), "scan.png"))
    public = Image.open(io.BytesIO(photo.public.read())).convert("L")
    assert public.getpixel((150, 5)) < 40 and public.getpixel((150, 95)) > 200


def test_a_webp_is_accepted():
    exif = make_exif(lat=("N", (40.0, 30.0, 0.0)), lon=("E", (111.0, 30.0, 0.0)))
    photo = process_upload(upload(encode(two_colour(), "WEBP", exif=exif), "x.webp"))
    assert photo.content_type == "image/webp"
    assert photo.original.name.endswith(".webp")
    assert (photo.exif_lon, photo.exif_lat) == pytest.approx((111.5, 40.5))
    assert_bare_jpeg(photo.public.read())


def heic(im, **params):
    if not photos.HEIF_SUPPORTED:
        pytest.skip("pillow_heif is not installed")
    try:
        return encode(im, "HEIF", quality=90, **params)
    except Exception as exc:  # libheif built without an HEVC encoder
        pytest.skip(f"pillow_heif cannot encode HEIC here: {exc}")


def test_an_iphone_heic_is_accepted_and_stripped():
    exif = make_exif(lat=("N", (40.0, 49.0, 0.0)), lon=("E", (111.0, 40.0, 0.0)), taken="2024:05:01 09:30:00")
    photo = process_upload(upload(heic(two_colour(), exif=exif), "IMG_4711.HEIC", "image/heic"))
    assert photo.content_type == "image/heic"
    assert photo.original.name.endswith(".heic")
    assert (photo.width, photo.height) == (400, 200)
    assert (photo.exif_lon, photo.exif_lat) == pytest.approx((111 + 40 / 60, 40 + 49 / 60))
    assert photo.taken_at == datetime(2024, 5, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    public_bytes = photo.public.read()
    assert_bare_jpeg(public_bytes)
    public = Image.open(io.BytesIO(public_bytes)).convert("RGB")
    assert public.size == (400, 200)
    assert public.getpixel((20, 100))[0] > 150 and public.getpixel((380, 100))[2] > 150


def test_a_heic_is_turned_by_its_own_transforms_not_a_second_time_by_its_exif():
    # In HEIF the irot/imir boxes rule and libheif applies them; pillow_heif resets the EXIF tag to 1.
    data = heic(two_colour(), exif=make_exif(orientation=6))
    decoded = Image.open(io.BytesIO(data))
    decoded.load()
    photo = process_upload(upload(data, "IMG_4712.HEIC"))
    public = Image.open(io.BytesIO(photo.public.read())).convert("RGB")
    assert (photo.width, photo.height) == public.size == decoded.size
    assert public.getpixel((20, 20)) == pytest.approx(decoded.convert("RGB").getpixel((20, 20)), abs=12)


def test_a_damaged_heic_is_called_damaged_not_an_unknown_format():
    data = heic(two_colour())
    assert_rejected(data[: len(data) - 200], name="x.heic", code="damaged")


def test_without_pillow_heif_a_heic_is_refused_by_its_format_name(monkeypatch):
    data = heic(two_colour())
    monkeypatch.setattr(photos, "_OPEN_FORMATS", ["JPEG", "PNG", "WEBP"])
    error = assert_rejected(data, name="x.heic", code="format")
    assert str(error) == "This image format is not accepted: HEIF."


def test_a_phone_jpeg_carrying_a_second_picture_is_taken_as_a_jpeg():
    data = encode(two_colour(), "MPO", save_all=True, append_images=[two_colour((40, 20))])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    photo = process_upload(upload(data))
    assert photo.content_type == "image/jpeg"
    assert photo.original.name.endswith(".jpg")
    assert (photo.width, photo.height) == (400, 200)
    assert_bare_jpeg(photo.public.read())


def test_a_cmyk_jpeg_is_accepted():
    photo = process_upload(upload(encode(two_colour(mode="CMYK"), "JPEG")))
    assert Image.open(io.BytesIO(photo.public.read())).mode == "RGB"


def test_a_large_photo_is_shrunk_to_1600_pixels_on_its_longest_side():
    photo = process_upload(upload(encode(noisy((3200, 2400)), "JPEG", quality=70)))
    assert (photo.width, photo.height) == (3200, 2400)
    assert Image.open(io.BytesIO(photo.public.read())).size == (1600, 1200)
    assert Image.open(io.BytesIO(photo.thumbnail.read())).size == (320, 240)


def test_the_original_bytes_are_kept_unchanged_as_evidence():
    data = huijin_jpeg()
    photo = process_upload(upload(data))
    assert photo.original.read() == data
    assert photo.size == len(data)


def test_stored_names_are_made_up_and_share_one_key():
    photo = process_upload(upload(huijin_jpeg(), "我的照片.jpeg"))
    key = photo.original.name.removesuffix(".jpg")
    assert len(key) == 32 and int(key, 16) >= 0
    assert photo.public.name == f"{key}-public.jpg"
    assert photo.thumbnail.name == f"{key}-thumb.jpg"
    assert photo.original_name == "我的照片.jpeg"


def test_a_plain_file_like_object_is_accepted():
    stream = io.BytesIO(encode(two_colour(), "PNG"))
    stream.name = "C:\\Users\\grid\\Desktop\\site.png"
    photo = process_upload(stream)
    assert photo.original_name == "site.png"


# The original name


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/pass\nwd.jpg", "passwd.jpg"),
        ("..\\..\\windows\\evil.png", "evil.png"),
        ("photo\u202egpj.exe", "photogpj.exe"),  # right-to-left override removed
        ("..", ""),
        ("", ""),
    ],
)
def test_the_original_name_keeps_only_a_clean_base_name(name, expected):
    assert clean_name(name) == expected


def test_a_long_original_name_is_cut_to_100_characters_keeping_its_extension():
    name = clean_name("街" * 300 + ".jpeg")
    assert len(name) == 100 and name.endswith("街.jpeg")


def test_the_sanitised_name_is_returned_with_the_photo():
    photo = process_upload(upload(huijin_jpeg(), "../../etc/pass\nwd.jpg"))
    assert photo.original_name == "passwd.jpg"


# Rejected uploads


def assert_rejected(data, *, name="photo.jpg", code=None, **kwargs):
    with pytest.raises(PhotoError) as info:
        process_upload(upload(data, name), **kwargs)
    assert str(info.value)
    if code:
        assert info.value.code == code
    return info.value


def test_an_empty_file_is_rejected():
    assert_rejected(b"", code="empty")


def test_a_text_file_named_jpg_is_rejected():
    error = assert_rejected("这不是照片, just text.\n".encode() * 50, code="not_image")
    assert str(error) == "The file is not an image."


def test_a_pdf_named_jpg_is_rejected():
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    assert_rejected(pdf, code="not_image")


def test_a_truncated_jpeg_is_rejected():
    assert not ImageFile.LOAD_TRUNCATED_IMAGES
    data = encode(noisy(), "JPEG", quality=90)
    assert_rejected(data[: len(data) // 2], code="damaged")


def test_a_truncated_png_is_rejected():
    data = encode(noisy(), "PNG")
    assert_rejected(data[: len(data) // 2], name="x.png", code="damaged")


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_rejected_with_their_name(fmt):
    error = assert_rejected(encode(two_colour(), fmt), code="format")
    assert str(error) == f"This image format is not accepted: {fmt}."


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_an_animated_image_is_rejected(fmt):
    frames = [two_colour(), two_colour().transpose(Image.Transpose.ROTATE_180)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    assert_rejected(data, name=f"x.{fmt.lower()}", code="animated")


def test_a_file_over_the_limit_is_rejected_with_the_limit_in_the_message():
    error = assert_rejected(huijin_jpeg(), max_bytes=1024, code="too_large")
    assert "1 KB" in str(error)
    error = assert_rejected(b"\xff" * (2 * 1024 * 1024 + 1), max_bytes=2 * 1024 * 1024, code="too_large")
    assert "2 MB" in str(error)


def test_an_oversized_stream_is_not_read_to_its_end():
    class Endless(io.RawIOBase):
        name = "endless.jpg"
        given = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            n = min(len(buffer), 4096)
            buffer[:n] = b"\xff" * n
            self.given += n
            return n

    stream = Endless()
    with pytest.raises(PhotoError):
        process_upload(stream, max_bytes=10_000)
    assert stream.given <= 10_001 + 4096


def test_a_declared_size_over_the_limit_is_rejected_before_reading():
    class Declared(io.BytesIO):
        size = 10**9

        def read(self, *args):
            raise AssertionError("read although the declared size is over the limit")

    with pytest.raises(PhotoError) as info:
        process_upload(Declared(b""), max_bytes=1000)
    assert info.value.code == "too_large"


def png_claiming(width, height):
    """A PNG whose header claims a size; its few pixel bytes are never reached."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "width, height, max_pixels",
    [
        (8000, 8000, None),  # over our 50 megapixels, under Pillow's own limit
        (10_000, 10_000, 200_000_000),  # Pillow's DecompressionBombWarning
        (100_000, 100_000, 10**11),  # Pillow's DecompressionBombError
    ],
)
def test_a_decompression_bomb_is_rejected_before_any_pixel_is_decoded(monkeypatch, width, height, max_pixels):
    loads = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: loads.append(self.size) or real_load(self))
    error = assert_rejected(png_claiming(width, height), name="bomb.png", code="pixels", max_pixels=max_pixels)
    assert "too many pixels" in str(error)
    assert loads == []


def test_the_pixel_limit_is_given_with_the_count():
    error = assert_rejected(encode(two_colour(), "PNG"), max_pixels=50_000, code="pixels")
    assert str(error) == "The photo has too many pixels (80000)."


def test_messages_go_through_gettext(monkeypatch):
    monkeypatch.setattr(photos, "_", lambda message: "译:" + message)
    error = assert_rejected(b"")
    assert str(error) == "译:The file is empty."
    assert isinstance(error, Invalid) and error.status == 400
