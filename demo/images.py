"""Generated deal images for the demo data: no downloads, no fonts shipped.

Each image is a gradient in the category's colour with a few soft shapes,
and the deal's title, drawn with Pillow. Latin titles use Pillow's own font;
Chinese ones a CJK font of the system (Debian's fonts-noto-cjk or
fonts-wqy-zenhei) when one is installed, and no text at all otherwise:
a font without the characters would draw a row of boxes ("tofu").
"""

import functools
import io
import random
import re
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

WIDTH, HEIGHT = 640, 480
TITLE_SIZE = 38
LINE_HEIGHT = 48
MAX_LINES = 3

# Where Debian's packages put their CJK fonts, best first. Nothing is downloaded.
CJK_FONT_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",  # fonts-noto-cjk
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
)
# A code point no font has: what a font draws for it is its "missing glyph" box.
NO_GLYPH = "\U0010fffd"
# Characters that are written without spaces between them (CJK ideographs,
# kana, fullwidth forms and CJK punctuation): a line may break after any one.
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_TOKENS = re.compile(rf"[{_WIDE}]|[^\s{_WIDE}]+|\s+")
_NEEDS_CJK = re.compile(rf"[{_WIDE}]")

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _draws(font: Font, text: str) -> bool:
    """Whether `font` has a glyph for every character of `text`, by comparing
    what it draws with its missing-glyph box."""
    box = bytes(font.getmask(NO_GLYPH))
    return all(bytes(font.getmask(c)) != box for c in set(text) if not c.isspace())


def _open(path: str, size: int) -> Font | None:
    """The font at `path` (the Simplified Chinese face of a collection), or None."""
    if not Path(path).is_file():
        return None
    faces: list[ImageFont.FreeTypeFont] = []
    for index in range(8):  # a .ttc holds several faces: JP, KR, SC, TC...
        try:
            faces.append(ImageFont.truetype(path, size, index=index))
        except OSError:
            break
    chinese = [f for f in faces if " SC" in (f.getname()[0] or "")]
    return (chinese or faces)[0] if faces else None


@functools.cache
def cjk_font(size: int = TITLE_SIZE) -> Font | None:
    """The first installed CJK font that really draws Chinese, or None."""
    for path in CJK_FONT_PATHS:
        font = _open(path, size)
        if font is not None and _draws(font, "火锅套餐"):
            return font
    return None


def title_font(title: str) -> Font | None:
    """The font to write `title` with, or None when no installed font can."""
    if _NEEDS_CJK.search(title):
        font = cjk_font()
        return font if font is not None and _draws(font, title) else None
    return ImageFont.load_default(size=TITLE_SIZE)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


def wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int) -> list[str]:
    """At most three lines of `text` no wider than `width`: Latin words stay
    whole, Chinese breaks between any two characters; "…" marks a cut."""
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text.strip()):
        candidate = line + token
        if not line or draw.textlength(candidate.rstrip(), font=font) <= width:
            line = candidate if line or not token.isspace() else ""
            continue
        lines.append(line.rstrip())
        line = "" if token.isspace() else token
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > MAX_LINES:
        last = lines[MAX_LINES - 1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines = [*lines[: MAX_LINES - 1], last.rstrip() + "…"]
    return lines


def deal_image(*, title: str, colour: str, seed: int) -> bytes:
    """A 640×480 JPEG for a deal."""
    rng = random.Random(seed)
    base = _rgb(colour)
    dark = _mix(base, (20, 20, 30), 0.55)
    light = _mix(base, (255, 255, 255), 0.25)

    # A vertical gradient from the light to the dark shade.
    column = Image.linear_gradient("L").resize((1, HEIGHT))
    mask = column.resize((WIDTH, HEIGHT), Image.Resampling.NEAREST)
    image = Image.composite(
        Image.new("RGB", mask.size, dark), Image.new("RGB", mask.size, light), mask
    )

    # Soft shapes, drawn and blurred at half the size, then scaled up (the
    # blur costs a quarter of what it would at full size).
    q = 2
    shapes = Image.new("RGBA", (WIDTH // q, HEIGHT // q), (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    for _ in range(7):
        r = rng.randint(40, 170) // q
        x, y = rng.randint(-40, WIDTH) // q, rng.randint(-40, HEIGHT - 120) // q
        alpha = rng.randint(28, 70)
        if rng.random() < 0.6:
            draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, 255, alpha))
        else:
            draw.rounded_rectangle(
                [x - r, y - r // 2, x + r, y + r // 2], r // 3, fill=(255, 255, 255, alpha)
            )
    shapes = shapes.filter(ImageFilter.GaussianBlur(1))
    shapes = shapes.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
    image.paste(shapes, (0, 0), shapes)

    font = title_font(title)
    draw = ImageDraw.Draw(image)
    lines = wrap(draw, title, font, WIDTH - 64) if font is not None else []
    if lines:
        band_top = HEIGHT - 40 - LINE_HEIGHT * len(lines)
        band = Image.new("RGBA", (WIDTH, HEIGHT - band_top), (0, 0, 0, 110))
        image.paste(band, (0, band_top), band)
        for i, line in enumerate(lines):
            draw.text((32, band_top + 20 + i * LINE_HEIGHT), line, font=font, fill=(255, 255, 255))

    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()
