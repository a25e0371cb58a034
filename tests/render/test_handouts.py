"""One-page handouts: one page each, QR codes that decode to the item's URLs, every fact on the sheet."""

import re

import pytest
from pypdf import PdfReader

from helpers import (
    SOURCE,
    decode_qr_codes,
    normalize,
    pdf_pages_text,
    run_cli,
    run_cli_here,
    text_sizes,
)


@pytest.fixture(scope="module")
def handout_dir(styled_build):
    return styled_build / "handouts"


def _path(folder, it):
    return folder / f"{it.file_stem}.pdf"


def test_every_handout_is_exactly_one_page(handout_dir, doc):
    for it in doc.items:
        assert len(PdfReader(_path(handout_dir, it)).pages) == 1, it.item_number


def test_file_names_are_number_and_guide_title(handout_dir, doc):
    names = sorted(p.name for p in handout_dir.glob("*.pdf") if p.name != "all-handouts.pdf")
    assert names == sorted(f"{it.item_number:02d}-{it.title}.pdf" for it in doc.items)


def test_qr_codes_decode_to_the_items_online_urls(handout_dir, doc, catalogue):
    for it, item in zip(doc.items, catalogue.items):
        expected = {link.url for proc in [item, *item.procedures] for ch in proc.channels for link in ch.links}
        # at 150 dpi (a 25 mm code is 148 pixels wide): a quarter of 300 dpi's pixels, the same codes found
        assert decode_qr_codes(_path(handout_dir, it), dpi=150) == expected, it.item_number


def test_no_text_on_a_handout_is_below_8_pt_and_qr_captions_are_9_pt(handout_dir, doc):
    """For elderly readers: every piece of text (flowchart labels and the labels of their arrows
    included) at least 8 pt as printed, the captions under QR codes at least 9 pt."""
    smallest = {}
    for it in doc.items:
        sizes = text_sizes(_path(handout_dir, it))
        smallest[it.item_number] = min(sizes)
        for qr in it.qr:  # the name under the code (the flowchart may name the same channel smaller)
            name = [size for size, text, drawn in sizes if not drawn and len(normalize(text)) >= 2
                    and normalize(text) in normalize(qr.caption)]
            assert name and min(name) >= 8.95, (it.item_number, qr.caption, name)
            # and its address (which the body text may also quote, in the body's size)
            url = "".join(text for size, text, drawn in sizes if not drawn and size >= 8.95)
            assert normalize(qr.url) in normalize(url), (it.item_number, qr.url)
    assert any(drawn for size, text, drawn in sizes)  # the flowchart's labels are measured too
    too_small = {n: (round(s, 2), t) for n, (s, t, _) in smallest.items() if s < 7.95}
    assert too_small == {}


def test_qr_codes_are_at_least_25_mm_with_their_quiet_zone(handout_dir, doc):
    import pypdfium2 as pdfium
    import zxingcpp

    dpi = 300
    for number in (7, 11, 15, 36):
        it = next(i for i in doc.items if i.item_number == number)
        pdf = pdfium.PdfDocument(str(_path(handout_dir, it)))
        image = pdf[0].render(scale=dpi / 72).to_pil().convert("L")
        pdf.close()
        results = zxingcpp.read_barcodes(image)
        assert len(results) == len(it.qr)
        for r in results:
            modules = 17 + 4 * int(r.extra["Version"])
            p = r.position
            left, right = min(p.top_left.x, p.bottom_left.x), max(p.top_right.x, p.bottom_right.x)
            top, bottom = min(p.top_left.y, p.top_right.y), max(p.bottom_left.y, p.bottom_right.y)
            module = (right - left) / modules
            printed_mm = module * (modules + 8) / dpi * 25.4  # with the 4-module quiet zone each side
            assert printed_mm >= 25, (number, r.text, printed_mm)
            # the quiet zone is blank: no dark pixel within 4 modules around the symbol
            q = int(module * 3.5)
            ring = image.crop((int(left) - q, int(top) - q, int(right) + q, int(bottom) + q))
            w, h = ring.size
            border = [ring.getpixel((x, y)) for x in range(w) for y in (0, 1, h - 2, h - 1)]
            border += [ring.getpixel((x, y)) for y in range(h) for x in (0, 1, w - 2, w - 1)]
            assert min(border) > 200, (number, r.text)


