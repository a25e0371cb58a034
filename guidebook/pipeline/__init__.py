"""Pipeline: load -> validate -> document model -> writers -> atomic outputs with a manifest.

`build()` reads top to bottom like a recipe; the CLI commands are thin wrappers around it.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from guidebook import __version__
from guidebook.catalogue import Catalogue, load_catalogue
from guidebook.diagnostics import DataError, Diagnostic, GuidebookError
from guidebook.catalogue.exporting import catalogue_json
from guidebook.files import deferred_signals, write_atomic
from guidebook.document.model import GuideDoc, ItemView, build_document

Progress = Callable[[str], None]


@dataclass
class Output:
    path: Path
    size: int
    pages: int | None
    sha256: str


@dataclass
class BuildResult:
    outputs: list[Output] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    reused: int = 0  # outputs already up to date
    removed: list[Path] = field(default_factory=list)  # outputs of earlier builds that no longer belong
    fit: dict[str, int] = field(default_factory=dict)  # the fitting level of each handout rendered
    foreign: list[Path] = field(default_factory=list)  # files in output/site/ the build did not write


@dataclass
class Options:
    source: Path = Path("source")
    output: Path = Path("output")
    layouts: list[Path] = field(default_factory=list)
    strict: bool = True
    guide: bool = True
    handouts: bool = True
    word: bool = True
    items: list[int] | None = None  # handouts only for these items (None: all)
    category: str | None = None  # handouts only for this category (name)
    changes_since: str | None = None  # a folder or git revision: adds a 本版主要变化 page to the guide
    changes_page: bool = True  # False: no 本版主要变化 page, even when guide.yaml names an edition to compare with
    force: bool = False  # render everything, ignoring the cache
    press: bool = False  # print/: press PDF with bleed and crop marks, saddle-stitch imposition
    archive: bool = False  # archive/: PDF/A-2b guide, PDF/UA-1 handouts
    site: bool = True  # site/: the web edition (whole builds only, like all-handouts.pdf)


def check_glyphs(cat: Catalogue, roles) -> None:
    """Fail, naming the item and the character, if a catalogue character has no glyph in the fonts."""
    from guidebook.render import fonts

    diags = []
    for it in cat.items:
        origin = cat.origins[it.number]
        for ch in fonts.missing_glyphs(it.model_dump_json(), roles):
            diags.append(Diagnostic(origin.file, 0, 0, f"item {it.number}",
                                    f"character {ch!r} (U+{ord(ch):04X}) has no glyph in "
                                    f"{', '.join(r.family for r in roles)}"))
    for key in ("guide", "windows", "prohibited", "tolerated"):
        model = getattr(cat, key)
        if model is None:  # an optional list the guide does not have
            continue
        for ch in fonts.missing_glyphs(model.model_dump_json(), roles):
            diags.append(Diagnostic(cat.origins[key].file, 0, 0, key,
                                    f"character {ch!r} (U+{ord(ch):04X}) has no glyph in "
                                    f"{', '.join(r.family for r in roles)}"))
    if diags:
        raise DataError(f"{len(diags)} character(s) cannot be printed with the layout's fonts", diags)


class Session:
    """A loaded catalogue, its document model and a ready renderer, shared by every writer."""

    def __init__(self, opts: Options, progress: Progress = lambda m: None, warn: Progress = lambda m: None,
                 catalogue: Catalogue | None = None):
        """`catalogue`: opts.source already loaded by the caller (it is not read again)."""
        from guidebook.render import layout_chain

        self.opts = opts
        self.catalogue = catalogue if catalogue is not None else load_catalogue(opts.source)
        self.doc: GuideDoc = build_document(self.catalogue)
        extra = ""
        since = opts.changes_since
        remembered = self.catalogue.guide.compare_with
        if since is None and remembered and opts.changes_page:
            folder = opts.source.parent / "editions" / str(remembered)
            since = str(folder) if folder.is_dir() else None
            if since is None:
                warn(f"guide.yaml compares with edition {remembered}, but {folder} is missing: no 本版主要变化 page")
        if since and opts.changes_page:
            import tempfile

            from guidebook.editions import diffing

            with tempfile.TemporaryDirectory(prefix="guidebook-since-") as work:
                old = load_catalogue(diffing.resolve(since, opts.source, Path(work)))
            rows = diffing.change_rows(diffing.public(diffing.diff_catalogues(old, self.catalogue)))
            self.doc = self.doc.with_changes(rows, old.guide.edition)
            extra = "".join(f"{r.old}{r.new}{r.scope}" for r in rows)
        self.changes_text = extra
        self.chain = layout_chain(opts.layouts)
        from guidebook.render import fonts

        self.roles, _ = fonts.resolve(self.chain)
        check_glyphs(self.catalogue, self.roles)  # before cutting fonts: a bad character fails fast
        self._progress, self._warn = progress, warn
        self._renderer = None

    @property
    def renderer(self):
        """Created on first use: a build whose outputs are all up to date never needs one."""
        if self._renderer is None:
            from guidebook.render import Renderer, charset

            self._progress("fonts: resolving and subsetting")
            self._renderer = Renderer(self.opts.layouts, charset(self.catalogue, self.chain) + self.changes_text,
                                      self.opts.strict, self._warn)
        return self._renderer

    def created(self) -> str:
        return self.doc.meta.created

    @property
    def layout_key(self) -> str:
        """A hash of everything presentational: layout files, fonts, options, the tool's code."""
        if getattr(self, "_layout_key", None) is None:
            from guidebook.pipeline import cache

            self._layout_key = cache.layout_key(self.chain, self.roles, key_options(self.opts))
        return self._layout_key

    @property
    def tree(self):
        """The guide's document tree, built on first use and shared by every writer."""
        if getattr(self, "_tree", None) is None or self._tree_of is not self.doc:
            from guidebook.document.tree import guide_tree

            self._tree, self._tree_of = guide_tree(self.doc), self.doc
        return self._tree

    def handout_tree(self, it, referred: tuple[str, ...] = ()):
        """`referred`: the sections the handout leaves to the guide and the site (no room for them)."""
        from guidebook.document.tree import handout_tree

        cache = self.__dict__.setdefault("_handout_trees", {})
        key = (it.item_number, referred)
        if key not in cache or cache[key].item is not it:
            cache[key] = handout_tree(self.doc.meta, it, referred)
        return cache[key]


