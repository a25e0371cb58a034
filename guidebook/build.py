"""Pipeline: load -> validate -> document model -> writers -> atomic outputs with a manifest.

`build()` reads top to bottom like a recipe; the CLI commands are thin wrappers around it.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from guidebook import __version__
from guidebook.catalogue import Catalogue, load_catalogue
from guidebook.diagnostics import DataError, Diagnostic, GuidebookError
from guidebook.exporting import catalogue_json
from guidebook.files import write_atomic
from guidebook.model import GuideDoc, ItemView, build_document

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
    press: bool = False  # print/: press PDF with bleed and crop marks, saddle-stitch imposition
    archive: bool = False  # archive/: PDF/A-2b guide, PDF/UA-1 handouts


def charset(cat: Catalogue, layout_dirs: list[Path]) -> str:
    """Every character the documents can contain: the catalogue, the layouts and the tool's labels."""
    chars = set(catalogue_json(cat))
    for d in layout_dirs:
        for p in d.rglob("*"):
            if p.suffix in (".html", ".css", ".toml") and p.is_file():
                chars |= set(p.read_text("utf-8", errors="ignore"))
    for p in Path(__file__).parent.glob("*.py"):
        chars |= {c for c in p.read_text("utf-8") if ord(c) > 0x7F}
    return "".join(sorted(chars))


def check_glyphs(cat: Catalogue, roles) -> None:
    """Fail, naming the item and the character, if a catalogue character has no glyph in the fonts."""
    from guidebook import fonts

    diags = []
    for it in cat.items:
        origin = cat.origins[it.number]
        for ch in fonts.missing_glyphs(it.model_dump_json(), roles):
            diags.append(Diagnostic(origin.file, 0, 0, f"item {it.number}",
                                    f"character {ch!r} (U+{ord(ch):04X}) has no glyph in "
                                    f"{', '.join(r.family for r in roles)}"))
    for key in ("guide", "windows", "prohibited", "tolerated"):
        model = getattr(cat, key)
        for ch in fonts.missing_glyphs(model.model_dump_json(), roles):
            diags.append(Diagnostic(cat.origins[key].file, 0, 0, key,
                                    f"character {ch!r} (U+{ord(ch):04X}) has no glyph in "
                                    f"{', '.join(r.family for r in roles)}"))
    if diags:
        raise DataError(f"{len(diags)} character(s) cannot be printed with the layout's fonts", diags)


class Session:
    """A loaded catalogue, its document model and a ready renderer, shared by every writer."""

    def __init__(self, opts: Options, progress: Progress = lambda m: None, warn: Progress = lambda m: None):
        from guidebook.render import Renderer, layout_chain

        self.opts = opts
        self.catalogue = load_catalogue(opts.source)
        self.doc: GuideDoc = build_document(self.catalogue)
        extra = ""
        if opts.changes_since:
            import tempfile

            from guidebook import diffing

            with tempfile.TemporaryDirectory(prefix="guidebook-since-") as work:
                old = load_catalogue(diffing.resolve(opts.changes_since, opts.source, Path(work)))
            rows = diffing.change_rows(diffing.diff_catalogues(old, self.catalogue))
            self.doc = self.doc.with_changes(rows, opts.changes_since)
            extra = "".join(f"{r['old']}{r['new']}{r['scope']}" for r in rows)
        chain = layout_chain(opts.layouts)
        from guidebook import fonts

        roles, _ = fonts.resolve(chain)
        check_glyphs(self.catalogue, roles)  # before cutting fonts: a bad character fails fast
        progress("fonts: resolving and subsetting")
        self.renderer = Renderer(opts.layouts, charset(self.catalogue, chain) + extra, opts.strict, warn)

    def created(self) -> str:
        return self.doc.meta.created


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
    """Temporary files left by a build that was killed while writing (the outputs themselves are whole)."""
    if output.is_dir():
        for tmp in output.rglob(".*.tmp"):
            try:
                tmp.unlink()
            except OSError:
                pass


def write_output(path: Path, data: bytes, pages: int | None, result: BuildResult) -> None:
    write_atomic(path, data)
    result.outputs.append(Output(path, len(data), pages, hashlib.sha256(data).hexdigest()))


def _guide_pdf(session) -> list:
    from guidebook import guide_pdf

    r = session.renderer
    rendered = r.layout("guide", guide_pdf.html(session), "guide.pdf")
    out = [(session.opts.output / "guide.pdf", r.pdf(rendered, "guide.pdf"), rendered.pages)]
    if session.opts.archive:  # the same layout, written as PDF/A-2b
        out.append((session.opts.output / "archive" / "guide-pdfa.pdf",
                    r.pdf(rendered, "guide-pdfa.pdf", pdf_variant="pdf/a-2b"), rendered.pages))
    return out