def test_each_handout_shows_phones_time_limit_and_materials(handout_dir, doc):
    for it in doc.items:
        text = normalize(pdf_pages_text(_path(handout_dir, it))[0])
        for phone in it.phones:
            assert phone in text, (it.item_number, phone)
        for part in it.all_parts():
            if part.kind == "time_limit":
                for line in part.lines:
                    assert normalize("".join(r.text for r in line)) in text, it.item_number
        for name in it.material_names():
            assert normalize(name) in text, (it.item_number, name)
        assert normalize(it.full_title) in text


def test_item_8_has_both_sub_procedures_on_its_page(handout_dir, doc):
    it = next(i for i in doc.items if i.item_number == 8)
    text = normalize(pdf_pages_text(_path(handout_dir, it))[0])
    for sub in it.procedures:
        assert normalize(sub.heading) in text


def test_combined_file_has_all_handouts_in_item_order(handout_dir, doc):
    pages = pdf_pages_text(handout_dir / "all-handouts.pdf")
    assert len(pages) == 54
    for page, it in zip(pages, doc.items):
        assert normalize(it.full_title) in normalize(page)


def test_an_overlong_item_fails_and_names_the_item(source_copy, tmp_path):
    path = source_copy / "items" / "22.yaml"
    text = path.read_text("utf-8")
    # the time limit is never left to the guide (a handout without room refers only lower sections)
    long_limit = "；".join(f"第{i}种情形：每月 19 日—28 日，30 日内审核完毕" for i in range(120))
    path.write_text(text.replace("time_limit: 每月 19 日—28 日，30 日内审核完毕。", f"time_limit: {long_limit}。"), "utf-8")
    (tmp_path / "output").mkdir()
    res = run_cli("handout", "22", "--source", str(source_copy), "--output", str(tmp_path / "output"))
    assert res.returncode == 1
    err = res.stderr.decode()
    assert ("item 22 《一次性伤残补助金》 does not fit on one page even at the smallest allowed type (10.5 pt) and "
            "without 温馨提示") in err
    assert re.search(r"overflows by about \d+ mm", err)
    assert "Traceback" not in err
    assert not list((tmp_path / "output").rglob("*.pdf"))


def test_content_the_layout_engine_fails_on_is_passed_over_or_a_clear_error_naming_the_handout(source_copy, tmp_path,
                                                                                               monkeypatch):
    """WeasyPrint's page maker raises IndexError on item 22 with an extremely long time limit in columns beside
    its flowchart: that level counts as not fitting, and the handout ends in the error that names it and says
    by how much it overflows (without its flowchart, left to the guide); should the smallest layout itself
    fail in the engine (forced here), that is the error, naming the handout, never a traceback."""
    from guidebook.render import EngineFailure, Renderer
    from helpers import run_cli_here

    path = source_copy / "items" / "22.yaml"
    text = path.read_text("utf-8")
    limit = re.search(r"(?m)^time_limit: .+$", text).group(0)
    path.write_text(text.replace(limit, "time_limit: " + "；".join(f"第{i}种情形：三十日内审核完毕" for i in range(150))),
                    "utf-8")
    failed, real = [], Renderer.layout

    def layout(self, kind, html, what):
        try:
            return real(self, kind, html, what)
        except EngineFailure as exc:
            failed.append(str(exc))
            raise

    monkeypatch.setattr(Renderer, "layout", layout)
    monkeypatch.setenv("GUIDEBOOK_WORKERS", "1")  # laid out in this process, where the engine is watched
    res = run_cli_here("handout", "22", "--source", str(source_copy), "--output", str(tmp_path / "a"))
    err = res.stderr.decode()
    assert res.returncode == 1 and any("handout 22: the layout engine (WeasyPrint) failed" in f for f in failed), err
    assert "item 22 《一次性伤残补助金》 does not fit on one page" in err and "操作流程" in err
    assert "internal error" not in err and "Traceback" not in err

    def smallest_fails(self, kind, html, what):
        if "fit-smaller" in html:
            raise EngineFailure(f"{what}: the layout engine (WeasyPrint) failed on this content (IndexError)")
        return real(self, kind, html, what)

    monkeypatch.setattr(Renderer, "layout", smallest_fails)
    res = run_cli_here("handout", "22", "--source", str(source_copy), "--output", str(tmp_path / "b"))
    err = res.stderr.decode()
    assert res.returncode == 1 and "handout 22: the layout engine (WeasyPrint) failed on this content" in err, err
    assert "internal error" not in err and "Traceback" not in err