def check_output_folder(output: Path) -> None:
    """Fail before any work if the output folder cannot be created or written."""
    import tempfile

    if output.exists() and not output.is_dir():
        raise GuidebookError(f"cannot write to {output}: it is a file, not a folder")
    try:
        output.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output, prefix=".write-test-", suffix=".tmp"):
            pass
    except OSError as exc:
        raise GuidebookError(f"cannot write to {output}: {exc.strerror or exc}") from None


def remove_stale_temporaries(output: Path) -> None:
    """This tool's temporary files left by a build that was killed while writing (the outputs themselves
    are whole); a user's own .tmp files and another running build's temporaries are left alone."""
    from guidebook.files import stale_temporaries

    for tmp in stale_temporaries(output):
        try:
            tmp.unlink()
        except OSError:
            pass


def write_output(path: Path, data: bytes, pages: int | None, result: BuildResult) -> None:
    write_atomic(path, data)
    result.outputs.append(Output(path, len(data), pages, hashlib.sha256(data).hexdigest()))


def _guide_pdf(session, whole: bool = True, archive: bool = False) -> list:
    """The guide laid out as one document: guide.pdf (unless it is made in parts), PDF/A-2b."""
    from guidebook.outputs import guide_pdf

    r = session.renderer
    rendered = guide_pdf.layout(session)
    out = []
    if whole:
        out.append((session.opts.output / "guide.pdf", r.pdf(rendered, "guide.pdf"), rendered.pages))
    if archive:  # the same layout, written as PDF/A-2b
        out.append((session.opts.output / "archive" / "guide-pdfa.pdf",
                    r.pdf(rendered, "guide-pdfa.pdf", pdf_variant="pdf/a-2b"), rendered.pages))
    return out


