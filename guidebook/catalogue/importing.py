"""Catalogue stage: `guidebook import`, a Word 办事指南 read into a catalogue, nothing dropped silently.

The reader (guidebook.catalogue.docx_reader) gives the document's blocks in order; this module finds
the structure in them and fills the catalogue's fields:

- the guide: the cover's slogans, title, bureau and edition; the titles of its sections;
- categories (a level-1 heading, or 一、 …) and items (a level-2 heading, or a bold 1. / 1、 / 第一项 /
  （一） paragraph); sub-procedures (8.1 …);
- each item's labelled sections, by the words bureaus use for them (SYNONYMS: one table), as headings,
  as a label line ("办理时限：5 个工作日"), or as the rows of a 要素表 (项目 | 内容);
- materials from list lines (Word numbering, ①, 1., （1）) and from tables (材料名称, 原件/复印件, 份数,
  来源/出具单位, 备注, 是否必需), details under a material, 无需提供材料;
- channels from their kind words (窗口办, 网上办 …), URLs and app paths (→);
- the windows table, the 违规禁办 and 容缺办理 lists.

Every non-empty paragraph and table cell is accounted for: placed in a field, recognised as something
guidebook makes itself (the contents, the power list, the flowcharts, the 咨询电话 block), or kept as
an `unplaced` note of its item (or of the guide) with its place, which `check` lists until staff move it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

from guidebook.catalogue import labels as L
from guidebook.catalogue.docx_reader import Block
from guidebook.catalogue.numbering import chinese_numeral
from guidebook.catalogue.schema import CHANNEL_KINDS, BasisRank, MaterialNeed
from guidebook.catalogue.sections import FACTS

CN_DIGITS = "〇零一二三四五六七八九十百"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# The words a labelled section goes by, section key first; the importer's one table of synonyms.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "materials": (L.MATERIALS, "需提供要件", "申请材料", "所需材料", "申报材料", "办理材料", "提交材料", "申办材料",
                  "材料清单"),
    "channels": (L.CHANNELS, "办理渠道", "办理方式", "办理地点", "受理地点", "办理途径", "办理入口", "办理地点及时间",
                 "办理地点和时间", "办理时间及地点", "办理时间和地点", "受理地点及时间"),
    "flow": (L.FLOW, "办理流程", "办事流程"),
    "time_limit": (L.TIME_LIMIT, "办结时限", "办理期限"),
    "tips": (L.TIPS, "注意事项", "特别提示", "温馨提醒", "其他说明"),
    "phones": (L.PHONES, L.CONTACT_PHONE, "咨询方式", "咨询电话及地址"),
    "complaint_phones": ("监督电话", "投诉电话", "监督投诉电话", "监督投诉方式"),
    "conditions": (L.CONDITIONS, "申请条件", "办理条件", "申办条件", "受理标准"),
    "situations": (L.SITUATIONS,),
    "basis": (L.BASIS, "法律依据", "政策依据", "办理依据", "设立依据"),
    "faq": (L.FAQ, "常见问题解答", "常见问答"),
    "service": (L.SERVICE_INFO,),
    "intro": ("事项说明", "事项简述", "事项简介", "适用范围"),
    "legal_time_limit": ("法定时限",),
    "promised_time_limit": ("承诺时限",),
    "hours": (L.HOURS, "受理时间", L.OFFICE_HOURS),
    "item_title": ("事项名称",),  # a 要素表's row that names its item
}
for _f in FACTS:  # every fact of 基本信息 by its own label
    SYNONYMS.setdefault(_f.key, ())
    SYNONYMS[_f.key] = (*SYNONYMS[_f.key], _f.label)
LABEL_OF: dict[str, str] = {}
for _key, _words in SYNONYMS.items():  # the first section that claims a word keeps it (办理地点: channels)
    for _word in _words:
        LABEL_OF.setdefault(_word, _key)
LABEL_WORDS = sorted(LABEL_OF, key=len, reverse=True)  # the longest first: 承诺办结时限 before 办结时限

LEAD_NUMBER = re.compile(rf"^\s*(?:\d+(?:\.\d+)+\s*|\d+\s*[.、]\s*|[{CN_DIGITS}]+\s*、\s*|\(\s*[{CN_DIGITS}\d]+\s*\)\s*|"
                         r"[①-⑳]\s*)")
ITEM_LINE = re.compile(rf"^\s*(?:(\d+)\s*[.、]|第\s*([{CN_DIGITS}\d]+)\s*项|\(\s*([{CN_DIGITS}]+)\s*\))\s*(\S.{{0,80}})$")
CATEGORY_LINE = re.compile(rf"^\s*([{CN_DIGITS}]+)\s*、\s*(\S.{{0,60}})$")
ITEM_PREFIX = re.compile(rf"^\s*(?:[0-9０-９]+\s*[.、．]|第\s*[{CN_DIGITS}0-9０-９]+\s*项|[（(]\s*[{CN_DIGITS}]+\s*[）)])\s*")
SUB_LINE = re.compile(r"^\s*(\d+)\.(\d+)\s+(\S.{0,80})$")
TOC_LINE = re.compile(r"(?:\.{3,}|…{2,}|·{3,}|\t)\s*\d+\s*$")
MARKER = re.compile(r"^\s*(?:[①-⑳]|[（(]\s*\d+\s*[）)]|\d+\s*[.、)．](?!\d))\s*")
URL = re.compile(r"https?://[\x21-\x7e]+|(?<![\w@.])(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:/[\x21-\x7e]*)?")
NO_MATERIALS = re.compile(r"^(?:无|无需(?:提供|提交)?(?:任何)?材料|不需要材料)[。.]?$")
NOTE_LINE = re.compile(rf"^(?:注\s*\d*\s*[:：]|{L.REMARK}\s*[:：]|\(?{L.SOURCE}\s*[:：])")
FLOW_ARROWS = re.compile(r"\s*(?:→|->|-->|—>|－>|——|—|⇒|＞)\s*")
OFFICE_HOURS = re.compile(r"^(?:[\u4e00-\u9fff]{2}时间\s*[:：])?\s*(?:法定)?(?:工作日|周[一二三四五六日]|星期[一二三四五六日]|每[天日])"
                          r".{0,40}\d{1,2}\s*[:：]\s*\d{2}")
YEAR = re.compile(r"(19|20|21)\d{2}(?=\s*年)")


def cn_number(text: str) -> int | None:
    """一 -> 1, 十二 -> 12, 二十 -> 20, 12 -> 12."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    for n in range(1, 100):
        if chinese_numeral(n) == text:
            return n
    return None


def label_of(text: str) -> tuple[str | None, str, str]:
    """(section key, the label as written, the rest of the line) of a label line such as
    "1.3 办理时限：5 个工作日" or "（一）受理条件"; (None, "", text) for a line that is no label."""
    plain = unicodedata.normalize("NFKC", text).strip()
    body = LEAD_NUMBER.sub("", plain, count=1).strip()
    bracketed = body.startswith(("【", "["))
    body = body.lstrip("【[").strip()
    for word in LABEL_WORDS:
        if body.startswith(word):
            closed = body[len(word):].startswith(("】", "]"))
            rest = body[len(word):].lstrip("】]").strip()
            if not rest or rest[0] in ":：" or (bracketed and closed):
                # the rest as written (NFKC would turn its full-width punctuation into ASCII)
                original = text[text.index(word) + len(word):].lstrip("】] \t").lstrip(":：").strip()
                return LABEL_OF[word], word, original
    return None, "", text


@dataclass
class Placed:
    where: str
    target: str  # the field (items/15.yaml: materials) or what guidebook makes itself
    text: str