def test_a_fitting_level_the_layout_engine_fails_on_is_passed_over(session, monkeypatch):
    """The engine failing on one fitting level (forced here on the level item 15 needs) counts as that level
    not fitting: the search goes on, from no hint and from that level as the hint, and the handout is laid
    out on one page at another level."""
    from guidebook.outputs import handouts
    from guidebook.render import EngineFailure, Renderer

    it = next(it for it in session.doc.items if it.item_number == 15)
    _, usual = handouts.layout(session, it, 0)
    asked: list[int] = []
    real_html, real_layout = handouts.html, Renderer.layout
    monkeypatch.setattr(handouts, "html", lambda s, item, level=0: (asked.append(level), real_html(s, item, level))[1])

    def layout(self, kind, html, what):
        if kind == "handout" and asked[-1] == usual:
            raise EngineFailure(f"{what}: the layout engine (WeasyPrint) failed on this content (IndexError)")
        return real_layout(self, kind, html, what)

    monkeypatch.setattr(Renderer, "layout", layout)
    for hint in (0, usual):
        asked.clear()
        rendered, level = handouts.layout(session, it, hint)
        assert usual in asked and level != usual and rendered.pages == 1, (hint, asked, level)


def test_an_item_whose_tips_overflow_leaves_them_to_the_guide(source_copy, tmp_path):
    path = source_copy / "items" / "22.yaml"
    text = path.read_text("utf-8")
    long_tips = "\n".join(f"  - 第{i}条提示：社保卡银行功能需要激活，请携带身份证原件到合作银行网点办理激活手续。" for i in range(60))
    path.write_text(text.replace("tips: 社保卡银行功能需要激活。", "tips:\n" + long_tips), "utf-8")
    res = run_cli("handout", "22", "--source", str(source_copy), "--output", str(tmp_path))
    assert res.returncode == 0, res.stderr.decode()
    pdf = next((tmp_path / "handouts").glob("22-*.pdf"))
    pages = pdf_pages_text(pdf)
    assert len(pages) == 1
    text = normalize(pages[0])
    assert normalize("本页未印：温馨提示，详见《办事不找关系指南》第 22 项") in text
    assert "第0条提示" not in text
    assert "办理时限" in text and "办理路径" in text


def test_handout_command_writes_one_file_or_stdout(tmp_path):
    res = run_cli("handout", "15", "--output", str(tmp_path))
    assert res.returncode == 0
    path = tmp_path / "handouts" / "15-失业保险金申领.pdf"
    assert res.stdout.decode().strip() == str(path)
    assert len(PdfReader(path).pages) == 1
    res = run_cli("handout", "15", "-o", "-")
    assert res.returncode == 0 and res.stdout.startswith(b"%PDF-")
    res = run_cli("handout", "99")  # an unknown item is a usage error, like an unknown category
    assert res.returncode == 2 and "no item numbered 99" in res.stderr.decode()


