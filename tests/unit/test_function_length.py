"""No function of guidebook/ is longer than 60 lines; the few that still are may only shrink.

The list below is the debt that remains (none now); a function leaves it by being split, and the test
fails if one of them grows or a new one joins.
"""

from __future__ import annotations

import ast

from helpers import ROOT

LIMIT = 60
STILL_LONGER: dict[str, int] = {}  # "file:function": its length when this list was last shortened


def lengths() -> dict[str, int]:
    out = {}
    package = ROOT / "guidebook"
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                out[f"{path.relative_to(package)}:{node.name}"] = node.end_lineno - start + 1
    return out


def test_no_function_is_longer_than_sixty_lines_but_the_listed_ones_and_none_grows():
    found = lengths()
    long = {name: n for name, n in found.items() if n > LIMIT}
    new = {name: n for name, n in long.items() if name not in STILL_LONGER}
    grown = {name: (STILL_LONGER[name], n) for name, n in long.items() if name in STILL_LONGER and n > STILL_LONGER[name]}
    assert not new, f"longer than {LIMIT} lines: {new}"
    assert not grown, f"grew (was, is): {grown}"


def test_the_list_holds_only_what_is_still_long():
    """A function that was split leaves the list, so the list never hides new growth."""
    found = lengths()
    done = [name for name in STILL_LONGER if found.get(name, 0) <= LIMIT]
    assert not done, f"no longer over {LIMIT} lines, remove from STILL_LONGER: {done}"