@dataclass
class Imported:
    """What an import found: the catalogue's data (as the YAML files will hold it) and its accounts."""

    guide: dict[str, Any] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    windows: dict[str, Any] | None = None
    prohibited: dict[str, Any] | None = None
    tolerated: dict[str, Any] | None = None
    synonyms: dict[str, Any] | None = None  # the site's search words (only a JSON import carries them)
    placed: list[Placed] = field(default_factory=list)
    derived: list[Placed] = field(default_factory=list)  # what guidebook makes itself (not imported)
    unplaced: list[Placed] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    sources: int = 0  # non-empty paragraphs and table cells of the document
    source_places: set = field(default_factory=set)  # their places (第 N 段, 第 N 个表格第 R 行第 C 列)

    def sections_placed(self) -> int:
        return len({(p.target.split(":")[0], p.target) for p in self.placed})


def is_toc(b: Block) -> bool:
    return b.kind == "para" and (b.style.lower().startswith("toc") or bool(TOC_LINE.search(b.text)))


def cells(b: Block) -> list[tuple[int, int, str]]:
    """A table's non-empty cells: (row, column, text), 1-based."""
    return [(r, c, t.strip()) for r, row in enumerate(b.rows, 1) for c, t in enumerate(row, 1) if t.strip()]


def written_flow(lines: list[str], proc: dict[str, Any]) -> list | None:
    """The steps of a flowchart as guidebook's Word files write it (【开始】, "1. 步骤", "2. 审核？通过：继续；
    不通过：终止", 【办结：…】, arrows between) when they are the booklet's own steps; None for the standard flow
    guidebook draws from the procedure itself (a choice of channels, 受理、办理 last, or the 办理路径 note last),
    which it draws again, and for anything it cannot read as steps."""
    steps: list = []
    for line in (x.strip() for x in lines):
        if not line or line == "↓" or line.startswith("【"):
            continue
        m = re.fullmatch(r"\d+\.\s*(.+)", line)
        if not m:
            return None
        d = re.fullmatch(rf"(.+)？(.+?)：{L.FLOW_GO_ON}；(.+?)：(.+)", m.group(1))
        steps.append({"decide": d[1], "yes": d[2], "no": d[3], "no_end": d[4]} if d else m.group(1))
    plain = [s for s in steps if isinstance(s, str)]
    note = (proc.get("route_note") or "").rstrip("。")
    if not steps or any(s.startswith(L.FLOW_CHOOSE + "（") for s in plain) or steps[-1] in (L.FLOW_ACCEPT, note):
        return None
    return steps


def split_inline(text: str) -> list[str]:
    """A line that numbers several entries itself ("①A；②B；③C。") as its entries; else the line."""
    parts = [p.strip().rstrip("；;，,") for p in re.split(r"(?=[①-⑳])", text) if p.strip()]
    if len(parts) > 1 and all(p[0] in CIRCLED for p in parts):
        return [MARKER.sub("", p, count=1) for p in parts if MARKER.sub("", p, count=1)]
    return [MARKER.sub("", text, count=1).strip()]


def _close_paren(text: str) -> int | None:
    """Where the parenthesised group that ends `text` opens (（…） or (…)), None if it does not end so."""
    if not text.endswith(("）", ")")):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        ch = text[i]
        if ch in "）)":
            depth += 1
        elif ch in "（(":
            depth -= 1
            if depth == 0:
                return i
    return None


NEEDED, OPTIONAL, LATER = MaterialNeed.__args__  # type: ignore[attr-defined]  # 必需, 非必需, 容缺后补
NEEDS = {OPTIONAL: OPTIONAL, "非必须": OPTIONAL, LATER: LATER, "可容缺": LATER, NEEDED: NEEDED, "必须": NEEDED}
FORMS = "(?:" + "|".join(map(re.escape, L.MATERIAL_FORMS)) + ")"
TAIL_TAG = re.compile(rf"\s+({FORMS}|\d+\s*份|{'|'.join(map(re.escape, NEEDS))})\s*$")


def material(text: str, notes_in_parens: bool = True) -> dict[str, Any]:
    """One material line: its name, then its tags (原件, 2 份, 非必需), a note and 资料来源/出具单位 in
    parentheses, as guidebook writes them and as most guides do. `notes_in_parens`: whether other
    parentheses at the end are a note (else they stay part of the name)."""
    out: dict[str, Any] = {}
    text = text.strip()
    notes = []
    while (i := _close_paren(text)) is not None and i > 0:
        inner = text[i + 1:-1].strip()
        for key, word in (("source", L.SOURCE), ("issuer", L.ISSUER), ("blank_form", L.BLANK_FORM),
                          ("sample", L.SAMPLE)):
            if inner.startswith(word) and inner[len(word):len(word) + 1] in ":：":
                out[key] = inner[len(word) + 1:].strip()
                break
        else:
            if re.fullmatch(FORMS, inner) and "form" not in out:
                out["form"] = inner
            elif not notes_in_parens:
                break
            else:
                notes.insert(0, inner)
        text = text[:i].rstrip()
    while m := TAIL_TAG.search(text):
        tag, text = m.group(1), text[:m.start()].rstrip()
        if tag in NEEDS:
            out["need"] = NEEDS[tag]
        elif tag.endswith("份"):
            out["copies"] = int(re.sub(r"\D", "", tag))
        else:
            out["form"] = tag
    if not text:  # the whole line was in parentheses: keep it as the name
        text, notes = "（" + "）（".join(notes) + "）", []
    result = {"name": text, **{k: out[k] for k in ("form", "copies") if k in out}}
    if "source" in out:
        result["source"] = out["source"]
    if notes:
        result["note"] = "；".join(notes)
    result.update({k: out[k] for k in ("need", "issuer", "blank_form", "sample") if k in out})
    return result


def material_of(b: Block) -> dict[str, Any]:
    """A material from its paragraph: when the name is set off from its tags and notes by the runs'
    look (guidebook's own Word files: tags bold and coloured, notes grey), the runs decide where the
    name ends (a name may end in parentheses of its own); otherwise its text does."""
    text = "".join(t for t, _ in b.runs)
    k = next((i for i, (t, look) in enumerate(b.runs) if look and t.strip()), None)
    if k and text == b.text and b.runs[0][1] == "":
        name = "".join(t for t, _ in b.runs[:k]).strip()
        parsed = material("X " + "".join(t for t, _ in b.runs[k:]).strip())
        if parsed.get("name", "X") == "X" and name:
            return {"name": name, **{key: v for key, v in parsed.items() if key != "name"}}
    # all runs alike in a file that sets notes off by their look: parentheses belong to the name
    plain = bool(b.runs) and text == b.text and all(not look for _, look in b.runs)
    return material(b.text, notes_in_parens=not (plain and b.styled))


def link_of(text: str) -> tuple[dict[str, Any] | None, str]:
    """The first web address in a line, as a link (name: the words before "：" when the line is
    "name：url"), and whether the address lacked its scheme ("" or the address as printed)."""
    m = URL.search(text)
    if not m or "." not in m.group() or not re.search(r"[A-Za-z]", m.group()):
        return None, ""
    printed = m.group().rstrip(".,;，。；)")
    url = printed if printed.startswith(("http://", "https://")) else "http://" + printed
    link: dict[str, Any] = {"url": url}
    before = text[:m.start()].strip().rstrip(":：").strip()
    if before and len(before) <= 40 and text[m.start() - 1:m.start()] in ":：" and not re.search(r"[。；;]", before):
        link["name"] = before
    if url != printed:
        link["printed"] = printed
    return link, ("" if url == printed else printed)