def test_list_finds_items_without_rendering():
    res = run_cli("list", "失业")
    assert res.returncode == 0
    numbers = [int(line.split()[0]) for line in res.stdout.decode().splitlines()]
    assert set(numbers[:8]) == set(range(14, 22))  # best first: titles, then the category
    assert set(numbers) - set(range(14, 22)) == {45}  # its materials name 失业人员
    res = run_cli("list")
    assert len(res.stdout.decode().splitlines()) == len(list(SOURCE.glob("items/*.yaml")))
    res = run_cli("list", "不存在的事项")
    assert res.returncode == 1 and "no item matches" in res.stderr.decode()


def test_the_last_builds_fitting_level_is_checked_then_used(session, monkeypatch):
    """Item 8 needs every fitting step and one section left to the guide: from the last build's level it
    is laid out three times (that level fits, the one before does not, and with no section left off even
    every step does not) instead of eighteen, and ends at the same level; a wrong hint falls back to the
    search from the start. (The searches that fall back are counted, and given the first search's layouts
    of the same HTML: the engine's work is the first search's, the order of the levels tried is theirs.)"""
    from guidebook.outputs import handouts

    it = next(i for i in session.doc.items if i.item_number == 8)
    r = session.renderer
    calls, laid_out, remembered = [], {}, []
    real = type(r).layout

    def layout(self, *a, **k):
        calls.append(a)
        if remembered and a in laid_out:
            return laid_out[a]
        laid_out[a] = real(self, *a, **k)
        return laid_out[a]

    monkeypatch.setattr(type(r), "layout", layout)
    rendered, level = handouts.layout(session, it)
    assert handouts.parts_of(level) == (len(handouts.FIT_STEPS), 1) and handouts.referred(it, level) == ("tips",)
    full = len(calls)
    # the large sizes first (none fits), each level of no section left off, then of one
    assert full == len(handouts.GROW_PT) + 2 * len(handouts.FIT_STEPS) + 2 == len(laid_out)
    searched = r.pdf(rendered, "searched")
    for hint, layouts in ((level, 3), (3, full), (99, full)):  # right (laid out anew), wrong, no level at all
        calls.clear()
        rendered, found = handouts.layout(session, it, hint)
        assert (found, len(calls)) == (level, layouts), hint
        assert r.pdf(rendered, "hinted") == searched
        remembered.append(hint)


def test_a_first_build_searches_from_the_largest_size(session, monkeypatch):
    """With no level from an earlier build, the search starts at the largest size, where most handouts
    end: item 3 (16 pt) is laid out once, item 15 (13 pt) four times (16, 15, 14, 13 pt), item 1 (the
    layout's size) five times; before, each was first laid out at the layout's size and one size larger."""
    from guidebook.outputs import handouts

    calls = []
    real = type(session.renderer).layout
    monkeypatch.setattr(type(session.renderer), "layout", lambda self, *a, **k: (calls.append(a), real(self, *a, **k))[1])
    by_number = {it.item_number: it for it in session.doc.items}
    for n, level, layouts in ((3, -4, 1), (15, -1, 4), (1, 0, 5)):
        calls.clear()
        _, found = handouts.layout(session, by_number[n])
        assert (found, len(calls)) == (level, layouts), n


def _font_programs(path) -> set:
    """The embedded font programs of a PDF (each one stream, however many fonts point at it)."""
    import pikepdf

    pdf = pikepdf.open(path)
    return {(o.get("/FontFile3") or o.get("/FontFile2")).objgen for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/FontDescriptor"
            and ("/FontFile3" in o or "/FontFile2" in o)}


