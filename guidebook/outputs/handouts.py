"""Writer: one-page handouts (一次性告知单), laid out and fitted to exactly one page before writing."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import NamedTuple

from guidebook.diagnostics import GuidebookError
from guidebook.render import weasy
from guidebook.catalogue import labels as L
from guidebook.catalogue.sections import section
from guidebook.document.nodes import Item

TEMPLATE = "handout.html"
COMBINED = "all-handouts.pdf"
# Fitting steps, tried cumulatively in this order until the handout fits on one page. Their effect is
# defined by the layout's CSS (html.fit-NAME); "compact-flow" also draws the flowchart smaller;
# "qr-grid" sets several QR codes two by two, captions under them, before any text gets smaller.
FIT_STEPS = ("tight", "qr-grid", "compact-flow", "columns", "small", "smaller")
# When every step is not enough, the handout leaves off its sections of lowest priority
# (guidebook.catalogue.sections), one more at a time, and names them in a line that refers to the guide
# and the site; with each section left off, the steps are tried again from none, so the type is as
# large as the page allows. The sections a citizen cannot do without (materials, channels, time limit)
# are never left off.
REFER_BELOW = 80
STEPS = len(FIT_STEPS) + 1  # the fitting levels of one set of sections: no step .. every step
# Large print when there is room: a handout that fits at the layout's size with room to spare is laid out
# larger, the body at each of these sizes in turn (pt; the layout's classes fit-grow-1 ...), captions and
# flowchart labels with it, and keeps the largest that still fits one page. These are the negative levels
# (-1: the first size), so a smaller level always means larger type.
GROW_PT = (13, 14, 15, 16)
BODY_PT = 12  # the body size the growth starts from (the layout's --handout-size-body)


def referable(it: Item) -> list[str]:
    """The sections of `it`'s handout that may be left to the guide, the first to go first."""
    from guidebook.document.build import handout_sections

    found = [s for s in handout_sections(it) if s.priority < REFER_BELOW]
    return [s.key for s in sorted(found, key=lambda s: s.priority)]


def level_of(steps: int, left: int) -> int:
    """The fitting level (one number, as the manifest keeps it) of `steps` fitting steps with the
    `left` sections of lowest priority left off."""
    return left * STEPS + steps