@dataclass
class Open:
    """A section being read: its key, the procedure (item or sub-procedure) it belongs to, its blocks."""

    key: str
    proc: dict[str, Any]
    label: str
    blocks: list[Block] = field(default_factory=list)
    tables: list[Block] = field(default_factory=list)


GUIDE_PARTS = {  # a level-1 heading of the guide without a number: which part it titles
    "power_list": ("权力事项", "事项清单", "事项目录"), "windows": ("路径", L.WINDOW), "prohibited": ("禁办",),
    "tolerated": ("容缺",),
}


class Reader:
    """Reads the blocks in order, keeping the current category, item, procedure and section."""

    def __init__(self, blocks: list[Block], progress: Callable[[int, int], None] | None = None):
        self.blocks = blocks
        self.progress = progress  # told (items read, per cent of the document read) every PROGRESS_EVERY items
        self.out = Imported()
        self.category: str | None = None
        self.item: dict[str, Any] | None = None
        self.proc: dict[str, Any] | None = None
        self.open: Open | None = None
        self.part: str | None = None  # the guide's part a heading without a number opened
        self.titles: dict[str, str] = {}
        self.where: dict[int, str] = {}  # id(item dict) -> its file name, for the accounts
        self.caption_for: dict[str, Any] | None = None
        self.heading: str = ""  # the last heading of the guide's level (a single item's guide: its title)
        self.naming: dict[str, Any] | None = None  # the item whose 事项名称 is on the next line

    # -- accounts
    def file(self, item: dict[str, Any] | None) -> str:
        return f"items/{item['number']:02d}.yaml" if item else "guide.yaml"

    def place(self, b: Block, target: str, text: str | None = None) -> None:
        self.out.placed.append(Placed(b.where, target, b.text if text is None else text))

    def derive(self, b: Block, what: str, text: str | None = None) -> None:
        self.out.derived.append(Placed(b.where, what, b.text if text is None else text))

    def unplace(self, where: str, text: str, item: dict[str, Any] | None = None) -> None:
        item = item if item is not None else self.item
        path = " > ".join(x for x in (self.category, item and f"{item['number']}. {item['title']}") if x)
        self.out.unplaced.append(Placed(where, self.file(item), text))
        note = f"{where}{'（' + path + '）' if path else ''}：{text}"
        (item if item is not None else self.out.guide).setdefault("unplaced", []).append(note)

    # -- the walk
    def run(self) -> Imported:
        self.out.source_places = {b.where for b in self.blocks if b.kind == "para" and b.text.strip()} | {
            f"{b.where}第 {r} 行第 {c} 列" for b in self.blocks if b.kind == "table" for r, c, _ in cells(b)}
        self.out.sources = len(self.out.source_places)
        start = self.cover()
        for b in self.blocks[start:]:
            if b.kind == "table":
                self.table(b)
            elif b.text.strip():
                self.para(b)
        self.close()
        return self.out

    def cover(self) -> int:
        """The cover: slogans (Subtitle), the title (Title), then the bureau and the edition; the index
        of the first block after it (0 when the document starts without a cover)."""
        g = self.out.guide
        for i, b in enumerate(self.blocks):
            text = b.text.strip()
            if b.kind != "para" or b.level or is_toc(b) or b.style.startswith("TOC"):
                return i
            if not text:
                continue
            if b.style == "Subtitle" and "title" not in g:
                g.setdefault("slogans", []).append(text)
                target = "slogans"
            elif b.style == "Title" and "title" not in g:
                g["title"], target = text, "title"
            elif "title" in g and "edition" not in g and YEAR.search(b.plain) and len(text) < 20:
                g["edition"], target = int(YEAR.search(b.plain).group()), "edition"
            elif "title" in g and "bureau" not in g and len(text) <= 40:
                g["bureau"], target = text, "bureau"
            else:
                return i
            self.place(b, f"guide.yaml: {target}")
        return len(self.blocks)

    def para(self, b: Block) -> None:
        text = b.text.strip()
        if is_toc(b) or b.style == "TOC Heading" or (not self.item and b.plain.replace(" ", "") == "目录"):
            self.derive(b, "目录（guidebook 自己生成）")
            return
        if self.caption_for is not None and b.style == "Caption":
            self.flow_caption(b)
            return
        if self.naming is not None:  # the line after a bare 事项名称 label
            self.naming["title"], self.naming = text, None
            self.place(b, f"{self.file(self.item)}: title")
            return
        key, word, rest = label_of(text)
        heading = bool(b.level) or b.bold
        labelled = key and (heading or rest or len(text) <= len(word) + 8)
        if labelled and key == "item_title":
            self.item_named(b, rest)
            return
        if labelled and not self.item and key != "flow" and self.heading:
            self.single_item(b)  # a guide of one item: its sections come without an item heading
        if labelled and (self.item or key == "flow"):
            self.start(key, word, b, rest)
            return
        if self.structure(b, heading):
            return
        if self.open is not None:
            self.open.blocks.append(b)
        elif self.proc is not None:
            self.proc.setdefault("intro", []).append(text)
            self.place(b, f"{self.file(self.item)}: intro")
        elif self.part == "windows" and b.style == "Caption":
            self.titles["windows_heading"] = text
            self.place(b, "windows.yaml: heading")
        else:
            self.unplace(b.where, text)

    def structure(self, b: Block, heading: bool) -> bool:
        """A heading or heading-like line: a part of the guide, a category, an item, a sub-procedure."""
        plain = b.plain
        if b.level == 1 or (heading and CATEGORY_LINE.match(plain) and b.level in (None, 1)):
            m = CATEGORY_LINE.match(plain)
            if m:
                self.close(item=True)
                self.category = b.text.strip()[b.text.strip().index("、") + 1:].strip()
                self.out.guide.setdefault("categories", []).append({"name": self.category})
                self.place(b, "guide.yaml: categories")
                return True
            if b.level == 1:
                self.close(item=True)
                self.guide_part(b)
                self.heading = b.text.strip()
                return True
        sub = SUB_LINE.match(plain)
        if sub and self.item and (b.level in (3, 4) or heading) and int(sub.group(1)) == self.item["number"] \
                and not label_of(sub.group(3))[0]:
            self.close()
            self.proc = {"title": b.text.strip().split(None, 1)[1]}
            self.item.setdefault("procedures", []).append(self.proc)
            self.place(b, f"{self.file(self.item)}: procedures")
            return True
        m = ITEM_LINE.match(plain)
        if (b.level == 2 or (heading and m)) and m and not label_of(m.group(4))[0]:
            number = m.group(1) or m.group(2) or m.group(3)
            title = ITEM_PREFIX.sub("", b.text.strip(), count=1).strip() or m.group(4).strip()
            self.new_item(b, cn_number(number) if number else None, title)
            return True
        if b.level == 2 and not label_of(plain)[0]:
            self.new_item(b, None, b.text.strip())
            return True
        return False

    def guide_part(self, b: Block) -> None:
        text = b.text.strip()
        self.part = next((k for k, words in GUIDE_PARTS.items() if any(w in text for w in words)), "guide")
        if self.part == "guide" and "guide" not in self.titles:
            self.titles["guide"] = text
        else:
            self.titles.setdefault(self.part, text)
        self.place(b, f"guide.yaml: sections.{self.part}")
        self.category = None

    def item_named(self, b: Block, title: str) -> None:
        """事项名称：X (or X on the next line). It names the item the guide's heading began, when that item has
        nothing yet; else it begins an item of its own."""
        fresh = self.item is not None and set(self.item) <= {"number", "category", "title"}
        if not fresh:
            self.new_item(b, None, title or SINGLE_TITLE)
        self.close()
        self.place(b, f"{self.file(self.item)}: title")
        if title:
            self.item["title"] = title
        else:
            self.naming = self.item

    def single_item(self, b: Block) -> None:
        """A labelled section before any item: the document is one item's guide, titled by its heading
        (失业保险金申领办事指南 -> 失业保险金申领)."""
        suffix = next((s for s in L.GUIDE_SUFFIXES if self.heading.endswith(s)), "")
        title = self.heading[:len(self.heading) - len(suffix)].strip() or self.heading
        if self.titles.get("guide") == self.heading:  # the heading was taken for the guide's part: it is the item's
            del self.titles["guide"]
        self.new_item(Block("para", b.where, title), None, title)
        self.out.placed.pop()  # the heading was placed as the guide's part; the item only borrows its words

    def new_item(self, b: Block, number: int | None, title: str) -> None:
        self.close(item=True)
        taken = {it["number"] for it in self.out.items}
        if number is None or number in taken:
            free = max(taken, default=0) + 1
            if number is not None:
                self.out.defects.append(f"{b.where}：两个事项同为第 {number} 项（“{title}”），后一个改为第 {free} 项")
            number = free
        if self.category is None:  # items before any category: one category for all of them
            self.category = L.NEW_GUIDE_TITLE
            categories = self.out.guide.setdefault("categories", [])
            if {"name": self.category} not in categories:
                categories.append({"name": self.category})
        title = re.sub(r"^[.．、\s]+", "", title)
        self.item = {"number": number, "category": self.category, "title": title}
        self.proc = self.item
        self.out.items.append(self.item)
        self.place(b, f"{self.file(self.item)}: title")
        if self.progress and len(self.out.items) % PROGRESS_EVERY == 0:
            self.progress(len(self.out.items), round(100 * (self.blocks.index(b) + 1) / len(self.blocks)))

    def start(self, key: str, word: str, b: Block, rest: str) -> None:
        self.close()
        proc = self.proc if self.proc is not None else {}
        self.open = Open(key, proc, word)
        self.place(b, f"{self.file(self.item)}: {key}", word)
        if rest:
            self.open.blocks.append(Block("para", b.where, rest, b.style, None, b.numbering, b.depth, False))

    def flow_table(self, b: Block) -> None:
        """A flowchart as guidebook's Word files write it: the booklet's own steps are kept (guidebook draws
        them again), the flow guidebook draws from the procedure itself is not."""
        self.caption_for = self.open.proc if self.open is not None and self.open.key == "flow" else self.proc
        steps = written_flow(b.rows[0][0].splitlines(), self.caption_for or {})
        if steps and self.caption_for is not None:
            self.caption_for["flow"] = steps
        for r, c, t in cells(b):
            where = Block("para", f"{b.where}第 {r} 行第 {c} 列", t)
            if steps:
                self.place(where, f"{self.file(self.item)}: flow")
            else:
                self.derive(where, "流程图（guidebook 重画）")

    def flow_caption(self, b: Block) -> None:
        """The caption under a flowchart: "15.失业保险金申领" names the chart (flowchart_caption)."""
        proc, self.caption_for = self.caption_for, None
        caption = re.sub(r"^\d+(?:\.\d+)?\s*[.．]?\s*", "", b.text.strip())
        if proc is self.item and caption and caption != proc.get("title"):
            proc["flowchart_caption"] = caption
        self.derive(b, "流程图（guidebook 重画）")

    # -- tables
    def table(self, b: Block) -> None:
        head = [re.sub(r"\s+", "", unicodedata.normalize("NFKC", c)) for c in (b.rows[0] if b.rows else [])]
        joined = "|".join(head)
        if len(b.rows) == 1 and len(head) == 1 and ("↓" in b.rows[0][0] or f"【{L.FLOW_START}】" in b.rows[0][0]):
            self.flow_table(b)
            return
        if self.open is not None and self.open.key in ("basis", "service", "materials", "conditions"):
            self.open.tables.append(b)
            return
        if L.CATEGORIES in joined or (L.NUMBER in head and L.FLOW in joined):
            self.power_list(b)
        elif L.MATTER_PROHIBITED in joined:
            self.lists_table(b, "prohibited")
        elif L.TOLERATED_MATERIALS in joined or (L.MATTER in joined and L.DEADLINE in joined):
            self.lists_table(b, "tolerated")
        elif self.item is None and L.ADDRESS in joined and L.PHONE in joined:
            self.windows_table(b, head)
        elif self.item is not None and any("材料" in h for h in head):
            self.close()
            self.open = Open("materials", self.proc, L.MATERIALS, tables=[b])
        elif len(head) == 2 and self.key_value(b) and (self.item is not None or any(
                row and label_of(row[0])[0] == "item_title" for row in b.rows)):
            self.elements_table(b)
        else:
            for r, c, t in cells(b):
                self.unplace(f"{b.where}第 {r} 行第 {c} 列", t)

    def key_value(self, b: Block) -> bool:
        """A two-column 要素表 (项目 | 内容): most first cells name a section or a fact."""
        firsts = [row[0] for row in b.rows if row and row[0].strip()]
        return bool(firsts) and sum(1 for f in firsts if label_of(f)[0]) * 2 >= len(firsts)

    def shared_row(self, b: Block, r: int, row: list[str]) -> bool:
        """A row of 基本信息 that holds several facts ("办结时限 | 法定：20 个工作日；承诺：8 个工作日")."""
        label = row[0].strip() if row else ""
        facts = [f for f in FACTS if f.row == label]
        if len(facts) < 2 or len(row) < 2:
            return False
        self.place(Block("para", f"{b.where}第 {r} 行第 1 列", label), f"{self.file(self.item)}: service")
        for piece in re.split(r"[；;]", row[1]):
            name, _, value = piece.partition("：")
            f = next((f for f in facts if f.short == name.strip()), None)
            cell = Block("para", f"{b.where}第 {r} 行第 2 列", value.strip() if f else piece.strip())
            if f is not None and value.strip():
                read_fact(self, Open(f.key, self.proc or {}, f.label, [cell]))
            elif piece.strip():
                self.unplace(cell.where, piece.strip())
        return True

    def elements_table(self, b: Block) -> None:
        for r, row in enumerate(b.rows, 1):
            if self.shared_row(b, r, row):
                continue
            key, word, rest = label_of(row[0]) if row else (None, "", "")
            value = row[1].strip() if len(row) > 1 else ""
            if key is None:
                header = r == 1 and all(t.strip() in ("项目", "内容", "要素", "名称", "") for t in row)
                for c, t in enumerate(row, 1):
                    if t.strip() and header:
                        self.derive(Block("para", f"{b.where}第 1 行第 {c} 列", t.strip()), "表头（guidebook 生成）")
                    elif t.strip():
                        self.unplace(f"{b.where}第 {r} 行第 {c} 列", t.strip())
                continue
            if key == "item_title" and value:  # 事项名称 | 社会保障卡申领: the table is an item of its own
                self.new_item(Block("para", f"{b.where}第 {r} 行第 2 列", value), None, value)
                self.place(Block("para", f"{b.where}第 {r} 行第 1 列", row[0]), f"{self.file(self.item)}: title")
                continue
            if self.item is None:
                for c, t in enumerate(row, 1):
                    if t.strip():
                        self.unplace(f"{b.where}第 {r} 行第 {c} 列", t.strip())
                continue
            self.close()
            self.open = Open(key, self.proc, word)
            self.place(Block("para", f"{b.where}第 {r} 行第 1 列", row[0]), f"{self.file(self.item)}: {key}")
            for line in value.splitlines():
                if line.strip():
                    self.open.blocks.append(Block("para", f"{b.where}第 {r} 行第 2 列", line.strip()))
        self.close()

    def windows_table(self, b: Block, head: list[str]) -> None:
        col = {k: next((i for i, h in enumerate(head) if any(w in h for w in words)), None) for k, words in
               {"name": (L.NAME, L.WINDOW, "机构"), "address": (L.ADDRESS,), "phone": (L.PHONE,), "hours": ("时间",)}.items()}
        windows = []
        for r, row in enumerate(b.rows[1:], 2):
            entry = {k: row[i].strip() for k, i in col.items() if i is not None and i < len(row) and row[i].strip()}
            for c, t in enumerate(row, 1):
                cell = Block("para", f"{b.where}第 {r} 行第 {c} 列", t.strip())
                if t.strip() and c - 1 in col.values():
                    self.place(cell, "windows.yaml")
                elif t.strip():
                    self.derive(cell, f"{L.NUMBER}（guidebook 生成）")
            if entry.get("name") and entry.get("address") and entry.get("phone"):
                windows.append(entry)
        self.out.windows = {"title": self.titles.get("windows", L.WINDOWS), "windows": windows}
        for c, t in enumerate(b.rows[0] if b.rows else [], 1):
            if t.strip():
                self.derive(Block("para", f"{b.where}第 1 行第 {c} 列", t), "表头（guidebook 生成）", t)

    def power_list(self, b: Block) -> None:
        """The power list is made from the items; its names that differ from an item's title are kept
        (list_title) when the item is read."""
        self.list_titles, self.link_titles = {}, {}
        link = re.compile(rf"^{L.GUIDE_LINK}\s*(\d+)\s*[.．]\s*(.+)$")
        for r, row in enumerate(b.rows[1:], 2):
            number = next((int(t) for t in row if t.strip().isdigit()), None)
            names = [t.strip() for t in row if t.strip() and not t.strip().isdigit()]
            linked = [m for t in names if (m := link.match(t))]
            names = [t for t in names if not link.match(t)]
            if number is not None and names:
                self.list_titles[number] = names[-1]
            for m in linked:  # 业务指南 11.title: the item's title, without its subtitle
                self.link_titles[int(m.group(1))] = m.group(2).strip()
        for r, c, t in cells(b):
            self.derive(Block("para", f"{b.where}第 {r} 行第 {c} 列", t), f"{L.POWER_LIST}（guidebook 由事项生成）", t)

    def lists_table(self, b: Block, kind: str) -> None:
        """The 违规禁办 and 容缺办理 lists: rows whose matter may name its items "（见 7、8、9）"."""
        self.close(item=True)
        see = re.compile(r"[（(]见\s*([\d、,，\s]+)[）)]\s*$")

        def matter(text: str) -> tuple[str, list[int]]:
            text = re.sub(rf"^\s*[{CN_DIGITS}]+\s*、\s*", "", text.strip())
            m = see.search(text)
            numbers = [int(x) for x in re.findall(r"\d+", m.group(1))] if m else []
            return (text[:m.start()].strip() if m else text), numbers

        title = self.titles.get(kind, L.PROHIBITED if kind == "prohibited" else L.TOLERATED)
        entries: list[dict[str, Any]] = []
        for r, row in enumerate(b.rows[1:], 2):
            texts = [t.strip() for t in row]
            if kind == "prohibited" and len(texts) >= 2:
                if texts[0]:
                    name, items = matter(texts[0])
                    entries.append({"name": name, "items": items, "cases": []})
                if texts[1] and entries:
                    entries[-1]["cases"].append(re.sub(r"^\s*\d+\s*[.、]\s*", "", texts[1]))
            elif kind == "tolerated" and len(texts) >= 6:
                name, items = matter(texts[1])
                entries.append({"matter": name, "items": items,
                                "materials": [x.strip() for x in texts[2].splitlines() if x.strip()],
                                "method": texts[3], "source": texts[4], "deadline": texts[5]})
            for c, t in enumerate(texts, 1):
                if t:
                    cell = Block("para", f"{b.where}第 {r} 行第 {c} 列", t)
                    if kind == "tolerated" and c == 1 and t.isdigit():
                        self.derive(cell, f"{L.NUMBER}（guidebook 生成）")
                    else:
                        self.place(cell, f"{kind}.yaml")
        for c, t in enumerate(b.rows[0] if b.rows else [], 1):
            if t.strip():
                self.derive(Block("para", f"{b.where}第 1 行第 {c} 列", t), "表头（guidebook 生成）", t)
        if kind == "prohibited":
            self.out.prohibited = {"title": title, "groups": [e for e in entries if e["cases"]]}
        else:
            self.out.tolerated = {"title": title, "entries": entries}

    # -- closing a section, an item
    def close(self, item: bool = False) -> None:
        if self.open is not None:
            o, self.open = self.open, None
            READERS.get(o.key, read_fact)(self, o)
        if item and self.item is not None:
            self.item = self.proc = None


