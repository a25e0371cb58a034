"""Parity: the guide and every handout show the same text blocks, in the same order, as PDF and as
Word, in both house styles. Both are compared with the document tree's own text (guidebook.outputs.text),
so one tree, translated twice, is what the reader gets either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import (
    SOURCE,
    STYLES,
    assert_same_blocks,
    docx_body_text,
    flow_steps,
    normalize,
    pdf_body_text,
    pdf_pages_text,
    table_heads,
)

pytestmark = pytest.mark.slow


def _geometry(style: str, sheet: str):
    from guidebook.render import layout_chain, page_geometry, style_folder

    chain = layout_chain([style_folder(style)] if style != "default" else [])
    return page_geometry(chain, sheet)[1]


@pytest.fixture(scope="module")
def trees():
    from guidebook.pipeline import Options, Session

    s = Session(Options(source=SOURCE))
    return s.doc, {it.item_number: s.handout(it) for it in s.doc.items}


@pytest.mark.parametrize("styled_build", STYLES, indirect=True)
def test_guide_pdf_and_docx_show_the_tree(styled_build, request, trees):
    from guidebook.outputs.text import text_blocks

    style = request.node.callspec.params["styled_build"]
    tree, _ = trees
    blocks = text_blocks(tree.front) + text_blocks(tree.main)
    heads = table_heads(tree.main)
    top, _, bottom, _ = _geometry(style, "guide.css")
    # pages 2 .. n-1: the covers are the layout's design (checked below), the rest is the tree
    pdf = pdf_body_text(styled_build / "guide.pdf", top - 2, bottom - 2, slice(1, -1))
    assert_same_blocks(blocks, pdf, heads + flow_steps(tree.main), f"guide.pdf ({style})")
    docx = docx_body_text(styled_build / "guide.docx")
    meta = tree.meta
    cover = normalize("".join([*meta.slogans, meta.title, meta.bureau, meta.edition_label]))
    assert docx.startswith(cover)
    assert_same_blocks(blocks, docx[len(cover):], heads + flow_steps(tree.main), f"guide.docx ({style})")
    pages = pdf_pages_text(styled_build / "guide.pdf")
    for t in [*meta.slogans, meta.title, meta.bureau, meta.edition_label]:
        assert normalize(t) in normalize(pages[0])


def test_guide_docx_holds_the_cross_references(built):
    text = docx_body_text(built[0] / "guide.docx")
    assert text.count("（见") >= 15
    assert "（见7、8、9）" in text


@pytest.mark.parametrize("styled_build", STYLES, indirect=True)
def _fit_levels(build: Path) -> dict[str, int]:
    """The fitting level each handout of a build needed, by its file name (the manifest keeps them)."""
    import json

    outputs = json.loads((build / "manifest.json").read_text("utf-8"))["outputs"]
    return {Path(o["path"]).name: o["fit"] for o in outputs if o["path"].startswith("handouts/") and "fit" in o}


def test_every_handout_pdf_and_docx_show_the_tree(styled_build, trees):
    from guidebook.outputs.handouts import referred
    from guidebook.outputs.text import text_blocks

    _, handouts = trees
    folder = styled_build / "handouts"
    levels = _fit_levels(styled_build)
    for n, tree in handouts.items():
        level = levels[f"{tree.item.file_stem}.pdf"]
        if referred(tree.item, level):  # sections left to the guide: the tree the build laid out says so
            from guidebook.document.build import handout

            tree = handout(tree.meta, tree.item, referred(tree.item, level))
        it, meta = tree.item, tree.meta
        blocks = text_blocks(tree.title) + text_blocks(tree.body)
        header = normalize(tree.header + meta.edition_label)
        footer = normalize(tree.footer)
        pdf = pdf_body_text(folder / f"{it.file_stem}.pdf")
        assert pdf.startswith(header) and pdf.endswith(footer), it.file_stem
        assert_same_blocks(blocks, pdf[len(header):-len(footer)], flow_steps(tree.body), f"{it.file_stem}.pdf")
        docx = docx_body_text(folder / f"{it.file_stem}.docx")
        assert_same_blocks(blocks, docx, flow_steps(tree.body), f"{it.file_stem}.docx")


def test_every_output_shows_each_items_consult_phones(styled_build, doc):
    """咨询电话, as the handout prints it, in the guide (PDF and Word) and on the site: an item's own numbers,
    separated as the booklet writes them, or where the windows' phones are (a link where that part is)."""
    import re

    own = [it for it in doc.items if it.phones]
    see = [it for it in doc.items if not it.phones and it.phones_see]
    windows = [it for it in doc.items if not it.phones and it.windows]  # their windows' phones, with the names
    assert len(own) + len(see) + len(windows) == len(doc.items) and own and see and windows
    import docx

    guide_texts = {"guide.pdf": "\n".join(pdf_pages_text(styled_build / "guide.pdf")),
                   "guide.docx": "\n".join(p.text for p in docx.Document(str(styled_build / "guide.docx")).paragraphs)}
    for name, raw in guide_texts.items():
        lines = [line for line in raw.splitlines() if "咨询电话：" in line]
        assert len(lines) >= len(doc.items), name  # one per item, and where the booklet's own text says so
        assert sum("各窗口电话见《办事不找关系路径》" in line for line in lines) == len(see), name
        text = normalize(raw)
        for it in own:
            assert normalize("咨询电话：" + "，".join(it.phones)) in text, (name, it.item_number)
        for it in windows:
            assert normalize("咨询电话：" + "；".join(f"{w.name} {w.phone}" for w in it.windows)) in text, (name, it.item_number)
    for it in doc.items:
        page = (styled_build / "site" / "items" / f"{it.item_number:02d}.html").read_text("utf-8")
        if it.phones or it.windows:
            numbers = it.phones or [w.phone for w in it.windows]
            assert all(f'href="tel:{p.replace("-", "")}"' in page or f'href="tel:{p}"' in page for p in numbers)
        else:
            assert re.search(r'<a href="\.\./windows\.html">各窗口电话见', page), it.item_number
