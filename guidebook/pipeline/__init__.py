"""Pipeline: load -> validate -> document -> builders -> atomic outputs with a manifest.

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
from guidebook.files import deferred_signals, write_atomic
from guidebook.document.build import Guide, build_document
from guidebook.pipeline.planner import NOT_RENDERING, OUTPUTS, key_options, output_keys, select_items  # noqa: F401

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
    wanted: list[Path] = field(default_factory=list)  # every output asked for, made now or up to date
    made: dict[Path, bytes] = field(default_factory=dict)  # what a build with write=False made


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
    """A loaded catalogue, its document (guidebook.document.build.Guide) and a ready renderer, shared by every
    writer."""

    def __init__(self, opts: Options, progress: Progress = lambda m: None, warn: Progress = lambda m: None,
                 catalogue: Catalogue | None = None):
        """`catalogue`: opts.source already loaded by the caller (it is not read again)."""
        from guidebook.render import layout_chain

        self.opts = opts
        self.catalogue = catalogue if catalogue is not None else load_catalogue(opts.source)
        self.doc: Guide = build_document(self.catalogue)
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

    def with_catalogue(self, catalogue: Catalogue) -> "Session":
        """The same layouts, fonts and renderer with another catalogue (the editor's unsaved form): a new
        session, so that no one's document changes under them."""
        import copy

        new = copy.copy(self)
        new.catalogue, new.doc = catalogue, build_document(catalogue)
        for memo in ("_handouts", "_layout_key", "_guide_plans"):
            new.__dict__.pop(memo, None)
        return new

    @property
    def layout_key(self) -> str:
        """A hash of everything presentational: layout files, fonts, options, the tool's code."""
        if getattr(self, "_layout_key", None) is None:
            from guidebook.pipeline import cache

            self._layout_key = cache.layout_key(self.chain, self.roles, key_options(self.opts))
        return self._layout_key

    def guide_plan(self, asked: int | None = None):
        """The guide cut into parallel parts (guidebook.outputs.paginate.Plan: its HTML parsed once, cut
        where a category starts a new page), `asked` parts or as many as its size needs; made on first use
        for each `asked`. The build makes it before the workers fork, so they inherit it."""
        plans = self.__dict__.setdefault("_guide_plans", {})  # with_catalogue's session starts without
        if asked not in plans:
            from guidebook.outputs import guide_pdf, paginate

            # the first category follows the section title on its page: a cut needs a page break
            plans[asked] = paginate.Plan(guide_pdf.html(self), [c.anchor for c in self.doc.categories[1:]], asked)
        return plans[asked]

    def handout(self, it, referred: tuple[str, ...] = ()):
        """The handout of the item `it` (a document of the guide's nodes), made on first use; `referred`: the
        sections it leaves to the guide and the site (no room for them)."""
        from guidebook.document.build import handout

        cache = self.__dict__.setdefault("_handouts", {})
        key = (it.item_number, referred)
        if key not in cache or cache[key].item is not it:
            cache[key] = handout(self.doc.meta, it, referred)
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


def build(opts: Options, progress: Progress = lambda m: None, warn: Progress = lambda m: None,
          catalogue: Catalogue | None = None, write: bool = True) -> BuildResult:
    """Build every requested output that is not up to date, one build at a time per output folder.

    `catalogue`: opts.source already loaded by the caller. `write=False`: the outputs that are not up to
    date are made but not written (`result.made`); the output folder is only read (`guidebook handout -o`).
    A first build that fails leaves no folder behind."""
    from guidebook.pipeline.publish import foreign_files

    if not write:
        return _build(opts, progress, warn, catalogue, write=False)
    new = not opts.output.exists()
    check_output_folder(opts.output)
    try:
        with OutputLock(opts.output, progress):
            result = _build(opts, progress, warn, catalogue)
    except BaseException:
        if new:
            _remove_empty_folders(opts.output)
        raise
    try:
        result.foreign = foreign_files(opts.output)
    except GuidebookError:  # no web edition built yet
        result.foreign = []
    return result


def _remove_empty_folders(folder: Path) -> None:
    """`folder` and the folders under it that hold no file (never a file)."""
    import os

    for path in sorted((p for p in folder.rglob("*") if p.is_dir() and not p.is_symlink()), reverse=True) + [folder]:
        try:
            os.rmdir(path)
        except OSError:
            pass


def _build(opts: Options, progress: Progress, warn: Progress, catalogue: Catalogue | None,
           write: bool = True) -> BuildResult:
    """Load, plan, run the builders' tasks, write what they give. Nothing is written unless all renders."""
    from guidebook.pipeline import parallel, planner

    t0 = time.perf_counter()
    result = BuildResult()
    progress("catalogue: loading and validating")
    session = Session(opts, progress, lambda m: (result.warnings.append(m), warn(m)), catalogue)
    if opts.press and not opts.guide:
        raise GuidebookError("--print needs the guide: leave out --no-guide")
    plan = planner.plan(session, session._warn)
    result.reused, result.wanted = plan.reused, [opts.output / rel for rel in plan.keys]
    if not plan.stale and not plan.orphans:
        result.seconds = time.perf_counter() - t0
        return result  # everything is up to date: nothing is rendered or written
    files = _run_builders(session, plan, progress, parallel.workers())
    if write:
        _write(opts, session, plan, files, result, t0)
    else:
        result.made = {f.path: f.data for f in files}
    return result


def _run_builders(session: Session, plan, progress: Progress, workers: int) -> list:
    """Every builder's tasks on `workers` processes (0: in this process, see builders.Builder), then the
    files of the plan's stale outputs."""
    from guidebook.pipeline import parallel
    from guidebook.pipeline.builders import BUILDERS, GuidePdf

    builders = [b(session, plan, progress, workers) for b in BUILDERS]
    tasks = [t for b in builders for t in b.tasks()]
    _prepare(session, [b for b in builders if any(t.owner == b.name for t in tasks)])
    guide = next(b for b in builders if isinstance(b, GuidePdf))
    processes = max(1, workers)
    progress(f"rendering: {len(tasks)} tasks on {min(processes, len(tasks))} worker(s)"
             + (f" (the guide in {guide.parts.parts} parts)" if guide.parts is not None else ""))
    owner = {b.name: b for b in builders}
    parallel.run_all(session, tasks, progress, lambda task, res: owner[task.owner].then(task, res), processes)
    files: list = []
    for b in builders:  # in order: the site copies the handouts made before it
        files += b.files({f.path: f.data for f in files})
    return [f for f in files if str(f.path.relative_to(session.opts.output)) in plan.stale]


def make(session: Session, wanted: list, numbers: list[int] = (), levels: dict[int, int] | None = None) -> dict:
    """The outputs of the declared kinds `wanted` (guidebook.pipeline.planner: GUIDE_PDF, HANDOUT_PDF ...),
    for the items `numbers` where an output is an item's, made in memory by the builders of `build`,
    whatever is on disk, in this process (a server's threads must not fork): by path relative to the output
    folder, each a builders.File (its bytes, pages and fitting level). `levels`: the fitting levels last found
    for the items' handouts (hints, checked)."""
    from guidebook.pipeline import planner

    items = [it for it in session.doc.items if it.item_number in numbers]
    stale = {d.of(stem=it.file_stem) for d in wanted if d.source == "item" for it in items}
    stale |= {d.path for d in wanted if d.source != "item"}
    previous = {planner.HANDOUT_PDF.of(stem=it.file_stem): {"fit": levels[it.item_number]}
                for it in items if it.item_number in (levels or {})}
    plan = planner.Plan(items, dict.fromkeys(stale, ""), stale, [], previous)
    files = _run_builders(session, plan, lambda m: None, 0)
    return {str(f.path.relative_to(session.opts.output)): f for f in files}


def _prepare(session: Session, busy: list) -> None:
    """Before the workers fork, what each would otherwise do for itself: make the renderer, draw the QR
    codes that recur on many pages, import the libraries and compile the templates the tasks use."""
    if not any(b.uses_renderer for b in busy):
        return
    from guidebook.render import qr

    session.renderer  # created before forking, so every worker inherits it
    qr.warm({q.url for it in session.doc.items for q in it.qr})
    session.renderer.warm([t for b in busy for t in b.warm()])


def _write(opts: Options, session: Session, plan, files: list, result: BuildResult, t0: float) -> None:
    """Write the outputs, remove the orphans, write the manifest: with Ctrl-C held back, so that the
    outputs and their manifest agree."""
    remove_stale_temporaries(opts.output)
    with deferred_signals():
        for f in sorted(files, key=lambda f: str(f.path)):
            write_output(f.path, f.data, f.pages, result)
            if f.fit is not None:  # the next build starts its search there
                result.fit[str(f.path.relative_to(opts.output))] = f.fit
        result.seconds = time.perf_counter() - t0
        for rel in plan.orphans:  # only files an earlier build wrote and listed in its manifest
            try:
                (opts.output / rel).unlink()
                result.removed.append(opts.output / rel)
            except OSError:
                pass
        write_manifest(opts, session.catalogue, result, plan.keys, plan.previous)


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