def test_the_combined_file_embeds_each_face_once_and_looks_the_same(handout_dir, doc):
    """all-handouts.pdf shares one subset per face (not 54 copies): at most one program per face of the
    layout, a fraction of the handouts' total size, and every sampled page is pixel for pixel the
    handout's own page."""
    import pypdfium2 as pdfium
    from PIL import ImageChops

    combined = handout_dir / "all-handouts.pdf"
    assert len(_font_programs(combined)) <= 4  # body and heading, regular and bold
    singles = sum(_path(handout_dir, it).stat().st_size for it in doc.items)
    assert combined.stat().st_size < 1.5 * 1024 * 1024 and combined.stat().st_size < singles / 3
    joined = pdfium.PdfDocument(combined)
    for i, it in enumerate(doc.items):
        if i % 9:
            continue
        own = pdfium.PdfDocument(_path(handout_dir, it))
        a, b = (d[p].render(scale=100 / 72).to_pil().convert("RGB") for d, p in ((joined, i), (own, 0)))
        assert ImageChops.difference(a, b).getbbox() is None, it.item_number
        own.close()
    joined.close()


def test_subsets_of_another_cut_of_a_face_are_never_merged(built, doc, session, tmp_path):
    """Handouts reused from an earlier build may embed subsets of an earlier cut of a face (other
    characters, other glyph ids): only subsets of the very files given are merged."""
    import io

    import pikepdf

    from guidebook.outputs.sharedfonts import cut_id, share_fonts
    from guidebook.render.fonts import CUT_ID

    files = list(session.renderer.font_files.values())
    assert all(cut_id(p.read_bytes()) for p in files)
    pdfs = [_path(built[0] / "handouts", it).read_bytes() for it in doc.items[:3]]  # the default layout's

    def joined():
        out = pikepdf.new()
        for data in pdfs:
            out.pages.extend(pikepdf.open(io.BytesIO(data)).pages)
        return out

    assert share_fonts(joined(), files) > 0
    other = []
    for p in files:  # the same faces under another cut's identifier
        data = p.read_bytes()
        marker = CUT_ID.encode("utf-16-be")
        i = data.index(marker) + len(marker)
        copy = tmp_path / p.name
        copy.write_bytes(data[:i] + "0123456789abcdef0123".encode("utf-16-be") + data[i + 40:])
        other.append(copy)
    assert share_fonts(joined(), other) == 0


def _overflow_of_item_8(tmp_path, css: str) -> int | None:
    layout = tmp_path / f"layout-{abs(hash(css))}"
    layout.mkdir()
    (layout / "custom.css").write_text(css, "utf-8")
    res = run_cli_here("handout", "8", "--layouts", str(layout), "-o", str(tmp_path / "h8.pdf"))
    m = re.search(r"overflows by about (\d+) mm", res.stderr.decode())
    return int(m.group(1)) if m else None


def test_the_overflow_figure_counts_the_content_not_a_fixed_logo(tmp_path):
    """A logo fixed on every page and a rule with room under each part title (issue: "287 mm (2 pages)"):
    the figure is the content that runs over, the same with the logo or without it."""
    logo = "body::before { content: ''; position: fixed; top: 0; left: 0; width: 9mm; height: 9mm; background: #123; }\n"
    rule = ".handout .part-title { border-bottom: 0.5mm solid #123; padding-bottom: 30mm; }\n"
    with_logo, without = _overflow_of_item_8(tmp_path, logo + rule), _overflow_of_item_8(tmp_path, rule)
    assert with_logo is not None and without is not None
    assert with_logo == without and 0 < with_logo < 150, (with_logo, without)
    assert _overflow_of_item_8(tmp_path, logo) is None  # the logo alone fits


def _structure(pdf) -> list:
    """The structure elements of a tagged PDF, in order: (type, alternative text)."""
    import pikepdf

    found = []

    def walk(node):
        if isinstance(node, pikepdf.Array):
            for x in node:
                walk(x)
        elif isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                found.append((str(node.S), str(node.Alt) if "/Alt" in node else None))
            if "/K" in node:
                walk(node.K)

    walk(pdf.Root.StructTreeRoot.K)
    return found


