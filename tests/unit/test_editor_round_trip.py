"""What staff type into a form is what the catalogue reads back: the editor quotes every text that a
YAML reader would read as something else (YAML 1.1 and 1.2 special words, numbers, dates, `#`, `:`,
quotes, several lines). Leading and trailing spaces are not kept, by design: the form trims them."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import SOURCE
from guidebook.catalogue import load_catalogue
from guidebook.catalogue.yamlsource import parse_yaml
from guidebook.serve.editor.store import Store

SPECIAL = [
    "no", "No", "NO", "yes", "Yes", "on", "On", "off", "OFF", "y", "n", "Y", "N", "true", "False", "null", "Null",
    "~", "1", "015", "0o17", "0x1F", "1_000", "1:20", "1e3", ".5", "-.inf", ".NaN", "+12", "2026-12-01",
    "2026-12-01 10:00:00", "12:30", "#不是注释", "a #b", "a: b", "- 列表", "? x", "@x", "`x", "!tag", "&anchor",
    "*alias", "'单引号'", '"双引号"', "它's", "{a: 1}", "[1, 2]", "|", ">", "%YAML", "---", "...", "：中文冒号",
    "全月经办，次月发放。", "第一行\n第二行", "a\\b", "50%", "=",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    source = tmp_path_factory.mktemp("rt") / "source"
    shutil.copytree(SOURCE, source)
    return Store(source)


def _read_back(store: Store, text: str):
    data, _, _ = store.load("item-15")
    data["time_limit"] = text
    rendered = store.render("item-15", data)
    return parse_yaml(rendered, "items/15.yaml").data["time_limit"]


@pytest.mark.parametrize("text", SPECIAL)
def test_a_special_word_reads_back_as_typed(store, text):
    assert _read_back(store, text) == text


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufeff"),
               min_size=1, max_size=30).map(str.strip).filter(bool))
def test_any_text_reads_back_as_typed(store, text):
    assert _read_back(store, text) == text


def test_saved_no_and_on_reach_the_catalogue_as_text(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    store = Store(source)
    for typed in ("no", "on", "1:20"):
        data, _, h = store.load("item-15")
        data["time_limit"] = typed
        store.save("item-15", data, h)
        item = next(i for i in load_catalogue(source).items if i.number == 15)
        assert item.time_limit == typed
        assert store.load("item-15")[0]["time_limit"] == typed


def test_an_unchanged_file_is_rendered_unchanged(store):
    data, text, _ = store.load("item-15")
    assert store.render("item-15", data) == text
    data, text, _ = store.load("guide")
    assert store.render("guide", data) == text


def test_an_untouched_date_keeps_its_spelling_when_another_field_is_saved(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    guide = source / "guide.yaml"
    original = guide.read_text("utf-8")
    assert "edition_date" not in original
    for spelling in ("edition_date: 2026-12-01", "edition_date: '2026-12-01'"):
        guide.write_text(original.replace("edition: 2026\n", f"edition: 2026\n{spelling}\n"), "utf-8")
        store = Store(source)
        data, text, _ = store.load("guide")
        data.setdefault("site", {})["base_url"] = "https://example.gov.cn/guide/"
        out = store.render("guide", data)
        added = 1 if "\nsite:\n" in text else 2  # base_url (and site:, when the file has no site block)
        assert f"\n{spelling}\n" in out and out.count("\n") == text.count("\n") + added, out
