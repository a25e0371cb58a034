"""Catalogue stage: the identifiers of a catalogue's things, spelled once.

An item is known by its number everywhere; where a string is needed (an anchor in a document, the
editor's address of a file), it is made here and read back here, digits in ASCII only (a full-width
or Arabic-Indic digit never names an item).
"""

from __future__ import annotations

import re

ITEM_PREFIX = "item-"
_ITEM = re.compile(r"item-([0-9]{1,4})", re.ASCII)


def item_id(number: int) -> str:
    """The anchor of an item in a document, and its key in the editor: item-15."""
    return f"{ITEM_PREFIX}{number}"


def item_of(ident: str) -> int | None:
    """The number an item id names, or None for anything else (item-１５ and item-015x included)."""
    m = _ITEM.fullmatch(ident)
    return int(m.group(1)) if m else None
