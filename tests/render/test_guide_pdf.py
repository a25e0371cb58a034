"""The PDF guide: true page numbers, outline, fonts, metadata, every fact of the seed, safe rendering."""

import io
import re

import pytest
from pypdf import PdfReader

from helpers import normalize, outline_titles, pdf_fonts, pdf_pages_text, seed_blocks, seed_facts

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


def test_outline_has_every_section_category_and_item(guide, doc):
    path, _ = guide
    titles = outline_titles(PdfReader(path).outline)
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


def test_fonts_are_embedded_subsets_of_simplified_chinese_faces(guide):
    from fontTools.ttLib import TTFont

    path, _ = guide
    fonts = pdf_fonts(PdfReader(path))
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
    from guidebook.pipeline import make, planner

    made = make(session, [planner.HANDOUT_PDF], [22])  # strict: a refused fetch would be an error
    out = tmp_path / "h.pdf"
    out.write_bytes(made[planner.HANDOUT_PDF.of(stem=it.file_stem)].data)
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


def test_the_changes_page_has_its_contents_line_and_page_number(tmp_path):
    """本版主要变化 sits in the front matter, numbered in small roman numerals (the cover i, the contents ii):
    its contents line gives the number its page prints, and the main matter still starts at 1. (A catalogue
    of the seed's first 16 items, one or two a category: the front matter is the seed's.)"""
    import shutil

    from helpers import run_cli
    from helpers.synthetic import make_catalogue

    source_copy = make_catalogue(tmp_path / "source", 16)
    old = tmp_path / "old"
    shutil.copytree(source_copy, old)
    item = source_copy / "items" / "15.yaml"
    item.write_text(item.read_text("utf-8").replace("全月经办。", "全月经办（变化测试）。"), "utf-8")
    out = tmp_path / "out"
    res = run_cli("build", "--source", str(source_copy), "--output", str(out), "--changes-since", str(old),
                  "--no-handouts", "--no-word", "--no-site")
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    pages = pdf_pages_text(out / "guide.pdf")
    toc = next(p for p in pages if "本版主要变化" in p and "...." in p)
    numeral = re.search(r"本版主要变化\s*\.{3,}\s*([ivx]+)", toc).group(1)
    at = next(i for i, p in enumerate(pages) if "全月经办（变化测试）" in p and "本版主要变化" in p)
    assert numeral == "iii" and at == 2  # the cover, the contents, then this page
    assert pages[at].strip().splitlines()[-1].strip() == numeral
    assert _printed_number(next(p for p in pages if "人社权力事项清单" in p and FOOTER.search(p.strip().splitlines()[-1].strip()))) == 1


def _structure(pdf) -> list:
    """The structure elements of a tagged PDF in reading order, as (tag, element)."""
    import pikepdf

    out = []

    def walk(e):
        if isinstance(e, pikepdf.Dictionary) and e.get("/Type") not in ("/MCR", "/OBJR"):
            out.append((str(e.get("/S")), e))
            k = e.get("/K")
            for kid in (list(k) if isinstance(k, pikepdf.Array) else [k] if k is not None else []):
                walk(kid)

    k = pdf.Root.StructTreeRoot.K
    for top in (list(k) if isinstance(k, pikepdf.Array) else [k]):
        walk(top)
    return out


def _marked_content(page) -> tuple[set[int], int]:
    """The MCIDs a page's content marks, and how many text-showing operators lie outside any marked content
    (neither tagged nor an artifact)."""
    import pikepdf

    mcids, loose, depth = set(), 0, 0
    for ins in pikepdf.parse_content_stream(page):
        op = str(ins.operator)
        if op in ("BDC", "BMC"):
            depth += 1
            if op == "BDC" and isinstance(ins.operands[1], pikepdf.Dictionary) and "/MCID" in ins.operands[1]:
                mcids.add(int(ins.operands[1].MCID))
        elif op == "EMC":
            depth -= 1
        elif op in ("Tj", "TJ", "'", '"') and depth == 0:
            loose += 1
    return mcids, loose


def test_the_guide_is_a_tagged_pdf_whose_structure_a_screen_reader_can_follow(guide, doc):
    """guide.pdf is tagged whether it was laid out in parts (their structure trees pruned to their pages and
    joined) or whole: headings in the guide's order, every QR code and flowchart with its alternative text,
    every page's marked content in the parent tree, no text outside marked content (tagged or an artifact),
    zh-CN, the title shown as the window title."""
    import pikepdf

    path, _ = guide
    pdf = pikepdf.open(path)
    assert pdf.Root.MarkInfo.Marked and str(pdf.Root.Lang) == "zh-CN" and pdf.Root.ViewerPreferences.DisplayDocTitle
    elements = _structure(pdf)
    assert elements[0][0] == "/Document" and len(elements) > 5000
    headings = [tag for tag, _ in elements if tag in ("/H1", "/H2", "/H3")]
    assert headings.count("/H2") >= len(doc.items) and headings.count("/H1") >= len(doc.categories)
    figures = [e for tag, e in elements if tag == "/Figure"]
    assert len(figures) >= sum(1 for it in doc.items if it.flow is not None)
    assert all("/Alt" in f and str(f.Alt).strip() for f in figures)
    alts = {str(f.Alt) for f in figures}
    it = next(i for i in doc.items if i.item_number == 15)  # a flowchart is read out as its name and its steps
    assert any(alt.endswith("：" + "；".join(it.flow.as_lines())) for alt in alts), sorted(alts)[:3]
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    entries = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    assert len(entries) == len(nums) // 2 == int(pdf.Root.StructTreeRoot.ParentTreeNextKey)
    kept = {p.objgen for p in pdf.pages}
    for tag, e in elements[1:]:
        assert "/Pg" not in e or e.Pg.objgen in kept, tag  # nothing points at a page that was left out
    for n in (0, 2, 10, len(pdf.pages) // 2, len(pdf.pages) - 1):
        page = pdf.pages[n]
        mcids, loose = _marked_content(page)
        assert loose == 0, n
        if mcids:
            marked = entries[int(page.obj.StructParents)]
            assert len(marked) > max(mcids) and all(marked[m] is not None for m in mcids), n


def test_an_independent_pdf_ua_checker_finds_no_error(styled_build, doc):
    """pdfua (PyPI, on pikepdf): the machine-checkable rules of PDF/UA-1 on guide.pdf and a handout. Its
    warnings are reviewed in docs/performance.md (no XMP PDF/UA claim, table headers associated by /Headers)."""
    import subprocess
    import sys

    files = [styled_build / "guide.pdf", styled_build / "handouts" / f"{doc.items[14].file_stem}.pdf"]
    res = subprocess.run([sys.executable, "-m", "pdfua", "check", *map(str, files)], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode in (0, 1, 2), res.stdout + res.stderr  # 3: an ERROR finding, 4/5: not checked
    assert "errors=0" in res.stdout and "[ERROR]" not in res.stdout, res.stdout
