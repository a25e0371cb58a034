"""WeasyPrint's internals are used in one module, each checked against the version, with a fallback or a
clear message on another version."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from guidebook.diagnostics import GuidebookError
from guidebook.render import weasy


def test_missing_internals_give_a_clear_message(monkeypatch):
    monkeypatch.setattr(weasy, "version", lambda: "99.0")
    monkeypatch.setattr(weasy, "_FITS", {use: False for use in weasy.RELIES_ON})
    with pytest.raises(GuidebookError, match=r"WeasyPrint 99.0 is installed, but measuring laid-out pages needs "
                                             r"WeasyPrint 70"):
        weasy.page_box(SimpleNamespace())
    assert not weasy.fits("page boxes")
    assert weasy.page_side(SimpleNamespace()) is None and weasy.overflow_mm(SimpleNamespace(pages=[1, 2])) is None
    assert "switched off array types, svg text runs" in weasy.notice()
