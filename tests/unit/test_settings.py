"""A layout's settings (render.settings): read with a CSS parser, once, and again when a file changes."""

from __future__ import annotations

import os
import shutil

from helpers import ROOT


def _layout(tmp_path):
    folder = tmp_path / "mine"
    shutil.copytree(ROOT / "layouts" / "default", folder)
    return [folder]


def test_the_cascade_comments_and_var_in_page_rules(tmp_path):
    from guidebook.render import page_geometry, theme_values

    chain = _layout(tmp_path)
    (chain[0] / "custom.css").write_text(
        "/* a designer's overrides */\n"
        ":root { --color-primary: /* dark red */ #8b0000; --handout-margin: 15mm; }\n"
        ".x { --not-the-theme: 1px; }\n", "utf-8")
    theme = theme_values(chain)
    assert theme["--color-primary"] == "#8b0000" and theme["--qr-size"] == "26mm"
    assert "--not-the-theme" not in theme  # a custom property of another rule is not a theme value
    # handout.css: margin: var(--handout-margin); margin-bottom: 16mm; the custom.css value wins
    assert page_geometry(chain, "handout.css") == ((210, 297), (15.0, 15.0, 16.0, 15.0))
    (chain[0] / "theme.css").write_text(
        (chain[0] / "theme.css").read_text("utf-8").replace("@page { size: A4;", "@page :left { margin: 1mm; }\n"
                                                              "@page { size: A5 landscape;"), "utf-8")
    assert page_geometry(chain, "guide.css") == ((210, 148), (22.0, 18.0, 20.0, 20.0))  # :left is not the plain rule


def test_read_once_and_again_after_an_edit(tmp_path, monkeypatch):
    import tinycss2

    from guidebook.render import page_geometry

    chain = _layout(tmp_path)
    calls = []
    real = tinycss2.parse_stylesheet
    monkeypatch.setattr(tinycss2, "parse_stylesheet", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    first = page_geometry(chain, "guide.css")
    read = len(calls)
    assert read and [page_geometry(chain, "guide.css") for _ in range(5)] == [first] * 5 and len(calls) == read
    theme = chain[0] / "theme.css"
    theme.write_text(theme.read_text("utf-8").replace("margin: 22mm 18mm 20mm 20mm", "margin: 30mm"), "utf-8")
    st = theme.stat()
    os.utime(theme, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert page_geometry(chain, "guide.css") == ((210, 297), (30.0, 30.0, 30.0, 30.0))
