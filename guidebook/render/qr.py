"""QR stage: QR codes for online channels, as inline vector SVG (PDF) or PNG (Word)."""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules; the standard's minimum, kept inside the drawing


@lru_cache(maxsize=1024)
def matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the URL's code, quiet zone included. Finding the version and the mask is slow
    (pure Python, about 15 ms) and the same few URLs recur on many pages: computed once per URL, before
    the build's workers fork (see warm)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, box_size=10)
    code.add_data(url)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def warm(urls) -> None:
    for url in urls:
        matrix(url)
        svg(url)


@lru_cache(maxsize=1024)
def svg(url: str) -> str:
    """Vector QR code that scales to its container's width; the quiet zone is part of the drawing.

    Each run of dark modules in a row is one line one module thick (`M x y.5 h w`, butt ends: the run's
    exact square), two path commands where a rectangle takes five. WeasyPrint parses a path command by
    command, so a code draws in about half the time (3.5 ms instead of 6.5 ms).
    """
    modules = matrix(url)  # includes the quiet zone (border)
    size = len(modules)
    parts = []
    for y, row in enumerate(modules):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start} {y}.5h{x - start}")
            else:
                x += 1
    return (
        f'<svg class="qr" role="img" aria-label="QR" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {size} {size}" preserveAspectRatio="xMidYMid meet" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="none" stroke="#000" stroke-width="1" d="{"".join(parts)}"/></svg>'
    )


def png(url: str, box_px: int = 12) -> bytes:
    """PNG bytes with crisp modules, for documents that cannot hold vector QR codes."""
    from PIL import Image

    modules = matrix(url)
    n = len(modules)
    img = Image.new("1", (n, n), 1)
    img.putdata([0 if dark else 1 for row in modules for dark in row])
    img = img.resize((n * box_px, n * box_px), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
