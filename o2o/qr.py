"""QR codes drawn on our pages: inline SVG made here (segno), never an
image from elsewhere."""

import segno


def qr_svg(text: str, *, scale: int) -> str:
    """`text` as an inline <svg> QR code (error correction M), dark on the
    page, sized by the page's CSS."""
    return segno.make(text, error="m").svg_inline(scale=scale, dark="#212529", omitsize=True)