def _guide_plan(session, progress: Progress):
    """How the guide is laid out in parallel parts (guidebook.outputs.paginate), or None for one document."""
    import os

    from guidebook.outputs import guide_pdf, paginate
    from guidebook.render import STYLESHEETS, stylesheet_files

    wanted = os.environ.get("GUIDEBOOK_GUIDE_PARTS", "")
    if wanted.strip() == "1":
        return None
    why = paginate.unsupported([p.read_text("utf-8") for n in STYLESHEETS["guide"]
                                for p in stylesheet_files(session.chain, n)])
    if why:
        progress(f"guide: laid out as one document ({why})")
        return None
    # the first category follows the section title on its page: a cut needs a page break
    plan = paginate.Plan(guide_pdf.html(session), [c.anchor for c in session.doc.categories[1:]],
                         int(wanted) if wanted.strip().isdigit() else None)
    if plan.parts < 2:
        return None
    session.guide_plan = plan  # parsed before the workers fork: they inherit it
    return plan


def _guide_press(session) -> list:
    from guidebook.outputs import guide_pdf, printing

    r = session.renderer
    rendered = guide_pdf.layout(session, "guide-press")
    data, pages = printing.pad_to_multiple(r.pdf(rendered, "guide-press.pdf"), 4)
    return [(session.opts.output / "print" / "guide-press.pdf", data, pages)]


def _guide_docx(session) -> list:
    from guidebook.outputs import word

    return [(session.opts.output / "guide.docx", word.guide_docx(session), None)]


def _handout_docx(session, numbers: list[int], levels: dict[int, int] | None = None) -> list:
    """The Word handouts of `numbers`; `levels`: their PDFs' fitting levels (the .docx leaves off the
    sections its PDF leaves off)."""
    from guidebook.outputs import handouts, word

    by_number = {it.item_number: it for it in session.doc.items}
    folder = session.opts.output / "handouts"
    return [(folder / f"{by_number[n].file_stem}.docx",
             word.handout_docx(session, by_number[n], handouts.referred(by_number[n], (levels or {}).get(n) or 0)),
             None)
            for n in numbers]


def _known_levels(previous: dict, items: list) -> dict[int, int]:
    """The fitting levels the manifest records for the handouts of `items` (hints: they are checked)."""
    known = {it.item_number: previous.get(f"handouts/{it.file_stem}.pdf", {}).get("fit") for it in items}
    return {n: h for n, h in known.items() if isinstance(h, int) and not isinstance(h, bool)}


def _docx_tasks(stale_items: list, items: list, stale: set[str], previous: dict) -> tuple[list, set[int]]:
    """The tasks of the stale Word handouts among `items`, and the items whose Word handout waits for its
    PDF: a .docx leaves off what its PDF leaves off, so one whose PDF is laid out in this build follows
    its chunk (`_docx_after`); the others take their PDF's level from the manifest."""
    from guidebook.outputs import handouts

    stale_docx = [it for it in items if f"handouts/{it.file_stem}.docx" in stale]
    laid_out = {it.item_number for it in stale_items}
    later = {it.item_number for it in stale_docx if it.item_number in laid_out}
    levels = _known_levels(previous, stale_docx)
    return [(_handout_docx, (c, levels)) for c in handouts.chunks([it for it in stale_docx
                                                                   if it.item_number not in laid_out])], later


def _docx_after(numbers: list[int], chunk: list, later: set[int]) -> list:
    """The Word handouts that were waiting for this chunk of PDF handouts, with their levels."""
    from guidebook.outputs import handouts

    levels = handouts.fit_levels([chunk])
    follow = [n for n in numbers if n in later and n in levels]
    return [(_handout_docx, (follow, levels))] if follow else []


