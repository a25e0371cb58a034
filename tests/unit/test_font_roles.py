"""A layout's fonts.toml changes only the roles it names; the others keep the default's (no role ever
goes missing, which left stylesheets with `font-family: , sans-serif`)."""

from __future__ import annotations

import pytest

from guidebook.diagnostics import GuidebookError
from guidebook.render import layout_chain
from guidebook.render.fonts import read_roles


def test_an_override_with_only_a_body_role_keeps_the_default_heading(tmp_path):
    (tmp_path / "fonts.toml").write_text('[roles.body]\nfamilies = ["Noto Sans CJK SC"]\n', "utf-8")
    roles, path = read_roles(layout_chain([tmp_path]))
    assert roles["body"] == ["Noto Sans CJK SC"]
    assert roles["heading"][0] == "Noto Sans CJK SC" and len(roles["heading"]) == 3  # the default's list
    assert path == tmp_path / "fonts.toml"


@pytest.mark.parametrize("text, words", [
    ('[roles.body]\nfamilies = []\n', "roles.body.families must be a list"),
    ('[roles.body]\nfamilies = [""]\n', "roles.body.families must be a list"),
    ("roles = 3\n", "expected [roles.NAME] tables"),
    ("[roles.body\n", "invalid TOML"),
])
def test_a_broken_fonts_toml_is_named_in_the_error(tmp_path, text, words):
    (tmp_path / "fonts.toml").write_text(text, "utf-8")
    with pytest.raises(GuidebookError) as err:
        read_roles(layout_chain([tmp_path]))
    assert str(tmp_path / "fonts.toml") in str(err.value) and words in str(err.value)
