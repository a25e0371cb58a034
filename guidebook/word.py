"""Writer: editable Word versions of the guide and of every handout, from the same document model.

Styles come from the layout's reference.docx (a designer edits them in Word). The writer only
translates the model: built-in headings, a real TOC field, PAGE fields, tables with repeating
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

from guidebook import qr
from guidebook.diagnostics import GuidebookError
from guidebook.model import (
    COLUMNS, LABEL_FLOW, LABEL_PHONES, LABEL_QR, GuideDoc, ItemView, MaterialsView, Part, ProcedureView, Rich,
)
from guidebook.render import find_layout_file, page_geometry

REFERENCE = "reference.docx"
HEADING = {1: "Heading 1", 2: "Heading 2", 3: "Heading 3", 4: "Heading 4"}
REQUIRED_STYLES = ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Heading 4",
                   "TOC Heading", "TOC 1", "TOC 2", "Caption", "List Paragraph", "Header", "Footer")
LANG = "zh-CN"
QR_MM = 26  # as the PDF handouts (theme.css --qr-size)


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


def _hyperlink(paragraph, text: str, url: str | None = None, anchor: str | None = None, color=True) -> None:
    h = _el("w:hyperlink")
    if url:
        h.set(qn("r:id"), paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True))
    if anchor:
        h.set(qn("w:anchor"), anchor)
    r = _el("w:r")
    rpr = _el("w:rPr")
    if color:
        rpr.append(_el("w:color", **{"w:val": "1F3B63"}))
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
        cache = session.__dict__.setdefault("_word_templates", {})
        if stylesheet not in cache:  # prepare the reference once per process, then start from its bytes
            self._open(docx.Document, str(self.reference))
            self._check_styles()
            body = self.doc.element.body
            for child in list(body):
                if child.tag != qn("w:sectPr"):
                    body.remove(child)
            self._prepare_styles()
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

    def rich(self, p, runs: Rich, bold_prefix: str = "") -> None:
        if bold_prefix:
            p.add_run(bold_prefix).bold = True
        for r in runs:
            if r.href and r.href.startswith(("http://", "https://")):
                _hyperlink(p, r.text, url=r.href)
            else:
                p.add_run(r.text)

    def list_item(self, runs: Rich, num_id: int, bold_prefix: str = "", tail: str = "", muted_tail: str = ""):
        p = self.add_para(style="List Paragraph")
        ppr = p._p.get_or_add_pPr()
        numpr = _el("w:numPr")
        numpr.append(_el("w:ilvl", **{"w:val": "0"}))
        numpr.append(_el("w:numId", **{"w:val": str(num_id)}))
        ppr.append(numpr)
        self.rich(p, runs, bold_prefix)
        if tail:
            t = p.add_run(tail)
            t.bold = True
            t.font.color.rgb = RGBColor(0xB3, 0x26, 0x1E)
        if muted_tail:
            p.add_run(muted_tail).font.color.rgb = RGBColor(0x5A, 0x64, 0x72)
        return p

    def heading(self, text: str, level: int, bookmark: str | None = None):
        p = self.add_para(text=text, style=HEADING[level])
        if bookmark:
            _bookmark(p, bookmark, self._next_bookmark)
            self._next_bookmark += 1
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
        cp.title = title
        cp.author = author
        cp.last_modified_by = author
        cp.subject = subject
        cp.keywords = keywords
        cp.comments = ""
        cp.category = ""
        cp.language = LANG
        when = dt.datetime.fromisoformat(date) if date else dt.datetime(edition, 1, 1)
        cp.created = when
        cp.modified = when
        cp.last_printed = when
        cp.revision = 1

    def header_footer(self, header_text: str, section_field: bool) -> None:
        sec = self.doc.sections[0]
        hp = self.styled(sec.header.paragraphs[0], "Header")
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
        y, m, d = (int(x) for x in date.split("-")) if date else (edition, 1, 1)
        when = (max(y, 1980), m, d, 0, 0, 0)
        try:
            return _package_bytes(self.doc, when)
        except AttributeError:  # python-docx changed its package writer: save, then rewrite the zip
            buf = io.BytesIO()
            self.doc.save(buf)
            return _fixed_zip(buf.getvalue(), when)


class _DatedZip:
    """Where python-docx's PackageWriter puts the parts: one zip with fixed entry dates, so the same
    input gives the same bytes, and each part is compressed once (saving, then rewriting the zip with
    fixed dates, compressed everything twice: 0.5 s over a full build's .docx files)."""

    def __init__(self, when: tuple):
        self.buf = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buf, "w", zipfile.ZIP_DEFLATED)
        self.when = when

    def write(self, pack_uri, blob: bytes) -> None:
        zi = zipfile.ZipInfo(pack_uri.membername, date_time=self.when)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = 0o644 << 16
        self.zip.writestr(zi, blob)

    def close(self) -> None:
        self.zip.close()