def _warm(session, tasks: list) -> None:
    """Before forking: what each worker would otherwise load for itself before its first task (python-docx
    and pikepdf, the handout template, cffi's C types: 0.1-0.3 s per worker, and a build starts a new
    worker every TASKS_PER_WORKER tasks), done once by the main process."""
    from guidebook.outputs import handouts, paginate

    kinds = {fn for fn, _ in tasks}
    if kinds & {paginate.render_part, handouts.render_chunk, _guide_pdf, _guide_press}:
        import pikepdf  # noqa: F401
        from PIL import Image

        from guidebook.outputs import sharedfonts  # noqa: F401

        Image.preinit()  # the image plugins PIL would load on its first image
    if kinds & {handouts.render_chunk, _handout_docx}:
        from guidebook.document import tree  # noqa: F401 (a handout's document tree is made in its worker)
        from guidebook.outputs import html  # noqa: F401
        from guidebook.render import flowchart  # noqa: F401
    if kinds & {_guide_docx, _handout_docx}:
        from guidebook.outputs import word  # noqa: F401
    session.renderer.warm([handouts.TEMPLATE] if handouts.render_chunk in kinds else [])


def _site(session) -> list:
    """The web edition's pages and assets (no renderer needed: it draws flowcharts as inline SVG)."""
    from guidebook.outputs import site

    opts = session.opts
    downloads: dict[int, list[tuple[str, str]]] = {}
    if opts.handouts:
        for it in session.doc.items:
            links = [("告知单 PDF", f"downloads/{it.file_stem}.pdf")]
            if opts.word:
                links.append(("告知单 Word", f"downloads/{it.file_stem}.docx"))
            downloads[it.item_number] = links
    return site.render(session, downloads)


def _site_downloads(out: Path, items: list, stale: set[str], pending: list) -> list:
    """Copies of the handouts for the site's download links: fresh bytes, or the files on disk."""
    fresh = {p: d for p, d, _ in pending}
    copies = []
    for it in items:
        for ext in ("pdf", "docx"):
            rel = f"site/downloads/{it.file_stem}.{ext}"
            if rel in stale:
                src = out / "handouts" / f"{it.file_stem}.{ext}"
                copies.append((out / rel, fresh.get(src) or src.read_bytes(), None))
    return copies


LOCK = ".guidebook.lock"
LOCK_WAIT_SECONDS = 600.0


class OutputLock:
    """One build at a time per output folder: a lock file holding the owner's PID. A second build
    waits for the first (saying so); a lock whose process is gone is taken over."""

    def __init__(self, folder: Path, progress: Progress):
        self.path = folder / LOCK
        self.progress = progress

    def __enter__(self):
        import os

        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        said = False
        while True:
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                return self
            except FileExistsError:
                pass
            except OSError as exc:
                raise GuidebookError(f"cannot write to {self.path.parent}: {exc.strerror or exc}") from None
            try:
                owner = int(self.path.read_text().strip() or "0")
            except (OSError, ValueError):
                owner = 0
            alive = owner > 0
            if alive:
                try:
                    os.kill(owner, 0)
                except ProcessLookupError:
                    alive = False
                except PermissionError:
                    pass
            if not alive:  # a stale lock: its build was killed
                try:
                    self.path.unlink()
                except OSError:
                    pass
                continue
            if time.monotonic() > deadline:
                raise GuidebookError(f"another build (process {owner}) has been writing to {self.path.parent} for "
                                     f"over {LOCK_WAIT_SECONDS:.0f} s; if it is gone, delete {self.path}")
            if not said:
                self.progress(f"waiting: another build (process {owner}) is writing to {self.path.parent}")
                said = True
            time.sleep(0.2)

    def __exit__(self, *exc):
        import os

        try:
            if self.path.read_text().strip() == str(os.getpid()):
                self.path.unlink()
        except OSError:
            pass
        return False


