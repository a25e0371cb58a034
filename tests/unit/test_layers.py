"""The package's folders are its stages, and a stage imports only from the stages above it."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "guidebook"
# Stages in pipeline order; shared helpers (diagnostics, files) may be used by all.
ORDER = ["catalogue", "editions", "document", "render", "outputs", "pipeline", "serve"]
SHARED = {"diagnostics", "files", "__init__"}


def _imports(path: Path, anywhere: bool) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    nodes = ast.walk(tree) if anywhere else tree.body
    out = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("guidebook"):
            for a in node.names:  # `from pkg import submodule` depends on the submodule, not on pkg
                sub = PACKAGE.joinpath(*f"{node.module}.{a.name}".split(".")[1:])
                out.add(f"{node.module}.{a.name}" if sub.with_suffix(".py").exists() or sub.is_dir() else node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("guidebook")}
    return out


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ORDER else None


def test_no_stage_imports_a_later_stage():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        stage = path.relative_to(PACKAGE).parts[0]
        if stage not in ORDER:
            continue
        for imported in _imports(path, anywhere=True):
            other = _stage(imported)
            if other and ORDER.index(other) > ORDER.index(stage):
                wrong.append(f"{path.relative_to(PACKAGE)} imports {imported}")
    assert not wrong, wrong


def test_no_import_cycle():
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(("guidebook", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        modules[name] = path
    graph = {m: {i for i in _imports(p, anywhere=False) if i in modules and i != m} for m, p in modules.items()}
    state: dict[str, int] = {}

    def visit(m, trail):
        state[m] = 1
        for n in graph[m]:
            assert state.get(n) != 1, " -> ".join([*trail, m, n])
            if n not in state:
                visit(n, [*trail, m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])


def test_every_module_is_in_a_stage():
    """A module outside the stage folders escapes the layering rule: only the shared helpers and the
    command line (which calls every stage) may live at the package's top."""
    loose = {p.stem for p in PACKAGE.glob("*.py")} - SHARED - {"cli", "__main__"}
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert not loose, f"modules outside the stage folders: {sorted(loose)}"
    assert folders <= set(ORDER), f"packages that are no stage: {sorted(folders - set(ORDER))}"
