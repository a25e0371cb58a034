"""The document: built in milliseconds, inspected without rendering anything (fast tier)."""

from __future__ import annotations

import pytest

from guidebook.document.nodes import has_role, text_of, walk
from guidebook.document.build import handout


@pytest.fixture(scope="module")
def tree(doc):
    return doc


def _anchors(nodes) -> list[str]:
    return [n.anchor for n in walk(nodes) if n.kind == "block" and n.anchor]


def test_every_internal_link_and_page_reference_has_its_anchor(tree):
    anchors = _anchors(tree.front + tree.main)
    assert len(anchors) == len(set(anchors)), "an anchor is used twice"
    targets = [n.anchor for n in walk(tree.front + tree.main) if n.kind in ("link", "pageref") and
               (n.kind == "pageref" or n.internal)]
    targets += [e.anchor for e in tree.front[0].entries]
    assert targets and set(targets) <= set(anchors)


def test_the_guide_holds_every_item_once_in_catalogue_order(tree, catalogue):
    items = [n for n in walk(tree.main) if n.kind == "block" and has_role(n, "item")]
    assert [n.anchor for n in items] == [f"item-{it.number}" for c in catalogue.guide.categories
                                         for it in catalogue.category_items(c.name)]
    assert len(items) == len(catalogue.items)


def test_cross_references_of_the_two_lists_are_in_the_tree(tree, catalogue):
    see = [n for n in walk(tree.main) if n.kind == "span" and n.role == "see"]
    groups = [g for g in catalogue.prohibited.groups if g.items] + [e for e in catalogue.tolerated.entries if e.items]
    assert len(see) == len(groups)
    first = text_of(see[0].content)
    assert first == "（见" + "、".join(map(str, groups[0].items)) + "）"
    links = [n for s in see for n in walk(s) if n.kind == "link"]
    assert [n.target for n in links] == [f"#item-{k}" for g in groups for k in g.items]


def test_material_tags_are_decided_once(tree, catalogue):
    tags = [text_of(n.content) for n in walk(tree.main) if n.kind == "span" and n.role == "tag"]
    expected = []
    for it in catalogue.items:
        for proc in [it, *it.procedures]:
            m = proc.materials
            if m is None:
                continue
            for mat in [*m.items, *(x for g in m.groups for x in g.items)]:
                expected += [t for t in (mat.form, f"{mat.copies} 份" if mat.copies else None) if t]
    assert tags == expected and "原件" in tags


def test_label_on_the_first_row_of_each_group_only(tree, catalogue):
    table = next(n for n in walk(tree.main) if n.kind == "table" and n.role == "power-list")
    labelled = [text_of(row.cells[0].content) for row in table.rows if row.cells[0].content]
    assert labelled == [f"{lab}" for lab in (c.label for c in guide_tree_categories(tree))]
    assert sum(1 for row in table.rows if row.role == "group-start") == len(catalogue.guide.categories)


def guide_tree_categories(tree):
    from types import SimpleNamespace

    return [SimpleNamespace(label=text_of(n.children[0].content)) for n in walk(tree.main)
            if n.kind == "block" and has_role(n, "category")]


def test_handout_reading_order_and_phones(doc):
    by_number = {it.item_number: it for it in doc.items}
    eight = handout(doc.meta, by_number[8])
    roles = [n.role for n in eight.body]  # what the citizen came for first, then the QR codes, the flowcharts
    assert [r for r in roles if r != "intro"] == ["h-main", "h-side", "h-flows"]
    # the HTML layout's order puts the side column (a float) before the main one
    assert [n.role for n in eight.layout_body if n.role != "intro"] == ["h-side", "h-main", "h-flows"]
    assert [n.label for n in walk(eight.body) if n.kind == "flowchart"] == ["8.1", "8.2"]
    for it in doc.items:
        t = handout(doc.meta, it)
        block = [b for b in walk(t.body) if b.kind == "block" and "part-phones" in b.role.split()]
        phones = [n.text for n in walk(block) if n.kind == "phone" and n.role == "phone"]
        assert phones == it.phones
        where = [b for b in walk(t.body) if b.kind == "block" and "part-where" in b.role.split()]
        assert [n.text for n in walk(where) if n.kind == "phone"] == [w.phone for w in it.windows]
        assert [n.url for n in walk(t.body) if n.kind == "qr"] == [q.url for q in it.qr]


def test_phones_in_running_text_are_marked(tree):
    phones = {n.text for n in walk(tree.main) if n.kind == "phone"}
    assert "024-52443219" in phones and "12333" in phones
    assert all(n.dial.isdigit() for n in walk(tree.main) if n.kind == "phone")


def test_an_item_with_no_phone_says_where_to_find_one(doc):
    """咨询电话 comes from the item's texts, else from the windows its channels link; an item with neither
    (16 and 45 of the seed) refers to the guide's windows part by its title and prints no guessed number."""
    by_number = {it.item_number: it for it in doc.items}
    for n in (16, 45):
        it = by_number[n]
        assert not it.phones and not it.windows and it.phones_see == "办事不找关系路径"
        block = [b for b in walk(handout(doc.meta, it).body) if b.kind == "block" and "part-phones" in b.role.split()]
        assert [n.kind for n in walk(block) if n.kind == "phone"] == []
        assert "各窗口电话见《办事不找关系路径》" in text_of(
            [x for b in block for x in walk(b) if x.kind == "text"])
    assert not by_number[15].phones_see  # it links its windows
    assert sum(1 for it in doc.items if it.phones_see) == sum(1 for it in doc.items if not it.phones and not it.windows)


def test_windows_left_off_a_crowded_handout_are_referred_to_the_guides_windows_part(doc):
    it = next(i for i in doc.items if i.item_number == 15)
    full = handout(doc.meta, it)
    assert any("part-where" in b.role.split() for b in walk(full.body) if b.kind == "block")
    short = handout(doc.meta, it, referred=("where", "tips"))
    assert not any("part-where" in b.role.split() for b in walk(short.body) if b.kind == "block")
    lines = [text_of(n.content) for n in walk(short.body) if n.kind == "para" and n.role == "referred"]
    assert lines == ["本页未印：温馨提示，详见《办事不找关系指南》第 15 项",
                     "本页未印办理窗口的地址和电话，见《办事不找关系路径》"], lines


def test_one_document_the_items_the_planner_reads_are_the_nodes_the_writers_visit(doc, catalogue):
    """No second model: the Item nodes of the guide's tree are the items builders and servers read, with
    their number as a number; a handout is made of the same node, and its blocks of the same content."""
    from guidebook.document.nodes import Item, Procedure

    in_tree = [n for n in walk(doc.main) if isinstance(n, Item)]
    assert [id(n) for n in in_tree] == [id(it) for it in doc.items] and len(in_tree) == len(catalogue.items)
    assert [it.item_number for it in in_tree] == sorted(it.number for it in catalogue.items)
    eight = next(it for it in doc.items if it.item_number == 8)
    subs = [n for n in eight.children if isinstance(n, Procedure)]
    assert subs == eight.procedures and [p.number for p in subs] == ["8.1", "8.2"]
    h = handout(doc.meta, eight)
    assert h.item is eight
    assert text_of(h.title.children[1].children[1].content) == eight.full_title
