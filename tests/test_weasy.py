"""WeasyPrint's internals are used in one module, each checked against the version, with a fallback or a
clear message on another version."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from guidebook.render import weasy
from guidebook.diagnostics import GuidebookError


def test_on_another_version_a_parsed_tree_is_laid_out_through_the_public_api(session, monkeypatch):
    import xml.etree.ElementTree as ET

    from guidebook.outputs import handouts

    it = session.doc.items[14]
    html = handouts.html(session, it, 0)
    import tinyhtml5

    root = tinyhtml5.parse(html, namespace_html_elements=False)
    fast = session.renderer.layout_tree("handout", root)
    monkeypatch.setattr(weasy, "internals_ok", lambda: False)
    public = session.renderer.layout_tree("handout", root)
    assert len(fast.pages) == len(public.pages) == 1
    assert ET.tostring(root)  # the tree is untouched by either way


def test_missing_internals_give_a_clear_message(monkeypatch):
    monkeypatch.setattr(weasy, "version", lambda: "99.0")
    with pytest.raises(GuidebookError, match=r"WeasyPrint 99.0 is installed, but measuring laid-out pages needs "
                                             r"WeasyPrint 70"):
        weasy.page_box(SimpleNamespace())
    assert not weasy.internals_ok()


SVG_RUNS = """<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200">
<text x="200" y="30" text-anchor="middle">受理审核 15 个工作日</text>
<text x="10" y="70"><tspan font-weight="bold">窗口办：</tspan>携带材料到大厅</text>
<text x="10" y="110" dx="0 6 6 6">逐字定位</text>
<text x="10" y="150" letter-spacing="4">字间距</text>
<text x="10" y="190">AVAV</text>
</svg>"""


def _svg_pdf(session) -> bytes:
    import base64

    r = session.renderer
    data = base64.b64encode(SVG_RUNS.encode()).decode()
    html = f'<html><body><img style="width: 400px" src="data:image/svg+xml;base64,{data}"></body></html>'
    return r.pdf(r.layout("handout", html, "svg text"), "svg text", uncompressed_pdf=True)


def _chars(pdf: bytes) -> list[tuple[str, float, float]]:
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(pdf)[0]
    text = page.get_textpage()
    out = []
    for i in range(text.count_chars()):
        ch = text.get_text_range(i, 1)
        if ch.strip():
            left, bottom, _, _ = text.get_charbox(i)
            out.append((ch, left, bottom))
    return out


def test_svg_text_runs_are_drawn_once_where_their_characters_would_be(session, monkeypatch):
    """A run that places no character on its own is laid out and drawn once, each character where
    WeasyPrint's per-character drawing puts it; runs with dx or letter-spacing keep that drawing."""
    import re

    import weasyprint.svg as svg_module

    session.renderer  # installs the shim
    shim = svg_module.TAGS["text"]
    assert getattr(shim, "_guidebook_runs", False)
    as_runs = _svg_pdf(session)
    original = shim._guidebook_original
    for tag, draw in list(svg_module.TAGS.items()):
        if draw is shim:
            monkeypatch.setitem(svg_module.TAGS, tag, original)
    monkeypatch.setattr(svg_module, "text", original)
    per_character = _svg_pdf(session)

    runs, chars = _chars(as_runs), _chars(per_character)
    assert "".join(c for c, _, _ in runs) == "".join(c for c, _, _ in chars) == \
        "受理审核15个工作日窗口办：携带材料到大厅逐字定位字间距AVAV"
    for (c, x1, y1), (_, x2, y2) in zip(runs[:-4], chars[:-4]):
        assert abs(x1 - x2) < 0.05 and abs(y1 - y2) < 0.05, (c, x1, x2)
    # shaped as one run, as the document's own text is: a kerned pair sits closer, never further apart
    assert abs(runs[-4][1] - chars[-4][1]) < 0.05 and runs[-1][1] < chars[-1][1] - 0.5
    # text placements (a text matrix each): one per run (the centred run, the bold tspan, the rest of its
    # line, AVAV) against one per character drawn; dx and letter-spacing runs are placed per character
    # either way
    placed = [len(re.findall(rb" Tm\n", pdf)) for pdf in (as_runs, per_character)]
    assert placed == [4 + 4 + 3, len(chars)] and len(chars) == 32
