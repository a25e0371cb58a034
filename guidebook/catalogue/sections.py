"""Catalogue stage: the sections of an item, each declared once.

A section is one numbered part of a procedure (1.1 需提供材料, 1.2 办理路径 ...) or a block of the whole
item (咨询电话). Its declaration says everything every output needs: the catalogue field that holds it,
its heading, its place (the order of SECTIONS), how its content is shown (its shape), which documents
show it, what shows when it is empty, and its priority on a one-page handout. The document model, the
document trees (and so the PDFs, the Word files, the site and the text extraction), the diff and the
editor's forms all read this list; adding a section is a schema field plus one line here.

Shapes:
- `materials`, `channels`, `time_limit`: the booklet's own structured parts (see guidebook.document.content);
- `paragraphs`: a list of texts, one paragraph each (温馨提示);
- `numbered`: a list of texts shown as a numbered list (①②③, as the booklet numbers its lists);
- `text`: one text, one paragraph;
- `phones`: the phone numbers the item's texts mention (an item-level block of the handout);
- `facts`: the item's 基本信息 (its `service` block), a table of the facts declared in FACTS, one row
  each (facts that share a row, such as the 法定 and 承诺 time limits, side by side in one row);
- `basis`: 设定依据, a table of the laws and rules (name, rank, article);
- `qa`: 常见问题, question and answer pairs;
- `windows`: the windows the item's channels name (办理窗口: name, address, phone), an item-level block;
- `flow`: the item's flowcharts (操作流程). The guide and the site draw each procedure's chart after its
  办理路径; a handout sets them beside its text, and is declared here for its priority: a handout with no
  room for them leaves them to the guide (a booklet's own long steps, written without the short labels a
  handout's chart shows).

A section of shape `paragraphs`, `numbered` or `text` needs nothing but its line here: its schema
field follows from it. The other shapes have their fields written in guidebook.catalogue.schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from guidebook.catalogue import labels as L

GUIDE, HANDOUT, SITE = "guide", "handout", "site"
SHAPES = ("materials", "channels", "time_limit", "paragraphs", "numbered", "text", "phones", "facts", "basis", "qa",
          "windows", "flow")


@dataclass(frozen=True)
class Section:
    key: str  # the field of a procedure (or, with scope "item", of the item) that holds the section
    label: str  # its heading, as the booklet prints it
    shape: str  # how its content is shown (SHAPES)
    documents: tuple[str, ...] = (GUIDE, HANDOUT, SITE)  # Word shows what its PDF shows
    priority: int = 50  # on a handout when space is short: the lowest is referred to the guide first
    empty: str | None = None  # the text shown when the field is present but empty; None: the section is left out
    scope: str = "procedure"  # procedure: a numbered part of each procedure; item: one block of the whole item
    before: bool = False  # an item block shown before the numbered parts (else after them)

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"section {self.key}: unknown shape {self.shape!r} (one of {', '.join(SHAPES)})")

    def shown_in(self, document: str) -> bool:
        return document in self.documents


SECTIONS: tuple[Section, ...] = (
    Section("service", L.SERVICE_INFO, "facts", priority=30, scope="item", before=True),
    Section("basis", L.BASIS, "basis", priority=20),
    Section("conditions", L.CONDITIONS, "numbered", priority=60),
    Section("situations", L.SITUATIONS, "numbered", priority=35),
    Section("materials", L.MATERIALS, "materials", priority=100),
    Section("channels", L.CHANNELS, "channels", priority=90),
    Section("time_limit", L.TIME_LIMIT, "time_limit", priority=80),
    Section("tips", L.TIPS, "paragraphs", priority=40),
    Section("faq", L.FAQ, "qa", priority=25),
    Section("where", L.WHERE, "windows", documents=(HANDOUT, SITE), priority=38, scope="item"),
    Section("phones", L.PHONES, "phones", priority=70, scope="item"),
    Section("flow", L.FLOW, "flow", documents=(HANDOUT,), priority=45, scope="item"),
)


@dataclass(frozen=True)
class Fact:
    """One fact of an item's 基本信息 (a field of its `service` block) and how it is shown.

    kind: text (one text), choice (one of `choices`), choices (several of them, joined by 、), count (a
    whole number, printed with `unit`), phones (phone numbers). `row`: facts with the same row label are
    shown side by side in one row ("法定：60 个工作日；承诺：8 个工作日"); by default a fact has its own row."""

    key: str
    label: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    row: str = ""
    unit: str = ""
    short: str = ""  # its name inside a shared row (法定 beside 承诺)

    @property
    def row_label(self) -> str:
        return self.row or self.label


ITEM_TYPES = ("行政许可", "行政处罚", "行政强制", "行政征收", "行政给付", "行政检查", "行政确认", "行政奖励",
              "行政裁决", "行政备案", "其他行政权力", "公共服务")

# The facts of 基本信息, in the order the table shows them (the elements of GB/T 39046-2020's item data
# set that real 办事指南 print; see docs/catalogue.md).
FACTS: tuple[Fact, ...] = (
    Fact("type", "事项类型", "choice", ITEM_TYPES),
    Fact("code", "基本编码", row="事项编码"),
    Fact("implementation_code", "实施编码", row="事项编码"),
    Fact("subject", "实施主体"),
    Fact("handling_body", "承办机构"),
    Fact("joint_bodies", "共同实施部门"),
    Fact("audience", "服务对象", "choices", ("自然人", "法人", "其他组织")),
    Fact("handling_type", "办件类型", "choice", ("即办件", "承诺件")),
    Fact("legal_time_limit", "法定办结时限", row="办结时限", short="法定"),
    Fact("promised_time_limit", "承诺办结时限", row="办结时限", short="承诺"),
    Fact("visits", "到现场次数", "count", unit="次"),
    Fact("fee", "是否收费", row="收费", short="是否收费"),
    Fact("fee_standard", "收费标准", row="收费", short="标准"),
    Fact("fee_basis", "收费依据", row="收费", short="依据"),
    Fact("result", "办理结果", row="办理结果", short="名称"),
    Fact("result_kind", "结果类型", "choice", ("证照", "批文", "其他"), row="办理结果", short="类型"),
    Fact("result_sample", "结果样本", row="办理结果", short="样本"),
    Fact("coverage", "通办范围"),
    Fact("appointment", "预约办理"),
    Fact("delivery", "结果送达"),
    Fact("progress", "办理进度查询"),
    Fact("place", "办理地点"),
    Fact("hours", "办理时间"),
    Fact("complaint_phones", "监督投诉电话", "phones"),
)


def procedure_sections() -> list[Section]:
    return [s for s in SECTIONS if s.scope == "procedure"]


def item_sections() -> list[Section]:
    return [s for s in SECTIONS if s.scope == "item"]


def fact(key: str) -> Fact | None:
    return next((f for f in FACTS if f.key == key), None)


def section(key: str) -> Section:
    return next(s for s in SECTIONS if s.key == key)


BOOKLET_SECTIONS = ("materials", "channels", "time_limit", "tips", "phones", "where", "flow")  # every item of the seed has


def elements_used(items) -> list[tuple[str, int]]:
    """The optional elements a catalogue uses: (heading, number of items that give it), in their order."""
    out = []
    for sec in SECTIONS:
        if sec.key in BOOKLET_SECTIONS:
            continue
        n = sum(1 for it in items if any(getattr(p, sec.key, None) for p in [it, *it.procedures]))
        if n:
            out.append((sec.label, n))
    return out
