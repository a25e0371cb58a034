"""Word files: real structure (built-in headings, TOC and PAGE fields, numbered lists, repeating
table headers), Chinese done right, QR images that decode, and a real word processor opens them."""

import io
import re
import shutil
import subprocess
import zipfile

import docx
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

from helpers import normalize, outline_titles, pdf_fonts, pdf_pages_text


@pytest.fixture(scope="module")
def guide_docx(built):
    out, _ = built
    return out / "guide.docx"


def _headings(document):
    out = []
    for p in document.paragraphs:
        name = p.style.name if p.style is not None else ""
        if name.startswith("Heading "):
            out.append((int(name.split()[1]), p.text))
    return out


def test_headings_match_the_model_and_the_pdf_in_order(guide_docx, doc, built):
    """One parity test for both writers: the model's headings, in order, in Word and in the PDF."""

    word = _headings(docx.Document(str(guide_docx)))
    assert word == [(h.level, h.text) for h in doc.headings()]
    out, _ = built
    pdf_outline = [t for _, t in outline_titles(PdfReader(out / "guide.pdf").outline)]
    assert pdf_outline == [t for level, t in word if level <= 2]
    # categories are Heading 1, items Heading 2, parts Heading 3
    assert (1, "三、失业保险") in word and (2, "15. 失业保险金申领") in word and (3, "15.1 需提供材料") in word


def _xml(path, part):
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


def test_toc_field_is_present_and_already_filled(guide_docx, doc):
    body = _xml(guide_docx, "word/document.xml")
    assert re.search(r"<w:instrText[^>]*>\s*TOC \\o \"1-2\" \\h \\z \\u\s*</w:instrText>", body)
    d = docx.Document(str(guide_docx))
    toc_paras = [p.text for p in d.paragraphs if p.style.name in ("TOC 1", "TOC 2")]
    assert toc_paras == [e.text for e in doc.toc()]
    assert '<w:updateFields w:val="true"/>' in _xml(guide_docx, "word/settings.xml")


def test_footer_page_field_and_header(guide_docx):
    footers = "".join(_xml(guide_docx, n) for n in zipfile.ZipFile(guide_docx).namelist() if "footer" in n)
    assert re.search(r"<w:instrText[^>]*>\s*PAGE\s*</w:instrText>", footers)
    headers = "".join(_xml(guide_docx, n) for n in zipfile.ZipFile(guide_docx).namelist() if "header" in n)
    assert "办事不找关系指南" in headers and "STYLEREF" in headers


def test_tables_repeat_their_header_row_and_lists_are_real_lists(guide_docx):
    d = docx.Document(str(guide_docx))
    data_tables = [t for t in d.tables if len(t.columns) > 1]  # the others are flowchart boxes
    assert [t.rows[0].cells[0].text for t in data_tables] == ["事项类别", "序号", "项目", "禁办事项", "序号"]
    for t in data_tables:
        assert t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    numbered = [p for p in d.paragraphs if p._p.pPr is not None and p._p.pPr.numPr is not None]
    assert len(numbered) > 200
    assert "decimalEnclosedCircle" in _xml(guide_docx, "word/numbering.xml")


def test_chinese_fonts_and_language(guide_docx):
    styles = _xml(guide_docx, "word/styles.xml")
    settings = _xml(guide_docx, "word/settings.xml")
    assert "ja-JP" not in settings and "ja-JP" not in styles
    assert 'w:eastAsia="zh-CN"' in settings and 'w:eastAsia="zh-CN"' in styles
    d = docx.Document(str(guide_docx))
    used = {p.style.name for p in d.paragraphs} | {"Normal"}
    for style in d.styles:
        if style.name in used:
            rfonts = style.element.rPr.find(qn("w:rFonts"))
            assert rfonts is not None and "CJK SC" in rfonts.get(qn("w:eastAsia")), style.name
            assert not any(k.endswith("Theme") or k.endswith("theme") for k in rfonts.keys()), style.name


def test_properties_and_page_setup(guide_docx):
    d = docx.Document(str(guide_docx))
    cp = d.core_properties
    assert cp.title == "办事不找关系指南" and cp.author == "抚顺市人力资源和社会保障局"
    assert "python-docx" not in f"{cp.comments}{cp.title}{cp.subject}{cp.keywords}{cp.last_modified_by}"
    sec = d.sections[0]
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    assert (round(sec.top_margin.mm), round(sec.right_margin.mm)) == (22, 18)


def test_every_fact_of_the_pdf_is_in_the_word_guide(guide_docx, doc, catalogue):
    d = docx.Document(str(guide_docx))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            for cell in row.cells:
                parts.append(cell.text)
    text = normalize("".join(parts))
    for it in doc.items:
        for phone in it.phones:
            assert phone in text
        for q in it.qr:
            assert q.url in text, q.url
        for name in it.material_names():
            assert normalize(name) in text
        for part in it.all_parts():
            if part.kind in ("time_limit", "tips"):
                for line in part.lines:
                    assert normalize("".join(r.text for r in line)) in text
    for w in catalogue.windows.windows:
        assert normalize(w.phone) in text and normalize(w.address) in text


def test_handout_docx_qr_images_decode_to_the_item_urls(built, doc):
    import zxingcpp
    from PIL import Image

    out, _ = built
    for number in (7, 11, 36, 41):
        it = next(i for i in doc.items if i.item_number == number)
        path = out / "handouts" / f"{it.file_stem}.docx"
        with zipfile.ZipFile(path) as z:
            images = [z.read(n) for n in z.namelist() if n.startswith("word/media/")]
        decoded = {r.text for data in images for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))}
        assert decoded == {q.url for q in it.qr}
        d = docx.Document(str(path))
        widths = [round(s.width.mm) for s in d.inline_shapes]
        assert widths and all(w == 26 for w in widths)


