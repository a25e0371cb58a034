"""Document stage: the document trees of the guide and of each handout, built from the model.

The model (guidebook.document.model) collects what the catalogue says for each item; this module decides how
each document shows it, once, for every writer: which blocks appear and in what order, every label,
the text of material tags, cross-references, which table cell carries a label, phones, QR codes and
flowcharts. Writers translate these trees and add nothing but presentation.
"""

from __future__ import annotations

from dataclasses import dataclass

from guidebook.document.nodes import (
    Block, Cell, Column, Flowchart, Heading, Inline, ItemList, Link, ListItem, PageRef, Para, Phone,
    QrCode, Row, Span, Table, Text, Toc,
)
from guidebook.catalogue import labels as L
from guidebook.catalogue.ids import item_id
from guidebook.catalogue.labels import TABLES
from guidebook.catalogue.numbering import circled
from guidebook.catalogue.sections import GUIDE, HANDOUT, SECTIONS, item_sections, section
from guidebook.document.model import (
    PHONE_IN_TEXT, URL_IN_TEXT, WINDOWS_ANCHOR, GuideDoc, ItemView, MaterialsView, Meta, Part, ProcedureView, Rich,
    plain,
)


# -- the web edition's pages (QR codes of the print outputs point at them) ----------------------

INDEX_PAGE = "index.html"


ITEM_PAGES = "items/"  # the folder of the item pages


def item_page(number: int) -> str:
    """The web edition's page of an item, relative to the site's root."""
    return f"{ITEM_PAGES}{number:02d}.html"


# -- inline content ----------------------------------------------------------------------------


def _phones(text: str, role: str = "") -> list[Inline]:
    """Text with each phone number as a Phone node (URLs are never searched for phones)."""
    out: list[Inline] = []
    pos = 0
    masked = URL_IN_TEXT.sub(lambda m: " " * len(m.group()), text)
    for m in PHONE_IN_TEXT.finditer(masked):
        start = m.start() + len(m.group()) - len(m.group().lstrip())
        if start > pos:
            out.append(Text(text[pos:start], role))
        out.append(Phone(text[start:m.end()]))
        pos = m.end()
    if pos < len(text):
        out.append(Text(text[pos:], role))
    return out


def inline(runs: Rich | str | None) -> list[Inline]:
    """Model text (runs with URLs as links) as inline nodes, phone numbers marked."""
    if not runs:
        return []
    if isinstance(runs, str):
        return _phones(runs)
    out: list[Inline] = []
    for r in runs:
        if r.href:
            out.append(Link(r.text, r.href))
        else:
            out += _phones(r.text)
    return out


def _see(items: list[tuple[int, str]]) -> list[Inline]:
    """A cross-reference to items: （见 7、8、9）, each number a link to its item."""
    if not items:
        return []
    content: list[Inline] = [Text("（见")]
    for k, (n, anchor) in enumerate(items):
        if k:
            content.append(Text("、"))
        content.append(Link(str(n), f"#{anchor}"))
    content.append(Text("）"))
    return [Span(content, "see")]


# -- parts of an item --------------------------------------------------------------------------


def materials(m: MaterialsView) -> list:
    out: list = []
    if m.lead:
        out.append(Para(inline(m.lead), "lead"))
    if m.none:
        out.append(Para([Text(m.none)], "none"))
    for g in m.groups:
        children: list = []
        if g.name:
            children.append(Para([Text(f"{g.name}：")], "group-name"))
        if g.lead:
            children.append(Para(inline(g.lead), "lead"))
        entries = []
        for x in g.items:
            content = inline(x.name) + [Span([Text(t)], "tag") for t in x.tags]
            if x.note:
                content.append(Span([Text("（"), *inline(x.note), Text("）")], "note"))
            if x.source:
                content.append(Span([Text(f"（{L.SOURCE}："), *inline(x.source), Text("）")], "source"))
            if x.issuer:
                content.append(Span([Text(f"（{L.ISSUER}："), *inline(x.issuer), Text("）")], "source"))
            for label, path in x.files:
                content.append(Span([Text(f"（{label}："), Span([Text(path)], "form-file"), Text("）")], "form"))
            details = [ItemList([ListItem("", inline(d)) for d in x.details], "bullet", "details")] if x.details else []
            entries.append(ListItem(x.marker, content, details, "material"))
        children.append(ItemList(entries, "circled", "materials"))
        out.append(Block(children, "group"))
    out += [Para(inline(n), "notes") for n in m.notes]
    return out


