"""Every Chinese string a user sees is written once: in the labels catalogue, or in one file only."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "guidebook"
# The labels catalogue: the fixed strings, and the sections of an item (each declared once there).
CATALOGUE = {PACKAGE / "catalogue" / "labels.py", PACKAGE / "catalogue" / "sections.py"}
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
# A Chinese text: a run of CJK characters and Chinese punctuation (spaces, Latin text, digits and format
# fields end it), without the punctuation at its ends: "（资料来源：" is 资料来源, "事项、材料、窗口" one text.
RUN = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef“”‘’·—…]+")
ENDS = re.compile(r"^[^\u3400-\u9fff]+|[^\u3400-\u9fff]+$")


def pieces(text: str) -> set[str]:
    return {p for p in (ENDS.sub("", r) for r in RUN.findall(text)) if len(CJK.findall(p)) >= 2}


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def chinese_literal(text: str) -> bool:
    """A string a user reads in Chinese (not an English sentence that names a Chinese term)."""
    return len(CJK.findall(text)) >= 2 and len(CJK.findall(text)) >= len(LATIN.findall(text))


def python_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    skip = _docstrings(tree)
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if chinese_literal(node.value):
                out |= pieces(node.value)
    return out


COMMENTS = {".html": r"\{#.*?#\}|<!--.*?-->", ".css": r"/\*.*?\*/", ".js": r"/\*.*?\*/|//[^\n]*", ".toml": r"#[^\n]*"}


def template_literals(path: Path) -> set[str]:
    text = re.sub(COMMENTS[path.suffix], "", path.read_text("utf-8"), flags=re.S)
    return pieces(text)


def literals() -> dict[str, set[Path]]:
    where: dict[str, set[Path]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        for s in python_literals(path):
            where[s].add(path)
    for path in [*ROOT.joinpath("layouts").rglob("*"), *PACKAGE.rglob("*")]:
        if path.is_file() and path.suffix in COMMENTS:
            for s in template_literals(path):
                where[s].add(path)
    return where


def test_a_chinese_string_lives_in_one_file_or_in_the_labels_catalogue():
    twice = {s: sorted(str(p.relative_to(ROOT)) for p in paths)
             for s, paths in literals().items() if len(paths - CATALOGUE) > 1}
    assert not twice, "\n".join(f"{s}: {', '.join(p)}" for s, p in sorted(twice.items()))


def test_the_check_finds_a_string_written_twice(tmp_path):
    """The scanner itself: a label written in two modules is found, an English mention is not."""
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text('X = "温馨提示"\nY = "Add a 本版主要变化 page"\n', "utf-8")
    b.write_text('def f():\n    """温馨提示 in a docstring is documentation."""\n    return "温馨提示："\n', "utf-8")
    assert python_literals(a) == {"温馨提示"}
    assert python_literals(b) == {"温馨提示"}
    assert pieces("搜索事项、材料、窗口或电话") == {"搜索事项、材料、窗口或电话"}
    assert pieces("共 {n} 处变化。") == {"处变化"}
