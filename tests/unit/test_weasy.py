"""WeasyPrint's internals are used in one module, each checked against the version, with a fallback or a
clear message on another version."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from guidebook.diagnostics import GuidebookError
from guidebook.render import weasy


def test_missing_internals_give_a_clear_message(monkeypatch):
    monkeypatch.setattr(weasy, "version", lambda: "99.0")
    with pytest.raises(GuidebookError, match=r"WeasyPrint 99.0 is installed, but measuring laid-out pages needs "
                                             r"WeasyPrint 70"):
        weasy.page_box(SimpleNamespace())
    assert not weasy.internals_ok()
