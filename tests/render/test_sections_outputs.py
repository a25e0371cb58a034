"""A section of an item is declared once (guidebook.catalogue.sections) and reaches every output.

The test adds a section that the project does not have, 特别程序 (special procedures, an element of
real 办事指南) as a numbered list, by one line in a
copy of the package's sections.py (no other code changed: its schema field follows from it), and finds its heading and its text in guide.pdf, a
handout PDF, both .docx files, the site's item page, the document tree's text, the diff report and
the editor's form.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import MINIMAL, ROOT, docx_body_text, normalize, pdf_pages_text

LABEL, FIRST, SECOND = "特别程序", "测试程序甲：专家评审", "测试程序乙：现场核查"

DECLARATION = f'    Section("special_procedures", "{LABEL}", "numbered", priority=60),\n'
# What the copy of the package runs besides its command line: the editor's form of an item file, and
# the text blocks of an item's handout.
FORM = """import sys, yaml
from guidebook.catalogue import schema
from guidebook.serve.editor.forms import FormBuilder
print(FormBuilder(schema.Item).form(yaml.safe_load(open(sys.argv[1], encoding="utf-8"))))
"""
TEXT = """import sys
from pathlib import Path
from guidebook.catalogue import load_catalogue
from guidebook.document.build import build_document
from guidebook.document.build import handout
from guidebook.outputs.text import text_blocks
doc = build_document(load_catalogue(Path(sys.argv[1])))
tree = handout(doc.meta, next(it for it in doc.items if it.item_number == int(sys.argv[2])))
print("\\n".join(text_blocks(tree.body)))
"""

def _run(project: Path, *args: str) -> subprocess.CompletedProcess:
    res = subprocess.run([sys.executable, *args], cwd=project, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(project)})
    assert res.returncode == 0, res.stderr[-3000:]
    return res


@pytest.fixture(scope="module")
def with_section(tmp_path_factory):
    """A copy of the project whose sections.py declares one section more (the only change), and the
    minimal catalogue with item 1's new section filled in, built by that copy."""
    def make(work):
        project = work / "project"
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(ROOT / "guidebook", project / "guidebook", ignore=ignore)
        shutil.copytree(ROOT / "layouts", project / "layouts", ignore=ignore)
        declared = project / "guidebook" / "catalogue" / "sections.py"
        text = declared.read_text("utf-8")
        anchor = '    Section("time_limit", L.TIME_LIMIT, "time_limit", priority=80),\n'
        assert anchor in text
        declared.write_text(text.replace(anchor, anchor + DECLARATION), "utf-8")
        old, new = work / "old", work / "source"
        shutil.copytree(MINIMAL, old)
        shutil.copytree(MINIMAL, new)
        item = new / "items" / "01.yaml"
        item.write_text(item.read_text("utf-8") + f"special_procedures:\n  - {FIRST}\n  - {SECOND}\n", "utf-8")
        _run(project, "-m", "guidebook", "build", "--source", str(new), "--output", str(work / "output"))

    from helpers import made_once

    return made_once(tmp_path_factory, "section", make)


@pytest.mark.slow
def test_a_declared_section_reaches_the_pdfs_the_word_files_and_the_site(with_section):
    out = with_section / "output"
    handout = next((out / "handouts").glob("01-*.pdf"))
    texts = {
        "guide.pdf": normalize("".join(pdf_pages_text(out / "guide.pdf"))),
        "handout.pdf": normalize("".join(pdf_pages_text(handout))),
        "guide.docx": normalize(docx_body_text(out / "guide.docx")),
        "handout.docx": normalize(docx_body_text(handout.with_suffix(".docx"))),
        "site": normalize((out / "site" / "items" / "01.html").read_text("utf-8")),
    }
    for name, text in texts.items():
        assert LABEL in text, name
        assert normalize(FIRST) in text and normalize(SECOND) in text, name
        # in its declared place: after the time limit's heading, before the tips' heading
        assert text.index("办理时限") < text.index(LABEL) < text.index("温馨提示"), name
    # the other item has no such field: no empty heading anywhere
    other = next((out / "handouts").glob("02-*.pdf"))
    assert LABEL not in normalize("".join(pdf_pages_text(other)))


@pytest.mark.slow
def test_a_declared_section_reaches_the_text_the_diff_and_the_editor(with_section):
    source, project = with_section / "source", with_section / "project"
    text = _run(project, "-c", TEXT, str(source), "1").stdout
    assert LABEL in text and FIRST in text
    diff = _run(project, "-m", "guidebook", "diff", str(with_section / "old"), str(source)).stdout
    assert LABEL in diff and FIRST in diff
    form = _run(project, "-c", FORM, str(source / "items" / "01.yaml")).stdout
    assert LABEL in form and FIRST in form


def test_without_the_declaration_the_field_is_unknown(tmp_path):
    """The field exists because the section is declared: the seed's code refuses it, by name."""
    source = tmp_path / "source"
    shutil.copytree(MINIMAL, source)
    item = source / "items" / "01.yaml"
    item.write_text(item.read_text("utf-8") + f"special_procedures:\n  - {FIRST}\n", "utf-8")
    res = subprocess.run([sys.executable, "-m", "guidebook", "check", "--source", str(source)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1
    assert "01.yaml" in res.stderr and "special_procedures" in res.stderr