def test_every_handout_is_a_tagged_pdf_with_headings_and_described_drawings(built, doc):
    """A screen reader gets the title as H1, the sections as H2, the lists as lists, and a text for
    each QR code and flowchart (their SVG's title / the image's alt)."""
    import pikepdf

    for it in doc.items:
        pdf = pikepdf.open(built[0] / "handouts" / f"{it.file_stem}.pdf")
        assert pdf.Root.MarkInfo.Marked and str(pdf.Root.Lang) == "zh-CN", it.item_number
        tags = _structure(pdf)
        kinds = [t for t, _ in tags]
        assert kinds.count("/H1") == 1 and "/H2" in kinds, it.item_number
        if any(p.materials and p.materials.count for p in it.handout_parts):
            assert "/L" in kinds and "/LI" in kinds, it.item_number
        figures = [alt for t, alt in tags if t == "/Figure"]
        assert len(figures) == len(it.qr) + len(handout_flows_of(it)) + (0 if not doc.meta.site_url else 1), \
            it.item_number
        assert all(figures), (it.item_number, figures)
        for q in it.qr:
            assert any(alt == f"二维码：{q.caption}" for alt in figures), (it.item_number, q.caption)


def handout_flows_of(it):
    from guidebook.document.build import handout_flows

    return handout_flows(it)


def test_a_handout_says_where_to_go_the_windows_its_channels_name(built, doc, site):
    """Item 15's 窗口办 says 各县区社保分中心 and links the eight 分中心: its handout (PDF and Word) and its
    web page print each one's address and phone under 办理窗口."""
    from helpers import docx_body_text

    it = next(i for i in doc.items if i.item_number == 15)
    assert len(it.windows) == 8
    pdf = normalize("".join(pdf_pages_text(built[0] / "handouts" / f"{it.file_stem}.pdf")))
    word = normalize(docx_body_text(built[0] / "handouts" / f"{it.file_stem}.docx"))
    page = normalize((site / "items" / "15.html").read_text("utf-8"))
    for text in (pdf, word, page):
        assert "办理窗口" in text
        for w in it.windows:
            assert normalize(w.phone) in text and normalize(w.address) in text, w.name
    assert 'href="tel:02453888163"' in (site / "items" / "15.html").read_text("utf-8")


def test_a_box_drawn_over_text_or_a_drawing_fails_the_one_page_check(tmp_path):
    """A background on 温馨提示 that runs under the side column's flowchart, and a logo placed over the title:
    each fails with the item and the two boxes named; the house styles' handouts all pass (every build)."""
    def handout(n: int, css: str):
        layout = tmp_path / f"layout-{abs(hash(css))}"
        layout.mkdir(exist_ok=True)
        (layout / "custom.css").write_text(css, "utf-8")
        return run_cli("handout", str(n), "--layouts", str(layout), "-o", str(tmp_path / f"h{n}.pdf"))

    # item 4 keeps the layout's size (no room for large print), where 温馨提示 runs beside the flowchart; a
    # handout laid out larger is checked at that size (where its 温馨提示 may run below the flowchart)
    res = handout(4, ".handout .part-tips { background: #fde; }")
    err = res.stderr.decode()
    assert res.returncode == 1 and not (tmp_path / "h4.pdf").exists()
    assert "item 4 《企业养老保险省内、市内转移》 draws one thing over another" in err
    assert "div.part.part-tips「温馨提示" in err and "over img.flowchart" in err
    logo = (".h-title { position: relative; } .h-title::after { content: ''; position: absolute; left: 20mm; "
            "top: 2mm; width: 40mm; height: 8mm; background: #123; }")
    res = handout(15, logo)
    assert res.returncode == 1 and "draws one thing over another" in res.stderr.decode()
    assert "h1「失业保险金申领」" in res.stderr.decode()
    assert handout(4, ".handout .part-tips { border-left: 1mm solid #fde; }").returncode == 0  # a rule covers nothing


