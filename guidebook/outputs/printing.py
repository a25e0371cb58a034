"""Print stage: files for the print shop (padded press PDF, saddle-stitch imposition)."""

from __future__ import annotations

import io

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import NameObject

SHEET_NAMES = {(594, 420): "A2", (420, 297): "A3", (297, 210): "A4", (210, 148): "A5"}  # landscape, mm


def sheet_name(page_w_mm: float, page_h_mm: float) -> str:
    """The sheet that holds two pages side by side: A3 for A4 pages, A4 for A5 pages."""
    mm = (round(2 * page_w_mm), round(page_h_mm))
    return SHEET_NAMES.get(mm, f"{mm[0]}x{mm[1]}mm")


def pad_to_multiple(data: bytes, multiple: int = 4) -> tuple[bytes, int]:
    """Insert blank pages before the last page (the back cover) until the page count is a multiple."""
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter(clone_from=reader)
    n = len(writer.pages)
    missing = (-n) % multiple
    last = writer.pages[-1]
    for _ in range(missing):
        blank = writer.insert_blank_page(width=last.mediabox.width, height=last.mediabox.height,
                                         index=len(writer.pages) - 1)
        for box in ("/TrimBox", "/BleedBox", "/MediaBox"):
            if box in last:
                blank[NameObject(box)] = last[box]
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue(), n + missing


def signature_order(n: int) -> list[tuple[int, int]]:
    """Page pairs (left, right), 0-based, of each sheet side: front then back of sheet 1, 2 ...

    Printing double-sided (flip on the short edge) and folding the stack gives pages 1..n in order.
    """
    if n % 4:
        raise ValueError("a saddle-stitched booklet needs a multiple of 4 pages")
    sides = []
    for i in range(n // 4):
        sides.append((n - 1 - 2 * i, 2 * i))
        sides.append((2 * i + 1, n - 2 - 2 * i))
    return sides


def impose(data: bytes) -> tuple[bytes, str, int]:
    """Two pages side by side on sheets twice as wide, in signature order.

    Returns the PDF, the sheet name (A3 for A4 pages, A4 for A5 pages) and the number of sheet sides.
    """
    padded, n = pad_to_multiple(data, 4)
    reader = PdfReader(io.BytesIO(padded))
    pages = reader.pages
    w, h = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    writer = PdfWriter()
    for left, right in signature_order(n):
        sheet = PageObject.create_blank_page(width=2 * w, height=h)
        sheet.merge_transformed_page(pages[left], Transformation())
        sheet.merge_transformed_page(pages[right], Transformation().translate(w, 0))
        writer.add_page(sheet)
    name = sheet_name(w * 25.4 / 72, h * 25.4 / 72)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue(), name, len(writer.pages)
