"""Compact fonts: every PDF carries one subset of each face with only the glyphs it shows, numbered
1..n, and its text re-encoded to match; it looks and reads exactly as WeasyPrint wrote it."""

import io
import statistics

import pikepdf
import pytest

ITEMS = (8, 15, 36, 44)  # two sub-procedures, QR codes, a long list, a short handout


def _programs(pdf: pikepdf.Pdf) -> dict:
    """Font program (object id) -> (its data, the glyph ids the fonts using it list in /W)."""
    from guidebook.outputs.sharedfonts import widths

    out: dict = {}
    for o in pdf.objects:
        if isinstance(o, pikepdf.Dictionary) and o.get("/Subtype") in ("/CIDFontType0", "/CIDFontType2"):
            d = o.FontDescriptor
            program = d.get("/FontFile3") or d.get("/FontFile2")
            data, codes = out.setdefault(program.objgen, (program.read_bytes(), set()))
            codes |= set(widths(o.W))
    return out


def _glyph_count(data: bytes) -> int:
    from fontTools.ttLib import TTFont

    return TTFont(io.BytesIO(data), lazy=True)["maxp"].numGlyphs


def _save(pdf: pikepdf.Pdf) -> bytes:
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True)
    return buf.getvalue()


def _same_look_and_text(a: bytes, b: bytes) -> None:
    import pypdfium2 as pdfium
    from PIL import ImageChops

    da, db = pdfium.PdfDocument(a), pdfium.PdfDocument(b)
    assert len(da) == len(db)
    for i in range(len(da)):
        pa, pb = (d[i].render(scale=110 / 72).to_pil().convert("RGB") for d in (da, db))
        assert ImageChops.difference(pa, pb).getbbox() is None, f"page {i + 1} looks different"
        assert da[i].get_textpage().get_text_range() == db[i].get_textpage().get_text_range(), i


@pytest.fixture(scope="module")
def fresh(session):
    """Some handouts as WeasyPrint writes them, and as the handout writer finishes them."""
    from guidebook.outputs import handouts

    by_number = {it.item_number: it for it in session.doc.items}
    out = {}
    for n in ITEMS:
        rendered, _ = handouts.layout(session, by_number[n], 0)
        out[n] = (session.renderer.pdf(rendered, "raw", pdf_tags=True), handouts.write(session, rendered, f"handout {n}"))
    return out


def test_each_handout_embeds_only_the_glyphs_it_shows(built, doc):
    """No empty slots: each face's program has the glyphs the page shows and .notdef, numbered 0..n;
    the median handout is at most 64 KB (issue 16 set 60 KB; 21 handouts then gained a 咨询电话 block that says
    where the windows' phones are, its heading and words about 3 KB of glyphs: 61.0 -> 63.2 KB)."""
    sizes = []
    for it in doc.items:
        path = built[0] / "handouts" / f"{it.file_stem}.pdf"
        sizes.append(path.stat().st_size)
        programs = _programs(pikepdf.open(path))
        assert len(programs) == 3, it.item_number  # body, heading, heading bold
        for data, codes in programs.values():
            assert codes == set(range(1, len(codes) + 1)), it.item_number
            assert _glyph_count(data) == len(codes) + 1, it.item_number
    assert statistics.median(sizes) <= 64 * 1024


def test_a_finished_handout_looks_and_reads_as_weasyprint_wrote_it(fresh):
    for n, (raw, finished) in fresh.items():
        assert len(finished) < 0.85 * len(raw), n
        _same_look_and_text(raw, finished)


def test_streams_not_written_the_simple_way_are_parsed_and_recoded_the_same(fresh, session):
    """A stream whose text is a literal string (here: the first one of the page and of every form)
    takes the parser; the result looks and reads the same."""
    import re

    from guidebook.outputs.sharedfonts import _recode_text_fast, share_fonts

    def literal(m):  # the same glyph codes, as a literal string with octal escapes
        return b"(" + b"".join(b"\\%03o" % b for b in bytes.fromhex(m.group(1).decode())) + b")"

    raw = fresh[15][0]
    pdf = pikepdf.open(io.BytesIO(raw))
    page = pdf.pages[0]
    forms = [x for x in page.resources.XObject.values() if b"BT" in x.read_bytes()]
    for stream in [page.obj.Contents, *forms]:
        stream.write(re.sub(rb"<([0-9a-f]+)>", literal, stream.read_bytes(), count=1))
    reparsed = _save(pdf)
    pdf = pikepdf.open(io.BytesIO(reparsed))
    page = pdf.pages[0]
    assert b"(" in page.obj.Contents.read_bytes()
    assert _recode_text_fast(page.obj.Contents.read_bytes(), page.resources.Font, {}) is None
    assert share_fonts(pdf, list(session.renderer.font_files.values()), ids_kept=True) == 3
    recoded = _save(pdf)
    assert len(_programs(pikepdf.open(io.BytesIO(recoded)))) == 3
    _same_look_and_text(raw, recoded)


