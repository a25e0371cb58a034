"""Document stage: what an item's procedures say, numbered and ready to show (the content of the typed
nodes of guidebook.document.nodes).

Text becomes runs (URLs as links), each material its marker and tags, each channel its lines, summary and
QR targets, and each declared section (guidebook.catalogue.sections) with content a numbered `Part`. The
document builder (guidebook.document.build) lays these out as nodes, once per document that shows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from guidebook.catalogue import phones as phone_rules
from guidebook.catalogue import schema
from guidebook.catalogue import labels as L
from guidebook.catalogue.sections import FACTS, Section as ItemSection, procedure_sections, section
from guidebook.catalogue.numbering import circled

if TYPE_CHECKING:
    from guidebook.document.nodes import Procedure

URL_IN_TEXT = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")  # RFC 3986 characters
_TRAILING = ",.;:!?)]}>'\""
PHONE_IN_TEXT = phone_rules.IN_TEXT  # what a phone number is: guidebook.catalogue.phones


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
class Material:
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
class MaterialGroup:
    name: str | None
    lead: Rich | None
    items: list[Material]


@dataclass
class Materials:
    lead: Rich | None
    groups: list[MaterialGroup]  # one unnamed group when the booklet does not group
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
class Channel:
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
    materials: Materials | None = None
    channels: list[Channel] = field(default_factory=list)
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
class Window:
    """A service window as an item's 办理窗口 and the guide's windows table show it."""

    number: int
    name: str
    address: str
    phone: str
    hours: str | None = None  # 办理时间


# ---------------------------------------------------------------------------------------------


def _materials(m: schema.Materials) -> Materials:
    def view(i: int, mat: schema.Material) -> Material:
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
        return Material(
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
            MaterialGroup(g.name, rich(g.lead) if g.lead else None, [view(i, x) for i, x in enumerate(g.items, 1)])
            for g in m.groups
        ]
    elif m.items:
        groups = [MaterialGroup(None, None, [view(i, x) for i, x in enumerate(m.items, 1)])]
    else:
        groups = []
    return Materials(rich(m.lead) if m.lead else None, groups, m.none, [rich(n) for n in m.notes])


def _channel(i: int, ch: schema.Channel) -> Channel:
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
    return Channel(circled(i), ch.kind, lines, ch.time_limit, summary, targets)


def _materials_part(sec: ItemSection, proc: schema.Procedure, channels: list[Channel]) -> Part | None:
    m = proc.materials
    return Part("", m.label, sec.key, materials=_materials(m)) if m is not None else None


def _channels_part(sec: ItemSection, proc: schema.Procedure, channels: list[Channel]) -> Part | None:
    if not (channels or proc.route_note):
        return None
    return Part("", sec.label, sec.key, channels=channels, route_note=proc.route_note)


def _time_limit_part(sec: ItemSection, proc: schema.Procedure, channels: list[Channel]) -> Part | None:
    lines: list[Rich] = [rich(proc.time_limit)] if proc.time_limit else []
    lines += [[Run(f"{c.marker}{c.kind}：{c.time_limit}")] for c in channels if c.time_limit]
    return Part("", sec.label, sec.key, lines=lines) if lines else _empty(sec)


def _text_part(sec: ItemSection, proc: schema.Procedure, channels: list[Channel]) -> Part | None:
    value = getattr(proc, sec.key, None)
    texts = [value] if isinstance(value, str) else list(value or [])
    return Part("", sec.label, sec.key, lines=[rich(t) for t in texts]) if texts else _empty(sec)


def _basis_part(sec: ItemSection, proc: schema.Procedure, channels: list[Channel]) -> Part | None:
    rows = [[rich(b.name), rich(b.rank or ""), rich(b.article or "")] for b in proc.basis]
    return Part("", sec.label, sec.key, rows=rows) if rows else _empty(sec)


def _qa_part(sec: ItemSection, proc: schema.Procedure, channels: list[Channel]) -> Part | None:
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


def parts_of(proc: schema.Procedure, prefix: str) -> tuple[list[Part], list[Channel]]:
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


def _merged_materials(found: list[tuple[Procedure, Part]]) -> list[Part]:
    groups, notes = [], []
    for p, part in found:
        m = part.materials
        assert m is not None
        head = f"{p.number} {p.title}"
        if m.none:
            groups.append(MaterialGroup(head, [Run(m.none)], []))
        for g in m.groups:
            groups.append(MaterialGroup(f"{head}：{g.name}" if g.name else head, g.lead or m.lead, g.items))
        notes += [[Run(f"{p.number}：")] + n for n in m.notes]
    first = found[0][1]
    return [Part("", first.label, first.kind, materials=Materials(None, groups, None, notes))]


def _merged_channels(found: list[tuple[Procedure, Part]]) -> list[Part]:
    first = found[0][1]
    if all(_gist(part) == _gist(first) for _, part in found):
        return [Part("", first.label, first.kind, channels=first.channels, route_note=first.route_note)]
    return [Part("", f"{first.label}（{p.number}）", first.kind, channels=part.channels, route_note=part.route_note)
            for p, part in found]


def _merged_rows(found: list[tuple[Procedure, Part]]) -> list[Part]:
    rows: list[list[Rich]] = []
    for p, part in found:
        rows += [[[Run(f"{p.number}：")] + row[0], *row[1:]] for row in part.rows]
    return [Part("", found[0][1].label, found[0][1].kind, rows=rows)]


def _merged_lines(found: list[tuple[Procedure, Part]]) -> list[Part]:
    lines: list[Rich] = []
    for p, part in found:
        lines += [[Run(f"{p.number}：")] + line for line in part.lines]
    return [Part("", found[0][1].label, found[0][1].kind, lines=lines)]


def merge_procedures(procs: list[Procedure]) -> list[Part]:
    """One part per section across sub-procedures, each piece labelled with its sub-procedure number."""
    parts: list[Part] = []
    for sec in procedure_sections():
        found = [(p, part) for p in procs for part in p.parts if part.kind == sec.key]
        if found:
            merge = {"materials": _merged_materials, "channels": _merged_channels, "basis": _merged_rows,
                     "qa": _merged_rows}.get(sec.shape, _merged_lines)
            parts += merge(found)
    return parts


def texts_of(proc: schema.Procedure) -> list[str]:
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


