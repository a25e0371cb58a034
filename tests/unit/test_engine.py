"""Only the engine adapter imports WeasyPrint; its fingerprints name functions that exist."""

from __future__ import annotations

import ast

from helpers import ROOT

PACKAGE = ROOT / "guidebook"
ADAPTER = PACKAGE / "render" / "weasy.py"


def _imports_weasyprint(path) -> bool:
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "weasyprint" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "weasyprint":
            return True
    return False


def test_weasyprint_is_imported_by_the_engine_adapter_only():
    importers = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if _imports_weasyprint(p))
    assert importers == ["render/weasy.py"]


def test_the_scan_sees_every_form_of_import(tmp_path):
    for text in ("import weasyprint\n", "from weasyprint.text import ffi\n", "def f():\n    import weasyprint.svg\n"):
        (tmp_path / "m.py").write_text(text)
        assert _imports_weasyprint(tmp_path / "m.py"), text
    (tmp_path / "m.py").write_text("import weasyprintx\nfrom guidebook.render import weasy\n")
    assert not _imports_weasyprint(tmp_path / "m.py")
