"""Document stage: the node types of the format-neutral document tree.

A document is a tree of these nodes, built once from the catalogue (`guidebook.document.build`). Every
decision that is not styling is already made in it: order, numbering, every label and heading text,
the text of material tags, cross-references, which table cell carries a label, anchors, link targets,
phones, QR targets, flowchart graphs. Writers (the HTML templates, Word, plain text, the web edition)
visit the tree and translate each node; none of them decides what a document says.

The structure of a guide is typed (`Section`, `Category`, `Item`, `Procedure`): blocks that also carry
what the catalogue says of them as values (an item's number, parts, QR targets, phones, windows), which
the builders, the planner and the servers read. A writer visits them as the blocks they are.

`role` is a semantic name (space-separated, like docutils' `classes`): the HTML writers use it as the
element's class, the Word writer maps the roles it knows to styles and run formatting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Union

from guidebook.document.content import Part, QrTarget, Rich, Window, merge_procedures, plain

if TYPE_CHECKING:  # pragma: no cover
    from guidebook.document.flow import Flow

# -- inline nodes ------------------------------------------------------------------------------


@dataclass(eq=False)
class Text:
    text: str
    role: str = ""
    kind = "text"


@dataclass(eq=False)
class Link:
    """A link: `target` is an absolute http(s) URL, or "#anchor" for a place in the same document."""

    text: str
    target: str
    role: str = ""
    kind = "link"

    @property
    def internal(self) -> bool:
        return self.target.startswith("#")

    @property
    def anchor(self) -> str:
        return self.target[1:] if self.internal else ""


@dataclass(eq=False)
class Phone:
    """A phone number as the catalogue prints it; `dial` is what a phone dials (digits only)."""

    text: str
    role: str = ""
    kind = "phone"

    @property
    def dial(self) -> str:
        return "".join(ch for ch in self.text if ch.isdigit())


@dataclass(eq=False)
class PageRef:
    """The page number on which `anchor` lands (filled in by paginated writers; empty elsewhere)."""

    anchor: str
    role: str = ""
    kind = "pageref"


@dataclass(eq=False)
class Span:
    """Inline content with a role: a material tag (原件), a note, a source, a cross-reference ..."""

    content: list["Inline"]
    role: str = ""
    kind = "span"


Inline = Union[Text, Link, Phone, PageRef, Span]

# -- block nodes -------------------------------------------------------------------------------


@dataclass(eq=False)
class Para:
    content: list[Inline]
    role: str = ""
    kind = "para"


@dataclass(eq=False)
class Heading:
    """A heading. `level` is its level in the document's outline (1 sections and categories, 2 items,
    3 parts, 4 parts of sub-procedures; a handout: 1 its title, 2 its sections). Anchors belong to
    the block a heading opens."""

    level: int
    content: list[Inline]
    role: str = ""
    kind = "heading"


@dataclass(eq=False)
class Block:
    """A group of blocks with a role (a section, an item, a part, a column of a handout)."""

    children: list["Node"]
    role: str = ""
    anchor: str = ""
    page_break: bool = False  # starts a new page in paged outputs
    kind = "block"


@dataclass(eq=False)
class ListItem:
    marker: str  # ①, or "" for a bullet
    content: list[Inline]
    children: list["Node"] = field(default_factory=list)  # details, further lines
    role: str = ""
    kind = "list_item"


@dataclass(eq=False)
class ItemList:
    items: list[ListItem]
    numbering: str = "circled"  # circled (①②③) | bullet
    role: str = ""
    kind = "list"


@dataclass(eq=False)
class Column:
    label: str
    role: str = ""
    width: float = 1.0  # relative width, for writers that must set widths themselves (Word)


@dataclass(eq=False)
class Cell:
    content: list[Inline] = field(default_factory=list)
    children: list["Node"] = field(default_factory=list)  # block content after the inline content


@dataclass(eq=False)
class Row:
    cells: list[Cell]
    role: str = ""


@dataclass(eq=False)
class Table:
    columns: list[Column]
    rows: list[Row]
    role: str = ""
    kind = "table"


@dataclass(eq=False)
class Flowchart:
    """An operation flowchart: the graph (guidebook.document.flow.Flow) and how much room it gets.

    `variant`: "full" (the guide), "compact" (a handout's side column), "rows" (a handout's row of
    several). Drawing it is the renderer's job; writers that cannot draw show `flow.as_lines()`.
    """

    flow: Any
    title: str  # the accessible name: the caption the booklet gives the chart
    label: str = ""  # a short label beside a chart in a row of several (8.1)
    caption: str = ""  # a visible caption under the chart ("" for none)
    variant: str = "full"
    role: str = ""
    kind = "flowchart"


@dataclass(eq=False)
class QrCode:
    url: str
    caption: str  # 网上办：平台名
    role: str = ""
    kind = "qr"


@dataclass(eq=False)
class TocEntry:
    level: int
    text: str
    anchor: str
    front: bool = False  # front matter: listed without a page number


@dataclass(eq=False)
class Toc:
    title: str
    entries: list[TocEntry]
    role: str = ""
    kind = "toc"


Node = Union[Para, Heading, Block, ItemList, Table, Flowchart, QrCode, Toc]


# -- typed nodes: the structure of a guide -------------------------------------------------------
# Blocks that carry what the catalogue says of them, typed: every writer visits them as blocks (their
# `children` are their blocks in the guide); builders, the planner and the servers read their fields.


@dataclass(eq=False)
class Procedure(Block):
    """A procedure: an item's own (the Item itself) or one of its sub-procedures ("8.1", role
    `subprocedure`). `parts` are its declared sections with content, numbered (what they say:
    guidebook.document.content); `flow` its flowchart's graph (None: it has no flowchart)."""

    number: str = ""  # "1", or "8.1" for a sub-procedure
    title: str = ""
    intro: list[Rich] = field(default_factory=list)  # paragraphs
    parts: list[Part] = field(default_factory=list)
    flow: Flow | None = None
    flow_caption: str | None = None

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}" if "." in self.number else f"{self.number}. {self.title}"


