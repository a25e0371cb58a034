"""Model stage: the format-neutral document (order, numbering, labels, links, QR targets, flows).

Every decision that both the PDF and the Word writers show is made here, once. Writers only translate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from guidebook.catalogue import phones as phone_rules
from guidebook.catalogue import schema
from guidebook.catalogue import Catalogue
from guidebook.catalogue import labels as L
from guidebook.catalogue.ids import item_id
from guidebook.catalogue.sections import FACTS, Section as ItemSection, procedure_sections, section
from guidebook.document.flow import Flow, build_flow
from guidebook.document.nodes import TocEntry
from guidebook.catalogue.numbering import chinese_numeral, circled

# Fixed labels the templates print themselves (as `L`); the document tree holds all the others.
LABELS = L.TEMPLATE

URL_IN_TEXT = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")  # RFC 3986 characters
_TRAILING = ",.;:!?)]}>'\""
PHONE_IN_TEXT = phone_rules.IN_TEXT  # what a phone number is: guidebook.catalogue.phones

WINDOWS_ANCHOR = "windows"  # the guide's part that lists every window (linked from items without a phone)
MAX_STEM_BYTES = 120  # UTF-8 bytes of an output file name's stem (40 Chinese characters)


@dataclass(frozen=True)
class Run:
    """A piece of text, optionally a link (http(s):// URL, or #anchor inside the document)."""

    text: str
    href: str | None = None


Rich = list[Run]


def rich(text: str) -> Rich:
    """Split text into runs, turning each URL into a link (trailing punctuation stays text)."""
    runs: Rich = []
    pos = 0
    for m in URL_IN_TEXT.finditer(text):
        url = m.group().rstrip(_TRAILING)
        # keep a closing parenthesis that belongs to the URL only if it has an opening one
        start, end = m.start(), m.start() + len(url)
        if start > pos:
            runs.append(Run(text[pos:start]))
        runs.append(Run(url, url))
        pos = end
    if pos < len(text):
        runs.append(Run(text[pos:]))
    return runs


def plain(r: Rich) -> str:
    return "".join(run.text for run in r)


@dataclass
class MaterialView:
    marker: str
    name: Rich
    tags: list[str]  # 原件 / 复印件 / 2 份: what the applicant must bring, shown prominently
    note: Rich | None
    source: Rich | None  # 资料来源
    details: list[Rich]
    issuer: Rich | None = None  # 出具单位
    files: list[tuple[str, str]] = field(default_factory=list)  # (空白表格 / 填写样表, path under source/forms/)

    @property
    def text(self) -> str:
        """One-line form, used by plain-text writers and tests."""
        out = plain(self.name)
        if self.tags:
            out += "（" + "，".join(self.tags) + "）"
        if self.note:
            out += "（" + plain(self.note) + "）"
        if self.source:
            out += f"（{L.SOURCE}：" + plain(self.source) + "）"
        if self.issuer:
            out += f"（{L.ISSUER}：" + plain(self.issuer) + "）"
        for label, path in self.files:
            out += f"（{label}：{path}）"
        return out


@dataclass
class MaterialGroupView:
    name: str | None
    lead: Rich | None
    items: list[MaterialView]


@dataclass
class MaterialsView:
    lead: Rich | None
    groups: list[MaterialGroupView]  # one unnamed group when the booklet does not group
    none: str | None
    notes: list[Rich]

    @property
    def count(self) -> int:
        return sum(len(g.items) for g in self.groups)


@dataclass
class QrTarget:
    url: str
    kind: str  # 网上办 / 掌上办
    name: str | None

    @property
    def caption(self) -> str:
        return f"{self.kind}：{self.name}" if self.name else self.kind


@dataclass
class ChannelView:
    marker: str
    kind: str
    lines: list[Rich]
    time_limit: str | None
    summary: str  # one short line for flowcharts
    links: list[QrTarget]


@dataclass
class Part:
    """A numbered part of a procedure: 1.1 需提供材料, 1.2 办理路径, 1.3 办理时限, 1.4 温馨提示."""

    number: str
    label: str
    kind: str  # the section's key: materials | channels | time_limit | tips | ... (guidebook.catalogue.sections)
    materials: MaterialsView | None = None
    channels: list[ChannelView] = field(default_factory=list)
    route_note: str | None = None
    lines: list[Rich] = field(default_factory=list)  # time limit or tips paragraphs
    rows: list[list[Rich]] = field(default_factory=list)  # 设定依据 (name, rank, article), 常见问题 (q, a)

    @property
    def section(self) -> ItemSection:
        return section(self.kind)

    @property
    def heading(self) -> str:
        return f"{self.number} {self.label}"


@dataclass
class ProcedureView:
    number: str  # "1", or "8.1" for a sub-procedure
    title: str
    anchor: str
    intro: list[Rich]
    parts: list[Part]
    flow: Flow | None
    flow_caption: str | None

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}" if "." in self.number else f"{self.number}. {self.title}"


