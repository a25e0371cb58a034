"""Writer: editable Word versions of the guide and of every handout, from the same document.

Styles come from the layout's reference.docx (a designer edits them in Word). The writer only
translates the document: built-in headings, a real TOC field, PAGE fields, tables with repeating
header rows, real numbered lists, QR codes as images, flowcharts as editable text steps.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from guidebook.render import qr
from guidebook.diagnostics import GuidebookError
from guidebook.render import find_layout_file, page_geometry

REFERENCE = "reference.docx"
HEADING = {1: "Heading 1", 2: "Heading 2", 3: "Heading 3", 4: "Heading 4"}
REQUIRED_STYLES = ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Heading 4",
                   "TOC Heading", "TOC 1", "TOC 2", "Caption", "List Paragraph", "Header", "Footer")
LANG = "zh-CN"


# ---------------------------------------------------------------------------------------------
# Low-level OOXML helpers


def _el(tag: str, **attrs: str):
    e = OxmlElement(tag)
    for k, v in attrs.items():
        e.set(qn(k), v)
    return e


def _fix_rfonts(rpr, east_asia: str | None) -> None:
    """Remove theme font attributes (they win over names) and make sure w:eastAsia is set."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = _el("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    if east_asia and not rfonts.get(qn("w:eastAsia")):
        rfonts.set(qn("w:eastAsia"), east_asia)
    for attr in ("w:ascii", "w:hAnsi"):
        if not rfonts.get(qn(attr)) and rfonts.get(qn("w:eastAsia")):
            rfonts.set(qn(attr), rfonts.get(qn("w:eastAsia")))