def _channels_body(part: Part) -> list:
    out: list = []
    if part.route_note:
        out.append(Para(inline(part.route_note), "route-note"))
    if part.channels:
        out.append(ItemList([
            ListItem(c.marker, [Span([Text(c.kind)], "kind")], [Para(inline(line)) for line in c.lines], "channel")
            for c in part.channels], "circled", "channels"))
    return out


def _basis_lines(rows: list) -> list:
    """设定依据 as lines (a handout's narrow column): 《name》（rank）article."""
    lines = []
    for name, rank, article in rows:
        content = inline(name) + ([Span([Text(f"（{plain(rank)}）")], "note")] if rank else []) + inline(article)
        lines.append(ListItem(circled(len(lines) + 1), content))
    return [ItemList(lines, "circled", "basis")]


def part_body(part: Part, compact: bool = False) -> list:
    """A part's content, by the shape its section declares; `compact`: for a handout's narrow column
    (tables become lines)."""
    shape = part.section.shape
    if shape == "basis" and compact:
        return [Block(_basis_lines(part.rows), part.kind)]
    if shape == "materials" and part.materials:
        return materials(part.materials)
    if shape == "channels":
        return _channels_body(part)
    if shape == "basis":
        return [Block([_table("basis", [Row(_cells(*[inline(c) for c in row])) for row in part.rows])], part.kind)]
    if shape == "qa":
        return [Block([Block([Para([Span([Text(f"{L.QUESTION}：")], "q-mark"), *inline(q)], "question"),
                              Para([Span([Text(f"{L.ANSWER}：")], "a-mark"), *inline(a)], "answer")], "qa")
                       for q, a in part.rows], part.kind)]
    if shape == "numbered":
        return [Block([ItemList([ListItem(circled(k), inline(line)) for k, line in enumerate(part.lines, 1)],
                                "circled")], part.kind)]
    return [Block([Para(inline(line)) for line in part.lines], part.kind)]


def _flow_block(proc: ProcedureView) -> Block:
    caption = proc.flow_caption or ""
    return Block([Para([Text(L.FLOW)], "flow-title"),
                  Flowchart(proc.flow, caption or L.FLOW, caption=caption)], "flow", f"{proc.anchor}-flow")


def procedure(proc: ProcedureView, level: int, lead: list = ()) -> list:
    """A procedure's body in the guide: introduction, `lead` (the item's 基本信息), numbered parts, the
    flowchart after the channels."""
    out: list = []
    if proc.intro:
        out.append(Block([Para(inline(p)) for p in proc.intro], "intro"))
    out += lead
    for part in proc.parts:
        if not part.section.shown_in(GUIDE):
            continue
        out.append(Block([Heading(level, [Text(part.heading)], role="part-title"), *part_body(part)],
                         f"part part-{part.kind}"))
        if part.kind == "channels" and proc.flow:
            out.append(_flow_block(proc))
    return out


def _flow_target(it: ItemView) -> str:
    """Where the power list's 操作流程 column links: the item's flowchart, or the item when it has none yet
    (a new item with no channels)."""
    has_flow = it.procedures or (it.flow and any(p.kind == "channels" and p.section.shown_in(GUIDE) for p in it.parts))
    return f"#{it.anchor}-flow" if has_flow else f"#{it.anchor}"


def item_blocks(it: ItemView, document: str, before: bool, level: int, leave: tuple[str, ...] = ()) -> list:
    """The item's own blocks (sections of scope `item`) that `document` shows before or after its parts,
    but those of `leave`."""
    return [block for sec in item_sections() if sec.shown_in(document) and sec.before == before
            and sec.key not in leave for block in item_section_block(sec, it, level, document == HANDOUT)]


def item_block(it: ItemView, page_break: bool) -> Block:
    children: list = [Heading(2, [Text(it.heading)], role="item-title"),
                      *procedure(it, 3, item_blocks(it, GUIDE, True, 3))]
    for k, sub in enumerate(it.procedures):
        children.append(Block([Heading(3, [Text(sub.heading)], role="sub-title"), *procedure(sub, 4)],
                              "subprocedure", sub.anchor))
        if k == 0:  # the power list's 操作流程 column links here when the item has sub-procedures
            children.append(Block([], "anchor", f"{it.anchor}-flow"))
    children += item_blocks(it, GUIDE, False, 3)
    return Block(children, "item", it.anchor, page_break=page_break, item=it.item_number)


