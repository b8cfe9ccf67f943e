"""Uploaded images: the limits every upload must pass and the bounded copy that is stored.

One place decides what an uploaded photo may be (at most IMAGE_UPLOAD_MAX_BYTES,
at most IMAGE_UPLOAD_MAX_PIXELS, JPEG, PNG or WebP) and what is kept of it: a
re-encoded copy whose longest side is at most IMAGE_STORED_MAX_SIDE, turned
upright by its EXIF orientation, without EXIF, XMP or comments (a phone photo's
GPS position stays on the phone). The bytes and the pixel count are checked
from the file's size and header before anything is decoded.

Forms use `BoundedImageFormField` (field errors), services call `prepare_image`
(a DomainError before anything is written), and the model field
`BoundedImageField` stores a prepared copy whatever path saves the model, with
a smaller copy beside it for cards and thumbnails when asked.
"""

import io
import math
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from o2o.errors import DomainError

# The formats a browser shows everywhere and Pillow decodes safely. Image.open
# tries only these decoders, so a file in any other format never reaches one.
FORMATS = ("JPEG", "PNG", "WEBP")
QUALITY = 85

# Pillow refuses (DecompressionBombError) an image of more than twice this many
# pixels as it opens it: a backstop behind the explicit check below, for any
# code that opens an image without it.
Image.MAX_IMAGE_PIXELS = settings.IMAGE_UPLOAD_MAX_PIXELS


class ImageRejected(DomainError):
    """An uploaded file is not an image this site accepts; nothing was stored."""


@dataclass(frozen=True)
class ImageHeader:
    format: str
    width: int
    height: int


class PreparedImage(ContentFile):  # type: ignore[type-arg]
    """The re-encoded, bounded copy of an upload: what is stored."""

    name: str

    def __init__(self, content: bytes, *, name: str, width: int, height: int, format: str) -> None:
        super().__init__(content, name=name)
        self.width = width
        self.height = height
        self.format = format


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"


def _too_many_pixels() -> ImageRejected:
    return ImageRejected(
        "image_too_many_pixels",
        _("This photo has more than %(limit)s megapixels. Upload a smaller one.")
        % {"limit": _megapixels(settings.IMAGE_UPLOAD_MAX_PIXELS)},
    )


def _unsupported() -> ImageRejected:
    return ImageRejected(
        "image_unsupported", _("This file is not a photo in JPEG, PNG or WebP format.")
    )


def _unreadable() -> ImageRejected:
    return ImageRejected(
        "image_unreadable", _("This photo could not be read: the file is damaged or incomplete.")
    )


def check_upload(upload: Any) -> ImageHeader:
    """Refuse an upload by its size and its header alone; decode nothing."""
    size = upload.size
    if size > settings.IMAGE_UPLOAD_MAX_BYTES:
        raise ImageRejected(
            "image_too_large",
            _("This file is %(size)s; a photo may be at most %(limit)s.")
            % {
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.IMAGE_UPLOAD_MAX_BYTES),
            },
            status=413,
        )
    upload.seek(0)
    try:
        with Image.open(upload, formats=FORMATS) as image:  # reads the header only
            header = ImageHeader(image.format or "", image.width, image.height)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise _too_many_pixels() from err
    except UnidentifiedImageError as err:
        raise _unsupported() from err
    except (OSError, ValueError, SyntaxError) as err:  # a header Pillow cannot parse
        raise _unreadable() from err
    finally:
        upload.seek(0)
    if header.width * header.height > settings.IMAGE_UPLOAD_MAX_PIXELS:
        raise _too_many_pixels()
    return header


def _bounded_size(width: int, height: int, side: int) -> tuple[int, int]:
    """The size to store: the longest side at most `side`, the proportions kept."""
    scale = min(1.0, side / max(width, height))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _has_alpha(image: Image.Image) -> bool:
    return "A" in image.getbands() or "transparency" in image.info


def prepare_image(upload: Any) -> PreparedImage:
    """The copy of an upload to store: checked, upright, bounded, re-encoded.

    Raises ImageRejected (with a stable code) when the upload breaks a limit or
    cannot be decoded. A PreparedImage is returned as it is, so a file checked
    by a form is not decoded again by the service that stores it.
    """
    if isinstance(upload, PreparedImage):
        return upload
    header = check_upload(upload)
    stem = PurePath(getattr(upload, "name", None) or "photo").stem[:60] or "photo"
    return _reencode(upload, header, settings.IMAGE_STORED_MAX_SIDE, stem)


def resized_copy(image: PreparedImage, side: int) -> PreparedImage:
    """A smaller copy of a prepared image, for a card or a thumbnail."""
    stem = PurePath(image.name).stem
    if max(image.width, image.height) <= side:  # small enough: the same bytes
        image.seek(0)
        return PreparedImage(
            image.read(),
            name=image.name,
            width=image.width,
            height=image.height,
            format=image.format,
        )
    header = ImageHeader(image.format, image.width, image.height)
    return _reencode(image, header, side, stem)


