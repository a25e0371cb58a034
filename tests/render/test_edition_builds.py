"""The yearly edition: what changed, a new edition, print-shop files, archival copies, reproducibility."""
import json
import re

import pytest
from pypdf import PdfReader

from helpers import SOURCE, normalize, pdf_pages_text, run_cli


@pytest.fixture(scope="module")
def print_build(tmp_path_factory):
    """The print-shop and archive files of a guide of the seed's first 16 items (one or two a category, the
    seed's front and back matter: 40 pages) and of two handouts."""
    from helpers import made_once
    from helpers.synthetic import make_catalogue

    def make(folder):
        source = make_catalogue(folder / "source", 16)
        res = run_cli("build", "--print", "--archive", "--no-word", "--guide", "--item", "15", "--item", "8",
                      "--source", str(source), "--output", str(folder / "out"))
        assert res.returncode == 0, res.stderr.decode()

    return made_once(tmp_path_factory, "print", make) / "out"


def _footer_number(text):
    m = re.search(r"—\s*(\d+)\s*—", text)
    return int(m.group(1)) if m else None


def test_press_pdf_has_bleed_and_a_multiple_of_four_pages(print_build):
    reader = PdfReader(print_build / "print" / "guide-press.pdf")
    assert len(reader.pages) % 4 == 0
    page = reader.pages[10]
    media, trim = page.mediabox, page.trimbox
    bleed_mm = (float(trim.left) - float(media.left)) * 25.4 / 72
    assert round(bleed_mm) == 3 and round(float(trim.width) * 25.4 / 72) == 210
    # the back cover stays last: the blank padding goes before it
    assert "办事不找关系指南" in normalize(pdf_pages_text(print_build / "print" / "guide-press.pdf")[-1])


def test_imposed_booklet_pairs_pages_in_signature_order(print_build):
    import pypdfium2 as pdfium

    from guidebook.outputs.printing import signature_order

    guide_pages = pdf_pages_text(print_build / "guide.pdf")
    n = len(guide_pages) + (-len(guide_pages)) % 4
    path = print_build / "print" / "guide-booklet-A3.pdf"
    pdf = pdfium.PdfDocument(str(path))
    assert len(pdf) == n // 2  # two sides per sheet, n/4 sheets
    w, h = pdf[0].get_size()
    assert (round(w * 25.4 / 72), round(h * 25.4 / 72)) == (420, 297)
    # page i of the guide (0-based) prints number i-1 in its footer (cover and contents are unnumbered)
    checked = 0
    for side, (left, right) in enumerate(signature_order(n)):
        tp = pdf[side].get_textpage()
        halves = (tp.get_text_bounded(0, 0, w / 2, h), tp.get_text_bounded(w / 2, 0, w, h))
        for expect, text in zip((left, right), halves):
            number = _footer_number(text)
            if 2 <= expect < len(guide_pages) - 1:
                assert number == expect - 1, (side, expect, number)
                checked += 1
            else:  # cover, contents, padding or back cover: no page number
                assert number is None
    pdf.close()
    assert checked == len(guide_pages) - 3


def test_archival_and_accessible_copies(print_build):
    reader = PdfReader(print_build / "archive" / "guide-pdfa.pdf")
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part[^0-9]*2", xmp) and re.search(r"pdfaid:conformance[^A-Z]*B", xmp)
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent
    handouts = sorted((print_build / "archive" / "handouts").glob("*.pdf"))
    assert [p.name[:2] for p in handouts] == ["08", "15"]
    for p in handouts:
        r = PdfReader(p)
        root = r.trailer["/Root"]
        assert root["/Lang"] == "zh-CN" and bool(root["/MarkInfo"]["/Marked"])
        assert "/StructTreeRoot" in root and bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
        assert r.metadata.title.endswith("— 办事不找关系指南")
        assert "pdfuaid" in root["/Metadata"].get_object().get_data().decode("utf-8")


def test_two_builds_give_identical_bytes(built, tmp_path):
    """A build from scratch (--force: every output rendered again, the guide's parts laid out again rather
    than taken from the cache) over a copy of the shared build's folder writes the same bytes."""
    import shutil

    from guidebook.pipeline import Options, build

    first, _ = built
    second = tmp_path / "again"
    shutil.copytree(first, second)
    result = build(Options(source=SOURCE, output=second, force=True))
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert result.reused == 0 and len(result.outputs) == len(files) - 1, (result.reused, len(result.outputs))
    # the guide (pdf, docx), each item's handout (pdf, docx) and their copies on the site, all-handouts.pdf,
    # the site's pages (index, one per item, 3 lists, about) and assets (3), and the manifest
    n = len(list((first / "handouts").glob("*.docx")))
    assert len(files) == 2 + 4 * n + 1 + (1 + n + 3 + 1) + 3 + 1
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    manifest = json.loads((first / "manifest.json").read_text("utf-8"))
    assert len(manifest["outputs"]) == len(files) - 1  # every output but the manifest itself
    guide = next(o for o in manifest["outputs"] if o["path"] == "guide.pdf")
    import hashlib

    assert guide["sha256"] == hashlib.sha256((first / "guide.pdf").read_bytes()).hexdigest()
    assert guide["pages"] == len(PdfReader(first / "guide.pdf").pages)