def test_text_whose_font_is_set_outside_its_stream_leaves_the_fonts_alone(fresh, session):
    """A form that shows text in a font its caller set cannot be re-encoded with certainty: nothing is
    changed (the file stays valid, only larger)."""
    from guidebook.outputs.sharedfonts import share_fonts

    raw = fresh[15][0]
    pdf = pikepdf.open(io.BytesIO(raw))
    form = next(x for x in pdf.pages[0].resources.XObject.values() if b" Tf" in x.read_bytes())
    kept = [ins for ins in pikepdf.parse_content_stream(form) if str(ins.operator) != "Tf"]
    form.write(pikepdf.unparse_content_stream(kept))
    before = {k: v[0] for k, v in _programs(pdf).items()}
    assert share_fonts(pdf, list(session.renderer.font_files.values()), ids_kept=True) == 0
    assert {k: v[0] for k, v in _programs(pdf).items()} == before


def test_handouts_joined_from_finished_files_share_one_compact_subset_per_face(fresh, session):
    """all-handouts.pdf joins handouts read back from disk (already compact, each numbered its own
    way): the glyphs are matched by CID, and the joined file shows every page as before."""
    from guidebook.outputs import handouts

    finished = [f for _, f in fresh.values()]
    joined = handouts.combine(finished, list(session.renderer.font_files.values()))
    programs = _programs(pikepdf.open(io.BytesIO(joined)))
    assert len(programs) == 3
    for data, codes in programs.values():
        assert _glyph_count(data) == len(codes) + 1
    _same_look_and_text(_concatenated(finished), joined)


def _concatenated(pdfs: list[bytes]) -> bytes:
    out = pikepdf.new()
    for data in pdfs:
        out.pages.extend(pikepdf.open(io.BytesIO(data)).pages)
    return _save(out)


def test_cids_read_from_the_cff_table_match_fonttools(fresh, session):
    from fontTools.ttLib import TTFont

    from guidebook.outputs.sharedfonts import _cff_cids

    datas = [p.read_bytes() for p in session.renderer.font_files.values()]
    datas += [data for _, f in fresh.values() for data, _ in _programs(pikepdf.open(io.BytesIO(f))).values()]
    for data in datas:
        names = TTFont(io.BytesIO(data), lazy=True).getGlyphOrder()
        assert _cff_cids(data) == tuple(0 if g == ".notdef" else int(g.removeprefix("cid")) for g in names)
    assert _cff_cids(b"\x00\x01\x00\x00" + bytes(8)) is None  # TrueType: names are read by fontTools


def test_text_in_a_font_its_resources_do_not_name_leaves_the_fonts_alone(fresh, session):
    """A font name the resources do not define might stand for a re-encoded face: nothing is changed."""
    import re

    from guidebook.outputs.sharedfonts import share_fonts

    pdf = pikepdf.open(io.BytesIO(fresh[15][0]))
    form = next(x for x in pdf.pages[0].resources.XObject.values() if b" Tf" in x.read_bytes())
    form.write(re.sub(rb"/\w+( [\d.]+ Tf)", rb"/Nowhere\1", form.read_bytes(), count=1))
    before = {k: v[0] for k, v in _programs(pdf).items()}
    assert share_fonts(pdf, list(session.renderer.font_files.values()), ids_kept=True) == 0
    assert {k: v[0] for k, v in _programs(pdf).items()} == before


