"""Writer: one-page handouts (一次性告知单), laid out and fitted to exactly one page before writing."""

from __future__ import annotations

from pathlib import Path

from guidebook.diagnostics import GuidebookError
from guidebook.model import ItemView

TEMPLATE = "handout.html"
COMBINED = "all-handouts.pdf"
# Fitting steps, tried cumulatively in this order until the handout fits on one page. Their effect is
# defined by the layout's CSS (html.fit-NAME); "compact-flow" also draws the flowchart smaller.
FIT_STEPS = ("tight", "compact-flow", "columns", "small", "smaller")


class OverflowError_(GuidebookError):
    pass


def flows(it: ItemView):
    return [p for p in [it, *it.procedures] if p.flow is not None]


def html(session, it: ItemView, level: int = 0) -> str:
    doc = session.doc
    fit = FIT_STEPS[:level]
    return session.renderer.html(
        TEMPLATE, it=it, meta=doc.meta, created=session.created(), fit=fit,
        flows=flows(it), small_flow="compact-flow" in fit)


def _overflow_mm(rendered) -> float:
    """How far the content runs past the first page, in mm (sum of the extra pages' used height)."""
    total = 0.0
    for page in rendered.document.pages[1:]:
        box = page._page_box
        bottoms = [b.position_y + b.margin_height() for b in box.descendants() if hasattr(b, "margin_height")]
        top = box.content_box_y()
        total += max(0.0, max(bottoms, default=top) - top)
    return total * 25.4 / 96


def layout(session, it: ItemView):
    """Lay out one handout, applying fitting steps until it fits on one page; fail if it never does."""
    r = session.renderer
    for level in range(len(FIT_STEPS) + 1):
        rendered = r.layout("handout", html(session, it, level), f"handout {it.item_number}")
        if rendered.pages == 1:
            return rendered, level
    raise OverflowError_(
        f"item {it.item_number} 《{it.title}》 does not fit on one page even at the smallest allowed "
        f"type (10.5 pt): it overflows by about {_overflow_mm(rendered):.0f} mm "
        f"({rendered.pages} pages). Shorten its text, or change the handout layout.")


def build_one(session, it: ItemView) -> tuple[bytes, int]:
    rendered, _ = layout(session, it)
    return session.renderer.pdf(rendered, f"handout {it.item_number}"), 1


def build_all(session, items: list[ItemView], folder: Path, progress, combined: bool = True):
    """Lay out every handout (so all must fit before any is written), then the PDFs to write."""
    out = []
    laid = []
    errors = []
    for n, it in enumerate(items, 1):
        progress(f"handouts: {n}/{len(items)} item {it.item_number}")
        try:
            rendered, _ = layout(session, it)
        except OverflowError_ as exc:
            errors.append(str(exc))
            continue
        laid.append((it, rendered))
    if errors:
        raise GuidebookError(f"{len(errors)} handout(s) do not fit on one page:\n  " + "\n  ".join(errors))
    r = session.renderer
    for it, rendered in laid:
        out.append((folder / f"{it.file_stem}.pdf", r.pdf(rendered, f"handout {it.item_number}"), 1))
    if combined and laid:
        out.append((folder / COMBINED, r.pdf([x for _, x in laid], COMBINED), len(laid)))
    return out