# -- the guide ---------------------------------------------------------------------------------


def _table(name: str, rows: list[Row]) -> Table:
    cols = [Column(label, role, w) for label, role, w in TABLES[name]]
    return Table(cols, rows, name.replace("_", "-"))


def _cells(*values) -> list[Cell]:
    out = []
    for v in values:
        if isinstance(v, Cell):
            out.append(v)
        elif isinstance(v, list):
            out.append(Cell(v))
        else:
            out.append(Cell(inline(str(v))))
    return out


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


@dataclass
class GuideTree:
    """The guide: its metadata, the cover, the front matter (contents, 本版主要变化) and the main matter
    (numbered pages); the page furniture is the layout's."""

    meta: Meta
    front: list
    main: list
    back: list  # what the back cover shows besides the layout's design: the web edition's QR code

    @property
    def cover(self) -> Cover:
        return Cover.of(self.meta)

    @property
    def toc(self) -> Toc:
        return self.front[0]


def changes_block(doc: GuideDoc) -> Block:
    s = doc.section("changes")
    rows = []
    for r in doc.changes:
        scope = [Link(r.scope, "#" + item_id(r.item))] if r.item else [Text(r.scope)]
        new = r.new + (f"（{r.note}）" if r.note else "")
        rows.append(Row(_cells(scope, r.kind, r.label, r.old, new)))
    children: list = [Heading(1, [Text(s.title)], role="section-title")]
    if s.heading:
        children.append(Para([Text(s.heading)], "table-title"))
    children.append(_table("changes", rows))
    return Block(children, "section section-changes front", s.anchor, page_break=True, section="changes")


def change_report(rows: list) -> list[Block]:
    """The change report's body (`guidebook diff`: HTML, PDF, Markdown, text): for each thing that changed
    (an item, a window ...) in the order met, its heading and a table of its changes. A field's path and a
    phone's note are spans of their cells (`path`, `note`); the values are printed as written."""
    groups: dict[str, list] = {}
    for r in rows:
        groups.setdefault(r.scope, []).append(r)
    out = []
    for scope, items in groups.items():
        table = _table("change_report", [Row([
            Cell([Text(r.kind)]),
            Cell([Text(r.label), *([Span([Text(r.field)], "path")] if r.field else [])]),
            Cell([Text(r.old)]),
            Cell([Text(r.new), *([Span([Text(f"（{r.note}）")], "note")] if r.note else [])]),
        ], f"k-{r.kind}") for r in items])
        out.append(Block([Heading(2, [Text(scope)]), table], "d-scope"))
    return out


def guide_tree(doc: GuideDoc) -> GuideTree:
    """The whole guide as a document tree, in the booklet's order."""
    toc = Toc(doc.contents_title, doc.toc(), "toc")
    front: list = [toc]
    main: list = []
    for s in doc.sections:
        if s.kind == "changes":
            front.append(changes_block(doc))
            continue
        children: list = [Heading(1, [Text(s.title)], role="section-title")]
        if s.kind == "power_list":
            rows = []
            for c in doc.categories:
                for i, it in enumerate(c.items):
                    label = [Link(c.label, f"#{c.anchor}")] if i == 0 else []
                    rows.append(Row(_cells(label, it.item_number, [Link(it.list_title, f"#{it.anchor}")],
                                           [PageRef(it.anchor, "pageref")],
                                           [Link(it.guide_link, _flow_target(it))]),
                                    "group-start" if i == 0 else ""))
            children.append(_table("power_list", rows))
        elif s.kind == "windows":
            if s.heading:
                children.append(Para([Text(s.heading)], "table-title"))
            hours = any(w.hours for w in doc.windows)  # the column shows when a window has its hours
            children.append(_table("windows_hours" if hours else "windows", [
                Row(_cells(w.number, w.name, w.address, w.phone, *([w.hours or ""] if hours else [])))
                for w in doc.windows]))
        elif s.kind == "guide":
            for k, c in enumerate(doc.categories):
                items = [item_block(it, page_break=j > 0) for j, it in enumerate(c.items)]
                children.append(Block([Heading(1, [Text(c.label)], role="category-title"), *items],
                                      "category", c.anchor, page_break=True))
        elif s.kind == "prohibited":
            rows = []
            for g in doc.prohibited:
                for i, case in enumerate(g.cases):
                    first = [Text(g.label), *_see(g.items)] if i == 0 else []
                    rows.append(Row(_cells(first, case), "group-start" if i == 0 else ""))
            children.append(_table("prohibited", rows))
        elif s.kind == "tolerated":
            rows = [Row(_cells(r.number, [Text(r.matter), *_see(r.items)],
                               Cell(children=[ItemList([ListItem("", inline(m)) for m in r.materials], "bullet")]),
                               r.method, r.source, r.deadline))
                    for r in doc.tolerated]
            children.append(_table("tolerated", rows))
        main.append(Block(children, f"section section-{s.kind}", s.anchor, page_break=True, section=s.kind))
    back = [QrCode(doc.meta.site_url + INDEX_PAGE, L.ONLINE_GUIDE, "qr-fig qr-online")] if doc.meta.site_url else []
    return GuideTree(doc.meta, front, main, back)


