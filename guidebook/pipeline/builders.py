"""Builders: each family of outputs behind one small interface.

A builder is made with the session and the plan (guidebook.pipeline.planner: which outputs are stale).
`tasks()` gives the work its stale outputs need; each task's result comes back to its builder's `then()`
in the main process, which may start more work at once (a join when its parts are there); `files()` gives
the outputs to write, once every task has run. `build()` knows no builder's insides.

The task functions run in forked workers: fn(session, *args), with arguments that pickle (numbers, guesses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, NamedTuple

from guidebook.pipeline import planner as P


class Task(NamedTuple):
    """One piece of work for a worker: fn(session, *args). `owner` names the builder its result goes
    back to, `kind` what the result is (the builder's own word)."""

    fn: Callable
    args: tuple = ()
    owner: str = ""
    kind: str = ""


class File(NamedTuple):
    """An output to write: its path, bytes, pages, and for a handout its fitting level (kept in the manifest)."""

    path: Path
    data: bytes
    pages: int | None
    fit: int | None = None


class Builder:
    name = ""
    uses_renderer = True  # its tasks lay out or draw (the renderer is made before the workers fork)

    def __init__(self, session, plan: P.Plan, progress: Callable[[str], None] = lambda m: None, workers: int = 1):
        """`workers`: the processes the tasks run on; 0: in this process, for a server (whose threads must
        not fork), the guide laid out whole."""
        self.session, self.plan, self.progress, self.workers = session, plan, progress, workers
        self.opts, self.out = session.opts, session.opts.output
        self.done: list[File] = []  # outputs whole as their task returned them

    def task(self, kind: str, fn: Callable, *args: Any) -> Task:
        return Task(fn, args, self.name, kind)

    def tasks(self) -> list[Task]:
        return []

    joined: Any = None  # what a "join" task made of the builder's other results

    def then(self, task: Task, result: Any) -> list[Task]:
        """A task's result, in the main process; returns the tasks it makes possible. A "files" task returns
        finished files, a "join" task the join of other results; any other kind goes to `arrived`."""
        if task.kind == "files":
            self.done += [File(*f) for f in result]
            return []
        if task.kind == "join":
            self.joined = result
            return []
        return self.arrived(task, result)

    def arrived(self, task: Task, result: Any) -> list[Task]:
        raise NotImplementedError(f"{self.name}: a task of kind {task.kind!r}")

    def files(self, made: dict[Path, bytes]) -> list[File]:
        """The outputs, once every task has run; `made`: what the builders before this one gave."""
        return self.done

    def warm(self) -> list[str]:
        """Before the workers fork: import what this builder's tasks use; returns the templates to compile."""
        return []


def _pdf_libraries() -> None:
    import pikepdf  # noqa: F401
    from PIL import Image

    from guidebook.outputs import sharedfonts  # noqa: F401

    Image.preinit()  # the image plugins PIL would load on its first image


def _word(session, stylesheet: str) -> None:
    """python-docx, and the page the Word writer sets (the layout's settings, parsed once)."""
    from guidebook.outputs import word  # noqa: F401
    from guidebook.render import page_geometry

    page_geometry(session.chain, stylesheet)


def _item_documents() -> None:
    """A handout's document tree is made in its worker."""
    from guidebook.document import build  # noqa: F401
    from guidebook.outputs import html  # noqa: F401
    from guidebook.render import flowchart  # noqa: F401


# ---------------------------------------------------------------------------------------------
# The guide as PDF: guide.pdf (in parallel parts, or whole), PDF/A-2b, the press files


def guide_whole(session, whole: bool = True, archive: bool = False) -> list:
    """The guide laid out as one document: guide.pdf (unless it is made in parts), PDF/A-2b."""
    from guidebook.outputs import guide_pdf

    r = session.renderer
    rendered = guide_pdf.layout(session)
    out = []
    if whole:  # tagged (headings, lists, tables, the QR codes' and flowcharts' text) for screen readers
        out.append((session.opts.output / P.GUIDE_PDF.path, r.pdf(rendered, "guide.pdf", pdf_tags=True), rendered.pages))
    if archive:  # the same layout, written as PDF/A-2b
        out.append((session.opts.output / P.GUIDE_PDFA.path,
                    r.pdf(rendered, "guide-pdfa.pdf", pdf_variant="pdf/a-2b"), rendered.pages))
    return out


def guide_press(session) -> list:
    from guidebook.outputs import guide_pdf, printing

    rendered = guide_pdf.layout(session, "guide-press")
    data, pages = printing.pad_to_multiple(session.renderer.pdf(rendered, "guide-press.pdf"), 4)
    return [(session.opts.output / P.GUIDE_PRESS.path, data, pages)]


def guide_parts(session, progress):
    """How the guide is laid out in parallel parts (guidebook.outputs.paginate), or None for one document."""
    import os

    from guidebook.outputs import paginate
    from guidebook.render import STYLESHEETS, stylesheet_files

    wanted = os.environ.get("GUIDEBOOK_GUIDE_PARTS", "")
    if wanted.strip() == "1":
        return None
    why = paginate.unsupported([p.read_text("utf-8") for n in STYLESHEETS["guide"]
                                for p in stylesheet_files(session.chain, n)])
    if why:
        progress(f"guide: laid out as one document ({why})")
        return None
    plan = session.guide_plan(int(wanted) if wanted.strip().isdigit() else None)  # before the workers fork
    return plan if plan.parts >= 2 else None


class GuidePdf(Builder):
    """guide.pdf in parts laid out side by side and joined (or whole), its PDF/A-2b copy, the press files."""

    name = "guide"

    def __init__(self, session, plan, progress: Callable[[str], None] = lambda m: None, workers: int = 1):
        super().__init__(session, plan, progress, workers)
        self.parts = None  # paginate.Plan when the guide is laid out in parts
        self.guesses: list = []
        self.by_part: dict = {}  # part number -> its result
        self.chained = False
        self.cache = None

    def needed(self) -> bool:
        p = self.plan
        return self.opts.guide and (p.wants(P.GUIDE_PDF) or p.wants(P.GUIDE_PDFA)
                                    or (self.opts.press and p.wants(P.GUIDE_BOOKLET)))

    def tasks(self) -> list[Task]:
        out = []
        if self.needed():
            self.parts = guide_parts(self.session, self.progress) if self.workers else None
            if self.parts is not None:
                out += self._part_tasks()
            if self.parts is None or self.opts.archive:
                out.append(self.task("files", guide_whole, self.parts is None, self.opts.archive))
        if self.opts.press and self.plan.wants(P.GUIDE_PRESS):
            out.append(self.task("files", guide_press))
        return out

    def _part_tasks(self) -> list[Task]:
        from guidebook.outputs import paginate

        s, plan = self.session, self.parts
        self.guesses, known = paginate.first_guesses(plan, paginate.load_hint(self.opts.source, s.chain))
        # a part embeds the font cuts of this build's characters: a part laid out with other cuts (before an
        # edit brought a new character) would give a guide with two copies of each face, unlike --force
        cuts = "|".join(sorted(p.name for p in s.renderer.font_files.values()))
        self.cache = paginate.PartCache(f"{s.layout_key}|{cuts}", read=not self.opts.force)
        # parts laid out before from the same content and the same guess are not laid out again
        kept = {k: self.cache.get(plan, k, g) for k, g in enumerate(self.guesses)} if known else {}
        self.by_part = {k: res for k, res in kept.items() if res is not None}
        if self.by_part:
            self.progress(f"guide: {len(self.by_part)} of {plan.parts} parts unchanged since they were last laid out")
        # no numbers to start from, and handouts to write beside (the bulk of a build's other work):
        # the parts as a chain, each laid out once (see paginate.chain_next)
        self.chained = not known and plan.parts > 1 and bool(self.plan.items_wanting(P.HANDOUT_PDF, P.HANDOUT_PDFUA))
        if self.chained:
            self.progress(f"guide: first build here, so its {plan.parts} parts are laid out in turn, beside the handouts")
            return [self.task("part", paginate.render_part, 0, self.guesses[0], False, plan.asked)]
        return [self.task("part", paginate.render_part, k, g, known, plan.asked)
                for k, g in enumerate(self.guesses) if k not in self.by_part]

    def arrived(self, task: Task, result: Any) -> list[Task]:
        """A part laid out: the next parts of a chain, and the join once every part is there."""
        from guidebook.outputs import paginate

        k = task.args[0]
        first = k not in self.by_part
        self.by_part[k] = result
        new = []
        if self.chained and first:
            new += [self.task("part", paginate.render_part, k2, g, True, self.parts.asked)
                    for k2, g in paginate.chain_next(self.parts, self.guesses, self.by_part)]
        if len(self.by_part) == self.parts.parts:
            ready = [self.by_part[i] for i in range(self.parts.parts)]
            if paginate.settled(self.parts, self.guesses, ready):
                new.append(self.task("join", paginate.join, ready))
        return new

    def files(self, made: dict[Path, bytes]) -> list[File]:
        from guidebook.outputs import paginate
        from guidebook.pipeline import parallel

        out = list(self.done)
        if self.parts is not None:
            results = paginate.in_order(self.parts, self.by_part)
            joined = paginate.lay_out(self.session, self.parts, self.guesses, results,
                                      lambda more: parallel.run_all(self.session, more, n=max(1, self.workers)),
                                      self.progress,
                                      self.cache, self.joined)
            if joined is None:  # one document after all
                out += [File(*f) for f in guide_whole(self.session)]
            else:
                out.append(File(self.out / P.GUIDE_PDF.path, *joined))
        if self.opts.press and self.plan.wants(P.GUIDE_BOOKLET):
            from guidebook.outputs import printing

            self.progress("print: imposing the booklet")
            guide = next(f.data for f in out if f.path == self.out / P.GUIDE_PDF.path)
            data, sheet, sides = printing.impose(guide)
            out.append(File(self.out / P.GUIDE_BOOKLET.of(sheet=sheet), data, sides))
        return out

    def warm(self) -> list[str]:
        _pdf_libraries()
        return []


# ---------------------------------------------------------------------------------------------
# The guide in Word


def guide_docx(session) -> list:
    from guidebook.outputs import word

    return [(session.opts.output / P.GUIDE_DOCX.path, word.guide_docx(session), None)]


class GuideWord(Builder):
    name = "guide-docx"

    def tasks(self) -> list[Task]:
        wanted = self.opts.word and self.opts.guide and self.plan.wants(P.GUIDE_DOCX)
        return [self.task("files", guide_docx)] if wanted else []

    def warm(self) -> list[str]:
        _word(self.session, "guide.css")
        return []


# ---------------------------------------------------------------------------------------------
# Handouts: PDF fitted to one page, its PDF/UA-1 copy, the Word handout, all-handouts.pdf


def handout_docx(session, numbers: list[int], levels: dict[int, int] | None = None) -> list:
    """The Word handouts of `numbers`; `levels`: their PDFs' fitting levels (the .docx leaves off the
    sections its PDF leaves off)."""
    from guidebook.outputs import handouts, word

    by_number = {it.item_number: it for it in session.doc.items}
    return [(session.opts.output / P.HANDOUT_DOCX.of(stem=by_number[n].file_stem),
             word.handout_docx(session, by_number[n], handouts.referred(by_number[n], (levels or {}).get(n) or 0)),
             None)
            for n in numbers]


def combine(session, pdfs: list) -> bytes:
    from guidebook.outputs import handouts

    return handouts.combine_files(session, pdfs)


class Handouts(Builder):
    """A Word handout leaves off what its PDF leaves off: one whose PDF is laid out in this build follows
    its chunk; the others take their PDF's level from the manifest. all-handouts.pdf is joined as soon as
    the last chunk is there, beside the other work."""

    name = "handouts"

    def __init__(self, session, plan, progress: Callable[[str], None] = lambda m: None, workers: int = 1):
        super().__init__(session, plan, progress, workers)
        self.laid: list = []  # the chunks' results (handouts.Laid)
        self.chunks = 0
        self.later: set[int] = set()  # Word handouts waiting for their PDF's chunk
        self.pdf_items = plan.items_wanting(P.HANDOUT_PDF, P.HANDOUT_PDFUA) if self.opts.handouts else []

    @property
    def combined(self) -> bool:
        return self.opts.handouts and P.whole(self.opts) and self.plan.wants(P.HANDOUTS_COMBINED)

    def tasks(self) -> list[Task]:
        from guidebook.outputs import handouts

        hints = {it.item_number: h for it in self.pdf_items if (h := self.plan.level(it)) is not None}
        out = [self.task("chunk", handouts.render_chunk, c, hints) for c in handouts.chunks(self.pdf_items)]
        self.chunks = len(out)
        docx = self.plan.items_wanting(P.HANDOUT_DOCX) if self.opts.word else []
        laid_out = {it.item_number for it in self.pdf_items}
        self.later = {it.item_number for it in docx if it.item_number in laid_out}
        alone = [it for it in docx if it.item_number not in laid_out]
        levels = {it.item_number: h for it in alone if (h := self.plan.level(it)) is not None}
        return out + [self.task("files", handout_docx, c, levels) for c in handouts.chunks(alone)]

    def arrived(self, task: Task, result: Any) -> list[Task]:
        """A chunk of handouts laid out: the Word handouts that waited for it, and all-handouts.pdf once every
        chunk is there."""
        from guidebook.outputs import handouts

        self.laid.append(result)
        levels = handouts.fit_levels([result])
        follow = [n for n in task.args[0] if n in self.later and n in levels]
        new = [self.task("files", handout_docx, follow, levels)] if follow else []
        if self.combined and len(self.laid) == self.chunks and not any(h.error for c in self.laid for h in c):
            fresh = {h.number: h.pdf for c in self.laid for h in c}
            new.append(self.task("join", combine, [fresh.get(it.item_number) or self._pdf(it)
                                                       for it in self.plan.items]))
        return new

    def _pdf(self, it) -> Path:
        return self.out / P.HANDOUT_PDF.of(stem=it.file_stem)

    def files(self, made: dict[Path, bytes]) -> list[File]:
        from guidebook.outputs import handouts

        handouts.failures(self.laid)
        by_number = {h.number: h for c in self.laid for h in c}
        out = list(self.done)
        for it in self.pdf_items:
            h = by_number[it.item_number]
            out.append(File(self._pdf(it), h.pdf, 1, h.level))
            if self.opts.archive:
                out.append(File(self.out / P.HANDOUT_PDFUA.of(stem=it.file_stem), h.tagged, 1))
        if self.combined:
            if self.joined is None:  # no handout was rendered: joined from the files on disk
                self.progress("handouts: combining")
                self.joined = combine(self.session, [self._pdf(it) for it in self.plan.items])
            out.append(File(self.out / P.HANDOUTS_COMBINED.path, self.joined, len(self.plan.items)))
        return out

    def warm(self) -> list[str]:
        from guidebook.outputs import handouts

        if self.pdf_items:
            _pdf_libraries()
        _item_documents()
        if self.opts.word:
            _word(self.session, "handout.css")
        return [handouts.TEMPLATE] if self.pdf_items else []


# ---------------------------------------------------------------------------------------------
# The web edition


def site_pages(session) -> list:
    """The web edition's pages and assets (no renderer needed: it draws flowcharts as inline SVG)."""
    from guidebook.outputs import site

    opts = session.opts
    downloads: dict[int, list[tuple[str, str]]] = {}
    if opts.handouts:
        for it in session.doc.items:
            links = [("告知单 PDF", P.SITE_PDF.of(stem=it.file_stem).removeprefix("site/"))]
            if opts.word:
                links.append(("告知单 Word", P.SITE_DOCX.of(stem=it.file_stem).removeprefix("site/")))
            downloads[it.item_number] = links
    return site.render(session, downloads)


class Site(Builder):
    """The web edition's pages, and copies of the handouts for its download links."""

    name = "site"
    uses_renderer = False

    def tasks(self) -> list[Task]:
        return [self.task("files", site_pages)] if self.plan.wants(P.SITE_PAGE) else []

    def files(self, made: dict[Path, bytes]) -> list[File]:
        out = list(self.done)
        for it in self.plan.items:
            for copy, original in ((P.SITE_PDF, P.HANDOUT_PDF), (P.SITE_DOCX, P.HANDOUT_DOCX)):
                if self.plan.wants(copy, stem=it.file_stem):
                    src = self.out / original.of(stem=it.file_stem)
                    out.append(File(self.out / copy.of(stem=it.file_stem), made.get(src) or src.read_bytes(), None))
        return out


# The order matters where one builder's files use another's (the site copies the handouts).
BUILDERS: tuple[type[Builder], ...] = (GuidePdf, GuideWord, Handouts, Site)
