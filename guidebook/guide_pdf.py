"""Writer: the full guide as one PDF (cover, contents, lists, every item, back cover)."""

from __future__ import annotations

TEMPLATE = "guide.html"


def html(session) -> str:
    doc = session.doc
    return session.renderer.html(TEMPLATE, doc=doc, meta=doc.meta, created=session.created())


def build(session) -> tuple[bytes, int]:
    r = session.renderer
    rendered = r.layout("guide", html(session), "guide.pdf")
    return r.pdf(rendered, "guide.pdf"), rendered.pages
