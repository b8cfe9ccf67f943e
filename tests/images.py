"""Photos for upload tests, made in memory: honest ones, big ones, bombs and fakes."""

import functools
import io

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

ORIENTATION = 0x0112  # EXIF tag: how the camera was held
GPS_INFO = 0x8825  # EXIF tag: where the photo was taken


def upload(image: Image.Image, name: str, fmt: str = "JPEG", **options) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=Image.MIME[fmt])


def scene(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Something like a picture (not one flat colour), quick to make at any size."""
    image = Image.linear_gradient("L").resize((width, height)).convert(mode)
    draw = ImageDraw.Draw(image)
    for x in range(0, width, max(1, width // 40)):
        draw.line([(x, 0), (width - x, height)], fill=(x % 255, 90, 200), width=3)
    return image


def camera_photo(width: int = 4000, height: int = 3000, name: str = "camera.jpg"):
    """A landscape JPEG as a phone stores a portrait shot: EXIF says "rotate 90°",
    and it carries the place it was taken and a comment."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[GPS_INFO] = {1: "N", 2: (31.0, 14.0, 0.0)}
    return upload(scene(width, height), name, exif=exif.tobytes(), comment=b"Alice's phone")


def noisy_jpeg(width: int, height: int, name: str = "noisy.jpg") -> SimpleUploadedFile:
    """A valid JPEG that compresses badly: many bytes for few pixels."""
    return upload(Image.effect_noise((width, height), 80).convert("RGB"), name, quality=95)


@functools.cache
def _hundred_megapixels() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")  # about 12 KB on disk
    return buffer.getvalue()


def hundred_megapixel_png(name: str = "huge.png") -> SimpleUploadedFile:
    """A real 10,000 × 10,000 PNG, tiny on disk, 300 MB once decoded to RGB."""
    return SimpleUploadedFile(name, _hundred_megapixels(), content_type="image/png")


def text_named_jpg(name: str = "holiday.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ this is not a photo\n" * 40, content_type="image/jpeg")


def truncated_jpeg(name: str = "cut.jpg") -> SimpleUploadedFile:
    whole = upload(scene(800, 600), name).read()
    return SimpleUploadedFile(name, whole[: len(whole) // 2], content_type="image/jpeg")


def gif(name: str = "anim.gif") -> SimpleUploadedFile:
    return upload(scene(40, 30), name, fmt="GIF")


def stored(fieldfile) -> Image.Image:
    """The stored file as a browser would get it."""
    with default_storage.open(fieldfile.name, "rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def stored_names(folder: str = "offers") -> set[str]:
    """Every file in the storage's folder (the tests' storage lives in memory)."""
    try:
        return set(default_storage.listdir(folder)[1])
    except FileNotFoundError:
        return set()
