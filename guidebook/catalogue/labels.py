"""Catalogue stage: the labels catalogue, every Chinese string that more than one place shows, written once.

Documents (guide, handouts, site, Word, the change table), the diff, the editor and the checker read
their labels here; the sections of an item are declared with their own labels in
`guidebook.catalogue.sections`. A string that only one module shows may stay in that module; a test
(tests/unit/test_labels.py) fails when a Chinese string appears in two files outside these two.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- the parts of an item, as the booklet heads them -----------------------------------------------
MATERIALS = "需提供材料"
CHANNELS = "办理路径"
TIME_LIMIT = "办理时限"
TIPS = "温馨提示"
SERVICE_INFO = "基本信息"
BASIS = "设定依据"
CONDITIONS = "受理条件"
SITUATIONS = "适用情形"
FAQ = "常见问题"
FLOW = "操作流程"
PHONES = "咨询电话"
WHERE = "办理窗口"
SEARCH_WORDS = "搜索用词"
# File problems, as the checker and the editor word them for staff.
NOT_UTF8 = "文件不是 UTF-8 编码的文本"
CANNOT_READ = "无法读取文件（{why}）"
YAML_ERROR = "YAML 格式错误：{what}"
# The one-page check, as the preview and the editor tell it.
ONE_PAGE_FAILS = "未通过一页检查："
COVERS = "{a} 盖住了 {b}"
COVERS_FIX = "请修改版式（背景、位置或大小），不要让方框盖住文字或图形"
OVERFLOWS = "用最小字号（10.5 磅）{without}仍排不进一页，超出约 {mm} 毫米（共 {pages} 页）：请精简内容或修改版式"
GUIDE_SUFFIXES = ("办事指南", "服务指南", "办理指南", "指南")  # the heading of one item's guide: 失业保险金申领办事指南
WHERE_SEE = "本页未印办理窗口的地址和电话，见《{title}》"
PHONES_SEE = "各窗口电话见《{title}》"
SOURCE = "资料来源"
ISSUER = "出具单位"
SHARED = "免提交（部门共享获取）"
BLANK_FORM = "空白表格"
SAMPLE = "填写样表"
ORIGINALS = "原件 {n} 份"
COPIES = "份数"
RANK = "层级"
ADDRESS = "地址"
OFFICE_HOURS = "办公时间"
REMARK = "备注"
BUREAU = "发布单位"
WINDOW = "窗口"
FLOW_START = "开始"
# The flowchart's own words (guidebook.document.flow); its Word version writes a decision as
# "N. 审核？通过：继续；不通过：终止" (the importer reads flows back in that form).
FLOW_END = "办结"
FLOW_CHOOSE = "选择办理方式"
FLOW_ACCEPT = "受理、办理"
FLOW_GO_ON = "继续"
# How a material's form is written (the importer reads these at the end of a material's line).
MATERIAL_FORMS = ("原件及复印件", "原件和复印件", "原件、复印件", "原件", "复印件", "验原件", "扫描件", "电子版")
PHOTOCOPIES = "复印件 {n} 份"
FACT = "项目"
HOURS = "办理时间"
UNPLACED = "未归入的原文"
QUESTION = "问"
ANSWER = "答"
QR = "扫码办理"
QR_CODE = "二维码"
GUIDE_LINK = "业务指南"
ONLINE_ITEM = "扫码查看本事项在线版"
ONLINE_GUIDE = "扫码查看在线版"
HANDOUT = "一次性告知单"
# A handout without room for all its sections names those it leaves to the guide and the site.
REFERRED = "本页未印：{sections}，详见《{title}》第 {item} 项"
REFERRED_ONLINE = "，或扫码查看本事项在线版"

# -- the files and sections of a catalogue -------------------------------------------------------
ITEM = "事项"
NUMBER = "序号"
TITLE = "标题"
CATEGORY = "类别"
CATEGORIES = "事项类别"
WINDOWS = "服务窗口"
POWER_LIST = "人社权力事项清单"
PROHIBITED = "违规禁办事项清单"
TOLERATED = "容缺办理事项清单"
CHANGES = "本版主要变化"
SINCE_EDITION = "与{year}年版相比"
SINCE_BEFORE = "与此前版本相比"
GUIDE_INFO = "封面与版次"
NO_MATERIALS = "无需材料"
PHONE = "电话"
CONTACT_PHONE = "联系电话"
DELETE = "删除"
CONTENT = "内容"
NAME = "名称"
OTHERWISE = "否则"
URL = "网址"
NO_SUCH_FILE = "没有这个文件"
MATERIAL = "材料"
NEAR = "相近"  # a near spelling, in `guidebook list`

# -- the change table (本版主要变化, `guidebook diff`) ------------------------------------------------
CHANGE_KIND = "变化"
CHANGE_FIELD = "字段"
OLD = "原内容"
NEW = "新内容"
CHANGE_COUNT = "共 {n} 处变化"
CHANGE_KINDS = {"added": "新增", "removed": DELETE, "changed": "修改", "renamed": "更名", "renumbered": "序号变更"}

# The labels templates print themselves (as `L`); the document trees hold all the others.
TEMPLATE = {"flow": FLOW, "qr": QR, "phones": PHONES, "changes": CHANGES, "guide_link": GUIDE_LINK,
            "change_count": CHANGE_COUNT}

# -- the guide's tables: one column each (heading as the booklet prints it, role = the PDF's CSS class,
# relative width for writers that set widths themselves: Word; the PDF's widths come from guide.css) ---
MATTER_PROHIBITED = "禁办事项"
CASES = "禁办情形"
MATTER = "业务事项"
TOLERATED_MATERIALS = "可容缺资料"
METHOD = "后补方式"
DEADLINE = "补齐时间"
TABLES = {
    "change_report": [(CHANGE_KIND, "c-kind", 12), (CHANGE_FIELD, "c-field", 16), (OLD, "old", 48), (NEW, "new", 48)],
    "changes": [(ITEM, "c-scope", 40), (CHANGE_KIND, "c-kind", 12), (CHANGE_FIELD, "c-label", 20), (OLD, "", 50),
                (NEW, "", 50)],
    "power_list": [(CATEGORIES, "c-cat", 30), (NUMBER, "c-no", 12), (ITEM, "", 60), ("页码", "c-page", 13),
                   (FLOW, "c-flow", 48)],
    "windows": [(NUMBER, "c-no", 12), ("机构名称", "", 62), ("地　址", "", 60), (CONTACT_PHONE, "c-phone", 30)],
    "windows_hours": [(NUMBER, "c-no", 12), ("机构名称", "", 52), ("地　址", "", 52), (CONTACT_PHONE, "c-phone", 30),
                      (HOURS, "c-hours", 30)],
    "facts": [(FACT, "c-fact", 30), (CONTENT, "", 120)],
    "basis": [("依据名称", "", 80), ("层级", "c-rank", 24), ("条款", "", 50)],
    "prohibited": [(MATTER_PROHIBITED, "c-matter", 60), (CASES, "", 110)],
    "tolerated": [(NUMBER, "c-no", 12), (MATTER, "", 40), (TOLERATED_MATERIALS, "", 50), (METHOD, "", 22),
                  (SOURCE, "", 30), (DEADLINE, "", 20)],
}


# -- the catalogue's fields: what the editor's forms and the diff call them -----------------------

@dataclass(frozen=True)
class FieldLabel:
    label: str  # the field's name (the diff's 字段 column, the form's label)
    help: str = ""  # what the editor adds under the label


def _f(label: str, help: str = "") -> FieldLabel:
    return FieldLabel(label, help)


FIELDS: dict[str, FieldLabel] = {
    "number": _f(NUMBER), "category": _f(CATEGORY), "title": _f(TITLE), "subtitle": _f("副标题"),
    "list_title": _f("清单名称", f"在{POWER_LIST}中的名称，与标题不同时填写"),
    "flowchart_caption": _f("流程图标题"), "intro": _f("事项说明", "依据和适用范围"),
    "label": _f(TITLE, f"如 {MATERIALS}、需提供要件"), "lead": _f("说明", "列表前的说明"), "items": _f("条目"),
    "groups": _f("分组", "按申请人分组"), "none": _f(NO_MATERIALS, "无需材料时印的说明，如“无”"),
    "notes": _f("备注", "列表后的注"), "name": _f(NAME), "form": _f("原件/复印件"), "copies": _f(COPIES),
    "source": _f(SOURCE), "note": _f("说明"), "details": _f("细则"), "kind": _f("渠道"), "text": _f("说明"),
    "entries": _f("条目", "①②③"), "links": _f(URL), "url": _f(URL), "printed": _f("手册印的写法"),
    "path": _f("App 路径", "每级一行"), "route_note": _f(CHANNELS, "无需申请时的说明"),
    "flow": _f(FLOW, "流程图的步骤"), "step": _f("步骤"), "decide": _f("判断"), "yes": _f("是", "“是”出口"),
    "no": _f("否", "“否”出口"), "no_end": _f(OTHERWISE, "“否”出口的去向"), "short": _f("简称", "告知单流程图用"),
    "procedures": _f("子事项", "如 8.1、8.2"), "service": _f(SERVICE_INFO, "政务服务标准信息（事项类型、实施主体、办结时限、收费 ...），可不填"),
    "code": _f("事项编码"), "type": _f("事项类型"), "legal_time_limit": _f("法定办结时限"),
    "promised_time_limit": _f("承诺办结时限"), "fee": _f("是否收费"), "consult_phones": _f(PHONES),
    "complaint_phones": _f("监督投诉电话"), "place": _f("办理地点"), "hours": _f(OFFICE_HOURS),
    "flags": _f("备注", "给工作人员看的，不印出"), "bureau": _f(BUREAU), "edition": _f("版次", "年份"),
    "edition_date": _f("版本日期", "年-月-日"),
    "compare_with": _f("对比版次", f"与哪一年存档的版本（editions/年份）比较，列出{CHANGES}"),
    "slogans": _f("封面标语"), "sections": _f("各部分标题"),
    "example": _f("示例", "由 guidebook init 写入：改成本单位的真实内容后删除这一行"),
    "order": _f("各部分顺序", "power_list 权力事项清单、windows 服务窗口、guide 事项、prohibited 违规禁办、tolerated 容缺办理；"
                "不写的部分不出现（guide 必须保留）"), "contents": _f("目录"), "power_list": _f(POWER_LIST),
    "guide": _f(GUIDE_LINK), "categories": _f(CATEGORIES), "site": _f("网页版"), "base_url": _f("网页版发布地址"),
    "heading": _f("表题"), "windows": _f(WINDOWS), "address": _f(ADDRESS), "phone": _f(PHONE, CONTACT_PHONE),
    "cases": _f(CASES), "matter": _f(MATTER), "method": _f(METHOD), "deadline": _f(DEADLINE),
    "materials": _f(MATERIALS), "channels": _f(CHANNELS), "time_limit": _f(TIME_LIMIT), "tips": _f(TIPS),
    "need": _f("是否必需", "必需 / 非必需 / 容缺后补；必需的不印"), "issuer": _f(ISSUER, "出具材料的单位"),
    "originals": _f("原件份数"), "photocopies": _f("复印件份数"),
    "shared": _f("免提交", "通过部门数据共享获取，申请人无需提交"),
    "blank_form": _f(BLANK_FORM, "source/forms/ 下的文件名，网页版提供下载"),
    "sample": _f(SAMPLE, "source/forms/ 下的文件名，网页版提供下载"),
    "rank": _f(RANK, "法律、行政法规、部门规章、地方性法规、规范性文件 ..."), "article": _f("条款", "如 第四十五条"),
    "q": _f(QUESTION), "a": _f(ANSWER),
    "words": _f(SEARCH_WORDS, "网页版搜索时，群众的说法和指南里的词一起找"), "say": _f("群众的说法", "如 失业金"),
    "means": _f("指南里的词", "如 失业保险金"),
    "unplaced": _f(UNPLACED, "导入时未能归入字段的原文（注明在原文中的位置）：移到相应字段后删除"),
}
# Where a file gives a field another meaning (the two lists' `items` are the items they concern).
FIELDS_OF = {
    "prohibited": {"items": _f("相关事项", "本组涉及的事项序号"), "name": _f(MATTER_PROHIBITED)},
    "tolerated": {"items": _f("相关事项", "本条涉及的事项序号"), "entries": _f(ITEM), "materials": _f(TOLERATED_MATERIALS)},
}


def field(key: str, doc: str = "item") -> FieldLabel | None:
    """The label of a catalogue field in a file of kind `doc` (item, guide, windows, prohibited,
    tolerated); an item's sections are labelled by their declaration."""
    from guidebook.catalogue.sections import SECTIONS, fact

    if key in FIELDS_OF.get(doc, {}):
        return FIELDS_OF[doc][key]
    if doc == "item":
        for s in SECTIONS:
            if s.key == key:
                return FIELDS.get(key) or FieldLabel(s.label)
        if key not in FIELDS and fact(key) is not None:
            return FieldLabel(fact(key).label)
    return FIELDS.get(key)


# A part whose fields are alternatives (exactly one is given): the editor's choice between them.
CHOICES = {
    "materials": ("材料的写法", {"items": "逐项列出", "groups": "按申请人分组列出", "none": "无需材料（写明说明）"}),
}

# `guidebook init` (and an import that finds no windows table): the example window.
EXAMPLE_WINDOW = "示例窗口（请改为窗口名称）"
EXAMPLE_ADDRESS = "请填写窗口地址"
# `guidebook init`: the new catalogue's default title and its instructions file.
NEW_GUIDE_TITLE = "办事指南"
INIT_README = "使用说明.txt"