def _reencode(upload: Any, header: ImageHeader, side: int, stem: str) -> PreparedImage:
    out = io.BytesIO()
    try:
        upload.seek(0)
        with Image.open(upload, formats=FORMATS) as source:
            if header.format == "JPEG":
                # libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below the
                # size asked: a 40-megapixel photo costs a fraction of its memory.
                source.draft(None, _bounded_size(header.width, header.height, side))
            ImageOps.exif_transpose(source, in_place=True)
            # An ICC profile describes the colours of the pixels kept, not the
            # person: keep it when the pixels stay in its (RGB) colour space.
            icc = source.info.get("icc_profile") if source.mode in ("RGB", "RGBA", "P") else None
            alpha = _has_alpha(source)
            target = "RGBA" if alpha else "RGB"
            image = source if source.mode == target else source.convert(target)
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
            if alpha and image.getchannel("A").getextrema()[0] == 255:
                image, alpha = image.convert("RGB"), False  # transparent in name only
            # A fresh info dict: Pillow would otherwise copy a JPEG comment
            # across, and EXIF, XMP or comments are never passed on.
            image.info = {}
            options: dict[str, Any] = {"quality": QUALITY}
            if icc:
                options["icc_profile"] = icc
            if alpha:
                image.save(out, "WEBP", **options)
                fmt, extension = "WEBP", ".webp"
            else:
                image.save(out, "JPEG", optimize=True, progressive=True, **options)
                fmt, extension = "JPEG", ".jpg"
            width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise _too_many_pixels() from err
    except (OSError, ValueError, SyntaxError, EOFError) as err:  # truncated or corrupt data
        raise _unreadable() from err
    finally:
        upload.seek(0)
    return PreparedImage(
        out.getvalue(), name=stem + extension, width=width, height=height, format=fmt
    )


def _limits_text() -> str:
    return _("JPEG, PNG or WebP, at most %(size)s and %(mp)s megapixels.") % {
        "size": filesizeformat(settings.IMAGE_UPLOAD_MAX_BYTES),
        "mp": _megapixels(settings.IMAGE_UPLOAD_MAX_PIXELS),
    }


# Lazy: translated in the language of the page that shows it.
limits_text = lazy(_limits_text, str)


class BoundedImageFormField(forms.ImageField):
    """A form's image input: the limits as field errors, the prepared copy as its value."""

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput):  # the picker offers only what is accepted
            attrs["accept"] = "image/jpeg,image/png,image/webp"
        return attrs

    def to_python(self, data: Any) -> Any:
        upload = forms.FileField.to_python(self, data)  # empty file, name length
        if upload is None:
            return None
        try:
            return prepare_image(upload)
        except ImageRejected as err:
            raise ValidationError(str(err.message), code=err.code) from err


class BoundedImageField(models.ImageField):
    """An ImageField that stores only prepared copies, whatever saves the model
    (a service, the admin, a shell), and offers the bounded form field.

    `small_copy=("image_card", 800)` also stores a copy at most 800 px on its
    longest side in the model's `image_card` ImageField, declared after this
    one (Django saves fields in order), made afresh with each new image.
    """

    def __init__(self, *args: Any, small_copy: tuple[str, int] | None = None, **kwargs: Any):
        self.small_copy = small_copy
        super().__init__(*args, **kwargs)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_small_copy()]

    def _check_small_copy(self) -> list[checks.CheckMessage]:
        if self.small_copy is None:
            return []
        name = self.small_copy[0]
        fields = [f.name for f in self.model._meta.concrete_fields]
        target = self.model._meta.get_field(name) if name in fields else None
        if not isinstance(target, models.ImageField) or fields.index(name) < fields.index(
            self.name
        ):
            return [
                checks.Error(
                    f"small_copy names {name!r}, which must be an ImageField declared "
                    f"after {self.name!r}.",
                    obj=self,
                    id="o2o.E001",
                )
            ]
        return []

    def formfield(self, **kwargs: Any) -> Any:
        if not self.help_text:
            kwargs.setdefault("help_text", limits_text())
        return super().formfield(**{"form_class": BoundedImageFormField, **kwargs})

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        file = getattr(model_instance, self.attname)
        if file and not file._committed:  # a new image, not stored yet
            prepared = prepare_image(file.file)
            if prepared is not file.file:
                setattr(model_instance, self.attname, prepared)
            if self.small_copy:
                name, side = self.small_copy
                setattr(model_instance, name, resized_copy(prepared, side))
        elif not file and self.small_copy:  # the image was cleared: so is its copy
            setattr(model_instance, self.small_copy[0], None)
        return super().pre_save(model_instance, add)

    def deconstruct(self) -> Any:
        # The column is an ImageField's: migrations record the plain field
        # (without small_copy), so this Python-only behaviour needs no
        # migration and old ones still load.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ImageField", args, kwargs