@dataclass
class ItemView(ProcedureView):
    item_number: int = 0
    category: str = ""
    category_label: str = ""  # 一、企业职工养老保险
    subtitle: str | None = None
    list_title: str = ""
    procedures: list[ProcedureView] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    qr: list[QrTarget] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    facts: list[tuple[str, Rich]] = field(default_factory=list)  # 基本信息: (row label, value), in FACTS order
    windows: list["WindowRow"] = field(default_factory=list)  # 办理窗口: the windows its channels name
    windows_part: str = ""  # the title of the guide's part that lists every window ("" when it has none)

    @property
    def phones_see(self) -> str:
        """With no phone and no window of its own: the part of the guide that lists the windows' phones."""
        return self.windows_part if not self.phones and not self.windows else ""

    @property
    def guide_link(self) -> str:
        """The power-items list's 操作流程 column: 业务指南 N.title."""
        return f"{L.GUIDE_LINK} {self.item_number}.{self.title}"

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

    @property
    def handout_parts(self) -> list[Part]:
        """Parts for a one-page handout: sub-procedures merged part by part, repeats shown once."""
        if not self.procedures:
            return self.parts
        return merge_procedures(self.procedures)

    def material_names(self) -> list[str]:
        out = []
        for part in self.all_parts():
            if part.materials:
                out += [plain(m.name) for g in part.materials.groups for m in g.items]
        return out


@dataclass
class CategoryView:
    number: int
    name: str
    label: str  # 一、企业职工养老保险
    anchor: str
    items: list[ItemView]


@dataclass
class WindowRow:
    number: int
    name: str
    address: str
    phone: str
    hours: str | None = None  # 办理时间


@dataclass
class ProhibitedRow:
    label: str  # 一、养老金、丧葬费、抚恤金申领
    cases: list[str]  # "1. 因违规退休…"
    items: list[tuple[int, str]]  # (item number, anchor)


@dataclass
class ToleratedRow:
    number: int
    matter: str
    materials: list[str]
    method: str
    source: str
    deadline: str
    items: list[tuple[int, str]]


@dataclass
class Section:
    kind: str  # power_list | windows | guide | prohibited | tolerated
    title: str
    anchor: str
    heading: str | None = None  # a table heading, where it differs from the title


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


