"""Schema stage: typed models of the catalogue files (what a valid source/ folder may contain)."""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Annotated, Any, ClassVar, Literal

# The catalogue's models use no Pydantic plugins; without this, defining them scans the metadata of
# every installed distribution for plugins (about 20 ms of every command's start).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from pydantic import (  # noqa: E402
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    model_validator,
)

MAX_TEXT = 4000  # characters in one field; the longest paragraph of the seed has about 400

URL_RE = re.compile(
    r"^https?://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)"
    r"(?::(?P<port>\d{1,5}))?(?P<rest>[/?#][\x21-\x7e]*)?$"
)
from guidebook.catalogue.phones import FIELD as PHONE_RE  # noqa: E402  (one definition of a phone number)


# Every URL becomes a QR code on the handouts, printed --qr-size wide (26 mm). Past version 10 (57
# modules) its modules get smaller than 0.4 mm, which phone cameras at reading distance stop resolving;
# version 10 at error correction M holds 213 bytes.
QR_MAX_URL = 213
SITE_PAGE_RESERVE = len("items/9999.html")  # what the web edition appends to site.base_url


class Problem(ValueError):
    """A validator's refusal, worded for the terminal and, in `zh`, for staff in the editor."""

    def __init__(self, message: str, zh: str):
        super().__init__(message)
        self.zh = zh


def _check_url(value: str, limit: int = QR_MAX_URL) -> str:
    if not URL_RE.match(value):
        raise Problem(f'not a URL: "{value}" (expected http:// or https:// and a host name)',
                      "不是有效的网址：应以 http:// 或 https:// 开头，后面是网站的域名")
    if len(value) > limit:
        raise Problem(f"URL too long for a QR code ({len(value):,} characters; a code printed 26 mm wide stays "
                      f"readable up to {limit})", f"网址太长（{len(value):,} 个字符），印成二维码后扫不出来：最多 {limit} 个字符")
    return value


def _check_base_url(value: str) -> str:
    return _check_url(value, QR_MAX_URL - SITE_PAGE_RESERVE)


def _check_phone(value: str) -> str:
    if not PHONE_RE.match(value):
        raise Problem(f'not a phone number: "{value}" (expected e.g. 024-53997880, 18841345104 or 12333)',
                      "不是有效的电话号码（例如 024-53997880、18841345104 或 12333）")
    return value


def _number_to_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
Url = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_url)]
Phone = Annotated[
    str, BeforeValidator(_number_to_text), StringConstraints(strip_whitespace=True), AfterValidator(_check_phone)
]
Paragraphs = Annotated[list[Text], BeforeValidator(_one_or_many)]

ChannelKind = Literal["窗口办", "网上办", "掌上办", "自助办", "银行办", "电话办", "邮寄办"]
CHANNEL_KINDS: tuple[str, ...] = ChannelKind.__args__  # type: ignore[attr-defined]
ONLINE_KINDS = ("网上办", "掌上办")

from guidebook.catalogue.sections import FACTS, ITEM_TYPES  # noqa: E402

ItemType = Literal[ITEM_TYPES]  # type: ignore[valid-type]
BasisRank = Literal["法律", "行政法规", "部门规章", "地方性法规", "地方政府规章", "规范性文件", "其他"]
MaterialNeed = Literal["必需", "非必需", "容缺后补"]
NEEDED = MaterialNeed.__args__[0]  # type: ignore[attr-defined]  # the default: not printed
FORMS_DIR = "forms"  # source/forms/: blank forms and filled-in samples, offered as downloads


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Link(Strict):
    """An online entry point (a website or platform) that a citizen can open."""

    name: Text | None = Field(None, description="Name of the platform or site, e.g. 辽宁政务服务网")
    url: Url = Field(description="Full URL with http:// or https://; this is what the QR code opens")
    printed: Text | None = Field(
        None,
        description="The address exactly as the booklet prints it, when it differs from `url` "
        "(a bare domain without scheme, or a corrected typo; a correction also needs `note`)",
    )
    note: Text | None = Field(None, description="Why `url` differs from `printed` (a recorded correction)")


def _check_form_file(value: str) -> str:
    parts = value.replace("\\", "/").split("/")
    if value.startswith("/") or ".." in parts or ":" in value:
        raise Problem(f'"{value}": name a file under source/forms/ by its path there, e.g. 申请表.docx',
                      "请填写 source/forms/ 下的文件名，例如 申请表.docx")
    return "/".join(p for p in parts if p)


FormFile = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                     AfterValidator(_check_form_file)]


class BasisEntry(Strict):
    """One law or rule a service rests on (设定依据)."""

    name: Text = Field(description="The law or rule, e.g. 《中华人民共和国社会保险法》")
    rank: BasisRank | None = Field(None, description="层级: 法律, 行政法规, 部门规章, 地方性法规 ...")
    article: Text | None = Field(None, description="The article cited, e.g. 第四十五条")