def test_a_reference_document_without_a_needed_style_is_named(built, tmp_path):
    from guidebook.diagnostics import GuidebookError
    from guidebook.outputs import word
    from guidebook.pipeline import Options, Session
    from helpers import SOURCE

    layouts = tmp_path / "my-layout"
    layouts.mkdir()
    plain = docx.Document()
    plain.save(layouts / "reference.docx")
    session = Session(Options(source=SOURCE, layouts=[layouts]))
    with pytest.raises(GuidebookError, match=r"reference\.docx: the reference document lacks the style\(s\) TOC 1, TOC 2"):
        word.guide_docx(session)


def _soffice():
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        pytest.fail("LibreOffice (soffice) is not installed: run `make test`, which installs libreoffice-writer-nogui")
    return exe


def test_libreoffice_converts_the_guide_and_a_handout(built, doc, tmp_path):
    exe = _soffice()
    out, _ = built
    handout = next(out.glob("handouts/15-*.docx"))
    res = subprocess.run([exe, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                          str(out / "guide.docx"), str(handout)], capture_output=True, timeout=240)
    assert res.returncode == 0, res.stderr
    guide_pdf = tmp_path / "guide.pdf"
    handout_pdf = tmp_path / (handout.stem + ".pdf")
    assert guide_pdf.exists() and handout_pdf.exists()
    text = normalize("".join(pdf_pages_text(guide_pdf)))
    for it in doc.items:
        assert normalize(it.heading) in text, it.heading
    assert "失业保险金申领" in normalize("".join(pdf_pages_text(handout_pdf)))
    for pdf in (guide_pdf, handout_pdf):

        names = list(pdf_fonts(PdfReader(pdf)))
        cjk = [n for n in names if "CJK" in n]
        assert cjk, names
        assert all("CJKsc" in n or "CJK-SC" in n for n in cjk), names
        assert not any("jp" in n.lower() for n in names), names


def test_docx_bytes_are_dated_and_reproducible(session):
    """Zip entries carry the edition date, and writing twice gives the same bytes."""
    from guidebook.outputs import word

    it = session.doc.items[14]
    data = word.handout_docx(session, it)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 1, 1, 0, 0, 0)}
        assert z.testzip() is None and "word/document.xml" in z.namelist()
    assert word.handout_docx(session, it) == data


def test_word_handouts_take_the_layout_s_colours_everywhere(tmp_path):
    """`--color-primary: #8b0000` in a layout's custom.css: the handout's .docx has no trace of the default
    #1F3B63 left, in its styles (title, headings) or its text (links, table heads)."""
    from helpers import SOURCE, run_cli

    layout = tmp_path / "layout"
    layout.mkdir()
    (layout / "custom.css").write_text(":root { --color-primary: #8b0000; }\n", "utf-8")
    out = tmp_path / "out"
    res = run_cli("build", "--source", str(SOURCE), "--layouts", str(layout), "--item", "15", "--no-site",
                  "--output", str(out), "-q")
    assert res.returncode == 0, res.stderr.decode()
    with zipfile.ZipFile(next((out / "handouts").glob("15-*.docx"))) as z:
        xml = z.read("word/styles.xml").decode() + z.read("word/document.xml").decode()
    assert "1F3B63" not in xml.upper() and xml.upper().count("8B0000") >= 5


@pytest.mark.parametrize("kind", ["svg", "png"])
def test_a_layouts_logo_heads_the_pdf_and_the_word_handout(kind, tmp_path):
    """A logo.svg (or logo.png) in a layout folder: the PDF handout's header draws it, and the Word
    handout's header holds it as a picture (an SVG drawn as a PNG first); without one, neither has it."""
    import pypdfium2 as pdfium

    from helpers import run_cli

    layout = tmp_path / "layout"
    layout.mkdir()
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" viewBox="0 0 40 20">'
           '<rect width="40" height="20" fill="#8b0000"/></svg>')
    if kind == "svg":
        (layout / "logo.svg").write_text(svg, "utf-8")
    else:
        from PIL import Image

        Image.new("RGB", (80, 40), "#8b0000").save(layout / "logo.png")

    def red_pixels(pdf) -> int:
        image = pdfium.PdfDocument(pdf)[0].render(scale=50 / 72).to_pil().convert("RGB")
        top = image.crop((0, 0, image.width // 3, image.height * 16 // 297))  # the header (top 16 mm), left end
        data = top.tobytes()  # RGB, three bytes a pixel
        return sum(1 for i in range(0, len(data), 3) if data[i] > 110 and data[i + 1] < 40 and data[i + 2] < 40)

    def docx_pictures(path) -> int:
        return len(docx.Document(path).sections[0].header._element.xpath(".//pic:pic"))

    for name, layouts in (("with", ["--layouts", str(layout)]), ("without", [])):
        out = tmp_path / name
        res = run_cli("build", "--output", str(out), *layouts, "--item", "15")
        assert res.returncode == 0, res.stderr.decode()[-1500:]
        pdf, word = (next((out / "handouts").glob(f"15-*.{ext}")) for ext in ("pdf", "docx"))
        if name == "with":
            assert red_pixels(pdf) > 25 and docx_pictures(word) == 1
        else:
            assert red_pixels(pdf) == 0 and docx_pictures(word) == 0