# -- a handout ---------------------------------------------------------------------------------


@dataclass
class HandoutTree:
    """One item's handout: the title block, then the body, in reading order. `flows` are the item's
    procedures that have a flowchart; `side` says whether the layout has a side column."""

    meta: Meta
    item: ItemView
    title: Block
    body: list
    side: bool

    @property
    def layout_body(self) -> list:
        """The body in the order the HTML layout needs: the side column (a float) before the main one. The
        PDF still reads main first: the layout paints the side column after it, and the handout's writer
        puts its tags back in reading order (outputs.handouts.main_first)."""
        roles = [getattr(b, "role", "") for b in self.body]
        if "h-side" not in roles or "h-main" not in roles:
            return self.body
        side, main = roles.index("h-side"), roles.index("h-main")
        out = list(self.body)
        out.insert(main, out.pop(side))
        return out

    @property
    def header(self) -> str:
        """The running header: the bureau and the guide (the edition beside it)."""
        return f"{self.meta.bureau}　《{self.meta.title}》"

    @property
    def footer(self) -> str:
        return f"{self.meta.bureau} · 《{self.meta.title}》{self.meta.edition_label} · {L.ITEM} {self.item.item_number}"


def item_section_block(sec, it: ItemView, level: int = 2, compact: bool = False) -> list:
    """A block of the whole item (a section of scope `item`): its 基本信息, the phones its texts mention."""
    if sec.shape == "phones" and not it.phones and it.windows and not compact:
        # no number of its own: its windows' (the guide prints no 办理窗口 block; on a handout that block has them)
        calls: list = []
        for i, w in enumerate(it.windows):
            calls += [*([Text("；")] if i else []), Text(f"{w.name} "), Phone(w.phone, "phone")]
        return [Block([Para([Span([Text(f"{sec.label}：")], "fact-label"), *calls], "phones")], f"part part-{sec.key}")]
    if sec.shape == "phones" and (it.phones or it.phones_see):
        if it.phones:  # separated as the booklet writes them (53997839，52426596), not only by the layout's space
            body: list = [node for i, p in enumerate(it.phones) for node in ([Text("，")] if i else []) + [Phone(p, "phone")]]
        else:  # never a guessed number: where the windows' phones are; a link to the windows part where there
            # is one (the guide, its Word file, the site's windows page), a handout being a page of its own
            see = L.PHONES_SEE.format(title=it.phones_see)
            body = [Text(see)] if compact else [Link(see, f"#{WINDOWS_ANCHOR}")]
        if compact:  # the handout: a heading of its own, the numbers large
            return [Block([Heading(level, [Text(sec.label)], role="part-title"),
                           Para(body, "phones" if it.phones else "see")], f"part part-{sec.key}")]
        # the guide and the site: one line under the item's parts, as the booklet's own lines read
        return [Block([Para([Span([Text(f"{sec.label}：")], "fact-label"), *body], "phones")], f"part part-{sec.key}")]
    if sec.shape == "windows" and it.windows:
        rows = [ListItem("", [Span([Text(w.name)], "kind"), Text("：" + w.address + " "), Phone(w.phone, "phone"),
                              *([Text(f"（{w.hours}）")] if w.hours else [])]) for w in it.windows]
        return [Block([Heading(level, [Text(sec.label)], role="part-title"), ItemList(rows, "bullet", "windows")],
                      f"part part-{sec.key}")]
    if sec.shape == "facts" and it.facts and compact:
        lines = [Para([Span([Text(f"{label}：")], "fact-label"), *inline(value)], "fact") for label, value in it.facts]
        return [Block([Heading(level, [Text(sec.label)], role="part-title"), *lines], f"part part-{sec.key}")]
    if sec.shape == "facts" and it.facts:
        rows = [Row(_cells(label, inline(value))) for label, value in it.facts]
        return [Block([Heading(level, [Text(sec.label)], role="part-title"), _table("facts", rows)],
                      f"part part-{sec.key}")]
    return []