def _package_bytes(document, when: tuple) -> bytes:
    """What Document.save writes (python-docx's OpcPackage.save), into a _DatedZip."""
    from docx.opc.pkgwriter import PackageWriter

    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    out = _DatedZip(when)
    PackageWriter._write_content_types_stream(out, package.parts)
    PackageWriter._write_pkg_rels(out, package.rels)
    PackageWriter._write_parts(out, package.parts)
    out.close()
    return out.buf.getvalue()


def _fixed_zip(data: bytes, when: tuple) -> bytes:
    """Rewrite the package with fixed entry dates, so the same input gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=when)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Translating the model


def _materials(w: Writer, m: MaterialsView) -> None:
    if m.lead:
        w.rich(w.para(), m.lead)
    if m.none:
        w.para(m.none)
    for g in m.groups:
        if g.name:
            w.para(f"{g.name}：", bold=True)
        if g.lead:
            w.rich(w.para(), g.lead)
        nid = w.new_list("circled")
        for x in g.items:
            tags = "".join(f"〔{t}〕" for t in x.tags)
            muted = ""
            if x.note:
                muted += "（" + "".join(r.text for r in x.note) + "）"
            if x.source:
                muted += "（资料来源：" + "".join(r.text for r in x.source) + "）"
            w.list_item(x.name, nid, tail=tags, muted_tail=muted)
            if x.details:
                sub = w.new_list("bullet")
                for d in x.details:
                    p = w.list_item(d, sub)
                    p.paragraph_format.left_indent = Mm(14)
    for n in m.notes:
        w.rich(w.para(), n)


def _part_body(w: Writer, part: Part) -> None:
    if part.kind == "materials" and part.materials:
        _materials(w, part.materials)
    elif part.kind == "channels":
        if part.route_note:
            w.para(part.route_note)
        nid = w.new_list("circled")
        for c in part.channels:
            first = True
            for line in c.lines or [[]]:
                if first:
                    w.list_item(line, nid, bold_prefix=f"{c.kind}：")
                    first = False
                else:
                    p = w.para(style="List Paragraph")
                    w.rich(p, line)
    else:
        for line in part.lines:
            w.rich(w.para(), line)


def _flow(w: Writer, proc: ProcedureView, level: int | None) -> None:
    """The flowchart as editable text steps in a bordered box, captioned like the PDF."""
    if proc.flow is None:
        return
    if level:
        w.para(LABEL_FLOW, bold=True)
    t = w.doc.add_table(rows=1, cols=1)
    w.grid(t)
    cell = t.rows[0].cells[0]
    lines = proc.flow.as_lines()
    cell.paragraphs[0].add_run(lines[0])
    for line in lines[1:]:
        w.add_para(cell, "↓").alignment = WD_ALIGN_PARAGRAPH.CENTER
        w.add_para(cell, line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if proc.flow_caption:
        w.para(proc.flow_caption, style="Caption", align=WD_ALIGN_PARAGRAPH.CENTER)


def _procedure(w: Writer, proc: ProcedureView, level: int) -> None:
    for para in proc.intro:
        w.rich(w.para(), para)
    for part in proc.parts:
        w.heading(part.heading, level)
        _part_body(w, part)
        if part.kind == "channels":
            _flow(w, proc, level)


def _bm(anchor: str) -> str:
    return anchor.replace("-", "_")


def guide_docx(session) -> bytes:
    doc: GuideDoc = session.doc
    meta = doc.meta
    w = Writer(session, "guide.css")
    w.properties(meta.title, meta.author, f"{meta.title} {meta.edition_label}", f"{meta.bureau}, {meta.title}",
                 meta.edition, meta.date)
    w.header_footer(meta.title, section_field=True)
    # cover
    for s in meta.slogans:
        w.para(s, style="Subtitle", align=WD_ALIGN_PARAGRAPH.CENTER)
    for _ in range(4):
        w.para()
    w.para(meta.title, style="Title", align=WD_ALIGN_PARAGRAPH.CENTER)
    for _ in range(6):
        w.para()
    w.para(meta.bureau, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=16)
    w.para(meta.edition_label, align=WD_ALIGN_PARAGRAPH.CENTER)
    w.page_break()
    # contents: a real TOC field whose result already lists the entries (Word refreshes page numbers)
    w.para(doc.contents_title, style="TOC Heading", align=WD_ALIGN_PARAGRAPH.CENTER)
    entries = doc.toc()
    p = w.para(style="TOC 1")
    _add_field_begin(p, 'TOC \\o "1-2" \\h \\z \\u')
    first = True
    for e in entries:
        q = p if first else w.para(style=f"TOC {min(e.level, 2)}")
        first = False
        _hyperlink(q, e.text, anchor=_bm(e.anchor), color=False)
    _add_field_end(w.doc.paragraphs[-1])
    w.page_break()
    for s in doc.sections:
        w.heading(s.title, 1, _bm(s.anchor))
        if s.kind == "changes":
            if s.heading:
                w.para(s.heading, style="Caption")
            rows = [[r["scope"], r["kind"], r["label"], r["old"], r["new"] + (f"（{r['note']}）" if r["note"] else "")]
                    for r in doc.changes]
            w.table(COLUMNS["changes"], rows, [40, 12, 20, 50, 50])
            w.page_break()
        elif s.kind == "power_list":
            rows = []
            for c in doc.categories:
                for i, it in enumerate(c.items):
                    rows.append([
                        c.label if i == 0 else "", it.item_number,
                        (lambda p, it=it: _hyperlink(p, it.list_title, anchor=_bm(it.anchor), color=False)),
                        (lambda p, it=it: _add_field(p, f"PAGEREF {_bm(it.anchor)} \\h", "")),
                        it.guide_link,
                    ])
            w.table(COLUMNS["power_list"], rows, [30, 12, 60, 13, 48])
        elif s.kind == "windows":
            if s.heading:
                w.para(s.heading, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
            w.table(COLUMNS["windows"],
                    [[r.number, r.name, r.address, r.phone] for r in doc.windows], [12, 62, 60, 30])
        elif s.kind == "guide":
            for c in doc.categories:
                w.page_break()
                w.heading(c.label, 1, _bm(c.anchor))
                for k, it in enumerate(c.items):
                    if k:
                        w.page_break()
                    w.heading(it.heading, 2, _bm(it.anchor))
                    _procedure(w, it, 3)
                    for sub in it.procedures:
                        w.heading(sub.heading, 3, _bm(sub.anchor))
                        _procedure(w, sub, 4)
            w.page_break()
        elif s.kind == "prohibited":
            rows = []
            for row in doc.prohibited:
                for i, case in enumerate(row.cases):
                    rows.append([row.label if i == 0 else "", case])
            w.table(COLUMNS["prohibited"], rows, [60, 110])
        elif s.kind == "tolerated":
            rows = [[r.number, r.matter, "\n".join(r.materials), r.method, r.source, r.deadline] for r in doc.tolerated]
            w.table(COLUMNS["tolerated"], rows, [12, 40, 50, 22, 30, 20])
        if s.kind in ("power_list", "windows", "prohibited"):
            w.page_break()
    return w.save(meta.edition, meta.date)


def _add_field_begin(paragraph, instr: str) -> None:
    for child in (_el("w:fldChar", **{"w:fldCharType": "begin", "w:dirty": "true"}),):
        r = _el("w:r")
        r.append(child)
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


def handout_docx(session, it: ItemView) -> bytes:
    meta = session.doc.meta
    w = Writer(session, "handout.css")
    w.properties(f"{it.item_number}. {it.title} — {meta.title}", meta.author, it.heading,
                 f"{meta.bureau}, {meta.title}, {it.title}", meta.edition, meta.date)
    w.header_footer(f"{meta.bureau}　《{meta.title}》{meta.edition_label}", section_field=False)
    w.para(it.category_label, style="Caption")
    w.heading(it.heading, 1)
    for para in it.intro:
        w.rich(w.para(), para)
    for part in it.handout_parts:
        w.heading(part.label, 2)
        _part_body(w, part)
    if it.phones:
        w.heading(LABEL_PHONES, 2)
        w.para("　".join(it.phones), bold=True)
    if it.qr:
        w.heading(LABEL_QR, 2)
        cols = min(3, len(it.qr))
        t = w.doc.add_table(rows=0, cols=cols)
        row = None
        for i, q in enumerate(it.qr):
            if i % cols == 0:
                row = t.add_row()
            cell = row.cells[i % cols]
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run().add_picture(io.BytesIO(qr.png(q.url)), width=Mm(QR_MM), height=Mm(QR_MM))
            cap = w.add_para(cell, q.caption, "Caption")
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            u = w.add_para(cell, style="Caption")
            u.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _hyperlink(u, q.url, url=q.url)
    for proc in [it, *it.procedures]:
        if proc.flow is not None:
            w.heading(LABEL_FLOW + ("" if proc is it else f"（{proc.number}）"), 2)
            _flow(w, proc, None)
    return w.save(meta.edition, meta.date)


