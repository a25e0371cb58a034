"""QR stage: QR codes for online channels, as inline vector SVG (PDF) or PNG (Word)."""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules; the standard's minimum, kept inside the drawing


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, box_size=10)
    code.add_data(url)
    code.make(fit=True)
    return code


@lru_cache(maxsize=1024)
def svg(url: str) -> str:
    """Vector QR code that scales to its container's width; the quiet zone is part of the drawing.

    Each run of dark modules in a row is one rectangle, so the path stays short (fast to render).
    """
    code = _code(url)
    matrix = code.get_matrix()  # includes the quiet zone (border)
    size = len(matrix)
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg class="qr" role="img" aria-label="QR" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {size} {size}" preserveAspectRatio="xMidYMid meet" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{"".join(parts)}"/></svg>'
    )


def png(url: str, box_px: int = 12) -> bytes:
    """PNG bytes with crisp modules, for documents that cannot hold vector QR codes."""
    code = _code(url)
    code.box_size = box_px
    img = code.make_image(fill_color="black", back_color="white")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