# -- the sections' readers: each fills its field of the procedure from the section's blocks ------------

def _lines(r: Reader, o: Open) -> list[tuple[Block, str]]:
    return [(b, b.text.strip()) for b in o.blocks if b.text.strip()]


def _field(r: Reader, o: Open) -> str:
    return f"{r.file(r.item)}: {o.key}"


def read_paragraphs(r: Reader, o: Open) -> None:
    key = "tips" if o.key == "tips" else "intro"
    for b, text in _lines(r, o):
        o.proc.setdefault(key, []).append(text)
        r.place(b, _field(r, o))
    for t in o.tables:
        for row, col, text in cells(t):
            o.proc.setdefault(key, []).append(text)
            r.place(Block("para", f"{t.where}第 {row} 行第 {col} 列", text), _field(r, o))


def read_numbered(r: Reader, o: Open) -> None:
    for b, text in _lines(r, o):
        o.proc.setdefault(o.key, []).extend(split_inline(text))
        r.place(b, _field(r, o))
    for t in o.tables:
        for row, col, text in cells(t):
            o.proc.setdefault(o.key, []).extend(split_inline(text))
            r.place(Block("para", f"{t.where}第 {row} 行第 {col} 列", text), _field(r, o))


def read_flow(r: Reader, o: Open) -> None:
    """The operation flow is drawn by guidebook from the item; a written flow is kept as its steps."""
    for b, text in _lines(r, o):
        arrows = FLOW_ARROWS.findall(text)
        if b.numbering or MARKER.match(text) or "→" in text or len(arrows) >= 2:
            # 申请→受理→审核, 申请—受理—审核—办结, 申请-->受理, ①申请②受理: one step between two arrows
            steps = [s.strip() for s in re.split(rf"{FLOW_ARROWS.pattern}|(?=[①-⑳])", text) if MARKER.sub("", s).strip()]
            o.proc.setdefault("flow", []).extend(MARKER.sub("", s).strip() for s in steps)
            r.place(b, f"{r.file(r.item)}: flow")
        else:
            r.unplace(b.where, text)



