"""The PDF guide: true page numbers, outline, fonts, metadata, every fact of the seed, safe rendering."""

import io
import re

import pytest
from pypdf import PdfReader

from helpers import normalize, pdf_pages_text, seed_blocks

FOOTER = re.compile(r"^—\s*(\d+)\s*—$")


@pytest.fixture(scope="module")
def guide(styled_build):
    path = styled_build / "guide.pdf"
    return path, pdf_pages_text(path)


def _printed_number(page_text: str) -> int | None:
    for line in reversed(page_text.splitlines()):
        m = FOOTER.match(line.strip())
        if m:
            return int(m.group(1))
    return None


def _body(page_text: str) -> str:
    """A page's text without its running header and footer (they come last on main pages)."""
    lines = page_text.splitlines()
    while lines and (FOOTER.match(lines[-1].strip()) or lines[-1].startswith("办事不找关系指南 ")):
        lines = lines[:-1]
    return "\n".join(lines)


def _heading_pages(doc, pages):
    """Index of the page on which each item's heading stands (searching after the item before it)."""
    start = next(i for i, t in enumerate(pages) if normalize(t).startswith("合规办事业务指南"))
    found = {}
    i = start
    for it in doc.items:
        needle = normalize(it.heading)
        while needle not in normalize(_body(pages[i])):
            i += 1
        found[it.item_number] = i
    return found


def test_page_numbers_start_at_the_power_list_and_run_on(guide, doc):
    _, pages = guide
    assert _printed_number(pages[0]) is None and _printed_number(pages[1]) is None  # cover, contents
    assert normalize(pages[2]).startswith("人社权力事项清单")
    numbered = [_printed_number(p) for p in pages[2:-1]]
    assert numbered == list(range(1, len(pages) - 2))
    assert _printed_number(pages[-1]) is None  # back cover


def test_contents_and_power_list_show_true_page_numbers(guide, doc):
    _, pages = guide
    headings = _heading_pages(doc, pages)
    toc = normalize(pages[1])
    for entry in doc.toc():
        m = re.search(re.escape(normalize(entry.text)) + r"\.+(\d+)", toc)
        assert m, entry.text
        printed = int(m.group(1))
        target = next(i for i, t in enumerate(pages[2:], 2) if normalize(_body(t)).startswith(normalize(entry.text))
                      or (entry.level == 2 and normalize(entry.text) in normalize(_body(t))
                          and i >= headings[1]))
        assert printed == _printed_number(pages[target]), entry.text
    power = "".join(normalize(_body(p)) for p in pages[2:8])
    for it in doc.items:
        m = re.search(rf"{it.item_number}{re.escape(normalize(it.list_title))}(\d+)业务指南{it.item_number}\.", power)
        assert m, it.list_title
        assert int(m.group(1)) == _printed_number(pages[headings[it.item_number]]), it.item_number


def test_every_item_starts_on_a_new_page(guide, doc):
    _, pages = guide
    headings = _heading_pages(doc, pages)
    assert len(set(headings.values())) == 54


def _outline_titles(outline, depth=0, out=None):
    out = [] if out is None else out
    for entry in outline:
        if isinstance(entry, list):
            _outline_titles(entry, depth + 1, out)
        else:
            out.append((depth, entry.title))
    return out


def test_outline_has_every_section_category_and_item(guide, doc):
    path, _ = guide
    titles = _outline_titles(PdfReader(path).outline)
    sections = [t for d, t in titles if d == 0]
    assert sections == [s.title for s in doc.sections]
    assert [t for d, t in titles if d == 1] == [c.label for c in doc.categories]
    assert [t for d, t in titles if d == 2] == [it.heading for it in doc.items]


def test_metadata_language_and_links(guide, doc):
    path, _ = guide
    reader = PdfReader(path)
    assert reader.metadata.title == "办事不找关系指南"
    assert reader.metadata.author == "抚顺市人力资源和社会保障局"
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    # the contents page links to the sections (internal links)
    annots = [a.get_object() for a in reader.pages[1].get("/Annots", [])]
    assert len([a for a in annots if a.get("/Subtype") == "/Link"]) >= len(doc.toc())


