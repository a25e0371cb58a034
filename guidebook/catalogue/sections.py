"""Catalogue stage: the sections of an item, each declared once.

A section is one numbered part of a procedure (1.1 需提供材料, 1.2 办理路径 ...) or a block of the whole
item (咨询电话). Its declaration says everything every output needs: the catalogue field that holds it,
its heading, its place (the order of SECTIONS), how its content is shown (its shape), which documents
show it, what shows when it is empty, and its priority on a one-page handout. The document model, the
document trees (and so the PDFs, the Word files, the site and the text extraction), the diff and the
editor's forms all read this list; adding a section is a schema field plus one line here.

Shapes:
- `materials`, `channels`, `time_limit`: the booklet's own structured parts (see guidebook.document.model);
- `paragraphs`: a list of texts, one paragraph each (温馨提示);
- `numbered`: a list of texts shown as a numbered list (①②③, as the booklet numbers its lists);
- `text`: one text, one paragraph;
- `phones`: the phone numbers the item's texts mention (an item-level block of the handout).
"""

from __future__ import annotations

from dataclasses import dataclass

from guidebook.catalogue import labels as L

GUIDE, HANDOUT, SITE = "guide", "handout", "site"
SHAPES = ("materials", "channels", "time_limit", "paragraphs", "numbered", "text", "phones")


@dataclass(frozen=True)
class Section:
    key: str  # the field of a procedure (or, with scope "item", of the item) that holds the section
    label: str  # its heading, as the booklet prints it
    shape: str  # how its content is shown (SHAPES)
    documents: tuple[str, ...] = (GUIDE, HANDOUT, SITE)  # Word shows what its PDF shows
    priority: int = 50  # on a handout when space is short: the lowest is referred to the guide first
    empty: str | None = None  # the text shown when the field is present but empty; None: the section is left out
    scope: str = "procedure"  # procedure: a numbered part of each procedure; item: one block of the whole item

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"section {self.key}: unknown shape {self.shape!r} (one of {', '.join(SHAPES)})")

    def shown_in(self, document: str) -> bool:
        return document in self.documents


SECTIONS: tuple[Section, ...] = (
    Section("materials", L.MATERIALS, "materials", priority=100),
    Section("channels", L.CHANNELS, "channels", priority=90),
    Section("time_limit", L.TIME_LIMIT, "time_limit", priority=80),
    Section("tips", L.TIPS, "paragraphs", priority=40),
    Section("phones", L.PHONES, "phones", documents=(HANDOUT, SITE), priority=70, scope="item"),
)


def procedure_sections() -> list[Section]:
    return [s for s in SECTIONS if s.scope == "procedure"]


def item_sections() -> list[Section]:
    return [s for s in SECTIONS if s.scope == "item"]


def section(key: str) -> Section:
    return next(s for s in SECTIONS if s.key == key)
