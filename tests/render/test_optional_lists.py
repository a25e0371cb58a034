"""The 违规禁办事项清单 and the 容缺办理事项清单 are this province's own: a catalogue without prohibited.yaml
and tolerated.yaml checks, builds a guide, a Word file and a site, and is edited, with no trace of them."""

from __future__ import annotations

import re
import shutil

import pytest

from helpers import SOURCE, docx_body_text, made_once, pdf_pages_text, run_cli

WORDS = ("禁办", "容缺")


def _catalogue(root):
    """16 of the seed's items (one or two a category), its windows, lists and search words: what these tests
    check does not depend on the guide's length."""
    from helpers.synthetic import make_catalogue

    source = make_catalogue(root / "source", 16)
    shutil.copy(SOURCE / "synonyms.yaml", source / "synonyms.yaml")
    return source


@pytest.fixture(scope="module")
def without_lists(tmp_path_factory):
    def make(root):
        source = _catalogue(root)
        (source / "prohibited.yaml").unlink()
        (source / "tolerated.yaml").unlink()
        res = run_cli("build", "--source", str(source), "--output", str(root / "out"), "--no-handouts", "-q")
        assert res.returncode == 0, res.stderr.decode()

    root = made_once(tmp_path_factory, "nolists", make)
    return root / "source", root / "out"


def test_check_passes_and_counts_no_lists(without_lists):
    source, _ = without_lists
    res = run_cli("check", "--source", str(source))
    assert res.returncode == 0 and "26 windows; 0 warnings" in res.stderr.decode()


def test_no_output_mentions_the_lists(without_lists):
    _, out = without_lists
    pdf = "".join(pdf_pages_text(out / "guide.pdf"))
    word = docx_body_text(out / "guide.docx")
    assert "人社权力事项清单" in pdf and "失业保险金申领" in word  # the guide itself is all there
    for word_ in WORDS:
        assert word_ not in pdf and word_ not in word
    for page in (out / "site").rglob("*"):
        if page.suffix in (".html", ".js"):
            text = page.read_text("utf-8")
            assert not any(w in text for w in WORDS) and "prohibited.html" not in text, page
    assert not (out / "site" / "prohibited.html").exists() and not (out / "site" / "tolerated.html").exists()


def test_every_link_of_the_site_leads_somewhere(without_lists):
    _, out = without_lists
    site = out / "site"
    for page in site.rglob("*.html"):
        for target in re.findall(r'href="([^"#:?]+\.html)', page.read_text("utf-8")):
            assert (page.parent / target).resolve().is_file(), (page, target)


def test_the_editor_offers_no_list_and_deletes_an_item_without_one(without_lists, tmp_path):
    from guidebook.serve.editor.store import Store

    source = tmp_path / "source"
    shutil.copytree(without_lists[0], source)
    store = Store(source)
    keys = [e["key"] for e in store.entries() if e["kind"] == "file"]
    assert keys == ["guide", "windows", "synonyms"]  # the search words' file is the seed's; the lists are gone
    assert store.references(15) == []
    assert store.delete_item(16) == [] and not (source / "items" / "16.yaml").exists()
    assert run_cli("check", "--source", str(source)).returncode == 0


def test_diff_reports_the_lists_as_removed(without_lists):
    res = run_cli("diff", str(SOURCE), str(without_lists[0]), "--format", "json")
    assert res.returncode == 0, res.stderr.decode()
    assert "违规禁办事项清单" in res.stdout.decode()


@pytest.fixture(scope="module")
def reordered(tmp_path_factory):
    """The bureau's choice of parts: the items first, then the windows and the 容缺 list; no power list,
    no 禁办 list (its file is there: check warns that no output shows it)."""
    def make(root):
        source = _catalogue(root)
        guide = source / "guide.yaml"
        text = guide.read_text("utf-8")
        anchor = "\nsections:\n"
        assert anchor in text
        guide.write_text(text.replace(anchor, anchor + "  order: [guide, windows, tolerated]\n"), "utf-8")
        res = run_cli("build", "--source", str(source), "--output", str(root / "out"), "--no-handouts", "-q")
        assert res.returncode == 0, res.stderr.decode()

    root = made_once(tmp_path_factory, "order", make)
    return root / "source", root / "out"


def test_the_guide_has_the_parts_guide_yaml_names_in_its_order(reordered):
    source, out = reordered
    res = run_cli("check", "--source", str(source))
    err = res.stderr.decode()
    assert res.returncode == 0 and "prohibited.yaml is there but `order` leaves it out" in err
    pdf = "".join(pdf_pages_text(out / "guide.pdf"))
    word = docx_body_text(out / "guide.docx")
    for text in (pdf, word):
        assert "人社权力事项清单" not in text and "违规禁办事项清单" not in text
        # after the contents; an item without a phone refers to 《办事不找关系路径》 before the section itself
        body = text[text.rindex("合规办事业务指南"):].replace("《办事不找关系路径》", "")
        assert body.index("失业保险金申领") < body.index("办事不找关系路径") < body.index("容缺办理事项清单")
    assert not (out / "site" / "prohibited.html").exists() and (out / "site" / "tolerated.html").exists()
    for page in (out / "site").rglob("*.html"):
        for target in re.findall(r'href="([^"#:?]+\.html)', page.read_text("utf-8")):
            assert (page.parent / target).resolve().is_file(), (page, target)


def test_an_order_without_the_items_is_refused(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    guide = source / "guide.yaml"
    guide.write_text(guide.read_text("utf-8").replace("\nsections:\n", "\nsections:\n  order: [windows, windows]\n"),
                     "utf-8")
    res = run_cli("check", "--source", str(source))
    assert res.returncode == 1 and "guide.yaml" in res.stderr.decode() and "`guide`" in res.stderr.decode()
