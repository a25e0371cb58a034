"""WeasyPrint's internals are used in one module, each checked against the version, with a fallback or a
clear message on another version."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from guidebook.render import weasy
from guidebook.diagnostics import GuidebookError


def test_on_another_version_a_parsed_tree_is_laid_out_through_the_public_api(session, monkeypatch):
    import xml.etree.ElementTree as ET

    from guidebook.outputs import handouts

    it = session.doc.items[14]
    html = handouts.html(session, it, 0)
    import tinyhtml5

    root = tinyhtml5.parse(html, namespace_html_elements=False)
    fast = session.renderer.layout_tree("handout", root)
    monkeypatch.setattr(weasy, "internals_ok", lambda: False)
    public = session.renderer.layout_tree("handout", root)
    assert len(fast.pages) == len(public.pages) == 1
    assert ET.tostring(root)  # the tree is untouched by either way


def test_missing_internals_give_a_clear_message(monkeypatch):
    monkeypatch.setattr(weasy, "version", lambda: "99.0")
    with pytest.raises(GuidebookError, match=r"WeasyPrint 99.0 is installed, but measuring laid-out pages needs "
                                             r"WeasyPrint 70"):
        weasy.page_box(SimpleNamespace())
    assert not weasy.internals_ok()