def read_time_limit(r: Reader, o: Open) -> None:
    texts = []
    kinds = "|".join(CHANNEL_KINDS)
    for b, text in _lines(r, o):
        m = re.match(rf"^\s*([①-⑳])\s*({kinds})\s*[:：]\s*(.+)$", text)
        channels = o.proc.get("channels", [])
        index = CIRCLED.index(m.group(1)) if m else -1
        if m and index < len(channels) and channels[index]["kind"] == m.group(2):
            channels[index]["time_limit"] = m.group(3).strip()
        else:
            texts.append(text)
        r.place(b, _field(r, o))
    if texts:
        o.proc["time_limit"] = "".join(texts) if len(texts) == 1 else "\n".join(texts)


def read_basis(r: Reader, o: Open) -> None:
    ranks = BasisRank.__args__  # type: ignore[attr-defined]
    for t in o.tables:
        for row_no, row in enumerate(t.rows, 1):
            texts = [x.strip() for x in row]
            if row_no == 1 and any("依据" in x or "名称" in x for x in texts):
                for c, x in enumerate(texts, 1):
                    if x:
                        r.derive(Block("para", f"{t.where}第 1 行第 {c} 列", x), "表头（guidebook 生成）")
                continue
            entry: dict[str, Any] = {"name": texts[0]} if texts and texts[0] else {}
            for x in texts[1:]:
                if x in ranks:
                    entry["rank"] = x
                elif x:
                    entry["article"] = (entry.get("article", "") + x)
            if entry:
                o.proc.setdefault("basis", []).append(entry)
            for c, x in enumerate(texts, 1):
                if x:
                    r.place(Block("para", f"{t.where}第 {row_no} 行第 {c} 列", x), _field(r, o))
    for b, text in _lines(r, o):
        for line in split_inline(text):
            m = re.match(r"^(.*?》)\s*(?:[（(](" + "|".join(ranks) + r")[）)])?\s*(.*)$", line)
            entry = {"name": m.group(1)} if m else {"name": line}
            if m and m.group(2):
                entry["rank"] = m.group(2)
            if m and m.group(3).strip():
                entry["article"] = m.group(3).strip()
            o.proc.setdefault("basis", []).append(entry)
        r.place(b, _field(r, o))