@dataclass
class GuideDoc:
    meta: Meta
    contents_title: str
    sections: list[Section]
    categories: list[CategoryView]
    windows: list[WindowRow]
    prohibited: list[ProhibitedRow]
    tolerated: list[ToleratedRow]
    changes: list = field(default_factory=list)  # rows of the 本版主要变化 page (editions.diffing.ChangeRow), when asked for

    def with_changes(self, rows: list, old_edition: int | None) -> "GuideDoc":
        """The document with a 本版主要变化 section first (front matter, after the contents): the
        changes since the edition `old_edition` (a year), or since the last version of this edition."""
        since = L.SINCE_EDITION.format(year=old_edition) if old_edition and old_edition != self.meta.edition else L.SINCE_BEFORE
        section = Section("changes", L.CHANGES, "changes", since)
        return GuideDoc(self.meta, self.contents_title, [section, *self.sections], self.categories,
                        self.windows, self.prohibited, self.tolerated, rows)

    @property
    def items(self) -> list[ItemView]:
        return [it for c in self.categories for it in c.items]

    def section(self, kind: str) -> Section:
        return next(s for s in self.sections if s.kind == kind)

    def toc(self) -> list[TocEntry]:
        out = []
        for s in self.sections:
            out.append(TocEntry(1, s.title, s.anchor, front=s.kind == "changes"))
            if s.kind == "guide":
                out += [TocEntry(2, c.label, c.anchor) for c in self.categories]
        return out

    def headings(self) -> list[TocEntry]:
        """Every heading in document order, as outline entries (level 1 sections and categories, 2 items, 3
        parts); the PDF and Word writers must produce exactly these."""
        out: list[TocEntry] = []
        for s in self.sections:
            out.append(TocEntry(1, s.title, s.anchor))
            if s.kind != "guide":
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


# ---------------------------------------------------------------------------------------------


def _materials(m: schema.Materials) -> MaterialsView:
    def view(i: int, mat: schema.Material) -> MaterialView:
        tags = []
        if mat.need and mat.need != schema.NEEDED:
            tags.append(mat.need)
        if mat.shared:
            tags.append(L.SHARED)
        if mat.form:
            tags.append(mat.form)
        if mat.copies:
            tags.append(f"{mat.copies} 份")
        if mat.originals:
            tags.append(L.ORIGINALS.format(n=mat.originals))
        if mat.photocopies:
            tags.append(L.PHOTOCOPIES.format(n=mat.photocopies))
        files = [(label, path) for label, path in ((L.BLANK_FORM, mat.blank_form), (L.SAMPLE, mat.sample)) if path]
        return MaterialView(
            marker=circled(i),
            name=rich(mat.name),
            tags=tags,
            note=rich(mat.note) if mat.note else None,
            source=rich(mat.source) if mat.source else None,
            details=[rich(d) for d in mat.details],
            issuer=rich(mat.issuer) if mat.issuer else None,
            files=files,
        )

    if m.groups:
        groups = [
            MaterialGroupView(g.name, rich(g.lead) if g.lead else None, [view(i, x) for i, x in enumerate(g.items, 1)])
            for g in m.groups
        ]
    elif m.items:
        groups = [MaterialGroupView(None, None, [view(i, x) for i, x in enumerate(m.items, 1)])]
    else:
        groups = []
    return MaterialsView(rich(m.lead) if m.lead else None, groups, m.none, [rich(n) for n in m.notes])


def _channel(i: int, ch: schema.Channel) -> ChannelView:
    lines: list[Rich] = []
    if ch.text:
        lines.append(rich(ch.text))
    lines += [[Run(circled(k) + " ")] + rich(e) for k, e in enumerate(ch.entries, 1)]
    mentioned = " ".join([ch.text or "", *ch.entries])
    shown_links = [link for link in ch.links if link.url not in mentioned]
    for k, link in enumerate(shown_links):
        line: Rich = []
        if link.name:
            line.append(Run(f"{link.name}："))
        line.append(Run(link.url, link.url))
        if ch.path and k == len(shown_links) - 1:
            line.append(Run(" → " + " → ".join(ch.path)))
        lines.append(line)
    if ch.path and not shown_links:
        lines.append([Run(" → ".join(ch.path))])
    if ch.links:
        summary = "、".join(link.name or link.url for link in ch.links)
    elif ch.path:
        summary = "→".join(ch.path)
    elif ch.text:
        summary = ch.text
    else:
        summary = "；".join(ch.entries)
    targets = [QrTarget(link.url, ch.kind, link.name) for link in ch.links]
    return ChannelView(circled(i), ch.kind, lines, ch.time_limit, summary, targets)


def _materials_part(sec: ItemSection, proc: schema.Procedure, channels: list[ChannelView]) -> Part | None:
    m = proc.materials
    return Part("", m.label, sec.key, materials=_materials(m)) if m is not None else None


