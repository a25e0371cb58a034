"""A layout's settings: the values every writer needs besides the stylesheets themselves (the theme's
variables: colours, sizes, the QR code's width; each stylesheet's page size and margins), read once with a
CSS parser (tinycss2, WeasyPrint's own) and kept until a layout file changes.

The PDF writers hand the stylesheets to the engine as they are; the Word writer, the web edition and the
planner (the press sheet) read these settings instead of reading CSS themselves.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from guidebook.diagnostics import GuidebookError

PAGE_SIZES_MM = {"A3": (297, 420), "A4": (210, 297), "A5": (148, 210), "B5": (176, 250), "LETTER": (215.9, 279.4)}
UNITS_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "px": 25.4 / 96}
THEME = ("theme.css", "custom.css")  # the files whose :root variables make the theme, in cascade order


@dataclass(frozen=True)
class Page:
    """A stylesheet's first plain @page rule (the theme's where it has none), in mm."""

    width: float
    height: float
    margins: tuple[float, float, float, float]  # top, right, bottom, left


@dataclass(frozen=True)
class Settings:
    variables: dict[str, str]  # the theme's custom properties (--color-primary ...), as the cascade sets them
    pages: dict[str, Page]  # by stylesheet name (guide.css, handout.css ...), read when first asked for

    def length_mm(self, name: str, default: float) -> float:
        """A theme variable that is a length (--qr-size), in mm; `default` when it is not set."""
        value = self.variables.get(name)
        return length_mm(value) if value else default


def length_mm(value: str) -> float:
    """A CSS length (26mm, 12pt, 1in) in mm."""
    import re

    m = re.fullmatch(r"\s*([\d.]+)\s*(mm|cm|in|pt|px)\s*", value)
    if not m:
        raise GuidebookError(f"cannot read the CSS length {value!r}")
    return float(m.group(1)) * UNITS_MM[m.group(2)]


def _rules(path: Path) -> list:
    import tinycss2

    return tinycss2.parse_stylesheet(path.read_text("utf-8"), skip_comments=True, skip_whitespace=True)


def _declarations(rule) -> dict[str, list]:
    """A rule's declarations (not its nested rules: an @page's margin boxes), name -> value tokens."""
    import tinycss2

    return {d.name: [t for t in d.value if t.type != "comment"]
            for d in tinycss2.parse_declaration_list(rule.content or [], skip_comments=True, skip_whitespace=True)
            if d.type == "declaration"}


def _text(tokens: list, variables: dict[str, str]) -> str:
    """Value tokens as text, var(--x) replaced by the theme's value."""
    import tinycss2

    out = []
    for t in tokens:
        if t.type == "function" and t.lower_name == "var":
            name = tinycss2.serialize([a for a in t.arguments if a.type != "whitespace"][:1]).strip()
            out.append(variables.get(name, tinycss2.serialize([t])))
        else:
            out.append(tinycss2.serialize([t]))
    return "".join(out).strip()


def theme_variables(files: list[Path]) -> dict[str, str]:
    """The custom properties of the :root (or html) rules of `files`, later files winning."""
    import tinycss2

    values: dict[str, str] = {}
    for path in files:
        for rule in _rules(path):
            if rule.type == "qualified-rule" and tinycss2.serialize(rule.prelude).strip() in (":root", "html"):
                values.update({name: _text(tokens, {}) for name, tokens in _declarations(rule).items()
                               if name.startswith("--")})
    return values


def page_of(files: list[Path], variables: dict[str, str]) -> Page:
    """The page of the first plain @page rule of each of `files`, later files winning, var() resolved."""
    import tinycss2

    size, margins = "A4", ["20mm"]
    for path in files:
        rule = next((r for r in _rules(path) if r.type == "at-rule" and r.lower_at_keyword == "page"
                     and not tinycss2.serialize(r.prelude).strip()), None)
        if rule is None:
            continue
        decl = {name: _text(tokens, variables) for name, tokens in _declarations(rule).items()}
        size = decl.get("size", size)
        if "margin" in decl:
            margins = decl["margin"].split()
        full = _four(margins)
        for i, side in enumerate(("margin-top", "margin-right", "margin-bottom", "margin-left")):
            if side in decl:
                full[i] = decl[side]
                margins = full
    words = size.upper().split()
    if words[0] in PAGE_SIZES_MM:
        w, h = PAGE_SIZES_MM[words[0]]
        if "LANDSCAPE" in words:
            w, h = h, w
    else:
        parts = size.split()
        w, h = length_mm(parts[0]), length_mm(parts[1] if len(parts) > 1 else parts[0])
    top, right, bottom, left = _four([length_mm(x) for x in margins])
    return Page(w, h, (top, right, bottom, left))


def _four(values: list) -> list:
    """The CSS shorthand of 1-4 values (top, right, bottom, left) as four."""
    if len(values) == 1:
        return values * 4
    if len(values) == 2:
        return values * 2
    if len(values) == 3:
        return [*values, values[1]]
    return list(values[:4])


_CACHE: dict[tuple, Settings] = {}
_LOCK = threading.Lock()


def _stamp(chain: list[Path]) -> tuple:
    """What the settings are read from, with each file's size and time: an edited layout is read again."""
    out = []
    for d in chain:
        for name in sorted({*THEME, *(p.name for p in d.glob("*.css"))}):
            try:
                st = os.stat(d / name)
            except OSError:
                continue
            out.append((str(d / name), st.st_size, st.st_mtime_ns))
    return tuple(out)


def settings(chain: list[Path]) -> Settings:
    """The layout's settings, read once for as long as its files stay the same."""
    from guidebook.render import stylesheet_files

    key = _stamp(chain)
    with _LOCK:
        found = _CACHE.get(key)
        if found is None:
            found = Settings(theme_variables([p for n in THEME for p in stylesheet_files(chain, n)]), {})
            _CACHE.clear()  # one layout at a time in a process, but an edited one replaces it
            _CACHE[key] = found
        return found


def page(chain: list[Path], stylesheet: str) -> Page:
    """The page size and margins `stylesheet` lays out on (its own @page, or the theme's)."""
    from guidebook.render import find_layout_file

    s = settings(chain)
    with _LOCK:
        if stylesheet not in s.pages:
            s.pages[stylesheet] = page_of([find_layout_file(chain, "theme.css"), find_layout_file(chain, stylesheet)],
                                          s.variables)
        return s.pages[stylesheet]