class Question(Strict):
    """One of the 常见问题: a question and its answer."""

    q: Text = Field(description="问")
    a: Text = Field(description="答")


class Material(Strict):
    """One document or item the applicant brings."""

    name: Text = Field(description="The material as the booklet names it, e.g. 《劳动合同》")
    form: Text | None = Field(None, description="原件, 复印件, 原件及复印件, 验原件 ...")
    copies: int | None = Field(None, ge=1, le=99, description="份数")
    source: Text | None = Field(None, description="资料来源, e.g. 申请人自备")
    note: Text | None = Field(None, description="Further conditions printed with the material")
    details: list[Text] = Field(default_factory=list, description="Sub-points listed under the material")
    need: MaterialNeed | None = Field(None, description="必需 / 非必需 / 容缺后补 (printed when not 必需)")
    issuer: Text | None = Field(None, description="出具单位: the body that issues the material")
    originals: int | None = Field(None, ge=0, le=99, description="number of originals")
    photocopies: int | None = Field(None, ge=0, le=99, description="number of photocopies")
    shared: bool = Field(False, description="免提交: obtained by data sharing, the applicant brings nothing")
    blank_form: FormFile | None = Field(None, description="空白表格: a file under source/forms/")
    sample: FormFile | None = Field(None, description="填写样表: a file under source/forms/")


class MaterialGroup(Strict):
    """Materials for one applicant type or case (企业职工, 职工增加, 在职人员 ...)."""

    name: Text | None = None
    lead: Text | None = Field(None, description="Text printed before the list")
    items: list[Material] = Field(min_length=1)


class Materials(Strict):
    """The 需提供材料 part of an item."""

    SHAPES: ClassVar[tuple[str, ...]] = ("items", "groups", "none")  # exactly one of them: the editor shows it as one choice
    model_config = ConfigDict(json_schema_extra={"x-one-of": ["items", "groups", "none"]})

    label: Text = Field("需提供材料", description="Heading as the booklet prints it (需提供材料 or 需提供要件)")
    lead: Text | None = Field(None, description="Text printed before the list")
    items: list[Material] = Field(default_factory=list, description="Materials when not grouped")
    groups: list[MaterialGroup] = Field(default_factory=list, description="Materials grouped by applicant")
    none: Text | None = Field(None, description="Text printed when no material is needed, e.g. 无")
    notes: list[Text] = Field(default_factory=list, description="注: lines printed after the list")

    @model_validator(mode="after")
    def _one_form(self) -> "Materials":
        used = [k for k in self.SHAPES if getattr(self, k)]
        if len(used) != 1:
            raise Problem("give exactly one of `items`, `groups` or `none`",
                          "请在“材料的写法”中选一种并填写：逐项列出的条目、按申请人分组的条目，或无需材料的说明")
        return self


class Channel(Strict):
    """One way to apply: at a window, online, on a phone app, at a kiosk, at a bank ..."""

    kind: ChannelKind
    text: Text | None = Field(None, description="Where or how, as the booklet words it")
    entries: list[Text] = Field(default_factory=list, description="Numbered places or steps (①②③)")
    links: list[Link] = Field(default_factory=list, description="Websites; each gets a QR code on the handout")
    path: list[Text] = Field(
        default_factory=list, description="Navigation path in an app or site, printed joined by →"
    )
    time_limit: Text | None = Field(None, description="Time limit of this channel when it differs by channel")
    windows: list[Text] = Field(default_factory=list, description="The windows of windows.yaml (by name) where "
                                "this channel's text sends citizens; the handout and the site print their addresses "
                                "and phones")

    @model_validator(mode="after")
    def _not_empty(self) -> "Channel":
        if not (self.text or self.entries or self.links or self.path):
            raise Problem("a channel needs at least one of `text`, `entries`, `links` or `path`",
                          "每个办理渠道至少要填写说明、条目、网址或 App 路径中的一项")
        return self


