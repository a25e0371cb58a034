"""The fast tier renders nothing: it may not import the layout engine or the Word library."""

from __future__ import annotations

import sys

import pytest

RENDERERS = ("weasyprint", "docx")


@pytest.fixture(autouse=True, scope="session")
def no_renderer_is_imported(request):
    """Fails the tier when one of its tests (or what they import) loaded a renderer in this process. In a
    run of the whole suite the other tiers load them, so the tier is checked when it runs alone."""
    yield
    if any("unit" not in item.keywords for item in request.session.items):
        return
    loaded = [m for m in RENDERERS if m in sys.modules]
    assert not loaded, f"the fast tier imported {', '.join(loaded)}: move the test to tests/render"