def build(opts: Options, progress: Progress = lambda m: None, warn: Progress = lambda m: None) -> BuildResult:
    """Build every requested output that is not up to date, one build at a time per output folder."""
    check_output_folder(opts.output)
    from guidebook.pipeline.publish import foreign_files

    with OutputLock(opts.output, progress):
        result = _build(opts, progress, warn)
        try:
            result.foreign = foreign_files(opts.output)
        except GuidebookError:  # no web edition built yet
            result.foreign = []
    return result


def _build(opts: Options, progress: Progress, warn: Progress) -> BuildResult:
    """Build every requested output that is not up to date. Nothing is written unless all renders."""
    from guidebook.pipeline import cache, parallel
    from guidebook.outputs import handouts, paginate

    t0 = time.perf_counter()
    result = BuildResult()
    progress("catalogue: loading and validating")
    session = Session(opts, progress, lambda m: (result.warnings.append(m), warn(m)))
    if opts.press and not opts.guide:
        raise GuidebookError("--print needs the guide: leave out --no-guide")
    items = select_items(session.doc, opts) if opts.handouts else []
    keys = output_keys(session, items)
    previous, problem = cache.read_manifest(opts.output)  # read once: keys, removals, fitting levels
    if problem:
        session._warn(f"{opts.output / 'manifest.json'} is damaged ({problem}): what it does not describe is "
                      "rendered again")
    entries = {} if opts.force else previous
    stale = {rel for rel, key in keys.items() if not cache.fresh(opts.output, rel, key, entries)}
    result.reused = len(keys) - len(stale)
    orphans = orphaned_outputs(session, previous)
    if not stale and not orphans:
        result.seconds = time.perf_counter() - t0
        return result  # everything is up to date: nothing is rendered or written
    out = opts.output
    stale_items = [it for it in items if f"handouts/{it.file_stem}.pdf" in stale
                   or (opts.archive and f"archive/handouts/{it.file_stem}.pdf" in stale)]
    guide_needed = opts.guide and ({"guide.pdf", "archive/guide-pdfa.pdf"} & stale
                                   or (opts.press and any(r.startswith("print/guide-booklet") for r in stale)))
    tasks: list = []
    plan, guesses, chained = None, [], False
    if guide_needed:
        plan = _guide_plan(session, progress)
        if plan is not None:
            guesses, known = paginate.first_guesses(plan, paginate.load_hint(opts.source, session.chain))
            parts = paginate.PartCache(session.layout_key, read=not opts.force)
            # parts laid out before from the same content and the same guess are not laid out again
            kept = {k: parts.get(plan, k, g) for k, g in enumerate(guesses)} if known else {}
            kept = {k: res for k, res in kept.items() if res is not None}
            # no numbers to start from, and handouts to write beside (the bulk of a build's other work):
            # the parts as a chain, each laid out once (see paginate.chain_next)
            chained = not known and plan.parts > 1 and bool(stale_items)
            if chained:
                progress(f"guide: first build here, so its {plan.parts} parts are laid out in turn, beside the handouts")
                tasks.append((paginate.render_part, (0, guesses[0], False)))
            else:
                tasks += [(paginate.render_part, (k, g, known)) for k, g in enumerate(guesses) if k not in kept]
            if kept:
                progress(f"guide: {len(kept)} of {plan.parts} parts unchanged since they were last laid out")
        if plan is None or opts.archive:
            tasks.append((_guide_pdf, (plan is None, opts.archive)))
    if opts.press and "print/guide-press.pdf" in stale:
        tasks.append((_guide_press, ()))
    # even with --force: the fitting levels are only hints, checked
    hints = _known_levels(previous, stale_items)
    tasks += [(handouts.render_chunk, (c, hints)) for c in handouts.chunks(stale_items)]
    if opts.word and opts.guide and "guide.docx" in stale:
        tasks.append((_guide_docx, ()))
    docx_tasks, docx_later = _docx_tasks(stale_items, items if opts.word else [], stale, previous)
    tasks += docx_tasks
    if any(rel.startswith("site/") and not rel.startswith("site/downloads/") for rel in stale):
        tasks.append((_site, ()))
    if any(fn is not _site for fn, _ in tasks):
        from guidebook.render import qr

        session.renderer  # create it before forking, so every worker inherits it
        qr.warm({q.url for it in session.doc.items for q in it.qr})  # the same codes recur on many pages
        _warm(session, tasks + ([(_handout_docx, ())] if docx_later else []))
    progress(f"rendering: {len(tasks)} tasks on {min(parallel.workers(), len(tasks))} worker(s)"
             + (f" (the guide in {plan.parts} parts)" if plan is not None else ""))
    handout_results: list = []
    by_part = dict(kept) if plan is not None else {}
    combined = opts.handouts and _whole(opts) and f"handouts/{handouts.COMBINED}" in stale
    chunks = sum(fn is handouts.render_chunk for fn, _ in tasks)
    added: list = []

    def then(task, res) -> list:
        """What can start as soon as a result is there, beside the other tasks: the joins, and the guide's
        next part when its parts are laid out as a chain."""
        fn, args = task
        new = []
        if fn is handouts.render_chunk:
            handout_results.append(res)
            new += _docx_after(args[0], res, docx_later)
            if combined and len(handout_results) == chunks and not any(err for chunk in handout_results for *_, err, _ in chunk):
                fresh = {n: pdf for chunk in handout_results for n, pdf, *_ in chunk}
                files = [fresh.get(it.item_number) or out / "handouts" / f"{it.file_stem}.pdf" for it in items]
                new.append((handouts.combine_files, (files,)))
        elif fn is paginate.render_part:
            first = args[0] not in by_part
            by_part[args[0]] = res
            if chained and first:
                new += [(paginate.render_part, (k, g, True)) for k, g in paginate.chain_next(plan, guesses, by_part)]
            ready = [by_part[k] for k in range(plan.parts)] if len(by_part) == plan.parts else None
            if ready and paginate.settled(plan, guesses, ready):
                new.append((paginate.join, (ready,)))
        added.extend(new)
        return new

    results = parallel.run_all(session, tasks, progress, then)
    pending: list[tuple[Path, bytes, int | None]] = []
    joined_guide = joined_handouts = None
    for (fn, args), res in zip(tasks + added, results):
        if fn is handouts.combine_files:
            joined_handouts = res
        elif fn is paginate.join:
            joined_guide = res
        elif fn not in (handouts.render_chunk, paginate.render_part):
            pending += res
    if plan is not None:
        part_results = paginate.in_order(plan, by_part)
        joined = paginate.lay_out(session, plan, guesses, part_results,
                                  lambda more: parallel.run_all(session, more), progress, parts, joined_guide)
        if joined is None:  # one document after all
            pending += _guide_pdf(session)
        else:
            pending.append((out / "guide.pdf", *joined))
    if opts.handouts:
        levels = handouts.fit_levels(handout_results)
        result.fit = {f"handouts/{it.file_stem}.pdf": levels[it.item_number] for it in stale_items
                      if it.item_number in levels}
        pending += handouts.collect(stale_items, handout_results, out / "handouts",
                                    archive=out / "archive" / "handouts" if opts.archive else None)
        if combined:
            if joined_handouts is None:  # no handout was rendered: joined from the files on disk
                progress("handouts: combining")
                joined_handouts = handouts.combine_files(session, [out / "handouts" / f"{it.file_stem}.pdf"
                                                                   for it in items])
            pending.append((out / "handouts" / handouts.COMBINED, joined_handouts, len(items)))
    if opts.press and any(r.startswith("print/guide-booklet") for r in stale):
        from guidebook.outputs import printing

        progress("print: imposing the booklet")
        guide = next(data for path, data, _ in pending if path == out / "guide.pdf")
        data, sheet, sides = printing.impose(guide)
        pending.append((out / "print" / f"guide-booklet-{sheet}.pdf", data, sides))
    pending += _site_downloads(out, items, stale, pending)
    pending = [(p, d, n) for p, d, n in pending if str(p.relative_to(out)) in stale]
    remove_stale_temporaries(out)
    with deferred_signals():  # Ctrl-C now waits for the outputs and their manifest to agree
        for path, data, pages in sorted(pending, key=lambda p: str(p[0])):
            write_output(path, data, pages, result)
        result.seconds = time.perf_counter() - t0
        for rel in orphans:  # only files an earlier build wrote and listed in its manifest
            try:
                (out / rel).unlink()
                result.removed.append(out / rel)
            except OSError:
                pass
        write_manifest(opts, session.catalogue, result, keys, previous)
    return result


