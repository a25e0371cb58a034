"""Catalogue stage: what a phone number is, decided once for validation, documents, check and diff.

Valid forms: a landline with its area code (3-digit area codes 010 and 02x have 8-digit numbers, 4-digit
area codes 7 or 8: 024-52443219, 0413-1234567), a service number with its area code (0531-12333), a
mobile number (11 digits, 1[3-9]...), an 8-digit
local number, and in text a 5-digit service number after 电话 or 拨打 (12333). Anything else that looks
like a phone number is reported by `guidebook check`, so a mistyped number never disappears silently.
"""

from __future__ import annotations

import re

# ASCII digits only (Python's \d would also take full-width ０-９ and other scripts' digits).
D = "[0-9]"
LANDLINE = rf"0(?:10|2{D})-{D}{{8}}|0[3-9]{D}{{2}}-{D}{{7,8}}"
MOBILE = rf"1[3-9]{D}{{9}}"
LOCAL = rf"{D}{{8}}"
SERVICE = rf"0(?:10|2{D}|[3-9]{D}{{2}})-1{D}{{4}}"  # a service number with its area code: 0531-12333

# A phone field (windows.yaml): a full number, or a service number (12333) or a 7/8-digit local number.
FIELD = re.compile(rf"^(?:{LANDLINE}|{SERVICE}|{MOBILE}|{D}{{5}}|{D}{{7,8}})$")
# Phones in running text (URLs must be removed first).
IN_TEXT = re.compile(
    rf"(?<![\d-])(?:{LANDLINE}|{SERVICE}|{MOBILE}|{LOCAL}|(?<=拨打)\s*{D}{{5}}|(?<=电话)\s*{D}{{5}}|(?<=电话：)\s*{D}{{5}})(?![\d-])")
# What a reader would take for a phone number: a 0-prefixed group with a dash, or 7 to 12 digits (of any
# script: a number typed with full-width digits ０２４ is reported, never accepted silently).
LOOKS_LIKE = re.compile(r"(?<![\dA-Za-z.-])(?:[0０]\d{2,3}[-－]\d{4,10}|\d{7,12}|\d{5})(?![\dA-Za-z.-])")
URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def in_text(text: str) -> list[str]:
    """The phone numbers in a text, in order (URLs are never searched)."""
    return [m.group().strip() for m in IN_TEXT.finditer(URL.sub(" ", text))]


def suspicious(text: str) -> list[str]:
    """Numbers in a text that look like phone numbers but have no valid form (e.g. 024-524432199)."""
    text = URL.sub(" ", text)
    valid = {(m.start() + len(m.group()) - len(m.group().lstrip()), m.end()) for m in IN_TEXT.finditer(text)}
    return [m.group() for m in LOOKS_LIKE.finditer(text) if (m.start(), m.end()) not in valid
            and not (len(m.group()) == 5 and m.group().isascii())]  # ASCII 5 digits: counts, codes, years