def test_compact_handouts_whose_text_cannot_be_re_encoded_are_joined_as_they_are(fresh, session):
    """If one joined handout's text cannot be re-encoded, no face is merged: compact programs are numbered
    each their own way, so a subset that keeps the face's glyph ids would show the wrong glyphs."""
    import re

    from guidebook.outputs import handouts

    finished = [f for _, f in fresh.values()]
    pdf = pikepdf.open(io.BytesIO(finished[0]))
    form = next(x for x in pdf.pages[0].resources.XObject.values() if b" Tf" in x.read_bytes())
    form.write(re.sub(rb"/\w+( [\d.]+ Tf)", rb"/Nowhere\1", form.read_bytes(), count=1))
    finished[0] = _save(pdf)
    joined = handouts.combine(finished, list(session.renderer.font_files.values()))
    assert len(_programs(pikepdf.open(io.BytesIO(joined)))) == 3 * len(finished)
    _same_look_and_text(_concatenated(finished), joined)


def test_cut_faces_are_embedded_whole_only_when_asked_and_then_all_replaced(fresh, session, monkeypatch):
    """WeasyPrint leaves the cut faces whole inside `cut_faces_left_whole` (their subset would be thrown
    away); the handout writer replaces every one, so the handout is byte for byte the one written from
    WeasyPrint's subsets."""
    import contextlib

    from guidebook.outputs import handouts
    from guidebook.render import weasy

    r = session.renderer
    it = next(i for i in session.doc.items if i.item_number == 15)
    rendered, _ = handouts.layout(session, it, 0)
    cut_sizes = sorted(p.stat().st_size for p in r.font_files.values())
    with weasy.cut_faces_left_whole():
        whole = _programs(pikepdf.open(io.BytesIO(r.pdf(rendered, "whole", uncompressed_pdf=True))))
    subset = _programs(pikepdf.open(io.BytesIO(r.pdf(rendered, "subset", uncompressed_pdf=True))))
    assert len(whole) == len(subset) == 3
    assert all(len(data) in cut_sizes for data, _ in whole.values())
    assert all(len(data) < min(cut_sizes) / 3 for data, _ in subset.values())

    asked = []  # the writer asks for whole faces, once
    real = weasy.cut_faces_left_whole

    @contextlib.contextmanager
    def counted():
        asked.append(True)
        with real():
            yield

    monkeypatch.setattr(weasy, "cut_faces_left_whole", contextlib.nullcontext)
    from_subsets = handouts.write(session, rendered, "handout 15")
    monkeypatch.setattr(weasy, "cut_faces_left_whole", counted)
    assert handouts.write(session, rendered, "handout 15") == from_subsets
    assert asked == [True]


def test_a_whole_face_that_cannot_be_subset_has_the_handout_written_again(fresh, session, monkeypatch):
    """Should a face embedded whole not be replaced (its subset fails), the handout is written again
    with WeasyPrint's subsets: never a handout carrying a whole face."""
    from guidebook.outputs import handouts, sharedfonts
    from guidebook.render import fonts

    r = session.renderer
    it = next(i for i in session.doc.items if i.item_number == 15)
    rendered, _ = handouts.layout(session, it, 0)
    real = fonts.subset_glyphs
    calls = []

    def failing(path, gids, keep_ids=True):
        calls.append(keep_ids)
        return None if len(calls) <= 3 else real(path, gids, keep_ids=keep_ids)

    monkeypatch.setattr(fonts, "subset_glyphs", failing)
    with pytest.raises(sharedfonts.WholeFaceLeft):
        sharedfonts.share_fonts(pikepdf.open(io.BytesIO(r.pdf(rendered, "x", uncompressed_pdf=True))),
                                list(r.font_files.values()), ids_kept=True, whole=True)
    calls.clear()
    pdf = handouts.write(session, rendered, "handout 15")
    sizes = [len(data) for data, _ in _programs(pikepdf.open(io.BytesIO(pdf))).values()]
    cut = min(p.stat().st_size for p in r.font_files.values())
    assert len(sizes) == 3 and max(sizes) < cut / 3
    _same_look_and_text(fresh[15][0], pdf)


def test_a_face_cut_on_two_machines_is_the_same_bytes(tmp_path, monkeypatch):
    """A cut face keeps its source's timestamps: cut again later (another machine, an emptied cache), it is
    byte for byte the same, and so are the PDFs and Word files that embed it."""
    import time

    from fontTools.ttLib import TTFont

    from guidebook.render import DEFAULT_LAYOUT, fonts

    roles, _ = fonts.resolve([DEFAULT_LAYOUT])
    body = roles[0]
    cuts = []
    for machine in ("a", "b"):
        monkeypatch.setenv("GUIDEBOOK_CACHE", str(tmp_path / machine))
        cuts.append(fonts.subset_faces([body], "办事不找关系指南")[body.faces[0]])
        time.sleep(1.1)  # head timestamps count seconds
    assert cuts[0] != cuts[1] and cuts[0].read_bytes() == cuts[1].read_bytes()
    with TTFont(cuts[0]) as cut, TTFont(body.faces[0].file, fontNumber=body.faces[0].index) as source:
        assert cut["head"].modified == source["head"].modified