def _set_lang(rpr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = _el("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), LANG)
    if not lang.get(qn("w:val")):
        lang.set(qn("w:val"), "en-US")


def _add_field(paragraph, instr: str, result: str = "", dirty: bool = False) -> None:
    """A complex field (TOC, PAGE, PAGEREF ...) with a visible result until Word updates it."""
    def run_with(child):
        r = _el("w:r")
        r.append(child)
        paragraph._p.append(r)
        return r

    begin = _el("w:fldChar", **{"w:fldCharType": "begin"})
    if dirty:
        begin.set(qn("w:dirty"), "true")
    run_with(begin)
    it = _el("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    run_with(it)
    run_with(_el("w:fldChar", **{"w:fldCharType": "separate"}))
    if result:
        paragraph.add_run(result)
    run_with(_el("w:fldChar", **{"w:fldCharType": "end"}))


def _bookmark(paragraph, name: str, ident: int) -> None:
    paragraph._p.insert(0, _el("w:bookmarkStart", **{"w:id": str(ident), "w:name": name}))
    paragraph._p.append(_el("w:bookmarkEnd", **{"w:id": str(ident)}))


def _hyperlink(paragraph, text: str, url: str | None = None, anchor: str | None = None,
               color: str | None = None) -> None:
    """A link to a URL or to a bookmark; `color` (hex) colours and underlines it."""
    h = _el("w:hyperlink")
    if url:
        h.set(qn("r:id"), paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True))
    if anchor:
        h.set(qn("w:anchor"), anchor)
    r = _el("w:r")
    rpr = _el("w:rPr")
    if color:
        rpr.append(_el("w:color", **{"w:val": color}))
        rpr.append(_el("w:u", **{"w:val": "single"}))
    r.append(rpr)
    t = _el("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    h.append(r)
    paragraph._p.append(h)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(_el("w:tblHeader", **{"w:val": "true"}))


def _no_split(row) -> None:
    row._tr.get_or_add_trPr().append(_el("w:cantSplit", **{"w:val": "true"}))


# ---------------------------------------------------------------------------------------------


class Writer:
    """One .docx being written: styles from the reference document, numbering, bookmarks, fields."""

    def __init__(self, session, stylesheet: str):
        chain = session.renderer.chain
        self.reference = find_layout_file(chain, REFERENCE)
        self.roles = {r.name: r.family for r in session.renderer.roles}
        cache = session.renderer.word_templates
        if stylesheet not in cache:  # prepare the reference once per process, then start from its bytes
            self._open(docx.Document, str(self.reference))
            self._check_styles()
            body = self.doc.element.body
            for child in list(body):
                if child.tag != qn("w:sectPr"):
                    body.remove(child)
            self._prepare_styles()
            self._theme_colours(session.renderer.theme())
            self._settings()
            buf = io.BytesIO()
            self.doc.save(buf)
            cache[stylesheet] = buf.getvalue()
        self.doc = docx.Document(io.BytesIO(cache[stylesheet]))
        # python-docx looks a style up by scanning all styles on every call: map names to ids once
        self.style_ids = {st.name: st.style_id for st in self.doc.styles}
        (w, h), (top, right, bottom, left) = page_geometry(chain, stylesheet)
        sec = self.doc.sections[0]
        sec.page_width, sec.page_height = Mm(w), Mm(h)
        sec.top_margin, sec.right_margin, sec.bottom_margin, sec.left_margin = Mm(top), Mm(right), Mm(bottom), Mm(left)
        sec.header_distance, sec.footer_distance = Mm(max(top / 2, 8)), Mm(max(bottom / 2, 8))
        self.text_width_mm = w - left - right
        self._next_bookmark = 1
        self._abstract = self._numbering_definitions()

    def _open(self, opener, path: str) -> None:
        try:
            self.doc = opener(path)
        except Exception as exc:  # not a Word document
            raise GuidebookError(f"{self.reference}: cannot open as a Word document: {exc}") from None

    def _check_styles(self) -> None:
        names = {s.name for s in self.doc.styles}
        missing = [s for s in REQUIRED_STYLES if s not in names]
        if missing:
            raise GuidebookError(f"{self.reference}: the reference document lacks the style(s) "
                                 f"{', '.join(missing)}; add them in Word (or copy them from the default).")

    # -- document-wide settings
    def _prepare_styles(self) -> None:
        """East Asian font on every style (from fonts.toml where the reference has none), zh-CN language."""
        styles = self.doc.styles.element
        body_font = self.roles.get("body")
        head_font = self.roles.get("heading", body_font)
        defaults = styles.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            if rpr is not None:
                _fix_rfonts(rpr, body_font)
                _set_lang(rpr)
        for style in self.doc.styles:
            if style.type not in (1, 2):  # paragraph and character styles
                continue
            rpr = style.element.get_or_add_rPr()
            heading = style.name.startswith(("Heading", "Title", "Subtitle", "TOC", "Caption", "Header", "Footer"))
            _fix_rfonts(rpr, head_font if heading else body_font)

    def _theme_colours(self, theme: dict[str, str]) -> None:
        """The layout's colours in the styles: where the reference document uses the default theme's colour
        (the title and headings in #1F3B63 ...), the layout's own takes its place; a colour a designer
        chose in Word stays."""
        mapping = {}
        for variable, default in THEME_DEFAULTS.items():
            mine = str(_rgb(theme.get(variable, ""), default))
            if mine.upper() != default.lstrip("#").upper():
                mapping[default.lstrip("#").upper()] = mine.upper()
        if not mapping:
            return
        attributes = [qn("w:val"), qn("w:fill"), qn("w:color")]
        for el in self.doc.styles.element.iter():
            if el.tag not in (qn("w:color"), qn("w:shd"), qn("w:top"), qn("w:bottom"), qn("w:left"), qn("w:right")):
                continue
            for attr in attributes:
                value = el.get(attr)
                if value and value.upper() in mapping:
                    el.set(attr, mapping[value.upper()])

    def _settings(self) -> None:
        settings = self.doc.settings.element
        for lang in settings.iter(qn("w:themeFontLang")):
            lang.set(qn("w:eastAsia"), LANG)
        if not list(settings.iter(qn("w:themeFontLang"))):
            settings.append(_el("w:themeFontLang", **{"w:val": "en-US", "w:eastAsia": LANG}))
        if settings.find(qn("w:updateFields")) is None:
            settings.append(_el("w:updateFields", **{"w:val": "true"}))

    def _numbering_definitions(self) -> dict[str, int]:
        numbering = self.doc.part.numbering_part.element
        ids = {}
        for key, fmt, text in (("circled", "decimalEnclosedCircle", "%1"), ("bullet", "bullet", "•"),
                               ("decimal", "decimal", "%1.")):
            aid = 900 + len(ids)
            a = _el("w:abstractNum", **{"w:abstractNumId": str(aid)})
            lvl = _el("w:lvl", **{"w:ilvl": "0"})
            lvl.append(_el("w:start", **{"w:val": "1"}))
            lvl.append(_el("w:numFmt", **{"w:val": fmt}))
            lvl.append(_el("w:lvlText", **{"w:val": text}))
            lvl.append(_el("w:lvlJc", **{"w:val": "left"}))
            ppr = _el("w:pPr")
            ppr.append(_el("w:ind", **{"w:left": "480", "w:hanging": "480"}))
            lvl.append(ppr)
            a.append(lvl)
            first_num = numbering.find(qn("w:num"))
            if first_num is not None:
                first_num.addprevious(a)
            else:
                numbering.append(a)
            ids[key] = aid
        return ids

    def new_list(self, kind: str = "circled") -> int:
        """A new list instance that restarts at 1."""
        numbering = self.doc.part.numbering_part.element
        num_ids = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
        nid = max(num_ids + [0]) + 1
        num = _el("w:num", **{"w:numId": str(nid)})
        num.append(_el("w:abstractNumId", **{"w:val": str(self._abstract[kind])}))
        over = _el("w:lvlOverride", **{"w:ilvl": "0"})
        over.append(_el("w:startOverride", **{"w:val": "1"}))
        num.append(over)
        numbering.append(num)
        return nid

    # -- content helpers
    def styled(self, p, style: str):
        if style != "Normal":
            p._p.style = self.style_ids[style]
        return p

    def add_para(self, container=None, text: str = "", style: str = "Normal"):
        p = (container or self.doc).add_paragraph(text)
        return self.styled(p, style)

    def para(self, text: str = "", style: str = "Normal", bold: bool = False, align=None, size: float | None = None):
        p = self.add_para(style=style)
        if text:
            run = p.add_run(text)
            run.bold = bold or None
            if size:
                run.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        return p

    def grid(self, table) -> None:
        sid = self.style_ids.get("Table Grid")
        if sid:
            table._tbl.tblPr.append(_el("w:tblStyle", **{"w:val": sid}))

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def table(self, header: list[str], rows: list[list], widths_mm: list[float]):
        t = self.doc.add_table(rows=1, cols=len(header))
        self.grid(t)
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        hdr = t.rows[0]
        _repeat_header(hdr)
        for cell, text in zip(hdr.cells, header):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.bold = True
        for values in rows:
            row = t.add_row()
            _no_split(row)
            for cell, value in zip(row.cells, values):
                p = cell.paragraphs[0]
                if callable(value):
                    value(p)
                else:
                    p.add_run(str(value))
        self.widths(t, widths_mm)
        return t

    def widths(self, table, widths_mm: list[float]) -> None:
        """Column widths scaled to the text width, as grid columns and cell widths (Word and LibreOffice)."""
        scale = self.text_width_mm / sum(widths_mm)
        table.autofit = False
        tblpr = table._tbl.tblPr
        tblpr.append(_el("w:tblLayout", **{"w:type": "fixed"}))
        for col, w in zip(table.columns, widths_mm):
            col.width = Mm(w * scale)
        for row in table.rows:
            for cell, w in zip(row.cells, widths_mm):
                cell.width = Mm(w * scale)

    def properties(self, title: str, author: str, subject: str, keywords: str, edition: int,
                   date: str = "") -> None:
        import datetime as dt

        cp = self.doc.core_properties
        # Word's core properties hold at most 255 characters (the document itself keeps the whole title)
        cp.title = _property(title)
        cp.author = _property(author)
        cp.last_modified_by = _property(author)
        cp.subject = _property(subject)
        cp.keywords = _property(keywords)
        cp.comments = ""
        cp.category = ""
        cp.language = LANG
        when = dt.datetime.fromisoformat(date) if date else dt.datetime(edition, 1, 1)
        cp.created = when
        cp.modified = when
        cp.last_printed = when
        cp.revision = 1

    def header_footer(self, header_text: str, section_field: bool, logo: bytes | None = None) -> None:
        sec = self.doc.sections[0]
        hp = self.styled(sec.header.paragraphs[0], "Header")
        if logo:  # the layout's logo before the header's words, as the PDF handout has it
            hp.add_run().add_picture(io.BytesIO(logo), height=Mm(LOGO_MM))
            hp.add_run("  ")
        hp.add_run(header_text)
        if section_field:
            hp.add_run("\t\t")
            _add_field(hp, 'STYLEREF "Heading 1"', "")
        fp = self.styled(sec.footer.paragraphs[0], "Footer")
        fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fp.add_run("— ")
        _add_field(fp, "PAGE", "1")
        fp.add_run(" —")

    def save(self, edition: int, date: str = "") -> bytes:
        """The .docx bytes, zip entries dated from the edition, so the same input gives the same bytes."""
        y, m, d = (int(x) for x in date.split("-")) if date else (edition, 1, 1)
        buf = io.BytesIO()
        self.doc.save(buf)
        return _fixed_zip(buf.getvalue(), (max(y, 1980), m, d, 0, 0, 0))


def _fixed_zip(data: bytes, when: tuple) -> bytes:
    """The package with fixed entry dates and modes, so the same input gives the same bytes. The
    compressed entries are kept as python-docx wrote them: only the date, time and mode fields of the
    local and central headers are set (no second round of inflating and deflating)."""
    import struct

    y, mo, d, h, mi, sec = when
    dos_date, dos_time = (y - 1980) << 9 | mo << 5 | d, h << 11 | mi << 5 | sec // 2
    out = bytearray(data)
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        struct.pack_into("<HH", out, info.header_offset + 10, dos_time, dos_date)  # local file header
    end = out.rfind(b"PK\x05\x06")  # end of central directory (python-docx writes no comment)
    count, _, start = struct.unpack_from("<HII", out, end + 10)
    pos = start
    for _ in range(count):  # central directory headers
        if out[pos:pos + 4] != b"PK\x01\x02":
            raise GuidebookError("internal: unexpected .docx package layout")
        struct.pack_into("<HH", out, pos + 12, dos_time, dos_date)
        struct.pack_into("<I", out, pos + 38, 0o644 << 16)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", out, pos + 28)
        pos += 46 + name_len + extra_len + comment_len
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# Translating the document tree


def _bm(anchor: str) -> str:
    """A Word bookmark name for an anchor of the tree."""
    return anchor.replace("-", "_")


# The default theme's colours (layouts/default/theme.css), as the default reference.docx uses them.
THEME_DEFAULTS = {"--color-primary": "#1f3b63", "--color-accent": "#b3261e", "--color-muted": "#5a6472"}


def _rgb(css: str, default: str) -> RGBColor:
    value = (css or default).strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    try:
        return RGBColor.from_string(value.upper())
    except ValueError:
        return RGBColor.from_string(default.lstrip("#"))


class Translator:
    """A visitor of the document tree that writes Word paragraphs, lists and tables (one method per
    node type). Design values (colours, QR size) come from the layout's theme."""

    def __init__(self, w: Writer, theme: dict[str, str]):
        self.w = w
        self.primary = _rgb(theme.get("--color-primary", ""), THEME_DEFAULTS["--color-primary"])
        self.accent = _rgb(theme.get("--color-accent", ""), THEME_DEFAULTS["--color-accent"])
        self.muted = _rgb(theme.get("--color-muted", ""), THEME_DEFAULTS["--color-muted"])
        self.qr_mm = max(25.0, _length_mm(theme.get("--qr-size", ""), 26.0))
        self.bookmarks: list[str] = []  # anchors waiting for the next paragraph
        self.started = False  # a page break before the first content would leave an empty page

    def __call__(self, nodes) -> None:
        if not isinstance(nodes, (list, tuple)):
            nodes = [nodes]
        i = 0
        while i < len(nodes):
            n = nodes[i]
            if n.kind == "qr":  # consecutive QR codes share one table
                j = i
                while j < len(nodes) and nodes[j].kind == "qr":
                    j += 1
                self.qr_table(nodes[i:j])
                i = j
                continue
            getattr(self, "visit_" + n.kind)(n)
            i += 1

    # -- paragraphs and inline content
    def paragraph(self, style: str = "Normal", container=None):
        p = self.w.add_para(container, style=style)
        for anchor in self.bookmarks:
            _bookmark(p, _bm(anchor), self.w._next_bookmark)
            self.w._next_bookmark += 1
        self.bookmarks = []
        self.started = True
        return p

    def inline(self, p, content, fmt: tuple = ()) -> None:
        for n in content:
            if n.kind == "span":
                self.inline(p, n.content, fmt + tuple(n.role.split()))
            elif n.kind == "link":
                if n.internal:
                    _hyperlink(p, n.text, anchor=_bm(n.anchor))
                else:
                    _hyperlink(p, n.text, url=n.target, color=str(self.primary))
            elif n.kind == "pageref":
                _add_field(p, f"PAGEREF {_bm(n.anchor)} \\h", "")
            else:
                self.run(p, n.text, fmt + tuple(n.role.split()))

    def run(self, p, text: str, roles: tuple) -> None:
        if "tag" in roles:  # 原件 / 2 份: accent, bold, set off by spaces as the PDF's chip is by its box
            p.add_run(" ")
            r = p.add_run(text)
            r.bold = True
            r.font.color.rgb = self.accent
            p.add_run(" ")
            return
        r = p.add_run(text)
        if roles and set(roles) & {"kind", "phone"}:
            r.bold = True
        if roles and set(roles) & {"note", "source", "see"}:
            r.font.color.rgb = self.muted

    # -- blocks
    def visit_block(self, n) -> None:
        if n.page_break and self.started:
            self.w.page_break()
        if n.anchor:
            self.bookmarks.append(n.anchor)
        self(n.children)

    def visit_heading(self, n) -> None:
        p = self.paragraph(HEADING[n.level])
        self.inline(p, n.content)

    PARA_STYLES = {"h-cat": "Caption", "table-title": "Caption"}

    def visit_para(self, n) -> None:
        roles = set(n.role.split())
        p = self.paragraph(self.PARA_STYLES.get(n.role, "Normal"))
        if roles & {"table-title"}:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.inline(p, n.content, ("kind",) if roles & {"flow-title", "group-name", "phones"} else ())
        if "h-no" in roles:
            for r in p.runs:
                r.bold = True
                r.font.size = Pt(20)
                r.font.color.rgb = self.accent

    def visit_list(self, n, container=None, indent_mm: float = 0) -> None:
        nid = self.w.new_list("bullet" if n.numbering == "bullet" else "circled")
        for item in n.items:
            p = self.paragraph("List Paragraph", container)
            ppr = p._p.get_or_add_pPr()
            numpr = _el("w:numPr")
            numpr.append(_el("w:ilvl", **{"w:val": "0"}))
            numpr.append(_el("w:numId", **{"w:val": str(nid)}))
            ppr.append(numpr)
            if indent_mm:
                p.paragraph_format.left_indent = Mm(indent_mm)
            self.inline(p, item.content)
            for child in item.children:
                if child.kind == "list":
                    self.visit_list(child, container, indent_mm=indent_mm + 14)
                elif child.kind == "para":
                    q = self.paragraph("List Paragraph", container)
                    self.inline(q, child.content)
                else:
                    self(child)

    def visit_table(self, n) -> None:
        def cell_writer(cell):
            def write(p):
                self.inline(p, cell.content)
                for child in cell.children:
                    if child.kind == "list":
                        self.visit_list(child, container=p._parent)
                    else:
                        self.inline(self.paragraph(container=p._parent), getattr(child, "content", []))
            return write

        rows = [[cell_writer(c) for c in row.cells] for row in n.rows]
        self.w.table([c.label for c in n.columns], rows, [c.width for c in n.columns])
        self.started = True

    def visit_flowchart(self, n) -> None:
        """The flowchart as editable text steps in a bordered box, captioned like the PDF."""
        if n.label:
            p = self.paragraph()
            p.add_run(n.label).bold = True
        t = self.w.doc.add_table(rows=1, cols=1)
        self.w.grid(t)
        cell = t.rows[0].cells[0]
        lines = n.flow.as_lines()
        cell.paragraphs[0].add_run(lines[0])
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        for line in lines[1:]:
            self.w.add_para(cell, "↓").alignment = WD_ALIGN_PARAGRAPH.CENTER
            self.w.add_para(cell, line).alignment = WD_ALIGN_PARAGRAPH.CENTER
        if self.bookmarks:  # an anchor on the figure lands on its first line
            p = cell.paragraphs[0]
            for anchor in self.bookmarks:
                _bookmark(p, _bm(anchor), self.w._next_bookmark)
                self.w._next_bookmark += 1
            self.bookmarks = []
        if n.caption:
            self.paragraph("Caption").add_run(n.caption)
            self.w.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    def qr_table(self, codes) -> None:
        cols = min(3, len(codes))
        t = self.w.doc.add_table(rows=0, cols=cols)
        row = None
        for i, q in enumerate(codes):
            if i % cols == 0:
                row = t.add_row()
            cell = row.cells[i % cols]
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run().add_picture(io.BytesIO(qr.png(q.url)), width=Mm(self.qr_mm), height=Mm(self.qr_mm))
            cap = self.w.add_para(cell, q.caption, "Caption")
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            u = self.w.add_para(cell, style="Caption")
            u.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _hyperlink(u, q.url, url=q.url, color=str(self.primary))
        self.started = True

    def visit_toc(self, n) -> None:
        """A real TOC field whose result already lists the entries (Word refreshes the page numbers)."""
        self.paragraph("TOC Heading").add_run(n.title)
        self.w.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        first = None
        for e in n.entries:
            q = self.paragraph(f"TOC {min(e.level, 2)}")
            if first is None:
                first = q
                _add_field_begin(q, 'TOC \\o "1-2" \\h \\z \\u')
            _hyperlink(q, e.text, anchor=_bm(e.anchor))
        if first is not None:
            _add_field_end(self.w.doc.paragraphs[-1])
        self.w.page_break()


def _length_mm(value: str, default: float) -> float:
    from guidebook.render.settings import length_mm

    try:
        return length_mm(value) if value else default
    except GuidebookError:  # a length Word cannot take (var(), calc()): the default
        return default


def _add_field_begin(paragraph, instr: str) -> None:
    r = _el("w:r")
    r.append(_el("w:fldChar", **{"w:fldCharType": "begin", "w:dirty": "true"}))
    paragraph._p.append(r)
    r = _el("w:r")
    it = _el("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    r.append(it)
    paragraph._p.append(r)
    r = _el("w:r")
    r.append(_el("w:fldChar", **{"w:fldCharType": "separate"}))
    paragraph._p.append(r)


def _add_field_end(paragraph) -> None:
    r = _el("w:r")
    r.append(_el("w:fldChar", **{"w:fldCharType": "end"}))
    paragraph._p.append(r)


def guide_docx(session) -> bytes:
    tree = session.doc
    meta = tree.meta
    w = Writer(session, "guide.css")
    w.properties(meta.title, meta.author, f"{meta.title} {meta.edition_label}", f"{meta.bureau}, {meta.title}",
                 meta.edition, meta.date)
    w.header_footer(meta.title, section_field=True)
    cover = tree.cover  # slogans, title, bureau, edition, in the tree's order
    for s in cover.slogans:
        w.para(s, style="Subtitle", align=WD_ALIGN_PARAGRAPH.CENTER)
    for _ in range(4):
        w.para()
    w.para(cover.title, style="Title", align=WD_ALIGN_PARAGRAPH.CENTER)
    for _ in range(6):
        w.para()
    w.para(cover.bureau, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=16)
    w.para(cover.edition, align=WD_ALIGN_PARAGRAPH.CENTER)
    w.page_break()
    t = Translator(w, session.renderer.theme())
    t(tree.front)
    t(tree.main)
    return w.save(meta.edition, meta.date)


def handout_docx(session, it, referred: tuple[str, ...] = ()) -> bytes:
    """`referred`: the sections the PDF handout leaves to the guide (the .docx leaves the same)."""
    meta = session.doc.meta
    tree = session.handout(it, referred)
    w = Writer(session, "handout.css")
    w.properties(f"{it.item_number}. {it.title} — {meta.title}", meta.author, it.heading,
                 f"{meta.bureau}, {meta.title}, {it.title}", meta.edition, meta.date)
    w.header_footer(tree.header + meta.edition_label, section_field=False, logo=session.renderer.logo_png(LOGO_MM))
    t = Translator(w, session.renderer.theme())
    t(tree.title)
    t(tree.body)
    return w.save(meta.edition, meta.date)


LOGO_MM = 9  # the logo's height in a Word handout's header (the PDF's: --logo-height, 9mm by default)


def _property(text: str, limit: int = 255) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