def read_faq(r: Reader, o: Open) -> None:
    pending: tuple[Block, str] | None = None
    for b, text in _lines(r, o):
        plain = unicodedata.normalize("NFKC", text)
        if re.match(r"^\s*(?:问|Q)\s*\d*\s*[:：]", plain):
            if pending:
                r.unplace(pending[0].where, pending[1])
            pending = (b, re.sub(r"^\s*(?:问|Q)\s*\d*\s*[:：]\s*", "", text))
        elif re.match(r"^\s*(?:答|A)\s*\d*\s*[:：]", plain) and pending:
            answer = re.sub(r"^\s*(?:答|A)\s*\d*\s*[:：]\s*", "", text)
            o.proc.setdefault("faq", []).append({"q": pending[1], "a": answer})
            r.place(pending[0], _field(r, o))
            r.place(b, _field(r, o))
            pending = None
        else:
            r.unplace(b.where, text)
    if pending:
        r.unplace(pending[0].where, pending[1])


def _material_table(r: Reader, o: Open, t: Block, m: dict[str, Any]) -> None:
    head = [re.sub(r"\s+", "", unicodedata.normalize("NFKC", c)) for c in t.rows[0]]
    cols = {k: next((i for i, h in enumerate(head) if any(w in h for w in words)), None) for k, words in {
        "name": (L.NAME, L.MATERIAL), "form": (*L.MATERIAL_FORMS, "形式", "类型"), "copies": (L.COPIES,),
        "issuer": ("出具", "提供单位", "来源"), "note": (L.REMARK, "说明", "要求"), "need": (NEEDED, "必须", "必要")}.items()}
    group = m.setdefault("items", [])
    for row_no, row in enumerate(t.rows, 1):
        texts = [x.strip() for x in row]
        norm = [re.sub(r"\s+", "", unicodedata.normalize("NFKC", x)) for x in texts]
        where = f"{t.where}第 {row_no} 行第 {{}} 列"
        if row_no == 1 or norm == head:  # the header, and its repetition on each page of a long table
            for c, x in enumerate(texts, 1):
                if x:
                    r.derive(Block("para", where.format(c), x), "表头（guidebook 生成）")
            continue
        name = texts[cols["name"]] if cols["name"] is not None and cols["name"] < len(texts) else ""
        if not name:
            for c, x in enumerate(texts, 1):
                if x:
                    r.unplace(where.format(c), x)
            continue
        entry = material(name)
        for key in ("form", "copies", "issuer", "note", "need"):
            i = cols[key]
            value = texts[i] if i is not None and i < len(texts) else ""
            if not value or i == cols["name"]:
                continue
            if key == "copies":
                digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value))
                if digits and 0 < int(digits) < 100:
                    entry["copies"] = int(digits)
                else:
                    entry["note"] = "；".join(filter(None, [entry.get("note"), value]))
            elif key == "need":
                entry["need"] = OPTIONAL if re.search(r"否|非|不", value) else LATER if "容缺" in value else NEEDED
            elif key == "issuer" and "来源" in head[i]:
                entry["source"] = value
            else:
                entry[key] = value
        group.append(entry)
        for c, x in enumerate(texts, 1):
            if x:
                target = _field(r, o) if c - 1 in cols.values() else f"{L.NUMBER}（guidebook 生成）"
                (r.place if c - 1 in cols.values() else r.derive)(Block("para", where.format(c), x), target)


def read_materials(r: Reader, o: Open) -> None:
    m: dict[str, Any] = {}
    if o.label != L.MATERIALS and o.label == "需提供要件":
        m["label"] = o.label
    groups: list[dict[str, Any]] = []
    current: list[dict[str, Any]] | None = None
    numbered = any(b.numbering for b in o.blocks)  # Word numbering: then only its lines are materials
    # nothing numbered at all (a 要素表's cell, a plain list): each line that is no label is a material
    listed = numbered or any(MARKER.match(t) or len(split_inline(t)) > 1 for _, t in _lines(r, o))
    kinds = [b.numbering for b in o.blocks if b.numbering]
    for b, text in _lines(r, o):
        plain = unicodedata.normalize("NFKC", text)
        last = current[-1] if current else None
        if NO_MATERIALS.match(plain) and not current:
            m["none"] = text
        elif NOTE_LINE.match(plain):
            m.setdefault("notes", []).append(text)
        elif last is not None and (b.depth > 0 or (b.numbering == "bullet" and set(kinds) != {"bullet"})):
            last.setdefault("details", []).append(text)
        elif b.numbering or (not numbered and (MARKER.match(text) or len(split_inline(text)) > 1)) or (
                not listed and not text.endswith(("：", ":"))):
            if current is None:
                current = []
                groups.append({"items": current})
            found = [material_of(b)] if b.numbering else [material(x) for x in split_inline(text)]
            for x in found:  # a form's file is not in the Word file: staff put it into source/forms/
                for key, word in (("blank_form", L.BLANK_FORM), ("sample", L.SAMPLE)):
                    if key in x:
                        r.unplace(b.where, f"{x['name']}：{word} {x.pop(key)}（把文件放入 source/forms/ 后，"
                                           f"写入这个材料的 {key}）")
            current.extend(found)
        elif text.endswith(("：", ":")) and (b.bold or (len(text) <= 16 and not re.search(r"[，,。]", text))):
            current = []
            groups.append({"name": text.rstrip("：:").strip(), "items": current})
        elif current:
            m.setdefault("notes", []).append(text)
        elif groups:
            groups[-1]["lead"] = text
        else:
            m["lead"] = text
        r.place(b, _field(r, o))
    for t in o.tables:
        _material_table(r, o, t, m)
    named = [g for g in groups if g.get("name")]
    if named or len(groups) > 1:
        m["groups"] = [g for g in groups if g["items"]]
    elif groups:
        m["items"] = [*m.get("items", []), *groups[0]["items"]]
    if not (m.get("items") or m.get("groups") or m.get("none")):
        m["none"] = "无"
        if not o.blocks and not o.tables:
            r.out.defects.append(f"{r.file(r.item)}：{o.label}下没有内容")
    o.proc["materials"] = m