class FlowStep(Strict):
    """One step of an operation flow. A plain string in YAML is a `step`."""

    step: Text | None = Field(None, description="A process step (rectangle)")
    decide: Text | None = Field(None, description="A decision (diamond); the flow goes on along `yes`")
    yes: Text = Field("是", description="Label of the exit that continues the flow")
    no: Text = Field("否", description="Label of the other exit")
    no_end: Text | None = Field(None, description="Where the other exit ends (required with `decide`)")
    short: Text | None = Field(None, description="A short label for compact flowcharts (handouts)")

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        return {"step": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _shape(self) -> "FlowStep":
        if bool(self.step) == bool(self.decide):
            raise Problem("a flow step is either a `step` or a `decide`", "每个流程步骤要么是步骤，要么是判断")
        if self.decide and not self.no_end:
            raise Problem("a `decide` step needs `no_end`: where its other exit leads", "判断步骤需要填写“否则”的去向")
        return self


class Procedure(Strict):
    """The parts every procedure has: introduction, materials, channels, time limit, tips, flow."""

    intro: Paragraphs = Field(default_factory=list, description="Introduction / legal basis paragraphs")
    materials: Materials | None = None
    channels: list[Channel] = Field(default_factory=list)
    route_note: Text | None = Field(
        None, description="办理路径 text for procedures that need no application (e.g. 符合条件自动发放，无需办理。)"
    )
    time_limit: Text | None = Field(None, description="办理时限 as the booklet words it")
    tips: Paragraphs = Field(default_factory=list, description="温馨提示 paragraphs")
    flow: list[FlowStep] | None = Field(
        None, description="Operation flow steps where the booklet states them; otherwise a standard flow is drawn"
    )
    basis: list[BasisEntry] = Field(default_factory=list, description="设定依据")
    faq: list[Question] = Field(default_factory=list, description="常见问题")


def _section_fields() -> dict[str, Any]:
    """Fields of the sections declared in guidebook.catalogue.sections that have none above: a section
    of a simple shape is declared once, there, and its field follows."""
    from guidebook.catalogue.sections import procedure_sections

    kinds = {"paragraphs": (Paragraphs, Field(default_factory=list)), "numbered": (Paragraphs, Field(default_factory=list)),
             "text": (Text | None, Field(None))}
    out = {}
    for s in procedure_sections():
        if s.key not in Procedure.model_fields:
            if s.shape not in kinds:
                raise TypeError(f"section {s.key}: a {s.shape} section needs its field written in the schema")
            kind, info = kinds[s.shape]
            info.description = s.label
            out[s.key] = (kind, info)
    return out


_DECLARED = _section_fields()
if _DECLARED:
    Procedure = create_model("Procedure", __base__=Procedure, __doc__=Procedure.__doc__,  # type: ignore[misc]
                             __module__=__name__, **_DECLARED)


class SubProcedure(Procedure):  # type: ignore[valid-type,misc]
    """A sub-procedure with its own parts (item 8 has 8.1 and 8.2)."""

    title: Text
    flags: list[Text] = Field(default_factory=list)


class _ServiceBase(Strict):
    """An item's 基本信息: the optional elements of GB/T 39046-2020 (政务服务平台基础数据规范) that real
    办事指南 print, one field per fact declared in guidebook.catalogue.sections.FACTS; empty where the
    booklet says nothing."""

    consult_phones: list[Phone] = Field(default_factory=list, description="咨询电话 (printed under 咨询电话)")


def _fact_fields() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in FACTS:
        if f.kind == "choice":
            kind: Any = Literal[f.choices]  # type: ignore[valid-type]
            out[f.key] = (kind | None, Field(None, description=f.label))
        elif f.kind == "choices":
            kind = Literal[f.choices]  # type: ignore[valid-type]
            out[f.key] = (Annotated[list[kind], BeforeValidator(_one_or_many)],
                          Field(default_factory=list, description=f.label))
        elif f.kind == "count":
            out[f.key] = (int | None, Field(None, ge=0, le=99, description=f.label))
        elif f.kind == "phones":
            out[f.key] = (list[Phone], Field(default_factory=list, description=f.label))
        else:
            out[f.key] = (Text | None, Field(None, description=f.label))
    return out


ServiceInfo = create_model("ServiceInfo", __base__=_ServiceBase, __doc__=_ServiceBase.__doc__,
                           __module__=__name__, **_fact_fields())


class Item(Procedure):
    """One service of the catalogue (one file under source/items/)."""

    number: int = Field(ge=1, le=9999, description="序号 in the booklet")
    category: Text = Field(description="Name of the category in guide.yaml")
    title: Text = Field(description="Title as the guide heads the item")
    subtitle: Text | None = Field(None, description="Parenthesised addition to the heading")
    list_title: Text | None = Field(None, description="Name in the power-items list, where it differs from title")
    flowchart_caption: Text | None = Field(None, description="Caption printed under the 操作流程 chart")
    procedures: list[SubProcedure] = Field(default_factory=list, description="Sub-procedures (8.1, 8.2 ...)")
    service: ServiceInfo | None = None
    flags: list[Text] = Field(default_factory=list, description="Recorded inconsistencies or typos of the source")
    example: bool = Field(False, description="示例：由 guidebook init 写入，改成本单位的真实事项后删除这一行")
    unplaced: list[Text] = Field(default_factory=list, description="Text an import could not place in a field, with its place in the source document; move it and delete the line")


class Category(Strict):
    name: Text


GuidePart = Literal["power_list", "windows", "guide", "prohibited", "tolerated"]
GUIDE_PARTS: tuple[str, ...] = GuidePart.__args__  # type: ignore[attr-defined]


class SectionTitles(Strict):
    contents: Text = "目 录"
    power_list: Text = "人社权力事项清单"
    guide: Text = "合规办事业务指南"
    order: list[GuidePart] = Field(
        default_factory=lambda: list(GUIDE_PARTS),
        description="The guide's parts, in their order: power_list (the power list), windows, guide (the items), "
        "prohibited, tolerated; a part left out is in no output (the items' part must stay)")

    @model_validator(mode="after")
    def _parts(self) -> "SectionTitles":
        if "guide" not in self.order:
            raise Problem("`order` must keep `guide`: the items' part", "各部分顺序中必须保留 guide（事项部分）")
        twice = sorted({p for p in self.order if self.order.count(p) > 1})
        if twice:
            raise Problem(f"`order` names {', '.join(twice)} twice", f"各部分顺序中 {'、'.join(twice)} 写了两次")
        return self


class SearchWord(Strict):
    """A word citizens search with, and the guide's words it means."""

    say: Text = Field(description="The citizen's word, e.g. 失业金")
    means: Annotated[list[Text], BeforeValidator(_one_or_many)] = Field(
        min_length=1, description="The guide's words, e.g. 失业保险金")


class SiteInfo(Strict):
    """The web edition's settings (guidebook build writes output/site/)."""

    base_url: Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_base_url)] | None = Field(
        None, description="Where output/site/ is published, e.g. https://rsj.fushun.gov.cn/guide/. When set, "
        "every handout carries a QR code to its item's page and the guide's back cover one to the index.")


