"""Command line: thin Typer commands that call the pipeline and print its diagnostics."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from guidebook.diagnostics import Diagnostic, GuidebookError, printable

app = typer.Typer(
    help="Turn a bureau's catalogue of services (source/) into a print-ready PDF guide, one-page "
    "handouts with QR codes, editable Word files and a web edition for phones (output/site/).\n\n"
    "Exit codes: 0 success, 1 data or build errors, 2 usage errors.",
    no_args_is_help=False,  # the callback prints the help (exit 0)
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": False}

SourceOpt = typer.Option(Path("source"), "--source", "-s", help="Catalogue folder.", show_default=True)
OutputOpt = typer.Option(Path("output"), "--output", help="Folder for generated files.", show_default=True)
LayoutsOpt = typer.Option(
    None, "--layouts", "-l",
    help="A layout folder searched before the default layout (repeatable): its files replace the default's.",
)
StyleOpt = typer.Option(None, "--style", help="A house style shipped under layouts/, e.g. gbt9704.")


def _chain(layouts: Optional[list[Path]], style: Optional[str]) -> list[Path]:
    """The override folders: --layouts first, then the --style folder (the default layout comes last)."""
    from guidebook.render import style_folder

    folders = list(layouts or [])
    if style:
        try:
            folders.append(style_folder(style))
        except GuidebookError as exc:
            raise typer.BadParameter(str(exc), param_hint="--style") from None
    return folders


def _color(text: str, fg: str) -> str:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    return typer.style(text, fg=fg, bold=True) if _colors() else text


def _colors() -> bool:
    import os

    return sys.stderr.isatty() and not os.environ.get("NO_COLOR")


def print_diagnostics(diags: list[Diagnostic]) -> None:
    colors = {"error": "red", "warning": "yellow", "note": "cyan"}
    for d in diags:
        line = d.format()
        if _colors():
            head, _, tail = line.partition(": ")
            line = _color(head + ":", colors[d.severity]) + " " + tail
        typer.echo(line, err=True)


def fail(exc: GuidebookError) -> None:
    """Print a user-facing error (no traceback unless --debug) and exit 1."""
    if exc.diagnostics:
        print_diagnostics(exc.diagnostics)
    typer.echo(_color("error:", "red") + f" {printable(str(exc))}", err=True)
    if _state["debug"]:
        raise exc
    raise typer.Exit(1)


def load(source: Path):
    from guidebook.catalogue import load_catalogue

    try:
        return load_catalogue(source)
    except GuidebookError as exc:
        fail(exc)


@app.callback(invoke_without_command=True)
def _main(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors (also accepted after the command)."),
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
) -> None:
    if version:
        from guidebook import __version__

        typer.echo(f"guidebook {__version__}")
        raise typer.Exit(0)
    _state["debug"] = debug
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)


@app.command()
def check(
    source: Path = SourceOpt,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    notes: bool = typer.Option(True, "--notes/--no-notes", help="Show recorded flags and corrections."),
) -> None:
    """Validate the catalogue and report every problem as file:line:col: field: message."""
    cat = load(source)
    shown = [d for d in cat.report.sorted() if notes or d.severity != "note"]
    print_diagnostics(shown)
    n_items, n_w = len(cat.items), len(cat.report.warnings)
    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    lists = ([count(len(cat.prohibited.groups), "prohibited group")] if cat.prohibited else []) + \
        ([count(len(cat.tolerated.entries), "tolerated entry").replace("entrys", "entries")] if cat.tolerated else [])
    typer.echo(
        f"{source}: {count(n_items, 'item')} in {count(len(cat.guide.categories), 'category').replace('categorys', 'categories')}, "
        + ", ".join([count(len(cat.windows.windows), "window"), *lists])
        + f"; {count(n_w, 'warning')}, {count(len(cat.report.notes), 'note')}",
        err=True,
    )
    from guidebook.catalogue.sections import elements_used

    used = elements_used(cat.items)
    if used:
        typer.echo("optional elements: " + ", ".join(f"{label} in {count(n, 'item')}" for label, n in used), err=True)
    if strict and n_w:
        typer.echo(_color("error:", "red") + " warnings are errors with --strict", err=True)
        raise typer.Exit(1)


@app.command()
def export(
    source: Path = SourceOpt,
    fmt: str = typer.Option("json", "--format", "-f", help="Output format (json)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="File to write; '-' or omitted: stdout."),
) -> None:
    """Write the validated catalogue as JSON (the contract for other tools)."""
    if fmt != "json":
        raise typer.BadParameter(f"unknown format {fmt!r}; only 'json' is supported", param_hint="--format")
    from guidebook.catalogue.exporting import catalogue_json

    cat = load(source)
    text = catalogue_json(cat)
    if out is None or str(out) == "-":
        sys.stdout.write(text)
    else:
        from guidebook.files import write_atomic

        write_atomic(out, text.encode("utf-8"))
        typer.echo(f"wrote {out}", err=True)


@app.command()
def init(
    folder: Path = typer.Argument(..., help="The new folder (it must not exist, or be empty)."),
    bureau: str = typer.Option("（请填写单位名称）", "--bureau", help="The bureau that publishes the guide, "
                               "e.g. 某市人力资源和社会保障局."),
    title: Optional[str] = typer.Option(None, "--title", help="The guide's title, e.g. 办事不找关系指南 "
                                        "(default: a plain title that the editor changes)."),
) -> None:
    """Start a catalogue for another bureau: guide.yaml, windows.yaml, one example item, the schemas and
    instructions in Chinese, ready for check, edit and build."""
    from guidebook.catalogue.starter import init as run_init

    try:
        written = run_init(folder, bureau, title) if title is not None else run_init(folder, bureau)
    except GuidebookError as exc:
        fail(exc)
        return
    typer.echo(f"wrote {len(written)} files into {folder}/; next: cd {folder} && guidebook check "
               f"(see {written[-1]})", err=True)


@app.command("import")
def import_guide(
    guide: Path = typer.Argument(..., help="The Word guide (.docx) to read."),
    to: Optional[Path] = typer.Option(None, "--to", help="The new folder (it must not exist, or be empty); the "
                                      "catalogue goes to its source/, the report to 导入报告.txt."),
    merge: Optional[Path] = typer.Option(None, "--merge", help="An existing catalogue folder: write nothing, "
                                         "print what differs from it, as `guidebook diff` does."),
    fmt: str = typer.Option("auto", "--format", "-f", help="docx (a Word guide), json (guidebook's own export, "
                            "or a platform's with GB/T 39046 element names), or auto: by the file's suffix."),
) -> None:
    """Read a Word 办事指南 (or a JSON export) into a new catalogue: items, their sections, materials,
    channels, windows and lists; what cannot be placed is kept as `unplaced` text that `check` lists."""
    import tempfile

    from guidebook.catalogue import importing, importing_json

    if (to is None) == (merge is None):
        raise typer.BadParameter("give --to NEW_FOLDER, or --merge EXISTING_CATALOGUE", param_hint="--to")
    kind = guide.suffix.lower().lstrip(".") if fmt == "auto" else fmt
    if kind not in ("docx", "json"):
        raise typer.BadParameter(f"unknown format {kind!r}; use docx or json", param_hint="--format")
    try:
        typer.echo(f"import: reading {guide}", err=True)
        if kind == "json":
            result = importing_json.import_json(guide)
        else:
            def told(items: int, per_cent: int) -> None:
                typer.echo(f"import: {items} items read ({per_cent} % of the document) …", err=True)

            result = importing.import_docx(guide, told)
        typer.echo(f"import: {len(result.items)} items" + (
            f", {len(result.placed)} paragraphs and cells placed, {len(result.unplaced)} unplaced, "
            f"{len(result.derived)} made by guidebook itself" if result.sources else ""), err=True)
        if merge is not None:
            from guidebook.outputs.diff_report import report

            with tempfile.TemporaryDirectory(prefix="guidebook-import-") as work:
                importing.write_import(result, Path(work) / "new", guide.name)
                text, _, _ = report(str(merge), str(Path(work) / "new" / "source"), merge, [], "text", False, _warn)
            sys.stdout.write(text)
            return
        written = importing.write_import(result, to, guide.name)
        cat = load(to / "source")
        print_diagnostics([d for d in cat.report.sorted() if d.severity == "warning"][:20])
    except GuidebookError as exc:
        fail(exc)
        return
    typer.echo(f"wrote {len(written)} files into {to}/; the report: {written[-1]}; next: cd {to} && "
               "guidebook check", err=True)


@app.command()
def schema(
    out: Path = typer.Option(Path("source/schema"), "--output", "-o", help="Folder for the *.schema.json files."),
) -> None:
    """Write JSON Schemas of the catalogue files, for editors that complete and check YAML."""
    from guidebook.catalogue.exporting import json_schemas
    from guidebook.files import write_atomic

    for name, data in json_schemas().items():
        path = out / f"{name}.schema.json"
        write_atomic(path, data.encode("utf-8"))
        typer.echo(f"wrote {path}", err=True)


@app.command("list")
def list_items(
    query: Optional[list[str]] = typer.Argument(
        None, help="What to look for: words (all must match), an item number (15), a category (三 or its name); "
        "a word that matches nowhere exactly may match a title by near spelling (失业金)."),
    source: Path = SourceOpt,
) -> None:
    """List items (number, category, title), best matches first, optionally only those matching QUERY."""
    from guidebook.catalogue.numbering import chinese_numeral
    from guidebook.catalogue.search import search

    cat = load(source)
    order = {c.name: i for i, c in enumerate(cat.guide.categories)}
    query = " ".join(query) if query else None
    hits = search(cat, query)
    for h in hits:
        it = h.item
        cat_label = f"{chinese_numeral(order[it.category] + 1)}、{it.category}"
        where = f"  [{', '.join(h.where)}]" if query else ""
        typer.echo(f"{it.number:>3}  {cat_label}  {it.title}{where}")
    if not hits:
        typer.echo(f"no item matches {query!r}", err=True)
        raise typer.Exit(1)


class _Progress:
    """Progress on stderr: one updating line on a terminal, plain lines otherwise."""

    def __init__(self, quiet: bool = False):
        self.tty = sys.stderr.isatty()
        self.quiet = quiet
        self.last = ""

    def __call__(self, message: str) -> None:
        if self.quiet:
            return
        if self.tty:
            sys.stderr.write("\r\033[K" + message)
            sys.stderr.flush()
        elif message.split(":")[0] != self.last.split(":")[0] or "/" not in message or "still working" in message:
            typer.echo(message, err=True)
        self.last = message

    def done(self) -> None:
        if self.tty and not self.quiet:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _warn(message: str) -> None:
    typer.echo(_color("warning:", "yellow") + " " + printable(message), err=True)


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _summary(result, output: Path) -> None:
    """The main files one by one, the per-item files counted by folder, then the totals."""
    total = sum(o.size for o in result.outputs)
    pdfs = [o for o in result.outputs if o.path.suffix == ".pdf"]
    per_item: dict[Path, int] = {}
    for o in result.outputs:
        site = next((p for p in o.path.parents if p.name == "site" and p.parent == output), None)
        if site is not None:
            per_item[site] = per_item.get(site, 0) + 1
            continue
        if o.path.name[:2].isdigit():
            per_item[o.path.parent] = per_item.get(o.path.parent, 0) + 1
            continue
        pages = f"{o.pages:>4} pages" if o.pages else " " * 10
        typer.echo(f"  {str(o.path):<44} {pages}  {_size(o.size):>8}", err=True)
    for folder, n in per_item.items():
        what = "files" if folder.name == "site" else "item files"
        typer.echo(f"  {str(folder) + '/':<44} {n:>4} {what}", err=True)
    reused = f"; {result.reused} up to date" if result.reused else ""
    for path in result.removed:
        typer.echo(f"  removed {path} (its item is no longer in the catalogue)", err=True)
    if result.foreign:
        shown = ", ".join(printable(str(p)) for p in result.foreign[:5]) + (" ..." if len(result.foreign) > 5 else "")
        _warn(f"{len(result.foreign)} file(s) in {output / 'site'}/ were not written by the build and are not part "
              f"of the web edition: {shown}. `guidebook publish DIR` leaves them out; do not copy the folder whole.")
    if not result.outputs:
        typer.echo(f"everything is up to date ({result.reused} files); nothing written in {result.seconds:.1f} s",
                   err=True)
        return
    n = len(result.outputs)
    typer.echo(f"wrote {n} file{'' if n == 1 else 's'} ({len(pdfs)} PDF, {_size(total)}){reused} in "
               f"{result.seconds:.1f} s", err=True)


@app.command()
def build(
    source: Path = SourceOpt,
    output: Path = OutputOpt,
    layouts: Optional[list[Path]] = LayoutsOpt,
    style: Optional[str] = StyleOpt,
    guide: Optional[bool] = typer.Option(
        None, "--guide/--no-guide", show_default=False,
        help="Write output/guide.pdf (and guide.docx). Default: yes, but not with --item or --category, which "
        "select handouts only."),
    handouts: bool = typer.Option(True, "--handouts/--no-handouts", help="Write the handouts, one PDF per item, into output/handouts/."),
    word: bool = typer.Option(True, "--word/--no-word", help="Write the .docx versions."),
    site: bool = typer.Option(True, "--site/--no-site", help="Write output/site/: the web edition (whole builds "
                              "only: not with --item or --category)."),
    category: Optional[str] = typer.Option(
        None, "--category", "-c", help="Only the handouts of this category: its number, its Chinese numeral or part of its name (3, 三, 失业)."),
    items: Optional[list[int]] = typer.Option(None, "--item", "-i", help="Only the handouts of this item (repeatable)."),
    changes_since: Optional[str] = typer.Option(
        None, "--changes-since", help="Add a 本版主要变化 page: changes since this folder or git revision. "
        "Default: the edition that guide.yaml's compare_with names (set by `edition new`)."),
    changes_page: bool = typer.Option(True, "--changes-page/--no-changes-page",
                                      help="Whether the guide has a 本版主要变化 page."),
    press: bool = typer.Option(False, "--print", help="Also write print/: the press PDF (3 mm bleed, crop marks, "
                               "pages padded to a multiple of 4) and the saddle-stitch imposition on A3 sheets."),
    archive: bool = typer.Option(False, "--archive", help="Also write archive/: the guide as PDF/A-2b and the "
                                 "handouts as tagged PDF/UA-1."),
    strict: bool = typer.Option(True, "--strict/--no-strict", help="Treat renderer warnings as errors."),
    force: bool = typer.Option(False, "--force", help="Render everything again, ignoring outputs that are up to date."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
) -> None:
    """Build the PDF guide, the one-page handouts, the Word files and the web edition from the catalogue.

    Only outputs whose inputs changed are rendered again (see --force); nothing is written unless every requested document renders.
    """
    from guidebook.pipeline import Options, build as run_build

    cat, cat_name = _selection(source, category, items) if category is not None or items else (None, None)
    if guide is None:
        guide = category is None and not items
    opts = Options(source=source, output=output, layouts=_chain(layouts, style), strict=strict, guide=guide,
                   handouts=handouts, word=word, items=list(items) if items else None, category=cat_name,
                   changes_since=changes_since, changes_page=changes_page, press=press, archive=archive,
                   force=force, site=site)
    progress = _Progress(quiet)
    try:
        result = run_build(opts, progress, _warn, cat)
    except GuidebookError as exc:
        progress.done()
        fail(exc)
        return
    progress.done()
    _summary(result, output)


def _selection(source: Path, category: str | None, items: list[int] | None):
    """The catalogue, and the name of the category `--category` means; an unknown category or item number
    is a usage error."""
    from guidebook.catalogue.numbering import parse_category

    cat, cat_name = load(source), None
    names = [c.name for c in cat.guide.categories]
    if category is not None:
        cat_name = parse_category(category, names)
        if cat_name is None:
            raise typer.BadParameter(
                f"no category matches {category!r}; categories: "
                + ", ".join(f"{i}={n}" for i, n in enumerate(names, 1)), param_hint="--category")
    numbers = {it.number for it in cat.items}
    unknown = sorted(set(items or []) - numbers)
    if unknown:  # the same kind of mistake as an unknown category: a usage error
        raise typer.BadParameter(f"no item numbered {', '.join(map(str, unknown))}; items are "
                                 f"{min(numbers)}-{max(numbers)}", param_hint="--item")
    return cat, cat_name


def _handout_numbers(cat, targets: list[str] | None, category: str | None) -> list[int]:
    """The items named on the command line, resolved as `guidebook list` resolves a query."""
    from guidebook.catalogue.numbering import parse_category
    from guidebook.catalogue.search import resolve

    numbers: list[int] = []
    for t in targets or []:
        found = resolve(cat, t)
        if len(found) != 1:
            if t.strip().isdigit():
                raise typer.BadParameter(f"no item numbered {t}", param_hint="TARGETS")
            names = "; ".join(f"{it.number} {it.title}" for it in found[:6])
            raise typer.BadParameter(f"{t!r} names {len(found)} items" + (f": {names}" if found else ""),
                                     param_hint="TARGETS")
        numbers.append(found[0].number)
    if category is not None:
        name = parse_category(category, [c.name for c in cat.guide.categories])
        if name is None:
            raise typer.BadParameter(f"no category matches {category!r}", param_hint="--category")
        numbers += [it.number for it in cat.items if it.category == name]
    if not numbers:
        raise typer.BadParameter("name the items: numbers, a title, or --category", param_hint="TARGETS")
    return numbers


@app.command()
def handout(
    targets: Optional[list[str]] = typer.Argument(
        None, help="Items: numbers (14 15) or a title, or part of one that names a single item (失业保险金申领)."),
    category: Optional[str] = typer.Option(None, "--category", "-c", help="All handouts of a category: 三, 3 or its name."),
    source: Path = SourceOpt,
    output: Path = OutputOpt,
    layouts: Optional[list[Path]] = LayoutsOpt,
    style: Optional[str] = StyleOpt,
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="One file for all of them (one print job); '-' writes the PDF to stdout "
        "(e.g. | lp). Default: each to output/handouts/NN-title.pdf."),
) -> None:
    """Handouts for the window: one or several items' one-page handouts, from the last build when it is
    up to date (nothing is rendered then), and print where they were written."""
    from guidebook.pipeline import Options, Session, build as run_build
    from guidebook.files import write_atomic
    from guidebook.outputs import handouts as h

    cat = load(source)
    numbers = _handout_numbers(cat, targets, category)
    if out is not None and str(out) == "-" and sys.stdout.isatty():
        raise typer.BadParameter("refusing to write a PDF to a terminal: redirect it (> handout.pdf) or pipe it "
                                 "(| lp)", param_hint="--out")
    opts = Options(source=source, output=output, layouts=_chain(layouts, style),
                   items=list(dict.fromkeys(numbers)), guide=False, word=False, site=False)
    try:  # the build's own handouts: those up to date are not rendered again; with -o, output/ is only read
        result = run_build(opts, warn=_warn, catalogue=cat, write=out is None)
        files = [p for p in result.wanted if p.suffix == ".pdf"]
        if out is None:
            typer.echo("\n".join(map(str, files)))
            return
        pdfs = [result.made.get(p) or p.read_bytes() for p in files]
        # one print job: one copy of each face, as all-handouts.pdf has
        data = pdfs[0] if len(pdfs) == 1 else h.combine_files(Session(opts, warn=_warn, catalogue=cat), pdfs)
        if str(out) == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        write_atomic(out, data)
        typer.echo(str(out))
    except GuidebookError as exc:
        fail(exc)


@app.command()
def diff(
    old: str = typer.Argument(..., help="The old catalogue: a folder, or a git revision (HEAD~3, a tag ...)."),
    new: Optional[str] = typer.Argument(None, help="The new catalogue (folder or revision); default: --source."),
    source: Path = SourceOpt,
    layouts: Optional[list[Path]] = LayoutsOpt,
    style: Optional[str] = StyleOpt,
    fmt: str = typer.Option("text", "--format", "-f", help="text (terminal), md, json or html."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="File to write instead of stdout."),
    pdf: Optional[Path] = typer.Option(None, "--pdf", help="Also render the report as a PDF for sign-off."),
    exit_code: bool = typer.Option(False, "--exit-code", help="Exit with 1 when there are changes, 0 when there "
                                   "are none (like git diff --exit-code)."),
) -> None:
    """Show what changed between two editions of the catalogue, item by item and field by field."""
    from guidebook.files import write_atomic
    from guidebook.outputs.diff_report import FORMATS, report

    if fmt not in FORMATS:
        raise typer.BadParameter(f"unknown format {fmt!r}; use text, md, json or html", param_hint="--format")
    try:
        text, data, changed = report(old, new, source, _chain(layouts, style), fmt, pdf is not None, _warn)
        if pdf and data is not None:
            write_atomic(pdf, data)
            typer.echo(f"wrote {pdf}", err=True)
    except GuidebookError as exc:
        fail(exc)
        return
    if out and str(out) != "-":
        write_atomic(out, text.encode("utf-8"))
        typer.echo(f"wrote {out}", err=True)
    else:
        sys.stdout.write(text)
    if exit_code and changed:
        raise typer.Exit(1)


@app.command()
def publish(
    target: Optional[Path] = typer.Argument(None, help="The web server's folder to copy the web edition into "
                                            "(made if missing)."),
    output: Path = OutputOpt,
    delete: bool = typer.Option(False, "--delete", help="Also remove files of TARGET that are not part of this "
                                "edition (an earlier edition's pages)."),
    list_only: bool = typer.Option(False, "--list", help="Print the edition's files (paths inside output/site/), "
                                   "one per line, and copy nothing: for `rsync --files-from=-`."),
) -> None:
    """Copy exactly the web edition the last build wrote (output/site/, as its manifest lists it) to TARGET.

    Files in output/site/ that the build did not write are left out; a file changed since the build is refused.

    With rsync instead: guidebook publish --list | rsync -a --files-from=- output/site/ HOST:DIR/
    """
    from guidebook.pipeline.publish import publish as run_publish, site_files

    try:
        if list_only:
            sys.stdout.write("".join(f"{rel}\n" for rel in sorted(site_files(output))))
            return
        if target is None:
            raise typer.BadParameter("name the folder to publish into (or use --list)", param_hint="TARGET")
        result = run_publish(output, target, delete=delete)
    except GuidebookError as exc:
        fail(exc)
        return
    for path in result.foreign:
        _warn(f"left out {printable(str(path))}: the build did not write it")
    kept = "" if delete or not result.extra else (f"; {len(result.extra)} other file(s) in {target} kept "
                                                  f"(--delete removes them)")
    removed = f"; removed {len(result.removed)} file(s) not in this edition" if result.removed else ""
    typer.echo(f"published {len(result.copied) + result.unchanged} files to {target} ({len(result.copied)} copied, "
               f"{result.unchanged} already the same){removed}{kept}", err=True)


@app.command()
def edit(
    source: Path = SourceOpt,
    layouts: Optional[list[Path]] = LayoutsOpt,
    style: Optional[str] = StyleOpt,
    port: int = typer.Option(8001, "--port", "-p", min=0, max=65535, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Anything but 127.0.0.1 or "
                             "localhost makes the editor reachable from other machines: it then needs --token."),
    token: Optional[str] = typer.Option(None, "--token", help="The access token (default: a new random one). "
                                        "Required with --host: give it only to the people who may edit."),
    commit: bool = typer.Option(False, "--commit", help="Make each save a git commit naming the item and the "
                                "fields changed (when source/ is in a git repository)."),
) -> None:
    """Edit the catalogue in a browser: forms with the same checks as `check`, a live handout preview, safe saves."""
    from guidebook.serve.editor.app import Settings, serve

    if host not in ("127.0.0.1", "localhost") and not token:
        raise typer.BadParameter("listening on another address than 127.0.0.1 needs an explicit --token",
                                 param_hint="--host")
    if token is not None and len(token) < 12:
        raise typer.BadParameter("a token needs at least 12 characters", param_hint="--token")
    settings = Settings(source=source, host=host, port=port, commit=commit, layouts=_chain(layouts, style))
    if token:
        settings.token = token
    try:
        serve(settings, lambda m: typer.echo(m, err=True))
    except GuidebookError as exc:
        fail(exc)
    except OSError as exc:
        fail(GuidebookError(f"cannot listen on {host}:{port}: {exc.strerror or exc}"))


@app.command()
def preview(
    source: Path = SourceOpt,
    layouts: Optional[list[Path]] = LayoutsOpt,
    style: Optional[str] = StyleOpt,
    port: int = typer.Option(8000, "--port", "-p", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
) -> None:
    """Serve the guide and every handout as HTML, rebuilt and reloaded in the browser after each change."""
    from guidebook.pipeline import Options
    from guidebook.files import Interrupted
    from guidebook.serve.preview import serve

    opts = Options(source=source, layouts=_chain(layouts, style))
    try:
        serve(opts, host, port, lambda m: typer.echo(m, err=True), _warn)
    except OSError as exc:
        fail(GuidebookError(f"cannot listen on {host}:{port}: {exc.strerror or exc}"))
    except (KeyboardInterrupt, Interrupted):
        typer.echo("preview stopped", err=True)


layouts_app = typer.Typer(help="Layout folders: which file each template comes from; start an override.",
                          no_args_is_help=True)
app.add_typer(layouts_app, name="layouts")


@layouts_app.command("list")
def layouts_list(layouts: Optional[list[Path]] = LayoutsOpt, style: Optional[str] = StyleOpt) -> None:
    """Show, for every template, stylesheet and settings file, the folder it is taken from."""
    from guidebook.render import DEFAULT_LAYOUT, STACKED, layout_chain, layout_files, stylesheet_files

    try:
        chain = layout_chain(_chain(layouts, style))
    except GuidebookError as exc:
        fail(exc)
        return
    for name in layout_files():
        if name in STACKED:  # every folder's copy is used, the default's first
            files = stylesheet_files(chain, name)
            typer.echo(f"{name:<16} " + " + ".join(str(p) for p in files) + ("  (stacked)" if len(files) > 1 else ""))
            continue
        origin = next((d for d in chain if (d / name).is_file()), None)
        mark = "" if origin is None or origin.resolve() == DEFAULT_LAYOUT.resolve() else "  (override)"
        typer.echo(f"{name:<16} {origin / name if origin else 'MISSING'}{mark}")


@layouts_app.command("copy")
def layouts_copy(
    name: str = typer.Argument(..., help="A file of the default layout, e.g. theme.css or handout.html."),
    to: Path = typer.Option(..., "--to", help="Your layout folder (created if needed); use it with --layouts."),
    force: bool = typer.Option(False, "--force", help="Overwrite a file that is already there."),
    block: Optional[str] = typer.Option(None, "--block", help="For a template: write a stub that extends the "
                                        "default and overrides just this block (e.g. handout_header)."),
) -> None:
    """Copy a file of the default layout into your layout folder, to start an override from it."""
    from guidebook.files import write_atomic
    from guidebook.render import DEFAULT_LAYOUT, layout_files, template_blocks

    if name not in layout_files():
        raise typer.BadParameter(f"{name!r} is not a layout file; files: {', '.join(layout_files())}",
                                 param_hint="NAME")
    if to.exists() and not to.is_dir():
        fail(GuidebookError(f"{to} is a file, not a layout folder"))
    dest = to / name
    if dest.exists() and not force:
        fail(GuidebookError(f"{dest} already exists (use --force to overwrite it)"))
    source = (DEFAULT_LAYOUT / name).read_bytes()
    if block is not None:
        blocks = template_blocks((DEFAULT_LAYOUT / name).read_text("utf-8")) if name.endswith(".html") else {}
        if block not in blocks:
            raise typer.BadParameter(f"{name} has no block {block!r}; blocks: {', '.join(blocks) or 'none'}",
                                     param_hint="--block")
        source = (f"{{# Overrides only the block {block} of the default {name}; the rest stays the default's. #}}\n"
                  f'{{% extends "default/{name}" %}}\n{{% block {block} %}}{blocks[block]}{{% endblock %}}\n'
                  ).encode("utf-8")
    to.mkdir(parents=True, exist_ok=True)
    write_atomic(dest, source)
    what = f"the block {block} of {DEFAULT_LAYOUT / name}" if block else str(DEFAULT_LAYOUT / name)
    typer.echo(f"copied {what} to {dest}; build with --layouts {to}", err=True)


edition_app = typer.Typer(help="Yearly editions of the catalogue.", no_args_is_help=True)
app.add_typer(edition_app, name="edition")


@edition_app.command("new")
def edition_new(
    year: int = typer.Argument(..., help="The new edition's year, e.g. 2027."),
    source: Path = SourceOpt,
    date: Optional[str] = typer.Option(None, "--date", help="Edition date (YYYY-MM-DD); default: today."),
) -> None:
    """Start a new edition: archive the current catalogue under editions/<year>/, bump the year and date."""
    import datetime as dt

    from guidebook.editions.archive import new_edition

    try:
        when = dt.date.fromisoformat(date) if date else None
    except ValueError:
        raise typer.BadParameter(f"not a date: {date!r} (use YYYY-MM-DD)", param_hint="--date") from None
    try:
        archive, old = new_edition(source, year, when)
    except GuidebookError as exc:
        fail(exc)
        return
    typer.echo(f"archived edition {old} as {archive}", err=True)
    typer.echo(f"{source}/guide.yaml: edition {year}", err=True)
    typer.echo(f"next: edit {source}/, review with `guidebook diff {archive}`, then "
               f"`guidebook build --changes-since {archive}` adds a 本版主要变化 page", err=True)


fonts_app = typer.Typer(help="Fonts of the layout: which faces are used, and set-up for word processors.",
                        no_args_is_help=True)
app.add_typer(fonts_app, name="fonts")


@fonts_app.command("list")
def fonts_list(layouts: Optional[list[Path]] = LayoutsOpt, style: Optional[str] = StyleOpt) -> None:
    """Show the font family and file fontconfig resolves for each role of fonts.toml."""
    from guidebook.render import fonts
    from guidebook.render import layout_chain

    try:
        roles, warnings = fonts.resolve(layout_chain(_chain(layouts, style)))
    except GuidebookError as exc:
        fail(exc)
        return
    for w in warnings:
        _warn(w)
    for role in roles:
        for face in role.faces:
            typer.echo(f"{role.name:<10} {face.weight}  {face.family:<22} {face.file}:{face.index}")


@fonts_app.command("install")
def fonts_install(layouts: Optional[list[Path]] = LayoutsOpt, style: Optional[str] = StyleOpt) -> None:
    """Install one-face copies of the layout's CJK faces so word processors name them correctly.

    LibreOffice labels text set in a Noto CJK collection face "jp" (the collection's shared CFF name)
    even for Simplified Chinese. The copies carry their own names; run once per machine (set-up does).
    """
    from guidebook.render import fonts
    from guidebook.render import layout_chain

    try:
        roles, _ = fonts.resolve(layout_chain(_chain(layouts, style)))
        written = fonts.install_single_faces(roles)
    except GuidebookError as exc:
        fail(exc)
        return
    except OSError as exc:
        fail(GuidebookError(f"cannot install fonts into {fonts.face_install_dir()}: {exc.strerror or exc}"))
        return
    for p in written:
        typer.echo(f"installed {p}", err=True)
    if not written:
        typer.echo(f"fonts already installed in {fonts.face_install_dir()}", err=True)


def _debug_first(argv: list[str]) -> list[str]:
    """`--debug` is a global option: accept it after the command too (`guidebook build --debug`)."""
    end = argv.index("--") if "--" in argv else len(argv)
    if "--debug" in argv[1:end]:
        argv = ["--debug", *[a for a in argv[:end] if a != "--debug"], *argv[end:]]
    return argv


def _other_folder() -> str | None:
    """When the command runs in a copy of the guidebook project whose set-up still runs another folder's
    code and default layouts (a .venv copied along, an editable install of the old folder): what to do."""
    here = Path.cwd()
    if not ((here / "guidebook" / "cli.py").is_file() and (here / "pyproject.toml").is_file()):
        return None
    ours = Path(__file__).resolve().parents[1]
    try:
        if here.resolve() == ours:
            return None
    except OSError:
        return None
    return (f"this guidebook runs the code and default layouts of {ours}, not of this folder ({here.resolve()}); "
            f"run `make build` here to give this copy its own set-up")


def _plain_flags(command) -> None:
    """Flags without Typer's `<bool>` after them in --help: a flag takes no value, so it shows none."""
    try:  # --help itself is made on first use; make it now (click caches it) to quiet it too
        help_option = command.get_help_option(command.context_class(command, help_option_names=["-h", "--help"]))
        if help_option is not None:
            help_option.metavar = ""
    except Exception:  # another Typer: the help keeps its <bool>, nothing else changes
        pass
    for param in command.params:
        if getattr(param, "is_flag", False):  # typer's options are not click.Option subclasses
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        _plain_flags(sub)


def main() -> None:
    from guidebook.files import Interrupted, interrupts_raised

    try:
        with interrupts_raised():
            other = _other_folder()
            if other:
                _warn(other)
            command = typer.main.get_command(app)
            _plain_flags(command)
            command(args=_debug_first(sys.argv[1:]), prog_name="guidebook")
    except GuidebookError as exc:  # raised outside a command's own handling
        if _state["debug"]:
            raise
        print_diagnostics(exc.diagnostics)
        typer.echo(f"error: {printable(str(exc))}", err=True)
        sys.exit(1)
    except Interrupted as exc:  # Ctrl-C or SIGTERM: one line, the conventional exit code
        typer.echo(exc.message, err=True)
        sys.exit(exc.code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug, not a user's mistake: say so, without a wall of traceback
        if _state["debug"]:
            raise
        typer.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in guidebook; run again with --debug to see the traceback.", err=True)
        sys.exit(1)


def run() -> None:
    """The `guidebook` command: main(), then leave without the interpreter's teardown.

    Everything a command writes is closed when main() returns (outputs are written atomically, the
    worker pool is joined), so what is left is freeing objects one by one: about 0.13 s after a build,
    a twentieth of rebuilding after an edit. Tests call main() and keep their interpreter."""
    import os

    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is not None and not isinstance(exc.code, int):
            raise  # a message to print: the normal way
        code = exc.code or 0
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # e.g. a closed pipe: let the interpreter report it as usual
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":
    main()