def read_channels(r: Reader, o: Open) -> None:
    kinds = "|".join(CHANNEL_KINDS)
    channels: list[dict[str, Any]] = []
    loose: list[str] = []
    place = "地点" in o.label  # 办理地点（及时间）: a line with no kind word is a window's place
    for b, text in _lines(r, o):
        m = re.match(rf"^\s*(?:[①-⑳]|\d+[.、])?\s*({kinds})\s*[:：]?\s*(.*)$", text)
        if m:
            channels.append({"kind": m.group(1)})
            rest = m.group(2).strip()
            if rest:
                _channel_line(r, channels[-1], rest, b)
        elif OFFICE_HOURS.search(unicodedata.normalize("NFKC", text)) and not URL.search(text):
            service = o.proc.setdefault("service", {})  # 工作日上午 9:00-12:00 ...: 办理时间
            service["hours"] = "；".join(filter(None, [service.get("hours"), text]))
            r.place(b, f"{r.file(r.item)}: service.hours")
            continue
        elif place and not channels:
            channels.append({"kind": CHANNEL_KINDS[0], "text": text})
            _mentioned(channels[-1], text)
        elif channels:
            _channel_line(r, channels[-1], text, b)
        else:
            loose.append(text)
        r.place(b, _field(r, o))
    if loose:
        o.proc["route_note"] = "".join(loose)
    if channels:
        o.proc["channels"] = [c for c in channels if len(c) > 1] + \
            [{**c, "text": c["kind"]} for c in channels if len(c) == 1]


def _channel_line(r: Reader, ch: dict[str, Any], text: str, b: Block) -> None:
    link, printed = link_of(text)
    if printed:
        r.out.defects.append(f"{b.where}：{L.URL}“{printed}”没有 http:// 或 https://，导入为 {link['url']}")
    marker = re.match(r"^\s*[①-⑳]\s*", text)
    if marker:
        ch.setdefault("entries", []).append(text[marker.end():].strip())
        _mentioned(ch, text)
    elif link and " → " in text and URL.search(text.split(" → ")[0]):
        head, *path = text.split(" → ")
        _channel_line(r, ch, head, b)
        ch["path"] = [x.strip() for x in path if x.strip()]
    elif link and (link.get("name") or text.strip() == link.get("printed", link["url"])) and " → " not in text:
        ch.setdefault("links", []).append({k: v for k, v in link.items() if k != "printed"} | (
            {"printed": link["printed"], "note": "导入时补上了 http://"} if "printed" in link else {}))
    elif " → " in text and not link:
        ch["path"] = [p.strip() for p in text.split("→") if p.strip()]
    elif "text" not in ch:
        ch["text"] = text
        _mentioned(ch, text)
    else:
        ch["text"] += text
        _mentioned(ch, text)


def _mentioned(ch: dict[str, Any], text: str) -> None:
    """A web address written into a channel's text is one of its links (its name is not printed); written
    twice, with and without the slash that ends it (http://rst.ln.gov.cn, http://rst.ln.gov.cn/), it is one
    link, not two QR codes to the same page."""
    for m in URL.finditer(text):
        link, _ = link_of(m.group())
        if link and link["url"].rstrip("/") not in [x["url"].rstrip("/") for x in ch.get("links", [])]:
            ch.setdefault("links", []).append({"url": link["url"]})


def read_fact(r: Reader, o: Open) -> None:
    from guidebook.catalogue import phones
    from guidebook.catalogue.sections import fact

    f = fact(o.key)
    lines = _lines(r, o)
    value = "；".join(text for _, text in lines)
    item = r.item if r.item is not None else {}
    windows = (r.out.windows or {}).get("windows", [])
    if o.key == "phones" and _own_phones_line(value, item, windows):
        _link_windows(item, _windows_called(value, windows))
        for b, _ in lines:  # guidebook's 咨询电话 line: the numbers of the item's own texts, its windows' numbers,
            r.derive(b, L.PHONES)  # or where to find one
        return
    service = item.setdefault("service", {})
    ok: Any = value or None
    if o.key in ("phones", "complaint_phones") or (f and f.kind == "phones"):
        key = "consult_phones" if o.key == "phones" else "complaint_phones"
        found = _phones_of(value)
        ok = found or None
        if ok:
            service[key] = [*service.get(key, []), *found]
    elif f is None:
        ok = None
    elif f.kind == "choice":
        ok = value if value in f.choices else None
    elif f.kind == "choices":
        parts = [x.strip() for x in re.split(r"[、,，/；;]", value) if x.strip()]
        ok = parts if parts and all(x in f.choices for x in parts) else None
    elif f.kind == "count":
        digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value))
        ok = int(digits) if digits and len(digits) <= 2 else None
    if ok is not None and o.key not in ("phones", "complaint_phones"):
        service[o.key] = ok
    if not service:
        item.pop("service", None)
    for b, text in lines:
        if ok is not None:
            r.place(b, f"{r.file(r.item)}: service.{o.key}")
        else:
            r.unplace(b.where, f"{o.label}：{text}")


def _phones_of(value: str) -> list[str]:
    """The numbers of a 咨询电话 line: as phones in running text, else each piece that is a phone by itself
    (a bare 12333)."""
    from guidebook.catalogue import phones

    pieces = [x.strip() for x in re.split(r"[、,，;；\s]+", value) if x.strip()]
    return phones.in_text(value) or [x for x in pieces if phones.FIELD.match(x)]


def _own_phones_line(value: str, item: dict[str, Any], windows: list[dict[str, str]]) -> bool:
    """A 咨询电话 line guidebook prints itself: every number in it is written in the item's own texts already,
    it names windows of the windows table with their phones, or it says where the windows' phones are
    (L.PHONES_SEE)."""
    import json

    see = re.escape(L.PHONES_SEE).replace(re.escape("{title}"), ".+")
    if re.fullmatch(see, value.strip()):
        return True
    if _windows_called(value, windows):
        return True
    found = _phones_of(value)
    texts = json.dumps(item, ensure_ascii=False)
    return bool(found) and all(p in texts for p in found)


def _windows_called(value: str, windows: list[dict[str, str]]) -> list[str]:
    """The windows a 咨询电话 line names with their phones ("name phone；name phone", as guidebook prints the
    line of an item whose channels name windows and that has no number of its own), in order; [] when the
    line is anything else."""
    calls = {f"{w.get('name')} {w.get('phone')}": w.get("name") for w in windows}
    parts = [part.strip() for part in value.split("；")]
    return [calls[part] for part in parts] if parts and all(part in calls for part in parts) else []


def _link_windows(item: dict[str, Any], names: list[str]) -> None:
    """Give the windows a 咨询电话 line names back to the channel that names them: the item's first 窗口办
    channel (the only one a guide's windows belong to), unless a channel names windows already."""
    channels = item.get("channels") or []
    if not names or any(ch.get("windows") for ch in channels):
        return
    counter = next((ch for ch in channels if ch.get("kind") == CHANNEL_KINDS[0]), None)
    if counter is not None:
        counter["windows"] = list(names)


def read_service(r: Reader, o: Open) -> None:
    """基本信息: a table of 项目 | 内容 rows, or lines "事项类型：行政许可"."""
    for t in o.tables:
        r.elements_table(t)
    for b, text in _lines(r, o):
        key, word, rest = label_of(text)
        if key:
            read_fact(r, Open(key, o.proc, word, [Block("para", b.where, rest)]))
        else:
            r.unplace(b.where, text)


READERS = {"materials": read_materials, "channels": read_channels, "time_limit": read_time_limit,
           "tips": read_paragraphs, "intro": read_paragraphs, "conditions": read_numbered,
           "situations": read_numbered, "basis": read_basis, "faq": read_faq, "flow": read_flow,
           "service": read_service}