def parts_of(level: int) -> tuple[int, int]:
    """(fitting steps, sections left off) of a fitting level (none for a large-print level)."""
    return (level % STEPS, level // STEPS) if level >= 0 else (0, 0)


def body_pt(level: int) -> float | None:
    """The body size of a large-print level, or the layout's own (None for a level that makes it smaller)."""
    return GROW_PT[-level - 1] if level < 0 else (BODY_PT if level == 0 else None)


def classes(level: int) -> tuple[str, ...]:
    """The layout's classes of a fitting level (html.fit-NAME): its steps, or its large print."""
    return (f"grow-{-level}",) if level < 0 else FIT_STEPS[:parts_of(level)[0]]


def referred(it: Item, level: int) -> tuple[str, ...]:
    """The sections a handout laid out at `level` leaves off."""
    return tuple(referable(it)[:parts_of(level)[1]])


def max_level(it: Item) -> int:
    return level_of(len(FIT_STEPS), len(referable(it)))


class HandoutOverflow(GuidebookError):
    """A handout that does not fit on one page even after every fitting step (or draws one thing over
    another on it). `zh`: the same in Chinese, for the preview's designers and the editor's staff; `level`:
    the fitting level it was laid out at last, `rendered` that layout (the editor shows its page with the
    reason; it stays in the process that laid it out) and `mm` how far it runs over (0: it draws over)."""

    def __init__(self, message: str, zh: str = "", level: int = 0, rendered=None, mm: float = 0.0):
        super().__init__(message)
        self.zh, self.level, self.rendered, self.mm = zh or message, level, rendered, mm

    def __reduce__(self):  # it travels from a worker with its Chinese wording, level and figure
        return type(self), (str(self), self.zh, self.level, None, self.mm)


class HandoutsFail(GuidebookError):
    """Handouts of a build that fail the one-page check, reported at once; `overflows`: each one's
    HandoutOverflow (the editor's preview shows the first one's page and reason)."""

    def __init__(self, overflows: list[HandoutOverflow]):
        super().__init__(f"{len(overflows)} handout(s) fail the one-page check (they do not fit on one page, or "
                         "draw one thing over another):\n  " + "\n  ".join(map(str, overflows)))
        self.overflows = overflows


def overlapping(it: Item, rendered, level: int) -> None:
    """Fail when the handout's page draws a box over text or a drawing (a background over the side
    column's flowchart, a logo over the title): the one-page check covers what is on the page too."""
    found = weasy.overlaps(rendered.document.pages[0]) or []
    if found:
        pairs = "; ".join(f"{a} over {b}" for a, b in found[:3]) + (f" (and {len(found) - 3} more)" if len(found) > 3 else "")
        zh = "；".join(L.COVERS.format(a=a, b=b) for a, b in found[:3]) + (f" 等 {len(found)} 处" if len(found) > 3 else "")
        raise HandoutOverflow(f"item {it.item_number} 《{it.title}》 draws one thing over another: {pairs}. "
                              "Change the layout (a background, a position or a size) so that nothing covers text or a drawing.",
                              f"{zh}。{L.COVERS_FIX}", level, rendered)



def html(session, it: Item, level: int = 0) -> str:
    doc = session.doc
    fit = classes(level)
    from guidebook.outputs.html import HtmlWriter

    r = session.renderer
    scale = GROW_PT[-level - 1] / BODY_PT if level < 0 else 1.0
    return r.html(TEMPLATE, it=it, tree=session.handout(it, referred(it, level)), meta=doc.meta, created=session.created(), fit=fit,
                  html=HtmlWriter(r, small_flow="compact-flow" in fit, flow_scale=scale))


def _overflow_mm(rendered) -> float:
    """How far the content runs past the first page, in mm (the pages' height where the engine cannot
    measure its boxes)."""
    mm = weasy.overflow_mm(rendered.document)
    return mm if mm is not None else (rendered.pages - 1) * 297.0


def layout(session, it: Item, hint: int | None = None):
    """Lay out one handout at the first fitting level that puts it on one page; fail if none does.

    A handout that fits at the layout's size is laid out larger while it still fits (GROW_PT). `hint` is
    the level the last build needed: it is checked (it fits, the level before does not, and with one
    section less left off not even every step fits; a large-print level: the next size does not fit) and
    then used, so a handout that needs every step is laid out twice instead of seven times. With no hint (a
    first build) the search starts at the largest size, where most handouts end (one layout, not three).
    Each step only
    ever makes a handout shorter, and so does each section left off, so this is the level the search below
    would find: for each number of sections left off (none first), every step; if that fits, the fewest
    steps that fit.
    """
    from guidebook.render import EngineFailure

    r = session.renderer
    tried: dict[int, object] = {}
    failed: dict[int, EngineFailure] = {}  # levels the engine failed on: they do not fit, the search goes on

    def fits(level: int) -> bool:
        if level not in tried and level not in failed:
            try:
                tried[level] = r.layout("handout", html(session, it, level), f"handout {it.item_number}")
            except EngineFailure as exc:
                failed[level] = exc
        return level in tried and tried[level].pages == 1

    def larger(level: int) -> bool:  # large print is taken only where it fits and covers nothing
        return level >= -len(GROW_PT) and fits(level) and not weasy.overlaps(tried[level].document.pages[0])

    last = max_level(it)
    if hint is not None and hint < 0 and larger(hint) and not larger(hint - 1):
        return tried[hint], hint
    steps, left = parts_of(hint or 0)
    if hint is not None and 0 <= hint <= last and fits(hint) and not (larger(-1) if hint == 0 else fits(hint - 1)) and (
            left == 0 or steps == 0 or not fits(level_of(len(FIT_STEPS), left - 1))):
        overlapping(it, tried[hint], hint)
        return tried[hint], hint
    for level in range(-len(GROW_PT), 0):  # the largest size first: most handouts have room for it
        if larger(level):
            return tried[level], level
    for left in range(len(referable(it)) + 1):
        # with sections left off, every step first: if even that does not fit, the next section goes
        if left == 0 or fits(level_of(len(FIT_STEPS), left)):
            for level in range(level_of(0, left), level_of(len(FIT_STEPS), left) + 1):
                if fits(level):
                    overlapping(it, tried[level], level)
                    return tried[level], level
    fits(last)
    if last in failed:  # the smallest layout failed in the engine itself: that is the error to show
        raise failed[last]
    raise _overflow(it, tried[last], last)


def _overflow(it: Item, rendered, last: int) -> HandoutOverflow:
    names = "、".join(section(k).label for k in referred(it, last))
    mm = _overflow_mm(rendered)
    return HandoutOverflow(
        f"item {it.item_number} 《{it.title}》 does not fit on one page even at the smallest allowed "
        f"type (10.5 pt){f' and without {names}' if names else ''}: it overflows by about "
        f"{mm:.0f} mm ({rendered.pages} pages). Shorten its text, or change the handout layout.",
        L.OVERFLOWS.format(without=f"并省略{names}" if names else "", mm=f"{mm:.0f}", pages=rendered.pages), last,
        rendered, mm)


def write(session, rendered, what: str) -> bytes:
    """The handout's PDF, with one compact subset of each face (a quarter smaller, see sharedfonts).

    WeasyPrint embeds the cut faces whole (its own subset of them would be replaced at once, and cost a
    sixth of the writing); should one not be replaced, the handout is written again the usual way."""
    import io

    import pikepdf

    from guidebook.outputs.sharedfonts import WholeFaceLeft, share_fonts

    r = session.renderer
    for whole in (True, False):
        # written uncompressed: its fonts and text are replaced, and everything is compressed once, on saving
        with weasy.cut_faces_left_whole() if whole else contextlib.nullcontext():
            pdf = pikepdf.open(io.BytesIO(r.pdf(rendered, what, uncompressed_pdf=True, pdf_tags=True)))
        try:
            share_fonts(pdf, list(r.font_files.values()), ids_kept=True, whole=whole)
        except WholeFaceLeft:
            continue
        break
    main_first(pdf)
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buf.getvalue()


class Laid(NamedTuple):
    """One handout rendered in a worker: its PDF (and PDF/UA-1 copy with --archive) and fitting level,
    or why it fails the one-page check."""

    number: int
    pdf: bytes | None
    tagged: bytes | None
    error: HandoutOverflow | None
    level: int | None


def main_first(pdf) -> bool:
    """Put the tags of the handout's main column (<main>, tagged /Part) before those of the side column,
    which the HTML has first for its float: a screen reader then reads what the citizen came for first, as
    the page's text runs. Returns whether they were moved (a layout without the two columns has none)."""
    import pikepdf

    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return False
    found = []

    def walk(e) -> None:
        k = e.get("/K")
        for kid in (list(k) if isinstance(k, pikepdf.Array) else [k] if isinstance(k, pikepdf.Dictionary) else []):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR"):
                if kid.get("/S") == "/Part":
                    found.append((e, kid))
                    return
                walk(kid)

    walk(root)
    if not found or not isinstance(found[0][0].get("/K"), pikepdf.Array):
        return False
    parent, main = found[0]
    kids = list(parent.K)
    i = next(n for n, kid in enumerate(kids) if isinstance(kid, pikepdf.Dictionary) and kid.objgen == main.objgen)
    if i == 0 or not isinstance(kids[i - 1], pikepdf.Dictionary) or kids[i - 1].get("/S") != "/NonStruct":
        return False
    kids[i - 1], kids[i] = kids[i], kids[i - 1]
    parent.K = pikepdf.Array(kids)
    return True


def _reading_order(data: bytes) -> bytes:
    """A tagged handout written by the engine, its tags in reading order (main_first)."""
    import io

    import pikepdf

    pdf = pikepdf.open(io.BytesIO(data))
    if not main_first(pdf):
        return data
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True)
    return buf.getvalue()