def handout_flows(it: ItemView) -> list[ProcedureView]:
    return [p for p in [it, *it.procedures] if p.flow is not None]


def handout_sections(it: ItemView) -> list:
    """The sections a handout of `it` shows (declarations with content), in their order."""
    kinds = {part.kind for part in it.handout_parts}
    return [sec for sec in SECTIONS if sec.shown_in(HANDOUT)
            and (sec.key in kinds if sec.scope == "procedure" else bool(item_section_block(sec, it)))]


def _referral(meta: Meta, it: ItemView, referred: tuple[str, ...]) -> Block:
    """Where the sections left off a crowded handout are: the guide's item, and the site's page."""
    names = "、".join(section(k).label for k in referred if k != "where")
    lines = []
    if names:
        text = L.REFERRED.format(sections=names, title=meta.title, item=it.item_number)
        lines.append(Para([Text(text + (L.REFERRED_ONLINE if meta.site_url else ""))], "referred"))
    if "where" in referred:  # the windows' addresses are in the guide's windows part, not under the item
        lines.append(Para([Text(L.WHERE_SEE.format(title=it.windows_part or meta.title))], "referred"))
    return Block(lines, "part part-referred")


def handout_tree(meta: Meta, it: ItemView, referred: tuple[str, ...] = ()) -> HandoutTree:
    """Title, introduction, the main column (the parts, sub-procedures merged part by part; windows; phones),
    the side column (QR codes, a single flowchart), and the flowcharts of several sub-procedures in a row
    each: the order a person reads them in."""
    title = Block([
        Para([Text(str(it.item_number))], "h-no"),
        Block([Para([Text(it.category_label)], "h-cat"),
               Heading(1, [Text(it.full_title)])], "h-title-text"),
    ], "h-title")
    body: list = []
    if it.intro:
        body.append(Block([Para(inline(p)) for p in it.intro], "intro"))
    flows = handout_flows(it)
    side: list = []
    if it.qr:
        side.append(Heading(2, [Text(L.QR)], role="side-title"))
        side += [QrCode(q.url, q.caption, "qr-fig") for q in it.qr]
    if meta.site_url:
        side.append(QrCode(meta.site_url + item_page(it.item_number), L.ONLINE_ITEM, "qr-fig qr-online"))
    if len(flows) == 1:
        side.append(Heading(2, [Text(L.FLOW)], role="side-title"))
        side.append(Block([Flowchart(flows[0].flow, flows[0].flow_caption or L.FLOW, variant="compact")],
                          "flow"))
    main: list = [b for b in item_blocks(it, HANDOUT, True, 2, referred)]
    main += [Block([Heading(2, [Text(part.label)], role="part-title"), *part_body(part, compact=True)],
                   f"part part-{part.kind}") for part in it.handout_parts
             if part.section.shown_in(HANDOUT) and part.kind not in referred]
    main += item_blocks(it, HANDOUT, False, 2, referred)
    if referred:
        main.append(_referral(meta, it, referred))
    # what the citizen came for first, then the QR codes and the flowchart: the order of the Word file, of
    # the PDF's text and of its tags (the layout sets the side column beside the main one: `layout_body`)
    body.append(Block(main, "h-main"))
    if side:
        body.append(Block(side, "h-side"))
    if len(flows) > 1:
        body.append(Block([Heading(2, [Text(L.FLOW)], role="side-title"), *[
            Block([Flowchart(p.flow, p.flow_caption or L.FLOW, label=p.number, variant="rows")], "flow")
            for p in flows]], "h-flows"))
    return HandoutTree(meta, it, title, body, side=bool(side))