def _guide_press(session) -> list:
    from guidebook import guide_pdf, printing

    r = session.renderer
    rendered = r.layout("guide-press", guide_pdf.html(session), "guide-press.pdf")
    data, pages = printing.pad_to_multiple(r.pdf(rendered, "guide-press.pdf"), 4)
    return [(session.opts.output / "print" / "guide-press.pdf", data, pages)]


def _guide_docx(session) -> list:
    from guidebook import word

    return [(session.opts.output / "guide.docx", word.guide_docx(session), None)]


def _handout_docx(session, numbers: list[int]) -> list:
    from guidebook import word

    by_number = {it.item_number: it for it in session.doc.items}
    folder = session.opts.output / "handouts"
    return [(folder / f"{by_number[n].file_stem}.docx", word.handout_docx(session, by_number[n]), None)
            for n in numbers]


def build(opts: Options, progress: Progress = lambda m: None, warn: Progress = lambda m: None) -> BuildResult:
    """Build every requested output. Everything is rendered before the first file is written."""
    from guidebook import handouts, parallel

    t0 = time.perf_counter()
    result = BuildResult()
    check_output_folder(opts.output)
    progress("catalogue: loading and validating")
    session = Session(opts, progress, lambda m: (result.warnings.append(m), warn(m)))
    items = select_items(session.doc, opts) if opts.handouts else []
    chunks = handouts.chunks(items)
    # The longest task first, so that both cores stay busy until the end.
    if opts.press and not opts.guide:
        raise GuidebookError("--print needs the guide: leave out --no-guide")
    tasks: list = []
    if opts.guide:
        tasks.append((_guide_pdf, ()))
    if opts.press:
        tasks.append((_guide_press, ()))
    tasks += [(handouts.render_chunk, (c,)) for c in chunks]
    if opts.word:
        if opts.guide:
            tasks.append((_guide_docx, ()))
        tasks += [(_handout_docx, (c,)) for c in chunks]
    progress(f"rendering: {len(tasks)} parts on {min(parallel.workers(), len(tasks))} worker(s)")
    results = parallel.run_all(session, tasks, progress)
    pending: list[tuple[Path, bytes, int | None]] = []
    handout_results = []
    for (fn, _), res in zip(tasks, results):
        if fn is handouts.render_chunk:
            handout_results.append(res)
        else:
            pending += res
    if opts.handouts:
        progress("handouts: combining")
        pending += handouts.collect(items, handout_results, opts.output / "handouts",
                                    combined=opts.items is None and opts.category is None,
                                    archive=opts.output / "archive" / "handouts" if opts.archive else None)
    if opts.press:
        from guidebook import printing

        progress("print: imposing the booklet")
        guide = next(data for path, data, _ in pending if path == opts.output / "guide.pdf")
        data, sheet, sides = printing.impose(guide)
        pending.append((opts.output / "print" / f"guide-booklet-{sheet}.pdf", data, sides))
    remove_stale_temporaries(opts.output)
    for path, data, pages in sorted(pending, key=lambda p: str(p[0])):
        write_output(path, data, pages, result)
    result.seconds = time.perf_counter() - t0
    write_manifest(opts, session.catalogue, result)
    return result


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


def inputs_hash(cat: Catalogue, layouts: list[Path]) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in cat.root.rglob("*.yaml"))
    for d in layouts:
        files += sorted(p for p in d.rglob("*") if p.is_file())
    for p in files:
        h.update(str(p.name).encode())
        h.update(p.read_bytes())
    h.update(__version__.encode())
    return h.hexdigest()


def write_manifest(opts: Options, cat: Catalogue, result: BuildResult) -> None:
    from guidebook.render import layout_chain

    path = opts.output / "manifest.json"
    entries: dict[str, dict] = {}
    try:  # keep the entries of outputs this run did not rebuild
        entries = {e["path"]: e for e in json.loads(path.read_text("utf-8")).get("outputs", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        entries = {}
    for o in result.outputs:
        rel = str(o.path.relative_to(opts.output))
        entries[rel] = {"path": rel, "size": o.size, "pages": o.pages, "sha256": o.sha256}
    manifest = {
        "tool": f"guidebook {__version__}",
        "inputs_sha256": inputs_hash(cat, layout_chain(opts.layouts)),
        "outputs": [entries[k] for k in sorted(entries) if (opts.output / k).exists()],
    }
    write_atomic(path,
                 (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