def test_a_face_is_cut_by_harfbuzz_or_without_it_by_fonttools_to_the_same_glyphs(tmp_path, monkeypatch):
    """HarfBuzz cuts a face in milliseconds; where libharfbuzz-subset is missing fontTools cuts it. Both keep
    the same tables, every name and layout feature, and draw each character asked for with the source's
    outline and advance (the glyphs its features reach included: the vertical forms of 《》)."""
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont

    from guidebook.render import DEFAULT_LAYOUT, fonts

    roles, _ = fonts.resolve([DEFAULT_LAYOUT])
    face = roles[0].faces[0]
    chars = "办事不找关系指南：望花《》（）①"
    cuts = {}
    for way in ("harfbuzz", "fonttools"):
        if way == "fonttools":
            monkeypatch.setattr(fonts, "_cut_harfbuzz", lambda face, chars: None)
        fonts._subset(face, chars, tmp_path / f"{way}.otf", "0" * 20)
        cuts[way] = TTFont(tmp_path / f"{way}.otf")
    source = TTFont(face.file, fontNumber=face.index)
    hb, ft = cuts["harfbuzz"], cuts["fonttools"]
    assert set(hb.keys()) == set(ft.keys()) and "BASE" in hb and "vmtx" in hb
    assert {n.nameID for n in hb["name"].names} == {n.nameID for n in source["name"].names}
    assert hb["name"].getDebugName(3) == ft["name"].getDebugName(3) == fonts.CUT_ID + "0" * 20

    def features(font):
        return sorted({r.FeatureTag for t in ("GSUB", "GPOS") for r in font[t].table.FeatureList.FeatureRecord})

    assert features(hb) == features(ft) and set(features(hb)) <= set(features(source))
    for font in (hb, ft):
        cmap, glyphs, source_glyphs = font.getBestCmap(), font.getGlyphSet(), source.getGlyphSet()
        assert {ord(c) for c in chars} <= set(cmap)
        for c in chars:
            name = cmap[ord(c)]
            assert name == source.getBestCmap()[ord(c)] and font["hmtx"][name] == source["hmtx"][name]
            pens = RecordingPen(), RecordingPen()
            glyphs[name].draw(pens[0])
            source_glyphs[name].draw(pens[1])
            assert pens[0].value == pens[1].value, c
    vertical = [g for g in hb.getGlyphOrder() if g not in hb.getBestCmap().values()]
    assert vertical and set(vertical) <= set(ft.getGlyphOrder())  # reached only through features


def test_a_face_whose_cut_keeps_more_glyphs_than_asked_is_still_recoded_right(tmp_path, monkeypatch):
    """HarfBuzz may keep glyphs beside those asked for (here: the glyphs of the variation sequences of 花 and
    ：, when a cut face keeps them). The recoded handout numbers its glyphs by what the cut holds: it looks
    and reads as WeasyPrint wrote it (counting the asked glyphs instead swapped 花 and ： on handout 15)."""
    from guidebook.outputs import handouts
    from guidebook.pipeline import Options, Session
    from guidebook.render import fonts
    from helpers import SOURCE

    monkeypatch.setenv("GUIDEBOOK_CACHE", str(tmp_path / "cache"))  # cuts of its own: not the run's
    monkeypatch.setattr(fonts, "_drop_unasked_variations", lambda font, chars: None)
    session = Session(Options(source=SOURCE))
    cut = next(iter(session.renderer.font_files.values()))
    assert any(t.format == 14 for t in _cmap_tables(cut))
    it = next(it for it in session.doc.items if it.item_number == 15)
    rendered, _ = handouts.layout(session, it, 0)
    raw = session.renderer.pdf(rendered, "raw", pdf_tags=True)
    finished = handouts.write(session, rendered, "handout 15")
    _same_look_and_text(raw, finished)


def _cmap_tables(path):
    from fontTools.ttLib import TTFont

    return TTFont(path, lazy=True)["cmap"].tables