def _channels_part(sec: ItemSection, proc: schema.Procedure, channels: list[ChannelView]) -> Part | None:
    if not (channels or proc.route_note):
        return None
    return Part("", sec.label, sec.key, channels=channels, route_note=proc.route_note)


def _time_limit_part(sec: ItemSection, proc: schema.Procedure, channels: list[ChannelView]) -> Part | None:
    lines: list[Rich] = [rich(proc.time_limit)] if proc.time_limit else []
    lines += [[Run(f"{c.marker}{c.kind}：{c.time_limit}")] for c in channels if c.time_limit]
    return Part("", sec.label, sec.key, lines=lines) if lines else _empty(sec)


def _text_part(sec: ItemSection, proc: schema.Procedure, channels: list[ChannelView]) -> Part | None:
    value = getattr(proc, sec.key, None)
    texts = [value] if isinstance(value, str) else list(value or [])
    return Part("", sec.label, sec.key, lines=[rich(t) for t in texts]) if texts else _empty(sec)


def _basis_part(sec: ItemSection, proc: schema.Procedure, channels: list[ChannelView]) -> Part | None:
    rows = [[rich(b.name), rich(b.rank or ""), rich(b.article or "")] for b in proc.basis]
    return Part("", sec.label, sec.key, rows=rows) if rows else _empty(sec)


def _qa_part(sec: ItemSection, proc: schema.Procedure, channels: list[ChannelView]) -> Part | None:
    rows = [[rich(x.q), rich(x.a)] for x in proc.faq]
    return Part("", sec.label, sec.key, rows=rows) if rows else _empty(sec)


def _fact_text(f, value) -> str:
    if f.kind == "count":
        return f"{value} {f.unit}".strip()
    if isinstance(value, list):
        return "、".join(value)
    return str(value)


def facts_of(service) -> list[tuple[str, Rich]]:
    """An item's 基本信息 rows: one per fact given, facts that share a row side by side ("法定：…；承诺：…")."""
    if service is None:
        return []
    rows: dict[str, list[tuple[str, str]]] = {}
    for f in FACTS:
        value = getattr(service, f.key, None)
        if value is None or value == []:
            continue
        rows.setdefault(f.row_label, []).append((f.short or f.label, _fact_text(f, value)))
    out = []
    for label, pieces in rows.items():
        text = "；".join(f"{name}：{value}" for name, value in pieces) if fact_row_shared(label) else pieces[0][1]
        out.append((label, rich(text)))
    return out


def fact_row_shared(label: str) -> bool:
    """Whether several facts are declared for the row `label` (then each piece is named)."""
    return sum(1 for f in FACTS if f.row_label == label) > 1


def _empty(sec: ItemSection) -> Part | None:
    return Part("", sec.label, sec.key, lines=[[Run(sec.empty)]]) if sec.empty else None


# How each shape of section (guidebook.catalogue.sections) becomes a part of a procedure.
PART_OF_SHAPE = {"materials": _materials_part, "channels": _channels_part, "time_limit": _time_limit_part,
                 "paragraphs": _text_part, "numbered": _text_part, "text": _text_part, "basis": _basis_part,
                 "qa": _qa_part}


def _parts(proc: schema.Procedure, prefix: str) -> tuple[list[Part], list[ChannelView]]:
    """The numbered parts of a procedure, one per declared section that has content, in their order."""
    channels = [_channel(i, ch) for i, ch in enumerate(proc.channels, 1)]
    parts: list[Part] = []
    for sec in procedure_sections():
        part = PART_OF_SHAPE[sec.shape](sec, proc, channels)
        if part is not None:
            part.number = f"{prefix}.{len(parts) + 1}"
            parts.append(part)
    return parts, channels


def _gist(part: Part) -> str:
    """A channel part's text without punctuation and spaces, to spot blocks that say the same."""
    text = (part.route_note or "") + "".join(c.kind + "".join(plain(x) for x in c.lines) for c in part.channels)
    return re.sub(r"[\W_]+", "", text)


