"""An item's identifiers are made and read back in one place, digits in ASCII only."""

from __future__ import annotations

import pytest

from guidebook.catalogue.ids import item_id, item_of


@pytest.mark.parametrize("number", [1, 15, 54, 9999])
def test_an_item_id_reads_back_as_its_number(number):
    assert item_of(item_id(number)) == number


@pytest.mark.parametrize("ident", ["item-１５", "item-١٥", "item-15x", "item-", "items-15", "item-12345", " item-15",
                                   "item-15\n", "guide", "item-+15", "item--1"])
def test_anything_else_names_no_item(ident):
    assert item_of(ident) is None


def test_the_tree_carries_item_numbers_and_sections_as_values(doc):
    tree = doc
    guide = next(s for s in tree.main if s.section == "guide")
    numbers = [it.item for c in guide.children if c.kind == "block" for it in c.children
               if it.kind == "block" and it.item is not None]
    assert numbers == [it.item_number for it in doc.items]
    assert [s.section for s in tree.main] == ["power_list", "windows", "guide", "prohibited", "tolerated"]
