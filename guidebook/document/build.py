"""Document stage: the one typed document of a catalogue, and the documents made of it.

`build_document` turns the catalogue into a `Guide`: a tree of nodes (guidebook.document.nodes) whose
structure is typed (sections, categories, items and their procedures, each carrying what the catalogue
says of it: numbers, parts, QR targets, phones, windows) and whose content is generic blocks. Each handout
(`handout`), each page of the web edition, the 本版主要变化 table and the change report (`change_report`)
are documents made of the same nodes. This module decides how each document shows an item, once, for every
writer: which blocks appear and in what order, every label, the text of material tags, cross-references,
which table cell carries a label, phones, QR codes and flowcharts. Writers translate nodes and add nothing
but presentation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from guidebook.catalogue import Catalogue, schema
from guidebook.catalogue import labels as L
from guidebook.catalogue.ids import item_id
from guidebook.catalogue.labels import TABLES
from guidebook.catalogue.numbering import chinese_numeral, circled
from guidebook.catalogue.sections import GUIDE, HANDOUT, SECTIONS, item_sections, section
from guidebook.document.content import (
    PHONE_IN_TEXT, URL_IN_TEXT, Materials, Part, QrTarget, Rich, Window, facts_of, parts_of, phones_in, plain,
    rich, texts_of,
)
from guidebook.document.flow import build_flow
from guidebook.document.nodes import (
    Block, Category, Cell, Column, Cover, Flowchart, Heading, Inline, Item, ItemList, Link, ListItem, Meta,
    PageRef, Para, Phone, Procedure, QrCode, Row, Section, Span, Table, Text, Toc, TocEntry,
)

WINDOWS_ANCHOR = "windows"  # the guide's part that lists every window (linked from items without a phone)


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


def materials(m: Materials) -> list:
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


def _flow_block(proc: Procedure) -> Block:
    caption = proc.flow_caption or ""
    return Block([Para([Text(L.FLOW)], "flow-title"),
                  Flowchart(proc.flow, caption or L.FLOW, caption=caption)], "flow", f"{proc.anchor}-flow")


def procedure(proc: Procedure, level: int, lead: list = ()) -> list:
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


def _flow_target(it: Item) -> str:
    """Where the power list's 操作流程 column links: the item's flowchart, or the item when it has none yet
    (a new item with no channels)."""
    has_flow = it.procedures or (it.flow and any(p.kind == "channels" and p.section.shown_in(GUIDE) for p in it.parts))
    return f"#{it.anchor}-flow" if has_flow else f"#{it.anchor}"


def item_blocks(it: Item, document: str, before: bool, level: int, leave: tuple[str, ...] = ()) -> list:
    """The item's own blocks (sections of scope `item`) that `document` shows before or after its parts,
    but those of `leave`."""
    return [block for sec in item_sections() if sec.shown_in(document) and sec.before == before
            and sec.key not in leave for block in item_section_block(sec, it, level, document == HANDOUT)]


def _item_children(it: Item) -> list:
    """The item's blocks in the guide: its heading, its own procedure, its sub-procedures."""
    children: list = [Heading(2, [Text(it.heading)], role="item-title"),
                      *procedure(it, 3, item_blocks(it, GUIDE, True, 3))]
    for k, sub in enumerate(it.procedures):
        sub.children = [Heading(3, [Text(sub.heading)], role="sub-title"), *procedure(sub, 4)]
        children.append(sub)
        if k == 0:  # the power list's 操作流程 column links here when the item has sub-procedures
            children.append(Block([], "anchor", f"{it.anchor}-flow"))
    return children + item_blocks(it, GUIDE, False, 3)


def _procedure_content(proc: schema.Procedure, number: str) -> dict:
    """What a procedure of the catalogue says, numbered: its introduction, parts and flowchart."""
    parts, channels = parts_of(proc, number)
    has_body = proc.materials is not None or proc.channels or proc.route_note or proc.flow
    return {"number": number, "intro": [rich(p) for p in proc.intro], "parts": parts,
            "flow": build_flow(proc, channels) if has_body else None}