def _fonts(reader):
    seen = {}

    def walk(resources):
        if not resources:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            for f in [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]:
                desc = f.get("/FontDescriptor")
                if desc is not None:
                    seen[str(f["/BaseFont"])] = desc.get_object()
        for xobj in (resources.get("/XObject") or {}).values():
            walk(xobj.get_object().get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return seen


def test_fonts_are_embedded_subsets_of_simplified_chinese_faces(guide):
    from fontTools.ttLib import TTFont

    path, _ = guide
    fonts = _fonts(PdfReader(path))
    assert fonts
    for name, desc in fonts.items():
        assert re.fullmatch(r"/[A-Z]{6}\+Noto-(Serif|Sans)-CJK-SC-Subset(-Bold)?", name), name
        data = (desc.get("/FontFile3") or desc.get("/FontFile2")).get_object().get_data()
        font = TTFont(io.BytesIO(data))
        family = font["name"].getDebugName(1)
        assert family in ("Noto Serif CJK SC", "Noto Sans CJK SC"), (name, family)
        assert "JP" not in family and len(font.getGlyphOrder()) < 3000  # a subset, not the whole face


def test_guide_size_is_under_two_megabytes(guide):
    path, _ = guide
    assert path.stat().st_size < 2 * 1024 * 1024


def _flow_text_blocks(session, doc):
    """The text of each flowchart as the PDF's text layer has it: all its labels, in drawing order."""
    import xml.etree.ElementTree as ET

    blocks = []
    for it in doc.items:
        for proc in [it, *it.procedures]:
            if proc.flow is not None:
                with session.renderer.for_browser():  # the SVG source, not the <img> the PDF gets
                    svg = str(session.renderer.flow_svg(proc.flow, title=proc.flow_caption))
                labels = [("".join(t.itertext())) for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
                blocks.append(normalize("".join(labels)))
    return blocks


def test_the_whole_seed_reaches_the_pdf(guide, seed_text, catalogue, doc, session):
    from test_catalogue import seed_facts

    _, pages = guide
    text = normalize("".join(_body(p) for p in pages))
    # flowchart labels come after a page's running text: take them out, so that a tip broken by a page
    # break reads on
    for block in _flow_text_blocks(session, doc):
        assert block in text
        text = text.replace(block, "", 1)
    facts = seed_facts(seed_text)
    for kind, values in facts.items():
        for value in values:
            if kind == "urls" and "://" not in value:
                value = "http://" + value  # bare domains are printed with their scheme
            if value == "http://si12333.gov.cn":
                value = "http://si.12333.gov.cn"  # the recorded correction
            assert normalize(value) in text, (kind, value)
    tips = seed_blocks(seed_text, "温馨提示")
    assert len(tips) >= 50
    for tip in tips:
        assert tip in text, tip
    seed_norm = normalize(seed_text).replace("**", "")
    for it in doc.items:
        for name in it.material_names():
            assert normalize(name) in text, (it.item_number, name)
            assert normalize(name) in seed_norm, (it.item_number, name)  # nothing invented
    for w in catalogue.windows.windows:
        assert normalize(w.name + w.address + w.phone) in text
    for g in catalogue.prohibited.groups:
        for case in g.cases:
            assert normalize(case) in text


def test_a_character_outside_the_fonts_fails_naming_item_and_character(source_copy):
    from guidebook.diagnostics import DataError
    from guidebook.pipeline import Options, Session

    path = source_copy / "items" / "22.yaml"
    path.write_text(path.read_text("utf-8").replace("社保卡银行功能需要激活。", "社保卡银行功能需要激活𓀀。"), "utf-8")
    with pytest.raises(DataError) as err:
        Session(Options(source=source_copy))
    assert [d.format() for d in err.value.diagnostics] == [
        f"{err.value.diagnostics[0].file}: item 22: character '𓀀' (U+13000) has no glyph in "
        "Noto Serif CJK SC, Noto Sans CJK SC"]


def test_markup_in_catalogue_text_is_literal_and_fetches_nothing(source_copy, tmp_path):
    from guidebook.outputs import handouts
    from guidebook.pipeline import Options, Session

    evil = '<img src="file:///etc/passwd"> {{ 7*7 }} <a href="http://127.0.0.1:9/">x</a>'
    path = source_copy / "items" / "22.yaml"
    path.write_text(path.read_text("utf-8").replace("tips: 社保卡银行功能需要激活。", f"tips: '{evil}'"), "utf-8")
    session = Session(Options(source=source_copy))
    it = next(i for i in session.doc.items if i.item_number == 22)
    html = handouts.html(session, it)
    # the only images are the flowchart drawings, as data: URLs; the catalogue's <img> is text
    assert all(src.startswith("data:image/svg+xml;base64,") for src in re.findall(r'<img[^>]*src="([^"]*)"', html))
    assert 'file:///etc/passwd"' not in html and 'href="http://127.0.0.1:9/"' in html  # text, plus a plain link
    assert "&lt;img src=" in html and "{{ 7*7 }}" in html
    data, _ = handouts.build_one(session, it)  # strict: a refused fetch would be an error
    out = tmp_path / "h.pdf"
    out.write_bytes(data)
    assert normalize(evil) in normalize(pdf_pages_text(out)[0])


def test_the_fetcher_refuses_everything_but_layout_files_and_data():
    from guidebook.render import DEFAULT_LAYOUT, weasy

    fetcher = weasy.make_fetcher([DEFAULT_LAYOUT])
    assert fetcher.fetch((DEFAULT_LAYOUT / "theme.css").as_uri()).read()
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/", (DEFAULT_LAYOUT / ".." / ".." / "README.md").as_uri()):
        with pytest.raises(ValueError, match="refused to load"):
            fetcher.fetch(url)


def test_the_cffi_array_shortcut_makes_the_same_arrays():
    """render.weasy.reuse_parsed_array_types: `T[N]` asked as `T[]` must give the same array."""
    from guidebook.render import weasy

    weasy.load()
    from weasyprint.text.ffi import ffi

    a = ffi.new("unsigned int[3]", [7, 8, 9])
    assert ffi.typeof(a) is ffi.typeof("unsigned int[3]") and list(a) == [7, 8, 9]
    assert ffi.sizeof(ffi.new("char[4]")) == 4 and ffi.buffer(ffi.new("char[4]", b"ab"))[:] == b"ab\0\0"
    assert ffi.sizeof(ffi.new("unsigned int[5]", [1, 2])) == 5 * 4  # short initialiser: left as asked


def test_the_guide_joined_from_parts_embeds_each_face_once(guide):
    """The guide is laid out in parallel parts and joined: the parts' subsets of a face become one."""
    import pikepdf

    pdf = pikepdf.open(guide[0])
    programs = {}
    for o in pdf.objects:
        if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/FontDescriptor":
            program = o.get("/FontFile3") or o.get("/FontFile2")
            if program is not None:
                programs.setdefault(str(o.FontName).split("+")[-1], set()).add(program.objgen)
    assert programs and all(len(p) == 1 for p in programs.values()), programs


def test_the_changes_page_has_its_contents_line_and_page_number(source_copy, tmp_path):
    """本版主要变化 sits in the front matter, numbered in small roman numerals (the cover i, the contents ii):
    its contents line gives the number its page prints, and the main matter still starts at 1."""
    from helpers import run_cli

    old = tmp_path / "old"
    import shutil

    shutil.copytree(source_copy, old)
    item = source_copy / "items" / "15.yaml"
    item.write_text(item.read_text("utf-8").replace("全月经办。", "全月经办（变化测试）。"), "utf-8")
    out = tmp_path / "out"
    res = run_cli("build", "--source", str(source_copy), "--output", str(out), "--changes-since", str(old),
                  "--no-handouts", "--no-word")
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    pages = pdf_pages_text(out / "guide.pdf")
    toc = next(p for p in pages if "本版主要变化" in p and "...." in p)
    numeral = re.search(r"本版主要变化\s*\.{3,}\s*([ivx]+)", toc).group(1)
    at = next(i for i, p in enumerate(pages) if "全月经办（变化测试）" in p and "本版主要变化" in p)
    assert numeral == "iii" and at == 2  # the cover, the contents, then this page
    assert pages[at].strip().splitlines()[-1].strip() == numeral
    assert _printed_number(next(p for p in pages if "人社权力事项清单" in p and FOOTER.search(p.strip().splitlines()[-1].strip()))) == 1