class GuideInfo(Strict):
    """source/guide.yaml: the booklet's title page data and its categories."""

    title: Text
    bureau: Text
    edition: int = Field(ge=1900, le=2200, description="Edition year")
    edition_date: dt.date | None = Field(None, description="Date the edition was started")
    compare_with: int | None = Field(
        None, ge=1900, le=2200, description="The archived edition (editions/<year>) whose changes the guide's "
        "本版主要变化 page lists; set by `guidebook edition new`")
    slogans: list[Text] = Field(default_factory=list)
    sections: SectionTitles = Field(default_factory=SectionTitles)
    categories: list[Category] = Field(min_length=1)
    site: SiteInfo = Field(default_factory=SiteInfo)
    flags: list[Text] = Field(default_factory=list)
    unplaced: list[Text] = Field(default_factory=list, description="Text an import could not place in a field, with its place in the source document; move it and delete the line")


class Window(Strict):
    name: Text
    address: Text
    phone: Phone
    hours: Text | None = None
    flags: list[Text] = Field(default_factory=list)
    example: bool = Field(False, description="示例：由 guidebook init 写入，改成本单位的真实窗口后删除这一行")


class WindowsFile(Strict):
    """source/windows.yaml: the service windows (办事不找关系路径)."""

    title: Text = Field(description="Section title, as in the table of contents")
    heading: Text | None = Field(None, description="Heading of the table, where it differs from title")
    windows: list[Window] = Field(min_length=1)


class ProhibitedGroup(Strict):
    name: Text = Field(description="禁办事项")
    items: list[int] = Field(default_factory=list, description="Numbers of the items this group concerns")
    cases: list[Text] = Field(min_length=1, description="禁办情形")


class ProhibitedFile(Strict):
    """source/prohibited.yaml: 违规禁办事项清单."""

    title: Text
    groups: list[ProhibitedGroup] = Field(min_length=1)


class ToleratedEntry(Strict):
    matter: Text = Field(description="业务事项")
    items: list[int] = Field(default_factory=list, description="Numbers of the items this entry concerns")
    materials: list[Text] = Field(min_length=1, description="可容缺资料")
    method: Text = Field(description="后补方式")
    source: Text = Field(description="资料来源")
    deadline: Text = Field(description="补齐时间")


class SynonymsFile(Strict):
    """source/synonyms.yaml (optional): the words citizens search the web edition with, and the guide's words
    they mean. The site's search looks for both; nothing of it is printed."""

    words: list[SearchWord] = Field(
        default_factory=list, description="群众的说法和指南里的词（say: 失业金, means: [失业保险金]）：网页版搜索时两个都找")


class ToleratedFile(Strict):
    """source/tolerated.yaml: 容缺办理事项清单."""

    title: Text
    entries: list[ToleratedEntry] = Field(min_length=1)


FILE_MODELS: dict[str, type[Strict]] = {
    "guide": GuideInfo,
    "item": Item,
    "windows": WindowsFile,
    "prohibited": ProhibitedFile,
    "tolerated": ToleratedFile,
    "synonyms": SynonymsFile,
}
