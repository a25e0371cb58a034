"""The guide laid out in parallel parts must be the guide laid out as one document, page for page."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from helpers import SOURCE, made_once, outline_titles, own_cache, pdf_pages_text


def book(path) -> dict:
    """Everything a reader sees or clicks: page sizes, text, outline, destinations, links, metadata."""
    r = PdfReader(path)

    dests = {name: (r.get_destination_page_number(d), round(float(d.left), 1), round(float(d.top), 1))
             for name, d in r.named_destinations.items()}
    links = []
    for i, page in enumerate(r.pages):
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/Subtype") == "/Link":
                rect = tuple(round(float(x), 1) for x in a["/Rect"])
                target = dests.get(str(a["/Dest"])) if "/Dest" in a else str(a["/A"]["/URI"])
                assert target is not None, f"page {i + 1}: a link to a missing destination {a.get('/Dest')}"
                links.append((i, rect, target))
    info = {k: str(v) for k, v in (r.metadata or {}).items() if k not in ("/CreationDate", "/ModDate")}
    return {
        "sizes": [(round(float(p.mediabox.width), 1), round(float(p.mediabox.height), 1)) for p in r.pages],
        "text": pdf_pages_text(path),
        "outline": outline_titles(r.outline, of=lambda e: (e.title, r.get_destination_page_number(e),
                                                             round(float(e.top), 1))),
        "dests": dests,
        "links": links,
        "info": info,
        "lang": str(r.trailer["/Root"].get("/Lang")),
    }


def assert_same_book(a, b):
    a, b = book(a), book(b)
    assert len(a["sizes"]) == len(b["sizes"])
    for i, (x, y) in enumerate(zip(a["text"], b["text"])):
        assert x == y, f"page {i + 1} differs"
    for key in a:
        assert a[key] == b[key], key


def build_guide(out, layouts=(), parts: str | None = None, monkeypatch=None, progress=None, source=SOURCE):
    from guidebook.pipeline import Options, build

    if parts is not None:
        monkeypatch.setenv("GUIDEBOOK_GUIDE_PARTS", parts)
    build(Options(source=source, output=out, layouts=list(layouts), handouts=False, word=False),
          progress or (lambda m: None))
    if parts is not None:
        monkeypatch.delenv("GUIDEBOOK_GUIDE_PARTS")
    return out / "guide.pdf"


def small_source(folder) -> "Path":
    """A catalogue of 16 items (the seed's first 16, one or two in each of its 12 categories): a guide of 40
    pages, in parts cut where the seed's are, for the tests of how parts are laid out and kept."""
    from helpers.synthetic import make_catalogue

    return make_catalogue(folder / "source", 16)


def style_layouts(style: str) -> list:
    from guidebook.render import style_folder

    return [] if style == "default" else [style_folder(style)]


@pytest.fixture
def whole_and_parts(request, styled_build, tmp_path_factory):
    """(style, the guide laid out whole, the guide of the session's build: in parts)."""
    style = request.node.callspec.params["styled_build"]

    def make(folder):
        with pytest.MonkeyPatch.context() as mp:
            build_guide(folder, style_layouts(style), "1", mp)

    return style, made_once(tmp_path_factory, f"whole-{style}", make) / "guide.pdf", styled_build / "guide.pdf"


def test_the_guide_in_parts_is_the_guide_as_one_document(whole_and_parts):
    _, whole, parts = whole_and_parts
    assert len(PdfReader(parts).pages) > 90
    assert_same_book(whole, parts)


@pytest.mark.parametrize("styled_build", ["default"], indirect=True)  # the other style: its six parts above
def test_three_parts_give_the_same_book(whole_and_parts, tmp_path, monkeypatch):
    """The seed cut elsewhere than in a build's six parts (another catalogue: the 40-item test below)."""
    style, whole, _ = whole_and_parts
    messages = []
    three = build_guide(tmp_path, style_layouts(style), "3", monkeypatch, messages.append)
    assert not any("one document" in m for m in messages), messages
    assert_same_book(whole, three)


def test_wrong_guesses_settle_on_the_same_bytes(tmp_path, monkeypatch):
    """Start from a hint that is wrong everywhere: the parts are laid out again until they agree."""
    from guidebook.outputs import paginate
    from guidebook.pipeline import Options, Session, parallel

    monkeypatch.setenv("GUIDEBOOK_CACHE", str(own_cache(tmp_path / "cache")))  # no page numbers from before
    session = Session(Options(source=small_source(tmp_path)))
    plan = session.guide_plan(2)

    def run(tasks):
        return parallel.run_all(session, tasks)

    def lay_out(hint, write=None):
        messages = []
        guesses, known = paginate.first_guesses(plan, hint)
        write = known if write is None else write
        results = run([(paginate.render_part, (k, g, write, 2)) for k, g in enumerate(guesses)])
        assert all(bool(r.pdf) == write for r in results)
        return paginate.lay_out(session, plan, guesses, results, run, messages.append), messages

    # no hint at all: the first round only lays the parts out, told wrong page numbers
    assert paginate.first_guesses(plan, {})[1] is False
    (cold, pages), messages = lay_out({})
    assert messages == ["guide: page numbers moved; updating 2 of its 2 parts"]
    right = paginate.load_hint(session.opts.source, session.chain)  # saved by lay_out
    assert paginate.load_hint(tmp_path / "moved-source", session.chain) == right  # the layout's last guide
    assert paginate.first_guesses(plan, right)[1] is True
    (good, _), messages = lay_out(right)
    assert messages == [] and good == cold
    (written, _), messages = lay_out(right, write=False)  # right, but not written: one more round writes
    assert messages == ["guide: page numbers settled; writing the guide"] and written == good
    wrong = {"numbers": {a: n + 7 for a, n in right["numbers"].items()},
             "starts": {c: [i + 1, n - 3] for c, (i, n) in right["starts"].items()}}
    (again, pages_again), messages = lay_out(wrong)
    assert any("updating" in m for m in messages), messages
    assert (again, pages_again) == (good, pages)


def test_a_layout_without_page_breaks_between_categories_is_laid_out_whole(tmp_path, monkeypatch):
    """A cut where the book does not turn the page would change the book: it is refused."""
    layout = tmp_path / "layout"
    layout.mkdir()
    (layout / "custom.css").write_text("#guide > .category + .category { break-before: auto; }\n", "utf-8")
    messages = []
    source = small_source(tmp_path)
    parts = build_guide(tmp_path / "parts", [layout], None, monkeypatch, messages.append, source)
    assert any("does not start a new page" in m and "one document" in m for m in messages), messages
    whole = build_guide(tmp_path / "whole", [layout], "1", monkeypatch, source=source)
    assert parts.read_bytes() == whole.read_bytes()


@pytest.mark.parametrize("css, reason", [
    ("@page { @bottom-center { content: counter(page) ' / ' counter(pages) } }", "counter(pages)"),
    (".item { counter-increment: item; }", "'item'"),
    ("body { counter-reset: section 0 page 1; }", "'section'"),
    ("@page :nth(1 of main) { counter-reset: page 1; } /* counter-increment: item */", None),
    (".x { counter-set: page 3 !important; }", None),
])
def test_counters_a_part_cannot_continue_keep_the_guide_whole(css, reason):
    from guidebook.outputs import paginate

    why = paginate.unsupported([css])
    assert (why is None) if reason is None else (reason in why)


def test_a_part_that_fails_is_reported_and_the_guide_laid_out_whole(session, monkeypatch):
    from guidebook.outputs import paginate

    plan = session.guide_plan(2)

    def broken(self, k, guess):
        raise RuntimeError("a bug in a part")

    monkeypatch.setattr(paginate.Plan, "part_css", broken)
    guesses, _ = paginate.first_guesses(plan, {})
    results = [paginate.render_part(session, k, g, True, 2) for k, g in enumerate(guesses)]
    assert all("RuntimeError: a bug in a part" in r.problem for r in results)
    messages = []
    assert paginate.lay_out(session, plan, guesses, results, None, messages.append) is None
    assert messages == ["guide: laid out as one document (part 1: RuntimeError: a bug in a part)"]


def test_another_synthetic_catalogue_in_three_parts_is_the_same_book(tmp_path, monkeypatch):
    """Not only the seed: 30 varied items (two or three a category: other page breaks, other cut points),
    three parts."""
    from guidebook.pipeline import Options, build
    from helpers.synthetic import make_catalogue

    source = make_catalogue(tmp_path / "source", 30)
    books = {}
    for parts in ("1", "3"):
        monkeypatch.setenv("GUIDEBOOK_GUIDE_PARTS", parts)
        out = tmp_path / f"out-{parts}"
        build(Options(source=source, output=out, handouts=False, word=False, site=False))
        books[parts] = out / "guide.pdf"
    assert len(PdfReader(books["1"]).pages) > 60
    assert_same_book(books["1"], books["3"])


def test_after_an_edit_only_the_edited_part_is_laid_out_again(tmp_path, monkeypatch):
    """Parts are kept by what they are made from: editing item 15 lays out only its part (the other comes
    from the cache), and the guide is byte for byte what a build from scratch (--force) makes."""
    from guidebook.outputs import paginate
    from guidebook.pipeline import Options, build

    monkeypatch.setenv("GUIDEBOOK_CACHE", str(own_cache(tmp_path / "cache")))
    source = small_source(tmp_path)
    opts = dict(source=source, handouts=False, word=False, site=False)
    build(Options(output=tmp_path / "out", **opts))
    item = source / "items" / "15.yaml"
    item.write_text(item.read_text("utf-8").replace("全月经办。", "全月经办（试改）。"), "utf-8")
    laid_out = []
    real = paginate.render_part
    monkeypatch.setattr(paginate, "render_part", lambda s, k, *a: (laid_out.append(k), real(s, k, *a))[1])
    monkeypatch.setenv("GUIDEBOOK_WORKERS", "1")  # the patched function runs in this process
    messages = []
    build(Options(output=tmp_path / "out", **opts), messages.append)
    plan_parts = int(next(m for m in messages if "parts unchanged" in m).split(" of ")[1].split()[0])
    assert plan_parts >= 2 and len(laid_out) == 1, (laid_out, messages)
    build(Options(output=tmp_path / "fresh", force=True, **opts))
    assert (tmp_path / "out" / "guide.pdf").read_bytes() == (tmp_path / "fresh" / "guide.pdf").read_bytes()
    assert "全月经办（试改）" in "".join(pdf_pages_text(tmp_path / "out" / "guide.pdf")).replace("\n", "")


def test_with_no_page_numbers_known_the_parts_are_laid_out_once_each_in_a_chain(tmp_path, monkeypatch):
    """A first build (no numbers from an earlier one) with handouts to write beside: each part is laid out
    once, told where it starts by the parts before it; the first part (the contents, which need every
    number) once more at the end. The guide is byte for byte the one a build that knew the numbers makes."""
    from guidebook.outputs import paginate
    from guidebook.pipeline import Options, build

    monkeypatch.setenv("GUIDEBOOK_CACHE", str(own_cache(tmp_path / "cache")))
    monkeypatch.setenv("GUIDEBOOK_GUIDE_PARTS", "3")
    monkeypatch.setenv("GUIDEBOOK_WORKERS", "1")  # the patched function runs in this process
    laid_out = []
    real = paginate.render_part
    monkeypatch.setattr(paginate, "render_part",
                        lambda s, k, guess, write=True, *a: (laid_out.append((k, write)), real(s, k, guess, write, *a))[1])
    opts = dict(source=small_source(tmp_path), items=[15], word=False, site=False, force=True)
    messages = []
    build(Options(output=tmp_path / "first", **opts), messages.append)
    assert any("laid out in turn" in m for m in messages), messages
    assert laid_out == [(0, False), (1, True), (2, True), (0, True)], laid_out
    assert not any("again" in m or "one document" in m for m in messages), messages
    laid_out.clear()
    build(Options(output=tmp_path / "known", **opts), messages.append)  # the numbers are known now
    assert sorted(laid_out) == [(0, True), (1, True), (2, True)]
    assert (tmp_path / "first" / "guide.pdf").read_bytes() == (tmp_path / "known" / "guide.pdf").read_bytes()
    # with nothing to write beside it (the guide alone), the parts are laid out side by side, as before
    laid_out.clear()
    monkeypatch.setenv("GUIDEBOOK_CACHE", str(own_cache(tmp_path / "cache2")))
    build(Options(output=tmp_path / "alone", **{**opts, "handouts": False}))
    assert sorted(laid_out) == [(0, False), (0, True), (1, False), (1, True), (2, False), (2, True)]
    assert (tmp_path / "alone" / "guide.pdf").read_bytes() == (tmp_path / "known" / "guide.pdf").read_bytes()


def test_a_chain_stopped_by_a_failing_part_lays_the_guide_out_whole(tmp_path, monkeypatch):
    """A part of the chain fails: the parts after it are never laid out, and the guide is laid out as one
    document, as for any part that fails."""
    from guidebook.outputs import paginate
    from guidebook.pipeline import Options, build

    monkeypatch.setenv("GUIDEBOOK_CACHE", str(own_cache(tmp_path / "cache")))
    monkeypatch.setenv("GUIDEBOOK_GUIDE_PARTS", "3")
    monkeypatch.setenv("GUIDEBOOK_WORKERS", "1")
    laid_out = []
    real = paginate.render_part

    def failing(s, k, guess, write=True, *asked):
        laid_out.append(k)
        return paginate.PartResult(problem="part 2: broken on purpose") if k == 1 else real(s, k, guess, write, *asked)

    monkeypatch.setattr(paginate, "render_part", failing)
    messages = []
    build(Options(source=small_source(tmp_path), output=tmp_path / "out", items=[15], word=False, site=False),
          messages.append)
    assert laid_out == [0, 1]
    assert any("one document (part 2: broken on purpose)" in m for m in messages), messages
    assert len(PdfReader(tmp_path / "out" / "guide.pdf").pages) >= 40  # the whole guide


def test_an_edit_that_brings_a_new_character_lays_every_part_out_with_the_new_font_cuts(tmp_path, monkeypatch):
    """Parts embed the font cuts of the build's characters: after an edit that brings a character the
    catalogue did not have, no part laid out with the old cuts is reused (the guide would carry two copies
    of each face), and the guide is byte for byte what a build from scratch makes."""
    from guidebook.pipeline import Options, build

    monkeypatch.setenv("GUIDEBOOK_CACHE", str(own_cache(tmp_path / "cache")))
    source = small_source(tmp_path)
    opts = dict(source=source, handouts=False, word=False, site=False)
    build(Options(output=tmp_path / "out", **opts))
    assert "鑫" not in "".join(p.read_text("utf-8") for p in source.rglob("*.yaml"))
    item = source / "items" / "15.yaml"
    item.write_text(item.read_text("utf-8").replace("全月经办。", "全月经办（鑫）。"), "utf-8")
    messages = []
    build(Options(output=tmp_path / "out", **opts), messages.append)
    assert not any("parts unchanged" in m for m in messages), messages
    build(Options(output=tmp_path / "fresh", force=True, **opts))
    assert (tmp_path / "out" / "guide.pdf").read_bytes() == (tmp_path / "fresh" / "guide.pdf").read_bytes()
