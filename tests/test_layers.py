"""The package's folders are its stages, and a stage imports only from the stages above it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "guidebook"
# Stages in pipeline order; shared helpers (diagnostics, files) may be used by all.
ORDER = ["catalogue", "document", "render", "outputs", "build", "serve"]
SHARED = {"diagnostics", "files", "__init__", "diffing", "edition"}


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