def item_node(it: schema.Item, category_number: int, windows: dict[str, Window] | None = None,
              windows_part: str = "", page_break: bool = False) -> Item:
    """An item as every document shows it. `windows` are the catalogue's windows by name (for the channels
    that link them); `windows_part` the title of the guide's windows part, where an item with no phone and
    no window of its own refers its reader for one (empty: the guide has no such part)."""
    anchor = item_id(it.number)
    procs = [Procedure([], "subprocedure", f"{anchor}-{k}", title=p.title, flow_caption=f"{it.number}.{k} {p.title}",
                       **_procedure_content(p, f"{it.number}.{k}")) for k, p in enumerate(it.procedures, 1)]
    texts = texts_of(it) + [t for p in it.procedures for t in texts_of(p)]
    phones = list(it.service.consult_phones) if it.service else []
    phones += [p for p in phones_in(texts) if p not in phones]
    node = Item(
        [], "item", anchor, page_break=page_break, title=it.title,
        flow_caption=f"{it.number}.{it.flowchart_caption or it.title}", **_procedure_content(it, str(it.number)),
        item_number=it.number, category=it.category, category_label=f"{chinese_numeral(category_number)}、{it.category}",
        subtitle=it.subtitle, list_title=it.list_title or it.title, procedures=procs, phones=phones,
        flags=list(it.flags) + [f for p in it.procedures for f in p.flags], facts=facts_of(it.service),
        windows=_windows_of(it, windows or {}), windows_part=windows_part)
    node.qr = _qr_targets(node)
    node.children = _item_children(node)
    return node


def _qr_targets(it: Item) -> list[QrTarget]:
    """The links of the item's channels, in order, each address once."""
    qr: list[QrTarget] = []
    for target in (t for part in it.all_parts() for c in part.channels for t in c.links):
        if target.url not in [q.url for q in qr]:
            qr.append(target)
    return qr


def _windows_of(it: schema.Item, windows: dict[str, Window]) -> list[Window]:
    """The windows an item's channels name, in order, each once (a name check does not know is skipped)."""
    names = [n for p in [it, *it.procedures] for ch in p.channels for n in ch.windows]
    return [windows[n] for i, n in enumerate(names) if n in windows and n not in names[:i]]


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


@dataclass
class Guide:
    """The guide, the one document of the catalogue: its metadata, the front matter (the contents, then
    本版主要变化 when asked for) and the main matter (the bureau's parts, in its order: Section nodes; the
    items' part holds the Category and Item nodes); `back` is what the back cover shows besides the layout's
    design (the web edition's QR code). The cover and the page furniture are the layout's."""

    meta: Meta
    contents_title: str
    front: list
    main: list
    back: list
    changes: list = field(default_factory=list)  # rows of 本版主要变化 (editions.diffing.ChangeRow), when asked for

    @property
    def cover(self) -> Cover:
        return Cover.of(self.meta)

    @property
    def sections(self) -> list[Section]:
        return [n for n in self.front + self.main if isinstance(n, Section)]

    def section(self, kind: str) -> Section:
        return next(s for s in self.sections if s.section == kind)

    @property
    def categories(self) -> list[Category]:
        return [n for n in self.section("guide").children if isinstance(n, Category)]

    @property
    def items(self) -> list[Item]:
        return [it for c in self.categories for it in c.items]

    def toc(self) -> list[TocEntry]:
        out = []
        for s in self.sections:
            out.append(TocEntry(1, s.title, s.anchor, front=s.section == "changes"))
            if s.section == "guide":
                out += [TocEntry(2, c.label, c.anchor) for c in self.categories]
        return out

    def headings(self) -> list[TocEntry]:
        """Every heading in document order, as outline entries (level 1 sections and categories, 2 items, 3
        parts); the PDF and Word writers must produce exactly these."""
        out: list[TocEntry] = []
        for s in self.sections:
            out.append(TocEntry(1, s.title, s.anchor))
            if s.section != "guide":
                continue
            for c in self.categories:
                out.append(TocEntry(1, c.label, c.anchor))
                for it in c.items:
                    out.append(TocEntry(2, it.heading, it.anchor))
                    out += [TocEntry(3, L.SERVICE_INFO, "")] if it.facts else []  # 基本信息, before the parts
                    out += [TocEntry(3, p.heading, "") for p in it.parts]
                    for proc in it.procedures:
                        out.append(TocEntry(3, proc.heading, proc.anchor))
                        out += [TocEntry(4, p.heading, "") for p in proc.parts]
        return out

    def with_changes(self, rows: list, old_edition: int | None) -> "Guide":
        """The guide with a 本版主要变化 section first (front matter, after the contents): the changes since
        the edition `old_edition` (a year), or since the last version of this edition."""
        since = L.SINCE_EDITION.format(year=old_edition) if old_edition and old_edition != self.meta.edition else L.SINCE_BEFORE
        guide = Guide(self.meta, self.contents_title, [], self.main, self.back, rows)
        guide.front = [_changes_section(rows, since)]
        guide.front.insert(0, Toc(self.contents_title, guide.toc(), "toc"))
        return guide


