"""Writer: the change report between two catalogues (text, Markdown, JSON, HTML, and a PDF for sign-off)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from guidebook.catalogue import labels as L
from guidebook.document.nodes import text_of
from guidebook.document.build import change_report
from guidebook.editions import diffing

FORMATS = ("text", "md", "json", "html")


def report(old: str, new: str | None, source: Path, layouts: list[Path], fmt: str, pdf: bool,
           warn=lambda m: None) -> tuple[str, bytes | None, int]:
    """The report in `fmt`, its PDF when asked for, and the number of changes. `old`/`new` are folders
    or git revisions."""
    with tempfile.TemporaryDirectory(prefix="guidebook-diff-") as work:
        old_cat, new_cat = diffing.load_pair(old, new, source, Path(work))
    changes = diffing.diff_catalogues(old_cat, new_cat)
    new_name = new or str(source)
    html, data = "", None
    rows = diffing.change_rows(changes)
    tree = change_report(rows) if fmt != "json" or pdf else []  # json is written from the changes themselves
    if fmt == "html" or pdf:
        from guidebook.document.build import build_document
        from guidebook.outputs.html import HtmlWriter
        from guidebook.render import Renderer, charset, layout_chain

        chain = layout_chain(layouts)
        renderer = Renderer(layouts, charset(new_cat, chain) + charset(old_cat, chain), warn=warn)
        html = renderer.html("diff.html", meta=build_document(new_cat).meta, created=None, rows=rows,
                             report=tree, html=HtmlWriter(renderer), old_name=old, new_name=new_name)
        if pdf:
            data = renderer.pdf(renderer.layout("diff", html, "change report"), "change report")
    if fmt == "html":
        text = html
    elif fmt == "json":
        text = diffing.as_json(changes, old, new_name)
    elif fmt == "md":
        text = as_markdown(tree, len(rows), old, new_name)
    else:
        text = as_text(tree, len(rows), old, new_name, width=shutil.get_terminal_size((120, 40)).columns)
    return text, data, len(changes)


# Writers of the report's tree (guidebook.document.build.change_report) for the terminal and Markdown. A
# span of a cell is the field's path or a phone's note: Markdown puts a path in brackets after its label,
# the terminal puts each span on a line of its own.


def _md_cell(cell) -> str:
    text = "".join(f"（{text_of(n.content)}）" if getattr(n, "role", "") == "path" else text_of([n])
                   for n in cell.content)
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(tree: list, count: int, old_name: str, new_name: str) -> str:
    lines = [f"# {L.CHANGES}：{old_name} → {new_name}", "", L.CHANGE_COUNT.format(n=count) + "。", ""]
    for block in tree:
        heading, table = block.children
        lines += [f"## {text_of(heading.content)}", "", "| " + " | ".join(c.label for c in table.columns) + " |",
                  "| " + " | ".join("---" for _ in table.columns) + " |"]
        lines += ["| " + " | ".join(_md_cell(c) for c in row.cells) + " |" for row in table.rows]
        lines.append("")
    return "\n".join(lines)


def as_text(tree: list, count: int, old_name: str, new_name: str, width: int | None = None) -> str:
    """A terminal report: grouped by item, old and new side by side (CJK-aware widths)."""
    import io

    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    console = Console(file=buf, width=width or 120, force_terminal=False, color_system=None)
    console.print(f"{old_name} → {new_name}：" + L.CHANGE_COUNT.format(n=count), soft_wrap=True)
    for block in tree:
        heading, table = block.children
        out = Table(title=text_of(heading.content), title_justify="left", show_lines=True, expand=True)
        for i, column in enumerate(table.columns):  # the kind never wraps; old and new take the room
            out.add_column(column.label, no_wrap=i == 0, ratio=None if i == 0 else int(column.width // 16) or 1,
                           overflow="fold")
        for row in table.rows:
            out.add_row(*("\n".join(text_of([n]) for n in cell.content) for cell in row.cells))
        console.print(out)
    return buf.getvalue()
