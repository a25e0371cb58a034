"""Regenerate layouts/default/reference.docx: the Word styles every .docx of guidebook is built from.

Designers normally edit reference.docx in Word directly; this script only recreates the default.
Run: .venv/bin/python scripts/make_reference_docx.py
"""

from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

BODY = "Noto Serif CJK SC"
HEAD = "Noto Sans CJK SC"
PRIMARY = RGBColor(0x1F, 0x3B, 0x63)
ACCENT = RGBColor(0xB3, 0x26, 0x1E)
MUTED = RGBColor(0x5A, 0x64, 0x72)


def fonts(style, family):
    style.font.name = family
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), family)


def main() -> None:
    d = docx.Document()
    st = d.styles
    spec = {
        "Normal": (BODY, 11, None, False),
        "Title": (HEAD, 32, PRIMARY, True),
        "Subtitle": (HEAD, 14, ACCENT, False),
        "Heading 1": (HEAD, 18, PRIMARY, True),
        "Heading 2": (HEAD, 15, ACCENT, True),
        "Heading 3": (HEAD, 12, PRIMARY, True),
        "Heading 4": (HEAD, 11, PRIMARY, True),
        "TOC Heading": (HEAD, 18, PRIMARY, True),
        "Caption": (HEAD, 9, MUTED, False),
        "List Paragraph": (BODY, 11, None, False),
        "Header": (HEAD, 8.5, MUTED, False),
        "Footer": (HEAD, 9, MUTED, False),
    }
    for name, (family, size, color, bold) in spec.items():
        s = st[name]
        fonts(s, family)
        s.font.size = Pt(size)
        s.font.bold = bold
        if color is not None:
            s.font.color.rgb = color
        if name.startswith("Heading") or name in ("Title", "TOC Heading"):
            s.font.color.theme_color = None
            if color is not None:
                s.font.color.rgb = color
            s.paragraph_format.space_before = Pt(10)
            s.paragraph_format.space_after = Pt(6)
            s.paragraph_format.keep_with_next = True
    st["Normal"].paragraph_format.space_after = Pt(3)
    st["Normal"].paragraph_format.line_spacing = 1.3
    for level in (1, 2):
        s = st.add_style(f"TOC {level}", WD_STYLE_TYPE.PARAGRAPH)
        s.base_style = st["Normal"]
        s.next_paragraph_style = st["Normal"]
        fonts(s, HEAD)
        s.font.size = Pt(12 if level == 1 else 11)
        s.font.bold = level == 1
        s.paragraph_format.left_indent = Mm(0 if level == 1 else 8)
        s.paragraph_format.space_before = Pt(6 if level == 1 else 1)
    d.core_properties.title = ""
    d.core_properties.author = ""
    d.core_properties.comments = ""
    d.core_properties.last_modified_by = ""
    sec = d.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    out = Path(__file__).resolve().parent.parent / "layouts" / "default" / "reference.docx"
    d.save(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