def render_chunk(session, numbers: list[int], hints: dict[int, int] | None = None) -> list[Laid]:
    """Lay out and write the handouts of `numbers`, starting from the levels of `hints`."""
    out = []
    by_number = {it.item_number: it for it in session.doc.items}
    r = session.renderer
    for n in numbers:
        it = by_number[n]
        try:
            rendered, level = layout(session, it, (hints or {}).get(n))
        except HandoutOverflow as exc:
            out.append(Laid(n, None, None, exc, None))
            continue
        tagged = _reading_order(r.pdf(rendered, f"handout {n} (PDF/UA)", pdf_variant="pdf/ua-1")) \
            if session.opts.archive else None
        out.append(Laid(n, write(session, rendered, f"handout {n}"), tagged, None, level))
    return out


def combine(pdfs: list[bytes], font_files: list[Path] = ()) -> bytes:
    """Join one-page handouts into one file for a print run (in the given order), with one copy of each
    face of `font_files` (the renderer's) instead of one per handout."""
    import io

    import pikepdf

    from guidebook.outputs.sharedfonts import share_fonts

    out = pikepdf.new()
    for i, data in enumerate(pdfs):
        src = pikepdf.open(io.BytesIO(data))
        if i == 0 and "/Lang" in src.Root:
            out.Root.Lang = src.Root.Lang
        out.pages.extend(src.pages)
    share_fonts(out, list(font_files))
    buf = io.BytesIO()
    out.save(buf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buf.getvalue()


def combine_files(session, pdfs: list[bytes | Path]) -> bytes:
    """all-handouts.pdf from handouts given as bytes or as files (those an earlier build wrote)."""
    return combine([p.read_bytes() if isinstance(p, Path) else p for p in pdfs],
                   list(session.renderer.font_files.values()))


def chunks(items: list[Item], size: int = 6) -> list[list[int]]:
    numbers = [it.item_number for it in items]
    return [numbers[i:i + size] for i in range(0, len(numbers), size)]


def fit_levels(results: list[list[Laid]]) -> dict[int, int]:
    """The fitting level each handout of the chunks' results needed, by item number."""
    return {h.number: h.level for chunk in results for h in chunk if h.error is None}


def failures(results: list[list[Laid]]) -> None:
    """Every handout of the chunks' results that failed the one-page check, reported at once."""
    errors = [h.error for chunk in results for h in chunk if h.error]
    if errors:
        raise HandoutsFail(errors)
