"""Writer: the change report between two catalogues (text, Markdown, JSON, HTML, and a PDF for sign-off)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

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
    if fmt == "html" or pdf:
        from guidebook.document.model import build_document
        from guidebook.render import Renderer, charset, layout_chain

        chain = layout_chain(layouts)
        renderer = Renderer(layouts, charset(new_cat, chain) + charset(old_cat, chain), warn=warn)
        rows = diffing.change_rows(changes)
        groups: dict = {}
        for r in rows:
            groups.setdefault(r.scope, []).append(r)
        html = renderer.html("diff.html", meta=build_document(new_cat).meta, created=None,
                             rows=rows, groups=list(groups.items()), old_name=old, new_name=new_name)
        if pdf:
            data = renderer.pdf(renderer.layout("diff", html, "change report"), "change report")
    if fmt == "html":
        text = html
    elif fmt == "json":
        text = diffing.as_json(changes, old, new_name)
    elif fmt == "md":
        text = diffing.as_markdown(changes, old, new_name)
    else:
        text = diffing.as_text(changes, old, new_name, width=shutil.get_terminal_size((120, 40)).columns)
    return text, data, len(changes)
