"""Writer: HTML of a document tree, for the PDF layouts, the preview and the web edition.

A visitor with one method per node type. It decides nothing about content: element names follow the
node's role (a category is a <section>, an item an <article> ...), classes are the roles, and the
layout's CSS does the rest. Drawing flowcharts and QR codes is delegated to the renderer.
"""

from __future__ import annotations

import re

from guidebook.catalogue import labels as L
from guidebook.document.nodes import text_of
from markupsafe import Markup, escape

# Element of a block, by its first role; anything else is a <div>.
BLOCK_TAGS = {"section": "section", "category": "section", "item": "article", "h-side": "aside", "h-main": "main",
              "flow": "figure", "anchor": "span", "d-scope": "section"}
# Paragraph roles drawn as <div> (labels that are not running text).
DIV_PARAS = {"flow-title", "group-name", "h-no", "h-cat"}


_URL_BREAK = re.compile(r"(?<=[/.?&=#_-])")


def url_text(url: str) -> Markup:
    """A URL as text that may break only after / . ? & = # - _ and never inside its scheme (https://)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    head = escape(scheme + sep)
    return head + Markup("<wbr>").join(escape(part) for part in _URL_BREAK.split(rest))


def _cls(role: str) -> Markup:
    return Markup(' class="{}"').format(role) if role else Markup("")


def _id(anchor: str) -> Markup:
    return Markup(' id="{}"').format(anchor) if anchor else Markup("")


class HtmlWriter:
    """Translate nodes to HTML. `draw` draws flowcharts and QR codes (guidebook.render.Renderer or a
    stand-in with `flow_svg`, `flow_rows_svg` and `qr_svg`).

    Options for the web edition: `tel_links` makes phones tappable; `href` maps a link target
    ("#item-7") to where it lives on the site; `heading_shift` moves every heading by that many
    levels (an item's page starts at h1); `cell_labels` gives each table cell its column's label
    (for tables that stack on a phone); `flow_text` adds each flowchart's steps as text.
    """

    def __init__(self, draw, small_flow: bool = False, tel_links: bool = False, href=None,
                 heading_shift: int = 0, cell_labels: bool = False, flow_text: bool = False, form_href=None,
                 flow_scale: float = 1.0):
        self.draw = draw
        self.small_flow = small_flow
        self.flow_scale = flow_scale  # a large-print handout's flowchart labels grow with its text
        self.tel_links = tel_links
        self.href = href or (lambda target: target)
        self.heading_shift = heading_shift
        self.cell_labels = cell_labels
        self.flow_text = flow_text
        self.form_href = form_href  # a form's file name -> where to download it (the site), or None

    def __call__(self, nodes) -> Markup:
        if not isinstance(nodes, (list, tuple)):
            nodes = [nodes]
        return Markup("").join(getattr(self, "visit_" + n.kind)(n) for n in nodes)

    # -- inline
    def visit_text(self, n) -> Markup:
        if n.role:
            return Markup("<span{}>{}</span>").format(_cls(n.role), n.text)
        return escape(n.text)

    def visit_link(self, n) -> Markup:
        role = n.role or ("" if n.internal else "url")
        text = url_text(n.text) if not n.internal and n.text == n.target else n.text
        return Markup('<a href="{}"{}>{}</a>').format(self.href(n.target), _cls(role), text)

    def visit_phone(self, n) -> Markup:
        if self.tel_links:
            return Markup('<a href="tel:{}"{}>{}</a>').format(n.dial, _cls(n.role or "tel"), n.text)
        if n.role:
            return Markup("<span{}>{}</span>").format(_cls(n.role), n.text)
        return escape(n.text)

    def visit_pageref(self, n) -> Markup:
        if self.href("#" + n.anchor) != "#" + n.anchor:  # not a paged document: no page numbers
            return Markup("")
        return Markup('<a{} href="#{}"></a>').format(_cls(n.role or "pageref"), n.anchor)

    def visit_span(self, n) -> Markup:
        if self.form_href and n.role == "form-file":
            return Markup('<a href="{}" download class="form-file">{}</a>').format(
                self.form_href(text_of(n.content)), self(n.content))
        return Markup("<span{}>{}</span>").format(_cls(n.role), self(n.content))

    # -- blocks
    def visit_para(self, n) -> Markup:
        tag = "div" if n.role in DIV_PARAS else "p"
        return Markup("<{0}{1}>{2}</{0}>\n").format(tag, _cls(n.role), self(n.content))

    def visit_heading(self, n) -> Markup:
        level = min(6, max(1, n.level + self.heading_shift))
        return Markup("<h{0}{1}>{2}</h{0}>\n").format(level, _cls(n.role), self(n.content))

    def visit_block(self, n) -> Markup:
        tag = BLOCK_TAGS.get(n.role.split()[0] if n.role else "", "div")
        out = Markup("<{0}{1}{2}>\n{3}</{0}>\n").format(tag, _cls(n.role), _id(n.anchor), self(n.children))
        if tag == "figure" and self.flow_text:  # the steps as text follow the figure (a figure holds no <details>)
            out += Markup("").join(self._flow_text(c) for c in n.children if getattr(c, "kind", "") == "flowchart")
        return out

    def _flow_text(self, n) -> Markup:
        steps = Markup("").join(Markup("<li>{}</li>").format(line) for line in n.flow.as_lines())
        return Markup('<details class="flow-text"><summary>文字版流程</summary><ul>{}</ul></details>\n').format(steps)

    def visit_list(self, n) -> Markup:
        tag = "ul" if n.numbering == "bullet" else "ol"
        return Markup("<{0}{1}>\n{2}</{0}>\n").format(tag, _cls(n.role), self(n.items))

    def visit_list_item(self, n) -> Markup:
        if not n.marker and not n.role:
            return Markup("<li>{}{}</li>\n").format(self(n.content), self(n.children))
        return Markup('<li{}><span class="marker">{}</span><span class="name">{}</span>{}</li>\n').format(
            _cls(n.role), n.marker, self(n.content), self(n.children))

    def visit_table(self, n) -> Markup:
        head = Markup("").join(Markup('<th{} scope="col">{}</th>').format(_cls(c.role), c.label) for c in n.columns)
        rows = []
        for row in n.rows:
            cells = Markup("").join(
                Markup("<td{}{}>{}{}</td>").format(
                    _cls(col.role), Markup(' data-label="{}"').format(col.label) if self.cell_labels else "",
                    self(cell.content), self(cell.children))
                for col, cell in zip(n.columns, row.cells))
            rows.append(Markup("<tr{}>{}</tr>\n").format(_cls(row.role), cells))
        return Markup("<table{}>\n<thead><tr>{}</tr></thead>\n<tbody>\n{}</tbody>\n</table>\n").format(
            _cls(n.role), head, Markup("").join(rows))

    def visit_flowchart(self, n) -> Markup:
        if n.variant == "rows":
            out = Markup('<div class="flow-label">{}</div>').format(n.label) if n.label else Markup("")
            out += self.draw.flow_rows_svg(n.flow, title=n.title, scale=self.flow_scale, alt=self._alt(n))
        else:
            out = self.draw.flow_svg(n.flow, compact=n.variant == "compact", small=self.small_flow, title=n.title,
                                     scale=self.flow_scale, alt=self._alt(n))
        if n.caption:
            out += Markup("<figcaption>{}</figcaption>").format(n.caption)
        return out + Markup("\n")

    @staticmethod
    def _alt(n) -> str:
        """A drawing's alternative text in a tagged PDF: its name and its steps, as a screen reader reads them."""
        return f"{n.title}：{'；'.join(n.flow.as_lines())}" if n.flow is not None else n.title

    def visit_qr(self, n) -> Markup:
        # the drawing's name for screen readers and tagged PDFs (an SVG's <title> is its alternative text)
        svg = str(self.draw.qr_svg(n.url)).replace(">", str(Markup("><title>{}</title>").format(
            f"{L.QR_CODE}：{n.caption}")), 1)
        return Markup('<figure{}>{}<figcaption><span class="qr-name">{}</span><span class="qr-url">{}</span>'
                      '</figcaption></figure>\n').format(_cls(n.role), Markup(svg), n.caption, url_text(n.url))

    def visit_toc(self, n) -> Markup:
        entries = Markup("").join(
            Markup('<li class="toc-l{}{}"><a href="#{}">{}</a></li>\n').format(
                e.level, " front" if e.front else "", e.anchor, e.text) for e in n.entries)
        return Markup('<nav{}>\n<div class="toc-title">{}</div>\n<ol>\n{}</ol>\n</nav>\n').format(
            _cls(n.role), n.title, entries)