# The per-item outputs, as patterns of the declared paths: an earlier build's file that matches one but
# names no item of the catalogue any more (a renamed or removed item) is removed by the next build.
def orphaned_outputs(session: "Session", entries: dict[str, dict]) -> list[str]:
    """Files listed in the last manifest that belong to no item of the catalogue any more."""
    from guidebook.document.tree import ITEM_PAGES, item_page

    per_item = [re.compile("^" + re.escape(d.path).replace(re.escape("{stem}"), r"(?P<stem>[^/]+)") + "$")
                for d in OUTPUTS if "{stem}" in d.path]
    stems = {it.file_stem for it in session.doc.items}
    pages = {f"site/{item_page(it.item_number)}" for it in session.doc.items}
    out = []
    for rel in entries:
        if rel.startswith(f"site/{ITEM_PAGES}"):
            if rel not in pages:
                out.append(rel)
            continue
        for pattern in per_item:
            m = pattern.match(rel)
            if m and m.group("stem") not in stems and m.group("stem") != "all-handouts":
                out.append(rel)
                break
    return [rel for rel in out if (session.opts.output / rel).is_file()]


@dataclass(frozen=True)
class Declared:
    """One kind of output, declared once: where it goes, what it is made from, when it is wanted.

    `source` is the part of the catalogue it shows: "catalogue" (the guide), "item" (one handout per
    item) or "combined" (made from the item outputs of `variant` ""). `variant` tells apart outputs
    made from the same source (the PDF "", "docx", "pdf/a-2b" ...). Its cache key hashes the tool's
    code, the layouts, the fonts, every rendering option (`key_options`), its source and its variant.
    """

    path: str  # relative to the output folder; {stem}: an item's file stem, {sheet}: the press sheet,
    # {page}: each file of the web edition
    source: str
    variant: str
    wanted: Callable[["Options"], bool]
    extra: Callable[["Options"], str] = lambda o: ""  # what else of the options it depends on