def _merged_materials(found: list[tuple[ProcedureView, Part]]) -> list[Part]:
    groups, notes = [], []
    for p, part in found:
        m = part.materials
        assert m is not None
        head = f"{p.number} {p.title}"
        if m.none:
            groups.append(MaterialGroupView(head, [Run(m.none)], []))
        for g in m.groups:
            groups.append(MaterialGroupView(f"{head}：{g.name}" if g.name else head, g.lead or m.lead, g.items))
        notes += [[Run(f"{p.number}：")] + n for n in m.notes]
    first = found[0][1]
    return [Part("", first.label, first.kind, materials=MaterialsView(None, groups, None, notes))]


def _merged_channels(found: list[tuple[ProcedureView, Part]]) -> list[Part]:
    first = found[0][1]
    if all(_gist(part) == _gist(first) for _, part in found):
        return [Part("", first.label, first.kind, channels=first.channels, route_note=first.route_note)]
    return [Part("", f"{first.label}（{p.number}）", first.kind, channels=part.channels, route_note=part.route_note)
            for p, part in found]


def _merged_rows(found: list[tuple[ProcedureView, Part]]) -> list[Part]:
    rows: list[list[Rich]] = []
    for p, part in found:
        rows += [[[Run(f"{p.number}：")] + row[0], *row[1:]] for row in part.rows]
    return [Part("", found[0][1].label, found[0][1].kind, rows=rows)]


def _merged_lines(found: list[tuple[ProcedureView, Part]]) -> list[Part]:
    lines: list[Rich] = []
    for p, part in found:
        lines += [[Run(f"{p.number}：")] + line for line in part.lines]
    return [Part("", found[0][1].label, found[0][1].kind, lines=lines)]


def merge_procedures(procs: list[ProcedureView]) -> list[Part]:
    """One part per section across sub-procedures, each piece labelled with its sub-procedure number."""
    parts: list[Part] = []
    for sec in procedure_sections():
        found = [(p, part) for p in procs for part in p.parts if part.kind == sec.key]
        if found:
            merge = {"materials": _merged_materials, "channels": _merged_channels, "basis": _merged_rows,
                     "qa": _merged_rows}.get(sec.shape, _merged_lines)
            parts += merge(found)
    return parts


def _texts(proc: schema.Procedure) -> list[str]:
    out = list(proc.intro) + list(proc.tips) + [proc.route_note or "", proc.time_limit or ""]
    out += [x.a for x in proc.faq]
    for ch in proc.channels:
        out += [ch.text or "", *ch.entries]
    return out


def phones_in(texts: list[str]) -> list[str]:
    """Phone numbers mentioned in text (URLs removed first), in order of appearance, no repeats."""
    found: list[str] = []
    for t in texts:
        for m in PHONE_IN_TEXT.finditer(URL_IN_TEXT.sub(" ", t)):
            number = m.group().strip()
            if number not in found:
                found.append(number)
    return found


def _procedure(proc: schema.Procedure, number: str, title: str, anchor: str, caption: str | None) -> ProcedureView:
    parts, channels = _parts(proc, number)
    has_body = proc.materials is not None or proc.channels or proc.route_note or proc.flow
    flow = build_flow(proc, channels) if has_body else None
    return ProcedureView(number, title, anchor, [rich(p) for p in proc.intro], parts, flow, caption)


