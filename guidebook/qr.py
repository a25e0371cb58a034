"""QR stage: QR codes for online channels, as inline vector SVG (PDF) or PNG (Word)."""

from __future__ import annotations

import io
import re

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules; the standard's minimum, kept inside the drawing


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, box_size=10)
    code.add_data(url)
    code.make(fit=True)
    return code


def modules(url: str) -> int:
    """Symbol size in modules without the quiet zone (for example 37 for a 70-character URL)."""
    return _code(url).modules_count


def svg(url: str) -> str:
    """One-path SVG that scales to its container's width (the quiet zone is part of the drawing)."""
    img = _code(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    text = img.to_string(encoding="unicode")
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r'\s(width|height)="[^"]*"', "", text, count=2)
    text = text.replace(' id="qr-path"', "")
    return text.replace("<svg ", '<svg class="qr" role="img" aria-label="QR" preserveAspectRatio="xMidYMid meet" ', 1)


def png(url: str, box_px: int = 12) -> bytes:
    """PNG bytes with crisp modules, for documents that cannot hold vector QR codes."""
    code = _code(url)
    code.box_size = box_px
    img = code.make_image(fill_color="black", back_color="white")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