def _whole(o: "Options") -> bool:
    return o.items is None and o.category is None


OUTPUTS: tuple[Declared, ...] = (
    Declared("guide.pdf", "catalogue", "", lambda o: o.guide),
    Declared("guide.docx", "catalogue", "docx", lambda o: o.guide and o.word),
    Declared("archive/guide-pdfa.pdf", "catalogue", "pdf/a-2b", lambda o: o.guide and o.archive),
    Declared("print/guide-press.pdf", "catalogue", "press", lambda o: o.guide and o.press),
    Declared("print/guide-booklet-{sheet}.pdf", "catalogue", "booklet", lambda o: o.guide and o.press),
    Declared("handouts/{stem}.pdf", "item", "", lambda o: o.handouts),
    Declared("handouts/{stem}.docx", "item", "docx", lambda o: o.handouts and o.word),
    Declared("archive/handouts/{stem}.pdf", "item", "pdf/ua-1", lambda o: o.handouts and o.archive),
    Declared("handouts/all-handouts.pdf", "combined", "", lambda o: o.handouts and _whole(o)),
    # the web edition: its pages link to the handouts' downloads when those are built
    Declared("site/{page}", "catalogue", "site", lambda o: o.site and _whole(o),
             extra=lambda o: f"downloads={o.handouts},{o.handouts and o.word}"),
    Declared("site/downloads/{stem}.pdf", "item", "site-pdf", lambda o: o.site and o.handouts and _whole(o)),
    Declared("site/downloads/{stem}.docx", "item", "site-docx",
             lambda o: o.site and o.handouts and o.word and _whole(o)),
)

