"""Numbering rules shared by every writer: Chinese numerals for categories, circled numbers for lists."""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 99 -> 九十九 (categories are numbered this way)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    out = ""
    if tens:
        out = ("" if tens == 1 else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


def circled(n: int) -> str:
    """1 -> ①; beyond ⑳, (21)."""
    return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else f"({n})"


def parse_category(value: str, names: list[str]) -> str | None:
    """Resolve a category given as 三, 3, or (part of) its name; None if it matches nothing."""
    v = value.strip().rstrip("、")
    for i, name in enumerate(names):
        if v in (str(i + 1), chinese_numeral(i + 1), name):
            return name
    matches = [n for n in names if v and v in n]
    return matches[0] if len(matches) == 1 else None
