"""Catalogue stage (import): a Word file as a flat list of blocks, in document order.

python-docx gives paragraphs and tables as separate lists; the body's children (`w:p`, `w:tbl`) give
their order. Each block keeps what the structure reader needs and nothing it must guess from again:
the heading level (from the style, "Heading N" / "标题 N", or the paragraph's outline level), the kind
of list numbering (Word numbering: ①, 1., a bullet; or none), whether every run is bold, and its place
("第 12 段", "第 3 个表格第 2 行") for the import report. A merged cell is read once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from guidebook.diagnostics import GuidebookError

HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)


@dataclass
class Block:
    kind: str  # para | table
    where: str  # 第 N 段 / 第 N 个表格
    text: str = ""
    style: str = ""
    level: int | None = None  # heading level, 1 = top
    numbering: str | None = None  # circled | decimal | bullet | other (Word list numbering), None
    depth: int = 0  # list level (0 = top)
    bold: bool = False
    rows: list[list[str]] = field(default_factory=list)  # a table's cells, merged cells once
    runs: list[tuple[str, str]] = field(default_factory=list)  # (text, look): look = "b" bold, colour, "" plain
    styled: bool = False  # the document sets notes off by colour somewhere (guidebook's own Word files do)

    @property
    def plain(self) -> str:
        """The text for matching: NFKC (full-width digits and punctuation as ASCII), spaces trimmed."""
        return unicodedata.normalize("NFKC", self.text).strip()


def _numbering_formats(doc) -> dict[tuple[str, str], str]:
    """(numId, ilvl) -> numFmt of the document's list definitions."""
    from docx.oxml.ns import qn

    try:
        root = doc.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    abstract = {}
    for a in root.findall(qn("w:abstractNum")):
        lvls = {}
        for lvl in a.findall(qn("w:lvl")):
            fmt = lvl.find(qn("w:numFmt"))
            lvls[lvl.get(qn("w:ilvl"))] = fmt.get(qn("w:val")) if fmt is not None else ""
        abstract[a.get(qn("w:abstractNumId"))] = lvls
    out = {}
    for num in root.findall(qn("w:num")):
        ref = num.find(qn("w:abstractNumId"))
        for ilvl, fmt in abstract.get(ref.get(qn("w:val")) if ref is not None else "", {}).items():
            out[(num.get(qn("w:numId")), ilvl)] = fmt
    return out


def _list_kind(fmt: str) -> str:
    if fmt == "bullet":
        return "bullet"
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return "circled"
    if fmt.startswith("decimal"):
        return "decimal"
    return "other"


def _paragraph(p, where: str, formats) -> Block:
    from docx.oxml.ns import qn

    style = p.style.name if p.style is not None else ""
    level = None
    m = HEADING_STYLE.match(style)
    if m:
        level = int(m.group(1))
    ppr = p._p.pPr
    numbering, depth = None, 0
    if ppr is not None:
        outline = ppr.find(qn("w:outlineLvl"))
        if level is None and outline is not None and outline.get(qn("w:val")).isdigit() and \
                int(outline.get(qn("w:val"))) < 9:
            level = int(outline.get(qn("w:val"))) + 1
        if ppr.numPr is not None and ppr.numPr.numId is not None:
            num_id = str(ppr.numPr.numId.val)
            depth = int(ppr.numPr.ilvl.val) if ppr.numPr.ilvl is not None else 0
            if num_id != "0":
                numbering = _list_kind(formats.get((num_id, str(depth)), ""))
    if numbering is None and style.startswith(("List Number", "List Bullet")):  # numbered by its style
        numbering = "bullet" if "Bullet" in style else "decimal"
    runs = [r for r in p.runs if r.text.strip()]
    bold = bool(runs) and all(r.bold or (r.style is not None and r.style.font.bold) for r in runs)
    looks = [(r.text, _look(r)) for r in p.runs if r.text]
    return Block("para", where, p.text, style, level, numbering, depth, bold, runs=looks)


def _look(run) -> str:
    """How a run is set off from plain text: "b" bold, plus its colour ("b:C00000", ":7F7F7F")."""
    color = run.font.color.rgb if run.font.color is not None and run.font.color.type is not None else None
    return ("b" if run.bold else "") + (f":{color}" if color is not None else "")


def _table(t, where: str) -> Block:
    rows = []
    for row in t.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell repeats in row.cells
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text)
        rows.append(cells)
    return Block("table", where, rows=rows)


def read_docx(path: Path) -> list[Block]:
    """The blocks of a .docx, in order. Raises GuidebookError for a file that is not a Word document."""
    import zipfile

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    from docx.opc.exceptions import PackageNotFoundError

    path = Path(path)
    if not path.is_file():
        raise GuidebookError(f"{path}: no such file" if not path.exists() else f"{path}: is a folder, not a .docx")
    try:
        doc = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError) as exc:
        raise GuidebookError(f"{path}: not a Word document (.docx; a .doc must first be saved as .docx): "
                             f"{exc}") from exc
    except OSError as exc:
        raise GuidebookError(f"{path}: cannot read it: {exc.strerror or exc}") from exc
    formats = _numbering_formats(doc)
    blocks: list[Block] = []
    paras = tables = 0
    for el in doc.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paras += 1
            blocks.append(_paragraph(Paragraph(el, doc), f"第 {paras} 段", formats))
        elif tag == "tbl":
            tables += 1
            blocks.append(_table(Table(el, doc), f"第 {tables} 个表格"))
    styled = any(look.startswith(":") for b in blocks for _, look in b.runs)
    for b in blocks:
        b.styled = styled
    return blocks
