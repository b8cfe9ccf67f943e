"""Generated deal images for the demo data: no downloads, no fonts to ship.

Each image is a gradient in the category's colour with a few soft shapes,
and the deal's title, drawn with Pillow.
"""

import io
import random
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

WIDTH, HEIGHT = 640, 480


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
        else:
            if line:
                lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines[:3]


def deal_image(*, title: str, colour: str, seed: int) -> bytes:
    """A 640×480 JPEG for a deal."""
    rng = random.Random(seed)
    base = _rgb(colour)
    dark = _mix(base, (20, 20, 30), 0.55)
    light = _mix(base, (255, 255, 255), 0.25)

    image = Image.new("RGB", (WIDTH, HEIGHT), base)
    pixels = ImageDraw.Draw(image)
    for y in range(HEIGHT):  # diagonal-ish gradient, one line at a time
        pixels.line([(0, y), (WIDTH, y)], fill=_mix(light, dark, y / HEIGHT))

    shapes = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    for _ in range(7):
        r = rng.randint(40, 170)
        x, y = rng.randint(-40, WIDTH), rng.randint(-40, HEIGHT - 120)
        alpha = rng.randint(28, 70)
        if rng.random() < 0.6:
            draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, 255, alpha))
        else:
            draw.rounded_rectangle(
                [x - r, y - r // 2, x + r, y + r // 2], r // 3, fill=(255, 255, 255, alpha)
            )
    shapes = shapes.filter(ImageFilter.GaussianBlur(2))
    image.paste(shapes, (0, 0), shapes)

    draw = ImageDraw.Draw(image)
    title_font = ImageFont.load_default(size=38)
    lines = _wrap(draw, title, title_font, WIDTH - 64)
    band_top = HEIGHT - 40 - 48 * len(lines)
    band = Image.new("RGBA", (WIDTH, HEIGHT - band_top), (0, 0, 0, 110))
    image.paste(band, (0, band_top), band)
    for i, line in enumerate(lines):
        draw.text((32, band_top + 20 + i * 48), line, font=title_font, fill=(255, 255, 255))

    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()
