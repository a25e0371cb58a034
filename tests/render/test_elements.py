"""The optional elements of a real 办事指南 (基本信息, 设定依据, 受理条件, 常见问题, a material's need,
issuer and forms), each declared once, reach every output when present, in both house styles; a
handout without room for all of them leaves the lowest-priority ones to the guide and says so.

The catalogue is tests/fixtures/elements (seed item 43 with what its laws state; sources named in its
guide.yaml)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from helpers import (
    ROOT,
    STYLES,
    assert_same_blocks,
    docx_body_text,
    flow_steps,
    normalize,
    pdf_body_text,
    pdf_pages_text,
)
from helpers import run_cli as _run_cli

pytestmark = pytest.mark.slow

ELEMENTS = ROOT / "tests" / "fixtures" / "elements"
FORM = "劳务派遣经营许可申请书.txt"
# What each element prints: its heading and one of its facts (the guide and the site show all of these).
SHOWN = {
    "service": ["基本信息", "事项类型", "行政许可", "实施主体", "承诺件", "法定：20 个工作日", "承诺：8 个工作日",
                "《中华人民共和国行政许可法》第五十八条", "劳务派遣经营许可证"],
    "basis": ["设定依据", "《中华人民共和国劳动合同法》", "部门规章", "第五十七条"],
    "conditions": ["受理条件", "注册资本不得少于人民币二百万元"],
    "materials": ["非必需", "出具单位：验资机构", f"空白表格：{FORM}"],
    "faq": ["常见问题", "许可机关多长时间作出是否准予行政许可的决定"],
}


def run_cli(*args: str):
    """The command line, its output as text."""
    res = _run_cli(*args)
    res.stdout, res.stderr = res.stdout.decode("utf-8"), res.stderr.decode("utf-8")
    return res


def _build(source: Path, out: Path, style: str) -> None:
    args = ["build", "--source", str(source), "--output", str(out)]
    if style != "default":
        args += ["--style", style]
    res = run_cli(*args)
    assert res.returncode == 0, res.stderr[-2000:]


@pytest.fixture(scope="module", params=STYLES)
def elements_build(request, tmp_path_factory):
    from helpers import made_once

    return made_once(tmp_path_factory, f"elements-{request.param}", lambda out: _build(ELEMENTS, out, request.param))


def _texts(out: Path) -> dict[str, str]:
    handout = next((out / "handouts").glob("43-*.pdf"))
    return {
        "guide.pdf": normalize("".join(pdf_pages_text(out / "guide.pdf"))),
        "handout.pdf": normalize("".join(pdf_pages_text(handout))),
        "guide.docx": normalize(docx_body_text(out / "guide.docx")),
        "handout.docx": normalize(docx_body_text(handout.with_suffix(".docx"))),
        "site": normalize(html.unescape(re.sub(r"<[^>]+>", "", (out / "site" / "items" / "43.html").read_text("utf-8")))),
    }


def test_check_passes_and_counts_no_warning():
    res = run_cli("check", "--source", str(ELEMENTS))
    assert res.returncode == 0, res.stderr
    assert "0 warnings" in res.stderr
    assert "optional elements: 基本信息 in 1 item, 设定依据 in 1 item, 受理条件 in 1 item, 常见问题 in 1 item" in res.stderr


def test_every_element_reaches_every_output(elements_build):
    texts = _texts(elements_build)
    for name, text in texts.items():
        for element, strings in SHOWN.items():
            for s in strings:
                assert normalize(s) in text, (name, element, s)
    guide = texts["guide.pdf"]
    # in the guide: the introduction, then 基本信息, then the numbered parts in their declared order
    assert guide.index("经营劳务派遣业务") < guide.index("基本信息") < guide.index("43.1设定依据") \
        < guide.index("43.2受理条件") < guide.index("43.3需提供材料") < guide.index("常见问题")


def test_the_handout_is_one_page_and_refers_nothing_when_all_fits(elements_build):
    handout = next((elements_build / "handouts").glob("43-*.pdf"))
    pages = pdf_pages_text(handout)
    assert len(pages) == 1
    assert "本页未印" not in normalize(pages[0])


def test_the_site_offers_the_blank_form_for_download(elements_build):
    copy = elements_build / "site" / "forms" / FORM
    assert copy.read_bytes() == (ELEMENTS / "forms" / FORM).read_bytes()
    page = (elements_build / "site" / "items" / "43.html").read_text("utf-8")
    from urllib.parse import quote

    assert f'href="../forms/{quote(FORM)}" download' in page


def test_pdf_and_word_show_the_same_blocks(elements_build):
    """The parity of the seed (test_parity), for a catalogue that uses every new element."""
    from guidebook.outputs.text import text_blocks
    from guidebook.pipeline import Options, Session

    s = Session(Options(source=ELEMENTS))
    it = s.doc.items[0]
    tree = s.handout(it)
    blocks = text_blocks(tree.title) + text_blocks(tree.body)
    handout = next((elements_build / "handouts").glob("43-*.pdf"))
    pdf = pdf_body_text(handout)
    header, footer = normalize(tree.header + tree.meta.edition_label), normalize(tree.footer)
    assert pdf.startswith(header) and pdf.endswith(footer)
    assert_same_blocks(blocks, pdf[len(header):-len(footer)], flow_steps(tree.body), "handout 43.pdf")
    assert_same_blocks(blocks, docx_body_text(handout.with_suffix(".docx")), flow_steps(tree.body), "43.docx")


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """The catalogue with the item's one question repeated until its handout cannot hold everything."""
    from helpers import made_once

    def make(work):
        source = work / "source"
        shutil.copytree(ELEMENTS, source)
        item = source / "items" / "43.yaml"
        text = item.read_text("utf-8")
        question = text[text.index("  - q:"):]
        item.write_text(text + question * 7, "utf-8")
        _build(source, work / "output", "default")

    return made_once(tmp_path_factory, "crowded", make) / "output"