def _changes_section(rows: list, heading: str) -> Section:
    table = []
    for r in rows:
        scope = [Link(r.scope, "#" + item_id(r.item))] if r.item else [Text(r.scope)]
        new = r.new + (f"（{r.note}）" if r.note else "")
        table.append(Row(_cells(scope, r.kind, r.label, r.old, new)))
    children: list = [Heading(1, [Text(L.CHANGES)], role="section-title")]
    if heading:
        children.append(Para([Text(heading)], "table-title"))
    children.append(_table("changes", table))
    return Section(children, "section section-changes front", "changes", page_break=True, section="changes",
                   title=L.CHANGES)


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


def _power_list(categories: list[Category]) -> list:
    rows = []
    for c in categories:
        for i, it in enumerate(c.items):
            label = [Link(c.label, f"#{c.anchor}")] if i == 0 else []
            rows.append(Row(_cells(label, it.item_number, [Link(it.list_title, f"#{it.anchor}")],
                                   [PageRef(it.anchor, "pageref")],
                                   [Link(f"{L.GUIDE_LINK} {it.item_number}.{it.title}", _flow_target(it))]),
                            "group-start" if i == 0 else ""))
    return [_table("power_list", rows)]


def _windows_table(heading: str | None, windows: list[Window]) -> list:
    out: list = [Para([Text(heading)], "table-title")] if heading else []
    hours = any(w.hours for w in windows)  # the column shows when a window has its hours
    return out + [_table("windows_hours" if hours else "windows", [
        Row(_cells(w.number, w.name, w.address, w.phone, *([w.hours or ""] if hours else []))) for w in windows])]


def _prohibited(lst: schema.ProhibitedFile) -> list:
    rows = []
    for k, grp in enumerate(lst.groups, 1):
        see = _see([(n, item_id(n)) for n in grp.items])
        for i, case in enumerate(grp.cases):
            first = [Text(f"{chinese_numeral(k)}、{grp.name}"), *see] if i == 0 else []
            rows.append(Row(_cells(first, f"{i + 1}. {case}"), "group-start" if i == 0 else ""))
    return [_table("prohibited", rows)]


def _tolerated(lst: schema.ToleratedFile) -> list:
    return [_table("tolerated", [
        Row(_cells(i, [Text(e.matter), *_see([(n, item_id(n)) for n in e.items])],
                   Cell(children=[ItemList([ListItem("", inline(m)) for m in e.materials], "bullet")]),
                   e.method, e.source, e.deadline))
        for i, e in enumerate(lst.entries, 1)])]


def _meta(cat: Catalogue) -> Meta:
    g = cat.guide
    date = (g.edition_date.isoformat() if g.edition_date else f"{g.edition}-01-01")
    base = g.site.base_url
    site_url = (base if base.endswith("/") else base + "/") if base else None
    return Meta(g.title, g.bureau, g.edition, list(g.slogans), date=date, site_url=site_url,
                synonyms={w.say: list(w.means) for w in (cat.synonyms.words if cat.synonyms else [])})