def test_large_print_when_there_is_room_and_the_largest_size_that_fits(styled_build, doc):
    """A handout with room to spare is laid out larger, body from 12 pt up to 16 pt: the body size each
    handout's PDF prints is the one its manifest level names, and the next size up would not fit on one
    page (laid out again here, for every handout of both styles)."""
    import json

    from guidebook.outputs import handouts
    from guidebook.pipeline import Options, Session
    from guidebook.render import style_folder

    style = styled_build.name if styled_build.name == "gbt9704" else None
    session = Session(Options(source=SOURCE, layouts=[style_folder(style)] if style else []))
    levels = {e["path"]: e["fit"] for e in json.loads((styled_build / "manifest.json").read_text("utf-8"))["outputs"]
              if "fit" in e}
    grown = checked = 0
    for it in doc.items:
        level = levels[f"handouts/{it.file_stem}.pdf"]
        body = handouts.body_pt(level)
        if body is not None and it.intro:  # at the layout's size or larger: the intro is printed at that size
            sizes = [size for size, text, drawn in text_sizes(_path(styled_build / "handouts", it))
                     if not drawn and len(normalize(text)) >= 8 and normalize(text) in normalize(plain_intro(it))
                     and normalize(text) not in normalize(it.full_title)]
            common = max(set(sizes), key=sizes.count)  # the intro's lines (a title may quote a few words of it)
            assert abs(common - body) < 0.05, (it.item_number, level, sorted(set(sizes)))
            checked += 1
        if level <= 0 and level > -len(handouts.GROW_PT):
            bigger = session.renderer.layout("handout", handouts.html(session, it, level - 1), "test")
            assert bigger.pages > 1 or handouts.weasy.overlaps(bigger.document.pages[0]), (it.item_number, level)
        grown += level < 0
    assert grown >= 20 and checked >= 20  # most of the seed's handouts have room: 15, 16 and 45 among them
    assert all(levels[f"handouts/{it.file_stem}.pdf"] < 0 for it in doc.items if it.item_number in (15, 16, 45))


def plain_intro(it) -> str:
    from guidebook.document.content import plain

    return "".join(plain(p) for p in it.intro)


def test_a_handouts_tags_and_text_run_main_column_first(handout_dir, doc):
    """A screen reader and a copy of the text read what the citizen came for first: the main column
    (materials ... 咨询电话), then the side column (QR codes, flowchart), in the PDF's tags (the main
    column's /Part before the side column) and in its text (materials before 扫码办理)."""
    import pikepdf
    from pypdf import PdfReader

    from guidebook.document.nodes import walk
    from guidebook.document.build import handout

    for it in doc.items:
        if not (it.qr or it.flow):
            continue
        path = _path(handout_dir, it)
        pdf = pikepdf.open(path)
        doc_elem = pdf.Root.StructTreeRoot.K[0] if isinstance(pdf.Root.StructTreeRoot.K, pikepdf.Array) \
            else pdf.Root.StructTreeRoot.K
        page = doc_elem.K[0] if isinstance(doc_elem.K, pikepdf.Array) else doc_elem.K
        tags = [str(k.get("/S")) for k in page.K if isinstance(k, pikepdf.Dictionary)]
        assert "/Part" in tags and tags[tags.index("/Part") + 1] == "/NonStruct", (it.item_number, tags)
        text = normalize(PdfReader(path).pages[0].extract_text())
        main = next(b for b in handout(doc.meta, it).body if b.role == "h-main")
        first_main = next(n.content[0].text for n in walk(main) if n.kind == "heading")
        first_side = "扫码办理" if it.qr else "操作流程"
        assert text.index(normalize(first_main)) < text.index(first_side), it.item_number