# Options that choose which outputs are made or where, not what an output looks like. Every other
# option is part of every key, so an option added later cannot be left out of the keys.
NOT_RENDERING = {"source", "output", "layouts", "guide", "handouts", "word", "items", "category", "force",
                 "press", "archive", "changes_since", "changes_page", "site"}


def key_options(opts: "Options") -> str:
    from dataclasses import fields

    return json.dumps({f.name: str(getattr(opts, f.name)) for f in fields(opts) if f.name not in NOT_RENDERING},
                      sort_keys=True)


def output_keys(session: "Session", items: list[ItemView]) -> dict[str, str]:
    """The cache key of every output this build is asked for, by path relative to the output folder."""
    from guidebook.pipeline import cache

    opts = session.opts
    base = session.layout_key
    guide_json = session.catalogue.guide.model_dump_json()
    by_number = {it.number: it for it in session.catalogue.items}
    sheet = ""
    if opts.press:
        from guidebook.outputs.printing import sheet_name
        from guidebook.render import page_geometry

        (w, h), _ = page_geometry(session.chain, "guide.css")
        sheet = sheet_name(w, h)
    guide = cache.guide_key(base, catalogue_json(session.catalogue), session.changes_text)
    handout = {it.item_number: cache.handout_key(base, by_number[it.item_number].model_dump_json(), guide_json)
               for it in items}
    keys: dict[str, str] = {}
    for d in OUTPUTS:
        if not d.wanted(opts):
            continue
        if d.source == "catalogue" and "{page}" in d.path:
            from guidebook.outputs import site

            k = cache.guide_key(guide, d.variant, d.extra(opts) + site.forms_digest(opts.source, session.tree))
            for page in site.page_paths(session.tree):
                keys[d.path.format(page=page)] = k
        elif d.source == "catalogue":
            keys[d.path.format(sheet=sheet)] = cache.guide_key(guide, d.variant) if d.variant else guide
        elif d.source == "item":
            for it in items:
                k = handout[it.item_number]
                keys[d.path.format(stem=it.file_stem)] = cache.guide_key(k, d.variant) if d.variant else k
        elif items:
            keys[d.path] = cache.combined_key([handout[it.item_number] for it in items])
    return keys


def select_items(doc: GuideDoc, opts: Options) -> list[ItemView]:
    items = doc.items
    if opts.items is not None:
        wanted = set(opts.items)
        unknown = wanted - {it.item_number for it in items}
        if unknown:
            raise GuidebookError(f"no item numbered {', '.join(map(str, sorted(unknown)))}; "
                                 f"items are {items[0].item_number}-{items[-1].item_number}")
        items = [it for it in items if it.item_number in wanted]
    if opts.category is not None:
        items = [it for it in items if it.category == opts.category]
    return items


def write_manifest(opts: Options, cat: Catalogue, result: BuildResult, keys: dict[str, str],
                   previous: dict[str, dict]) -> None:
    path = opts.output / "manifest.json"
    entries = dict(previous)  # keep the entries of outputs this run did not rebuild
    for o in result.outputs:
        rel = str(o.path.relative_to(opts.output))
        entries[rel] = {"path": rel, "size": o.size, "pages": o.pages, "sha256": o.sha256, "key": keys.get(rel)}
        if rel in result.fit:  # the next build starts its search there
            entries[rel]["fit"] = result.fit[rel]
    manifest = {
        "tool": f"guidebook {__version__}",
        # the output keys already hash every input: catalogue, layouts, fonts, options, tool version
        "inputs_sha256": hashlib.sha256("".join(sorted(keys.values())).encode()).hexdigest(),
        "outputs": [entries[k] for k in sorted(entries) if (opts.output / k).exists()],
    }
    write_atomic(path,
                 (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
