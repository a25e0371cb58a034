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


def test_the_tree_carries_item_numbers_and_sections_as_values(doc, catalogue):
    from guidebook.document.nodes import Category, Item

    tree = doc
    guide = next(s for s in tree.main if s.section == "guide")
    numbers = [it.item_number for c in guide.children if isinstance(c, Category) for it in c.children
               if isinstance(it, Item)]
    assert numbers == [it.number for c in catalogue.guide.categories for it in catalogue.category_items(c.name)]
    assert [s.section for s in tree.main] == ["power_list", "windows", "guide", "prohibited", "tolerated"]
