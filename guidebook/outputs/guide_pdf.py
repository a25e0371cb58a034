"""Writer: the full guide as one PDF (cover, contents, lists, every item, back cover)."""

from __future__ import annotations

TEMPLATE = "guide.html"


def html(session) -> str:
    doc = session.doc
    from guidebook.outputs.html import HtmlWriter

    r = session.renderer
    return r.html(TEMPLATE, tree=session.doc, meta=doc.meta, created=session.created(), html=HtmlWriter(r))


def layout(session, kind: str = "guide"):
    """The guide laid out (kind "guide-press" adds the print stylesheet)."""
    return session.renderer.layout(kind, html(session), f"{kind}.pdf")
