"""WeasyPrint's internals are used in one module, each checked against the version, with a fallback or a
clear message on another version."""
from __future__ import annotations

from guidebook.render import weasy


def test_on_another_version_a_parsed_tree_is_laid_out_through_the_public_api(session, monkeypatch):
    import xml.etree.ElementTree as ET

    from guidebook.outputs import handouts

    it = session.doc.items[14]
    html = handouts.html(session, it, 0)
    import tinyhtml5

    root = tinyhtml5.parse(html, namespace_html_elements=False)
    before = ET.tostring(root)
    fast = session.renderer.layout_tree("handout", root)
    monkeypatch.setitem(weasy._FITS, "parsed trees", False)
    public = session.renderer.layout_tree("handout", root)
    assert len(fast.pages) == len(public.pages) == 1
    assert ET.tostring(root) == before  # neither way changes the tree it is given
    assert [p.width for p in fast.pages] == [p.width for p in public.pages]


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


STYLED = """<html lang="zh"><head><style>
:root { --gap: 3mm; }
body { font-size: 12pt; color: #123456; text-decoration: underline; }
.logical { margin-inline-start: 7mm; padding-inline-end: 2mm; inline-size: 50mm; border-block-start: 1pt solid red; }
.var { margin-top: var(--gap); width: calc(100% - 10mm); line-height: inherit; }
.float { float: right; width: 20mm; }
.abs { position: absolute; top: 5mm; display: block; }
.page { page: wide; }
li::marker { color: red; }
p::before { content: "【"; } p::after { content: "】"; }
.fn { float: footnote; }
.anchored::before { content: "锚"; -weasy-anchor: "mark"; }
@page { size: A5; @bottom-center { content: counter(page); } }
@page wide { size: A5 landscape; }
</style></head><body>
<div class="logical">甲</div><div class="var">乙<em>强调</em></div><div class="float">丙</div><span class="abs">丁</span>
<ol><li>一</li><li>二</li></ol><p>段落<span class="fn">脚注</span></p><h2 id="a1" class="anchored">标题</h2>
<div class="page">横页</div>
</body></html>"""


def _styled(session):
    """The boxes of STYLED laid out (kind, place, size and every computed property; anchors on the page
    after them) and its PDF."""
    import weasyprint
    from weasyprint.css.computed_values import PHYSICAL_FUNCTIONS
    from weasyprint.css.properties import INITIAL_VALUES

    session.renderer  # installs the shims
    # logical properties are read through their physical twins (WeasyPrint cannot compute them directly)
    logical = {f(block="ttb", inline=d) for f in PHYSICAL_FUNCTIONS.values() for d in ("ltr", "rtl")}
    doc = weasyprint.HTML(string=STYLED).render()
    boxes = []
    for page in doc.pages:
        for box in weasy.page_box(page).descendants():
            style = {k: repr(box.style[k]) for k in INITIAL_VALUES if k not in logical}
            boxes.append((type(box).__name__, box.position_x, box.position_y, box.width, box.height, style))
        boxes.append(sorted(page.anchors))
    return boxes, doc.write_pdf()


def test_unset_properties_read_as_weasyprint_computes_them(session, monkeypatch):
    """The direct answer for a property no rule sets gives, box by box and property by property, what
    WeasyPrint's general path gives: logical properties, variables, math, inheritance, floats,
    positioning, named pages and text decorations included."""
    from weasyprint.css import ComputedStyle

    session.renderer
    shim = ComputedStyle.__missing__
    assert getattr(shim, "_guidebook_direct", False)
    direct, direct_pdf = _styled(session)
    monkeypatch.setattr(ComputedStyle, "__missing__", shim._guidebook_original)
    general, general_pdf = _styled(session)
    assert len(direct) == len(general) > 30
    for a, b in zip(direct, general):
        assert a[:5] == b[:5]
        if isinstance(a, list):  # a page's anchors
            continue
        assert a[5] == b[5], [k for k in a[5] if a[5][k] != b[5][k]]
    assert direct_pdf == general_pdf
    # margin-inline-start and inline-size, read as margin-left and width
    styles = [box[5] for box in direct if isinstance(box, tuple)]
    assert any("value=26.4566" in s["margin_left"] and "value=188.976" in s["width"] for s in styles)  # 7 mm, 50 mm


def test_pseudo_element_styles_are_made_when_read(session, monkeypatch):
    """Pseudo-elements nobody reads get no style object; those read (markers, ::before and ::after,
    footnote calls and markers, an anchor set on a pseudo-element) come out as before."""
    import pypdfium2 as pdfium
    from weasyprint.css import ComputedStyle, StyleFor
    from weasyprint.css.targets import TargetCollector

    session.renderer
    made, anchors = [], []
    init = ComputedStyle.__init__
    collect = TargetCollector.collect_anchor
    monkeypatch.setattr(TargetCollector, "collect_anchor", lambda self, name: (anchors.append(name), collect(self, name)))

    def counting(self, parent_style, cascaded, pseudo_type, *args):
        made.append(pseudo_type)
        init(self, parent_style, cascaded, pseudo_type, *args)

    monkeypatch.setattr(ComputedStyle, "__init__", counting)
    shim = StyleFor.__call__
    assert getattr(shim, "_guidebook_lazy", False)
    when_read, when_read_pdf = _styled(session)
    lazy, lazy_anchors = [p for p in made if p], anchors[:]
    made.clear()
    anchors.clear()
    monkeypatch.setattr(StyleFor, "set_computed_styles", shim._guidebook_original[0])
    monkeypatch.setattr(StyleFor, "__call__", shim._guidebook_original[1])
    in_advance, in_advance_pdf = _styled(session)
    eager = [p for p in made if p]
    assert when_read == in_advance and when_read_pdf == in_advance_pdf
    assert len(lazy) < len(eager) / 3 and {"marker", "before", "after", "footnote-call", "footnote-marker"} <= set(lazy)
    text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(when_read_pdf))
    assert "【段落" in text and "锚标题" in text and "1." in text and "2." in text
    assert ["a1", "mark"] in when_read  # the pseudo-element's anchor is placed and registered as before
    assert "mark" in lazy_anchors and lazy_anchors == anchors
    assert weasy.version().startswith("70.")