def test_a_crowded_handout_refers_its_lowest_priority_sections_and_says_so(crowded):
    handout = next((crowded / "handouts").glob("43-*.pdf"))
    pages = pdf_pages_text(handout)
    assert len(pages) == 1
    text = normalize(pages[0])
    assert normalize("本页未印：") in text and normalize("详见《办事不找关系指南》第 43 项") in text
    # 设定依据 goes first (the lowest priority), then 常见问题 ...: what is left off is not on the page,
    # and the materials, the channels and the time limit always are
    referred = text[text.index(normalize("本页未印：")):]
    assert "设定依据" in referred
    assert normalize("《中华人民共和国劳动合同法》") not in text
    for kept in ("需提供材料", "办理路径", "办理时限"):
        assert kept in text
    # the Word handout leaves off the same sections, and the guide keeps them all
    docx = normalize(docx_body_text(handout.with_suffix(".docx")))
    assert referred.split("项")[0] in docx
    assert normalize("《中华人民共和国劳动合同法》") not in docx
    guide = normalize("".join(pdf_pages_text(crowded / "guide.pdf")))
    assert "设定依据" in guide and guide.count(normalize("许可机关多长时间作出")) == 8


def test_a_form_that_is_not_there_is_an_error_naming_the_line(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ELEMENTS, source)
    (source / "forms" / FORM).unlink()
    res = run_cli("check", "--source", str(source))
    assert res.returncode == 1
    assert "items/43.yaml" in res.stderr and "blank_form" in res.stderr and FORM in res.stderr
    line = next(i for i, ln in enumerate((source / "items" / "43.yaml").read_text("utf-8").splitlines(), 1)
                if "blank_form" in ln)
    assert f":{line}" in res.stderr


def test_a_form_outside_the_forms_folder_is_refused(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ELEMENTS, source)
    item = source / "items" / "43.yaml"
    item.write_text(item.read_text("utf-8").replace(f"blank_form: {FORM}", "blank_form: ../guide.yaml"), "utf-8")
    res = run_cli("check", "--source", str(source))
    assert res.returncode == 1 and "source/forms/" in res.stderr