def item_view(it: schema.Item, category_number: int, windows: dict[str, "WindowRow"] | None = None,
              windows_part: str = "") -> ItemView:
    """An item as every document shows it. `windows` are the catalogue's windows by name (for the channels
    that link them); `windows_part` the title of the guide's windows part, where an item with no phone and
    no window of its own refers its reader for one (empty: the guide has no such part)."""
    anchor = item_id(it.number)
    base = _procedure(it, str(it.number), it.title, anchor,
                      f"{it.number}.{it.flowchart_caption or it.title}")
    procs = [
        _procedure(p, f"{it.number}.{k}", p.title, f"{anchor}-{k}", f"{it.number}.{k} {p.title}")
        for k, p in enumerate(it.procedures, 1)
    ]
    texts = _texts(it) + [t for p in it.procedures for t in _texts(p)]
    phones = list(it.service.consult_phones) if it.service else []
    phones += [p for p in phones_in(texts) if p not in phones]
    qr: list[QrTarget] = []
    all_channels = [c for part in base.parts + [x for p in procs for x in p.parts] for c in part.channels]
    for ch in all_channels:
        for t in ch.links:
            if t.url not in [q.url for q in qr]:
                qr.append(t)
    return ItemView(
        number=base.number, title=it.title, anchor=anchor, intro=base.intro, parts=base.parts,
        flow=base.flow, flow_caption=base.flow_caption,
        item_number=it.number, category=it.category,
        category_label=f"{chinese_numeral(category_number)}、{it.category}",
        subtitle=it.subtitle, list_title=it.list_title or it.title,
        procedures=procs, phones=phones, qr=qr,
        flags=list(it.flags) + [f for p in it.procedures for f in p.flags],
        facts=facts_of(it.service),
        windows=_windows_of(it, windows or {}), windows_part=windows_part,
    )


def _windows_of(it: schema.Item, windows: dict[str, "WindowRow"]) -> list["WindowRow"]:
    """The windows an item's channels name, in order, each once (a name check does not know is skipped)."""
    names = [n for p in [it, *it.procedures] for ch in p.channels for n in ch.windows]
    return [windows[n] for i, n in enumerate(names) if n in windows and n not in names[:i]]


def build_document(cat: Catalogue) -> GuideDoc:
    """The whole guide as a document model, in the booklet's order."""
    g = cat.guide
    categories = []
    by_name = {w.name: WindowRow(i, w.name, w.address, w.phone, w.hours) for i, w in enumerate(cat.windows.windows, 1)}
    for i, c in enumerate(g.categories, 1):
        see = cat.windows.title if "windows" in g.sections.order else ""
        items = [item_view(it, i, by_name, see) for it in cat.category_items(c.name)]
        categories.append(CategoryView(i, c.name, f"{chinese_numeral(i)}、{c.name}", f"category-{i}", items))
    parts = {"power_list": Section("power_list", g.sections.power_list, "power-list"),
             "windows": Section("windows", cat.windows.title, WINDOWS_ANCHOR, cat.windows.heading),
             "guide": Section("guide", g.sections.guide, "guide")}
    parts.update({kind: Section(kind, lst.title, kind) for kind, lst in (("prohibited", cat.prohibited),
                                                                          ("tolerated", cat.tolerated)) if lst})
    sections = [parts[k] for k in g.sections.order if k in parts]  # the bureau's parts, in its order
    windows = [WindowRow(i, w.name, w.address, w.phone, w.hours) for i, w in enumerate(cat.windows.windows, 1)]
    prohibited = [
        ProhibitedRow(f"{chinese_numeral(i)}、{grp.name}", [f"{k}. {c}" for k, c in enumerate(grp.cases, 1)],
                      [(n, item_id(n)) for n in grp.items])
        for i, grp in enumerate(cat.prohibited.groups if cat.prohibited else [], 1)
    ]
    tolerated = [
        ToleratedRow(i, e.matter, list(e.materials), e.method, e.source, e.deadline,
                     [(n, item_id(n)) for n in e.items])
        for i, e in enumerate(cat.tolerated.entries if cat.tolerated else [], 1)
    ]
    date = (g.edition_date.isoformat() if g.edition_date else f"{g.edition}-01-01")
    base = g.site.base_url
    site_url = (base if base.endswith("/") else base + "/") if base else None
    meta = Meta(g.title, g.bureau, g.edition, list(g.slogans), date=date, site_url=site_url,
                synonyms={w.say: list(w.means) for w in (cat.synonyms.words if cat.synonyms else [])})
    return GuideDoc(meta, g.sections.contents, sections, categories, windows, prohibited, tolerated)