@dataclass(eq=False)
class Item(Procedure):
    """An item of the guide (role `item`). Its sub-procedures are among its children; `qr` the QR targets
    of its channels' links, `phones` the numbers its texts give, `windows` the windows its channels name,
    `facts` its 基本信息 rows."""

    item_number: int = 0
    category: str = ""
    category_label: str = ""  # 一、企业职工养老保险
    subtitle: str | None = None
    list_title: str = ""
    procedures: list["Procedure"] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    qr: list[QrTarget] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    facts: list[tuple[str, Rich]] = field(default_factory=list)  # (row label, value), in the facts' order
    windows: list[Window] = field(default_factory=list)
    windows_part: str = ""  # the title of the guide's part that lists every window ("" when it has none)

    @property
    def phones_see(self) -> str:
        """With no phone and no window of its own: the part of the guide that lists the windows' phones."""
        return self.windows_part if not self.phones and not self.windows else ""

    @property
    def full_title(self) -> str:
        return f"{self.title}（{self.subtitle}）" if self.subtitle else self.title

    @property
    def heading(self) -> str:
        return f"{self.item_number}. {self.full_title}"

    @property
    def file_stem(self) -> str:
        """NN-<guide title>, safe as a file name. File systems allow 255 bytes per name; with the suffix and
        the temporary's mark a stem must stay well below, so a long title is cut (the number keeps the
        names apart; the documents keep the whole title)."""
        safe = re.sub(r'[\\/:*?"<>|\s]+', "_", self.title).strip("_.")
        stem = f"{self.item_number:02d}-{safe}"
        while len(stem.encode("utf-8")) > MAX_STEM_BYTES:
            stem = stem[:-1]
        return stem

    def all_parts(self) -> list[Part]:
        return self.parts + [p for proc in self.procedures for p in proc.parts]

    def material_names(self) -> list[str]:
        return [plain(m.name) for part in self.all_parts() if part.materials
                for g in part.materials.groups for m in g.items]

    @property
    def handout_parts(self) -> list[Part]:
        """Parts for a one-page handout: sub-procedures merged part by part, repeats shown once."""
        return merge_procedures(self.procedures) if self.procedures else self.parts


MAX_STEM_BYTES = 120  # UTF-8 bytes of an output file name's stem (40 Chinese characters)


@dataclass(eq=False)
class Category(Block):
    """A category of the guide's items (role `category`): its heading, then its items."""

    number: int = 0
    name: str = ""
    label: str = ""  # 一、企业职工养老保险

    @property
    def items(self) -> list[Item]:
        return [n for n in self.children if isinstance(n, Item)]


@dataclass(eq=False)
class Section(Block):
    """A part of the guide (`section`: power_list, windows, guide, prohibited, tolerated, changes) and its
    title; its children are its heading, then its content (a table's own heading among them)."""

    section: str = ""  # power_list | windows | guide | prohibited | tolerated | changes
    title: str = ""


# -- what a document is about ------------------------------------------------------------------


@dataclass
class Meta:
    title: str
    bureau: str
    edition: int
    slogans: list[str]
    lang: str = "zh-CN"
    date: str = ""  # the edition date (ISO), or the first day of the edition year
    site_url: str | None = None  # where the web edition is published (ends with /), if it is
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # the site's search: a citizen's word -> the guide's

    @property
    def created(self) -> str:
        return f"{self.date}T00:00:00Z"

    @property
    def author(self) -> str:
        return self.bureau

    @property
    def edition_label(self) -> str:
        return f"{self.edition}年版"


@dataclass(frozen=True)
class Cover:
    """What the guide's cover says, in its order (the layout arranges it; the Word writer follows it)."""

    slogans: tuple[str, ...]
    title: str
    bureau: str
    edition: str

    @classmethod
    def of(cls, meta: Meta) -> "Cover":
        return cls(tuple(meta.slogans), meta.title, meta.bureau, meta.edition_label)


# -- walking -----------------------------------------------------------------------------------


def children(node) -> list:
    """The child nodes of a node, blocks and inlines alike, in document order."""
    kind = node.kind
    if kind == "block":
        return node.children
    if kind in ("para", "heading", "span"):
        return node.content
    if kind == "list":
        return node.items
    if kind == "list_item":
        return [*node.content, *node.children]
    if kind == "table":
        return [n for row in node.rows for cell in row.cells for n in (*cell.content, *cell.children)]
    return []


def walk(nodes) -> Iterator:
    """Every node under `nodes` (a node or a list of nodes), depth first, in document order."""
    stack = list(reversed(nodes if isinstance(nodes, list) else [nodes]))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def text_of(content) -> str:
    """The plain text of inline content (a list of inline nodes, or one node)."""
    if not isinstance(content, list):
        content = [content]
    out = []
    for n in content:
        if n.kind == "span":
            out.append(text_of(n.content))
        elif n.kind != "pageref":
            out.append(n.text)
    return "".join(out)


def has_role(node, role: str) -> bool:
    return role in node.role.split()
