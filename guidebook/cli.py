"""Command line: thin Typer commands that call the pipeline and print its diagnostics."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from guidebook.diagnostics import Diagnostic, GuidebookError

app = typer.Typer(
    help="Turn a bureau's catalogue of services (source/) into a print-ready PDF guide, one-page "
    "handouts with QR codes, and editable Word files.\n\n"
    "Exit codes: 0 success, 1 data or build errors, 2 usage errors.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": False}

SourceOpt = typer.Option(Path("source"), "--source", "-s", help="Catalogue folder.", show_default=True)
OutputOpt = typer.Option(Path("output"), "--output", help="Folder for generated files.", show_default=True)
LayoutsOpt = typer.Option(
    None, "--layouts", "-l",
    help="Layout folder placed in front of the defaults (repeatable; default: ./layouts if it exists).",
)


def _color(text: str, fg: str) -> str:
    return typer.style(text, fg=fg, bold=True) if sys.stderr.isatty() else text


def print_diagnostics(diags: list[Diagnostic]) -> None:
    colors = {"error": "red", "warning": "yellow", "note": "cyan"}
    for d in diags:
        line = d.format()
        if sys.stderr.isatty():
            head, _, tail = line.partition(": ")
            line = _color(head + ":", colors[d.severity]) + " " + tail
        typer.echo(line, err=True)


def fail(exc: GuidebookError) -> None:
    """Print a user-facing error (no traceback unless --debug) and exit 1."""
    if exc.diagnostics:
        print_diagnostics(exc.diagnostics)
    typer.echo(_color("error:", "red") + f" {exc}", err=True)
    if _state["debug"]:
        raise exc
    raise typer.Exit(1)


def load(source: Path):
    from guidebook.catalogue import load_catalogue

    try:
        return load_catalogue(source)
    except GuidebookError as exc:
        fail(exc)


@app.callback()
def _main(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
) -> None:
    if version:
        from guidebook import __version__

        typer.echo(f"guidebook {__version__}")
        raise typer.Exit(0)
    _state["debug"] = debug


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
    typer.echo(
        f"{source}: {n_items} items in {len(cat.guide.categories)} categories, "
        f"{len(cat.windows.windows)} windows, {len(cat.prohibited.groups)} prohibited groups, "
        f"{len(cat.tolerated.entries)} tolerated entries; "
        f"{n_w} warning{'s' if n_w != 1 else ''}, {len(cat.report.notes)} notes",
        err=True,
    )
    if strict and n_w:
        typer.echo(_color("error:", "red") + " warnings are errors with --strict", err=True)
        raise typer.Exit(1)


@app.command()
def export(
    source: Path = SourceOpt,
    fmt: str = typer.Option("json", "--format", "-f", help="Output format (json)."),
    out: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write; '-' or omitted: stdout."),
) -> None:
    """Write the validated catalogue as JSON (the contract for other tools)."""
    if fmt != "json":
        raise typer.BadParameter(f"unknown format {fmt!r}; only 'json' is supported", param_hint="--format")
    from guidebook.exporting import catalogue_json

    cat = load(source)
    text = catalogue_json(cat)
    if out is None or str(out) == "-":
        sys.stdout.write(text)
    else:
        from guidebook.files import write_atomic

        write_atomic(out, text.encode("utf-8"))
        typer.echo(f"wrote {out}", err=True)


@app.command()
def schema(
    out: Path = typer.Option(Path("source/schema"), "--output", "-o", help="Folder for the *.schema.json files."),
) -> None:
    """Write JSON Schemas of the catalogue files, for editors that complete and check YAML."""
    from guidebook.exporting import json_schemas
    from guidebook.files import write_atomic

    for name, data in json_schemas().items():
        path = out / f"{name}.schema.json"
        write_atomic(path, data.encode("utf-8"))
        typer.echo(f"wrote {path}", err=True)


@app.command("list")
def list_items(
    query: Optional[str] = typer.Argument(None, help="Keyword(s) to look for in titles, categories, materials and channels."),
    source: Path = SourceOpt,
) -> None:
    """List items (number, category, title), optionally only those matching a keyword."""
    from guidebook.numbering import chinese_numeral
    from guidebook.search import search

    cat = load(source)
    order = {c.name: i for i, c in enumerate(cat.guide.categories)}
    hits = search(cat, query)
    for h in hits:
        it = h.item
        cat_label = f"{chinese_numeral(order[it.category] + 1)}、{it.category}"
        where = f"  [{', '.join(h.where)}]" if query else ""
        typer.echo(f"{it.number:>3}  {cat_label}  {it.title}{where}")
    if not hits:
        typer.echo(f"no item matches {query!r}", err=True)
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except GuidebookError as exc:  # raised outside a command's own handling
        print_diagnostics(exc.diagnostics)
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