# -- finishing: defaults, validation, the files ---------------------------------------------------

def _one_or_list(values: list[str]) -> Any:
    return values[0] if len(values) == 1 else values


def _valid_item(out: Imported, item: dict[str, Any]) -> dict[str, Any]:
    """The item as the schema accepts it: a field it refuses is taken out and kept as unplaced text."""
    from pydantic import ValidationError

    from guidebook.catalogue import schema

    for _ in range(20):
        try:
            schema.Item.model_validate(item)
            return item
        except ValidationError as exc:
            key = next((e["loc"][0] for e in exc.errors() if e["loc"]), None)
            if key is None or key in ("number", "category", "title") or key not in item:
                raise
            value = item.pop(key)
            why = exc.errors()[0]["msg"]
            note = f"{key}（导入后不合格式：{why}）：{value}"
            item.setdefault("unplaced", []).append(note)
            out.defects.append(f"{item['number']:02d}.yaml 的 {key} 不合格式（{why}），已移入 unplaced")
    return item


def finish(r: Reader, name: str) -> Imported:
    """What the walk leaves to the end: the guide's part titles, the power list's names (list_title,
    subtitle), one-paragraph texts as texts; then the defaults and checks of `complete`."""
    out = r.out
    sections = {k: r.titles[k] for k in ("power_list", "guide") if k in r.titles}
    if sections:
        out.guide["sections"] = sections
    titles = getattr(r, "list_titles", {})
    for item in out.items:
        listed, linked = titles.get(item["number"]), getattr(r, "link_titles", {}).get(item["number"])
        for short in (linked, listed):
            if short and item["title"].startswith(short + "（") and item["title"].endswith("）"):
                item["title"], item["subtitle"] = short, item["title"][len(short) + 1:-1]  # 标题（副标题）
                break
        if listed and listed != item["title"]:
            item["list_title"] = listed
        for proc in [item, *item.get("procedures", [])]:
            for key in ("intro", "tips"):
                if key in proc:
                    proc[key] = _one_or_list(proc[key])
    complete(out)
    if "windows_heading" in r.titles:
        out.windows["heading"] = r.titles["windows_heading"]
    return out


def complete(out: Imported) -> Imported:
    """Defaults for what the source did not have (each a defect of the report), every item as the schema
    accepts it, and the phones of the wrong length."""
    import datetime as dt

    from guidebook.catalogue import phones

    g = out.guide
    for key, fallback, what in (("title", L.NEW_GUIDE_TITLE, "指南标题"), ("bureau", f"（请填写{L.BUREAU}）", L.BUREAU),
                                ("edition", dt.date.today().year, "版次（年份）")):
        if key not in g:
            g[key] = fallback
            out.defects.append(f"封面上没有找到{what}，暂用“{fallback}”，请在 guide.yaml 中改正")
    if not g.get("categories"):
        g["categories"] = [{"name": L.NEW_GUIDE_TITLE}]
    for item in out.items:
        _valid_item(out, item)
    if out.windows is None or not out.windows["windows"]:
        out.defects.append(f"没有找到服务窗口表（名称、地址、{L.PHONE}）：windows.yaml 中写了一个示例窗口，请改为本单位的窗口")
        out.windows = {"title": L.WINDOWS, "windows": [{"name": L.EXAMPLE_WINDOW, "address": L.EXAMPLE_ADDRESS,
                                                       "phone": "12333", "example": True}]}
    for t in [t for it in out.items for t in _all_texts(it)]:
        for bad in phones.suspicious(t):
            out.defects.append(f"{L.PHONE}“{bad}”位数不对：{t[:40]}…")
    return out


finish_json = complete


def _all_texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _all_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _all_texts(v)]
    return []


PROGRESS_EVERY = 25
SINGLE_TITLE = "（请填写事项名称）"


def import_docx(path, progress: Callable[[int, int], None] | None = None) -> Imported:
    """A Word guide read into a catalogue's data and its accounts; `progress(items, per cent)` is told how far
    the reading is, every PROGRESS_EVERY items (a long guide takes seconds)."""
    from guidebook.catalogue.docx_reader import read_docx

    reader = Reader(read_docx(path), progress)
    reader.run()
    return finish(reader, str(path))


REPORT_NAME = "导入报告.txt"
SCHEMA_LINE = "# yaml-language-server: $schema={up}schema/{kind}.schema.json\n"


def _yaml(data: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100000, default_flow_style=False)


def catalogue_files(out: Imported) -> dict[str, str]:
    """The new catalogue's files by path under source/, with their schema lines."""
    from guidebook.catalogue.exporting import json_schemas

    files = {"guide.yaml": SCHEMA_LINE.format(up="", kind="guide") + _yaml(out.guide),
             "windows.yaml": SCHEMA_LINE.format(up="", kind="windows") + _yaml(out.windows or {})}
    for kind in ("prohibited", "tolerated", "synonyms"):
        data = getattr(out, kind)
        if data and (data.get("groups") or data.get("entries") or data.get("words")):
            files[f"{kind}.yaml"] = SCHEMA_LINE.format(up="", kind=kind) + _yaml(data)
    for item in out.items:
        files[f"items/{item['number']:02d}.yaml"] = SCHEMA_LINE.format(up="../", kind="item") + _yaml(item)
    files.update({f"schema/{name}.schema.json": data for name, data in json_schemas().items()})
    return files


def report(out: Imported, name: str) -> str:
    """The import report, in Chinese, for the staff who check the result."""
    derived: dict[str, int] = {}
    for d in out.derived:
        derived[d.target] = derived.get(d.target, 0) + 1
    placed = {p.where for p in out.placed}
    unplaced = {u.where for u in out.unplaced} - placed
    made = {d.where for d in out.derived} - placed - unplaced
    partly = {u.where for u in out.unplaced} & placed
    lines = [f"导入报告：{name}", "",
             f"共 {len(out.items)} 个事项，{out.sections_placed()} 处内容归入字段。",
             f"原文 {out.sources} 段/格（不含空段）：{len(placed)} 段/格归入字段（其中 {len(partly)} 段有一部分未归入），"
             f"{len(unplaced)} 段/格未归入，{len(made)} 段/格是 guidebook 自己生成的内容（不导入）。", ""]
    if derived:
        lines += ["guidebook 自己生成、不导入的内容："] + [f"  - {k}：{n} 处" for k, n in derived.items()] + [""]
    if out.defects:
        lines += ["原文中的问题（请核对）："] + [f"  - {d}" for d in out.defects] + [""]
    if out.unplaced:
        lines += ["未归入字段的内容（保存在所在事项的 unplaced 中，guidebook check 会逐条提示，移到相应字段后删除）："]
        lines += [f"  - {u.target} {u.where}：{u.text}" for u in out.unplaced] + [""]
    return "\n".join(lines)


def write_import(out: Imported, folder, name: str) -> list:
    """Write the catalogue (folder/source/...) and the report; refused when the folder holds anything."""
    from pathlib import Path

    from guidebook.diagnostics import GuidebookError
    from guidebook.files import write_atomic

    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise GuidebookError(f"{folder}: already exists and is not empty; `guidebook import` only writes a new "
                             "folder (use --merge to compare with an existing catalogue)")
    written = []
    for rel, text in catalogue_files(out).items():
        write_atomic(folder / "source" / rel, text.encode("utf-8"))
        written.append(folder / "source" / rel)
    write_atomic(folder / REPORT_NAME, report(out, name).encode("utf-8"))
    written.append(folder / REPORT_NAME)
    return written