def _categories(cat: Catalogue, windows: list[Window]) -> list[Category]:
    by_name = {w.name: w for w in windows}
    see = cat.windows.title if "windows" in cat.guide.sections.order else ""
    out = []
    for i, c in enumerate(cat.guide.categories, 1):
        label = f"{chinese_numeral(i)}、{c.name}"
        items = [item_node(it, i, by_name, see, page_break=j > 0) for j, it in enumerate(cat.category_items(c.name))]
        out.append(Category([Heading(1, [Text(label)], role="category-title"), *items], "category", f"category-{i}",
                            page_break=True, number=i, name=c.name, label=label))
    return out


def build_document(cat: Catalogue) -> Guide:
    """The catalogue as one typed document: the guide, in the booklet's order."""
    g = cat.guide
    windows = [Window(i, w.name, w.address, w.phone, w.hours) for i, w in enumerate(cat.windows.windows, 1)]
    categories = _categories(cat, windows)
    parts = {"power_list": (g.sections.power_list, "power-list", lambda: _power_list(categories)),
             "windows": (cat.windows.title, WINDOWS_ANCHOR, lambda: _windows_table(cat.windows.heading, windows)),
             "guide": (g.sections.guide, "guide", lambda: categories)}
    if cat.prohibited:
        parts["prohibited"] = (cat.prohibited.title, "prohibited", lambda: _prohibited(cat.prohibited))
    if cat.tolerated:
        parts["tolerated"] = (cat.tolerated.title, "tolerated", lambda: _tolerated(cat.tolerated))
    main = []
    for kind in (k for k in g.sections.order if k in parts):  # the bureau's parts, in its order
        title, anchor, body = parts[kind]
        main.append(Section([Heading(1, [Text(title)], role="section-title"), *body()], f"section section-{kind}",
                            anchor, page_break=True, section=kind, title=title))
    meta = _meta(cat)
    back = [QrCode(meta.site_url + INDEX_PAGE, L.ONLINE_GUIDE, "qr-fig qr-online")] if meta.site_url else []
    guide = Guide(meta, g.sections.contents, [], main, back)
    guide.front = [Toc(guide.contents_title, guide.toc(), "toc")]
    return guide


# -- a handout ---------------------------------------------------------------------------------


@dataclass
class Handout:
    """One item's handout: the title block, then the body, in reading order. `flows` are the item's
    procedures that have a flowchart; `side` says whether the layout has a side column."""

    meta: Meta
    item: Item
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


def item_section_block(sec, it: Item, level: int = 2, compact: bool = False) -> list:
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


def handout_flows(it: Item) -> list[Procedure]:
    return [p for p in [it, *it.procedures] if p.flow is not None]


def handout_sections(it: Item) -> list:
    """The sections a handout of `it` shows (declarations with content), in their order."""
    kinds = {part.kind for part in it.handout_parts}
    return [sec for sec in SECTIONS if sec.shown_in(HANDOUT) and (
        sec.key in kinds if sec.scope == "procedure" else
        bool(handout_flows(it)) if sec.shape == "flow" else bool(item_section_block(sec, it)))]


def _referral(meta: Meta, it: Item, referred: tuple[str, ...]) -> Block:
    """Where the sections left off a crowded handout are: the guide's item, and the site's page."""
    names = "、".join(section(k).label for k in referred if k != "where")
    lines = []
    if names:
        text = L.REFERRED.format(sections=names, title=meta.title, item=it.item_number)
        lines.append(Para([Text(text + (L.REFERRED_ONLINE if meta.site_url else ""))], "referred"))
    if "where" in referred:  # the windows' addresses are in the guide's windows part, not under the item
        lines.append(Para([Text(L.WHERE_SEE.format(title=it.windows_part or meta.title))], "referred"))
    return Block(lines, "part part-referred")


def handout(meta: Meta, it: Item, referred: tuple[str, ...] = ()) -> Handout:
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
    flows = handout_flows(it) if "flow" not in referred else []  # the charts too, left to the guide
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
    return Handout(meta, it, title, body, side=bool(side))
