"""Validation stage: load source/ into typed models, cross-check it, and collect every problem."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from guidebook.catalogue import labels as L
from guidebook.catalogue import schema
from guidebook.diagnostics import DataError, Diagnostic, Report, rel
from guidebook.catalogue.yamlsource import Positions, YamlError, load_yaml

GUIDE_FILE = "guide.yaml"
WINDOWS_FILE = "windows.yaml"
PROHIBITED_FILE = "prohibited.yaml"
TOLERATED_FILE = "tolerated.yaml"
SYNONYMS_FILE = "synonyms.yaml"
# The lists particular to this province's campaign: a guide without them has no such section anywhere;
# and the web edition's search words (without them the search looks for the words typed only).
OPTIONAL_FILES = {"prohibited": PROHIBITED_FILE, "tolerated": TOLERATED_FILE, "synonyms": SYNONYMS_FILE}
ITEMS_DIR = "items"
MAX_ITEM_FILES = 20_000


@dataclass
class Origin:
    """Where a model came from, so later stages can point at the right line."""

    file: str
    positions: Positions

    def at(self, loc: tuple = (), key: bool = False) -> tuple[int, int]:
        return self.positions.of(loc, key=key)


@dataclass
class Catalogue:
    """The validated catalogue: one edition of the bureau's booklet."""

    root: Path
    guide: schema.GuideInfo
    items: list[schema.Item]
    windows: schema.WindowsFile
    prohibited: schema.ProhibitedFile | None  # None: the guide has no such list (the file is optional)
    tolerated: schema.ToleratedFile | None
    synonyms: schema.SynonymsFile | None = None  # the site's search words (source/synonyms.yaml), if any
    origins: dict[Any, Origin] = field(default_factory=dict)  # "guide", "windows", ..., or item number
    report: Report = field(default_factory=Report)

    def item(self, number: int) -> schema.Item:
        for it in self.items:
            if it.number == number:
                return it
        raise KeyError(number)

    def category_items(self, name: str) -> list[schema.Item]:
        return [it for it in self.items if it.category == name]


# ---------------------------------------------------------------------------------------------
# Messages for pydantic errors, worded for a staff member editing YAML.

def _loc_text(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _model_at(model: type, loc: tuple) -> type | None:
    """The pydantic model class that owns the last element of `loc`."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return None
        ann = fields[part].annotation
        current = _inner_model(ann)
        if current is None:
            return None
    return current


def _inner_model(ann: Any) -> type | None:
    from typing import get_args

    if isinstance(ann, type) and issubclass(ann, schema.BaseModel):
        return ann
    for arg in get_args(ann):
        found = _inner_model(arg)
        if found:
            return found
    return None


_KINDS_ZH = {"nothing": "空值", "true/false": "是/否", "text": "文字", "a list": "列表", "a mapping": "一组字段"}


def _described_zh(value: Any) -> str:
    what = _describe(value)
    return _KINDS_ZH.get(what, f"数字 {value}" if what.startswith("a number") else what)


def _message(err: dict, model: type) -> tuple[str, str, bool]:
    """(message, the same in Chinese for staff, point at key?) for one pydantic error."""
    kind = err["type"]
    loc = err["loc"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "required field is missing", "必填", False
    if kind == "extra_forbidden":
        owner = _model_at(model, loc)
        known = list(owner.model_fields) if owner else []
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        extra = f' (did you mean "{hint[0]}"?)' if hint else (f" (known fields: {', '.join(known)})" if known else "")
        return f"unknown field{extra}", f"未知字段 {loc[-1]}" + (f"（是不是 {hint[0]}？）" if hint else ""), True
    if kind == "string_type":
        return f"expected text, got {_describe(value)}", f"应为文字，这里是{_described_zh(value)}", False
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {_describe(value)}", "应为整数", False
    if kind == "list_type":
        return f"expected a list, got {_describe(value)}", f"应为列表，这里是{_described_zh(value)}", False
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of fields, got {_describe(value)}", f"应为一组字段，这里是{_described_zh(value)}", False
    if kind == "literal_error":
        return (f'"{value}" is not allowed; use one of: {ctx.get("expected", "")}',
                f"“{value}”不在可选范围内，请从列表中选择", False)
    if kind == "string_too_short":
        return "must not be empty", "不能为空", False
    if kind == "string_too_long":
        return (f"text is too long ({len(value):,} characters; the limit is {ctx.get('max_length'):,})",
                f"文字过长（{len(value):,} 个字符，上限 {ctx.get('max_length'):,}）", False)
    if kind == "too_short":
        n = ctx.get("min_length")
        return f"needs at least {n} entr{'y' if n == 1 else 'ies'}", f"至少要有 {n} 项", False
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = next(iter(ctx.values()), "")
        word, zh = {"greater_than_equal": ("at least", "不小于"), "less_than_equal": ("at most", "不大于"),
                    "greater_than": ("more than", "大于"), "less_than": ("less than", "小于")}[kind]
        return f"must be {word} {bound}, got {value}", f"应{zh} {bound}，这里是 {value}", False
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        return f"expected a date like 2026-01-31, got {value!r}", "日期请写成 2026-01-31 这样的格式", False
    if kind == "value_error":
        error = ctx.get("error")
        message = str(error or err["msg"])
        return message, getattr(error, "zh", "") or message, False
    return err["msg"], err["msg"], False


def _validate(model: type, data: Any, file: str, positions: Positions, report: Report):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            message, zh, at_key = _message(err, model)
            line, col = positions.of(loc, key=at_key)
            report.add(Diagnostic(file, line, col, _loc_text(loc), message, zh=zh))
        return None


# ---------------------------------------------------------------------------------------------

def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def _read(path: Path, root: Path, report: Report, required: bool = True):
    name = rel(path)
    if not path.exists() and not path.is_symlink():
        if required:
            report.add(Diagnostic(name, 0, 0, "", "file is missing", zh="文件不存在"))
        return None
    if not _inside(path, root):
        report.add(Diagnostic(name, 0, 0, "", "symbolic link points outside the source folder; refusing to read it",
                              zh="这个链接指向目录文件夹以外的文件，不予读取"))
        return None
    if not path.is_file():
        report.add(Diagnostic(name, 0, 0, "", "not a regular file", zh="不是普通文件"))
        return None
    try:
        doc = load_yaml(path, name)
    except YamlError as exc:
        report.add(exc.diag)
        return None
    if doc.data is None:
        report.add(Diagnostic(name, 1, 1, "", "file is empty", zh="文件是空的"))
        return None
    if not isinstance(doc.data, dict):
        report.add(Diagnostic(name, 1, 1, "", f"expected a mapping of fields at the top, got {_describe(doc.data)}",
                              zh="文件开头应是一组字段（字段名: 值）"))
        return None
    return doc


SINGLE_FILES = {"guide": GUIDE_FILE, "windows": WINDOWS_FILE, **OPTIONAL_FILES}


def _read_singles(source: Path, report: Report, origins: dict) -> dict[str, Any]:
    """guide.yaml, windows.yaml and the optional lists, validated (a missing optional list is left out)."""
    singles: dict[str, Any] = {}
    for key, fname in SINGLE_FILES.items():
        if key in OPTIONAL_FILES and not (source / fname).exists() and not (source / fname).is_symlink():
            continue  # a guide without this list
        doc = _read(source / fname, source, report)
        if doc is None:
            continue
        origins[key] = Origin(rel(doc.path), doc.positions)
        singles[key] = _validate(schema.FILE_MODELS[key], doc.data, origins[key].file, doc.positions, report)
    return singles


def load_catalogue(source: Path) -> Catalogue:
    """Load and validate the whole catalogue. Raises DataError listing every error found."""
    source = Path(source)
    report = Report()
    if not source.is_dir():
        what = "is a file, not a catalogue folder" if source.exists() else "catalogue folder not found"
        raise DataError(f"{rel(source)}: {what}", [Diagnostic(rel(source), 0, 0, "", what)])
    origins: dict[Any, Origin] = {}
    singles = _read_singles(source, report, origins)

    items: list[schema.Item] = []
    items_dir = source / ITEMS_DIR
    files = sorted(items_dir.glob("*.yaml")) if items_dir.is_dir() else []
    if not files:
        report.add(Diagnostic(rel(items_dir), 0, 0, "", "no item files (*.yaml) found", zh="没有找到事项文件（items/*.yaml）"))
    if len(files) > MAX_ITEM_FILES:
        report.add(Diagnostic(rel(items_dir), 0, 0, "", f"too many item files ({len(files)}; the limit is {MAX_ITEM_FILES})",
                              zh=f"{L.ITEM}文件过多（{len(files)} 个，上限 {MAX_ITEM_FILES}）"))
        files = []
    first_file: dict[int, Origin] = {}
    failed: set[int | None] = set()  # numbers of item files that did not load (None: unknown)
    for path in files:
        doc = _read(path, source, report)
        if doc is None:
            failed.add(_number_from_name(path))
            continue
        origin = Origin(rel(doc.path), doc.positions)
        item = _validate(schema.Item, doc.data, origin.file, doc.positions, report)
        if item is None:
            number = doc.data.get("number") if isinstance(doc.data, dict) else None
            failed.add(number if isinstance(number, int) else _number_from_name(path))
            continue
        if item.number in first_file:
            line, col = origin.at(("number",))
            prev = first_file[item.number]
            report.add(Diagnostic(origin.file, line, col, "number",
                                  f"duplicate item number {item.number} (also used in {prev.file}:{prev.at(('number',))[0]})",
                                  zh=f"{L.ITEM}{L.NUMBER} {item.number} 重复（{prev.file} 第 {prev.at(('number',))[0]} 行已用）"))
            continue
        first_file[item.number] = origin
        origins[item.number] = origin
        items.append(item)
    items.sort(key=lambda it: it.number)

    guide = singles.get("guide")
    windows = singles.get("windows")
    prohibited = singles.get("prohibited")
    tolerated = singles.get("tolerated")
    if guide is not None:
        _cross_check(guide, items, prohibited, tolerated, origins, report, failed)
    _lint(guide, items, windows, origins, report)
    _check_references(source, items, windows, origins, report)

    wanted = [singles.get(k) for k in SINGLE_FILES if k not in OPTIONAL_FILES or (source / SINGLE_FILES[k]).exists()]
    if report.errors or None in wanted:
        n = len(report.errors)
        raise DataError(f"{n} error{'s' if n != 1 else ''} in the catalogue",
                        [d for d in report.sorted() if d.severity != "note"])
    cat = Catalogue(source, guide, items, windows, prohibited, tolerated, singles.get("synonyms"), origins, report)
    return cat


def _materials_of(it: schema.Item):
    """Every material of an item with its location: (loc, material)."""
    for base, proc in [((), it), *((("procedures", k), p) for k, p in enumerate(it.procedures))]:
        m = proc.materials
        if m is None:
            continue
        for i, mat in enumerate(m.items):
            yield base + ("materials", "items", i), mat
        for g, group in enumerate(m.groups):
            for i, mat in enumerate(group.items):
                yield base + ("materials", "groups", g, "items", i), mat


def _check_references(source: Path, items, windows, origins, report: Report) -> None:
    """What items name elsewhere: the files of their forms, the windows of their channels."""
    _check_forms(source, items, origins, report)
    if windows is not None:
        _check_windows(items, windows, origins, report)


def _check_windows(items, windows, origins, report: Report) -> None:
    """A channel's windows must be windows of windows.yaml; a channel whose text names windows without
    linking them gets a note with the names to link (a family: 各县区社保分中心 -> every 分中心)."""
    names = [w.name for w in windows.windows]
    for it in items:
        o = origins[it.number]
        for base, proc in [((), it), *((("procedures", k), p) for k, p in enumerate(it.procedures))]:
            for c, ch in enumerate(proc.channels):
                loc = base + ("channels", c)
                for i, name in enumerate(ch.windows):
                    if name not in names:
                        hint = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
                        line, col = o.at(loc + ("windows", i))
                        report.add(Diagnostic(o.file, line, col, _loc_text(loc + ("windows", i)),
                                              f'no window named "{name}" in windows.yaml'
                                              + (f' (did you mean "{hint[0]}"?)' if hint else ""),
                                              zh=f"服务窗口中没有“{name}”" + (f"（是不是“{hint[0]}”？）" if hint else "")))
                if ch.windows or not ch.text:
                    continue
                named = windows_named(ch.text, names, {w.name: w.address for w in windows.windows})
                if named:
                    line, col = o.at(loc + ("text",))
                    report.add(Diagnostic(o.file, line, col, _loc_text(loc + ("text",)),
                                          f"“{ch.text}”说到的窗口可以链接（windows:），告知单和网页版就会印出地址和电话："
                                          + "、".join(named), "note"))


def _in_order(word: str, text: str) -> bool:
    pos = 0
    for ch in word:
        pos = text.find(ch, pos) + 1
        if not pos:
            return False
    return True


def windows_named(text: str, names: list[str], addresses: dict[str, str] | None = None) -> list[str]:
    """The windows of `names` that a channel's text names: a family (各县区社保分中心: every 分中心), or a
    window by its name, its qualifier read loosely (抚顺市社会保险事业服务中心机关事业单位中心 names
    市社会保险事业服务中心 (机关事业中心)); a qualified window found hides its bare organisation. A text that
    gives an address (…（顺城区裕城路 39 号）…) names only the windows of that organisation at that address."""
    flat = re.sub(r"[\s()（）]", "", text)
    place = re.search(r"[\u4e00-\u9fff]{2}[路街]\d+(?:-\d+)?号", flat)  # 裕城路39号, 临江东路19-10号
    if place and addresses:
        return [n for n in names if place.group() in re.sub(r"\s", "", addresses.get(n, ""))
                and _base_and_qualifier(n)[0] in flat]
    if "各" in flat and "分中心" in flat:
        family = [n for n in names if "分中心" in n]
        if family:
            return family
    found = []
    for n in names:
        base, qualifier = _base_and_qualifier(n)
        at = flat.find(base)
        if at >= 0 and (not qualifier or _in_order(qualifier, flat[at + len(base):])):
            found.append((n, bool(qualifier)))
    qualified = [n for n, q in found if q]
    return [n for n, q in found if q or not any(x.startswith(n) for x in qualified)]


def _base_and_qualifier(name: str) -> tuple[str, str]:
    """A window's organisation and what sets this window apart (市社会保险事业服务中心 (机关事业中心):
    the centre, 机关事业中心; 市社会保险事业服务中心 东洲分中心: the centre, 东洲分中心; a bare name: itself, "")."""
    m = re.match(r"(.+?)\s*[ (（](.+?)[)）]?$", name)
    return (m.group(1), re.sub(r"窗口$", "", m.group(2))) if m else (name, "")


def _check_forms(source: Path, items, origins, report: Report) -> None:
    """A blank form or a sample a material names must be a file under source/forms/."""
    folder = source / schema.FORMS_DIR
    for it in items:
        o = origins[it.number]
        for loc, mat in _materials_of(it):
            for key in ("blank_form", "sample"):
                name = getattr(mat, key)
                path = folder / name if name else None
                if path is not None and not (path.is_file() and _inside(path, folder)):
                    line, col = o.at(loc + (key,))
                    report.add(Diagnostic(o.file, line, col, _loc_text(loc + (key,)),
                                          f'"{name}" is not a file in {rel(folder)}/ (put the file there, or correct '
                                          "its name)", zh=f"source/forms/ 中没有文件“{name}”：请放入文件或改正文件名"))


def _number_from_name(path: Path) -> int | None:
    m = re.match(r"\d+", path.stem)
    return int(m.group()) if m else None


def _cross_check(guide, items, prohibited, tolerated, origins, report: Report, failed: set) -> None:
    """Checks across files. Items whose file failed to load are not reported again through them."""
    names = [c.name for c in guide.categories]
    g = origins["guide"]
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            line, col = g.at(("categories", i, "name"))
            report.add(Diagnostic(g.file, line, col, f"categories[{i}].name", f'duplicate category "{name}"',
                                  zh=f"类别“{name}”重复"))
        seen.add(name)
    numbers = {it.number for it in items}
    used: set[str] = set()
    for it in items:
        o = origins[it.number]
        if it.category not in names:
            hint = difflib.get_close_matches(it.category, names, n=1, cutoff=0.3)
            extra = f' (did you mean "{hint[0]}"?)' if hint else ""
            line, col = o.at(("category",))
            report.add(Diagnostic(o.file, line, col, "category",
                                  f'unknown category "{it.category}"{extra}; categories are listed in {g.file}',
                                  zh=f"没有“{it.category}”这个类别（类别在指南信息中列出）"))
        used.add(it.category)
    for i, name in enumerate(names):
        if name not in used and items and not failed:
            line, col = g.at(("categories", i, "name"))
            report.add(Diagnostic(g.file, line, col, f"categories[{i}].name", f'category "{name}" has no items',
                                  "warning", zh=f"类别“{name}”下还没有事项"))
    # Items must follow their categories' order, or the guide's numbering would jump around.
    order = {n: i for i, n in enumerate(names)}
    last = -1
    for it in items:
        k = order.get(it.category)
        if k is None:
            continue
        if k < last:
            o = origins[it.number]
            line, col = o.at(("category",))
            report.add(Diagnostic(o.file, line, col, "category",
                                  f"item {it.number} is in category \"{it.category}\", which comes before the "
                                  f"category of a lower-numbered item; the guide will list it out of number order",
                                  "warning", zh=f"{L.ITEM} {it.number} 的类别排在{L.NUMBER}更小的{L.ITEM}的类别之前，指南中的{L.NUMBER}会不连续"))
        last = max(last, k)
    for key, model, list_name in (("prohibited", prohibited, "groups"), ("tolerated", tolerated, "entries")):
        if model is None:
            continue
        o = origins[key]
        for i, entry in enumerate(getattr(model, list_name)):
            for j, n in enumerate(entry.items):
                if n not in numbers and n not in failed:
                    line, col = o.at((list_name, i, "items", j))
                    report.add(Diagnostic(o.file, line, col, f"{list_name}[{i}].items[{j}]",
                                          f"refers to item {n}, which does not exist", zh=f"引用的{L.ITEM} {n} 不存在"))


_HOST_RE = re.compile(r"^https?://([^/:?#]+)")


def _strings(value, loc: tuple = ()):
    """Every text of a model's data with its location (the path the YAML positions are kept by)."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, loc + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, loc + (i,))


def _lint_phones(model, o: "Origin", report: Report) -> None:
    """A number that looks like a phone but has no valid form is probably mistyped: the documents
    would not show it as a phone, so say so."""
    from guidebook.catalogue import phones

    for loc, text in _strings(model.model_dump(exclude_none=True)):
        if loc and loc[-1] in ("url", "printed", "phone"):  # URLs; phone fields are validated as phones
            continue
        for number in phones.suspicious(text):
            line, col = o.at(loc)
            report.add(Diagnostic(o.file, line, col, _loc_text(loc),
                                  f'"{number}" looks like a phone number but is not one (a landline needs its area '
                                  f"code and 7-8 digits, e.g. 024-52443219; a mobile 11 digits); the documents "
                                  f"will not list it as a phone", "warning",
                                  zh=f"“{number}”看起来像电话号码，但位数或格式不对（固定电话需带区号，如 024-52443219；"
                                  "手机号 11 位），文档中不会作为电话显示"))


def _lint_example(entry, o: "Origin", report: Report, at: tuple = ()) -> None:
    """An example `guidebook init` wrote (an item, or a window at `at`) is a warning until it is replaced."""
    if not entry.example:
        return
    line, col = o.at((*at, "example"))
    field = "".join(f"[{k}]" if isinstance(k, int) else k for k in at) + (".example" if at else "example")
    what = (f'window "{entry.name}" is the example `guidebook init` wrote (示例窗口): replace it with a real window'
            if at else f"item {entry.number} is the example `guidebook init` wrote (示例事项): replace it with a "
            "real service")
    zh = "这是 guidebook init 写入的示例" + ("窗口" if at else L.ITEM) + "：请改成本单位的真实情况，然后删除 example: true 这一行"
    report.add(Diagnostic(o.file, line, col, field, what + " and delete `example: true`", "warning", zh=zh))


def _lint_links(it: schema.Item, o: "Origin", hosts: dict, report: Report) -> None:
    """An item's links: their hosts (for the typo check), a printed spelling without a note, a correction."""
    for loc, link in _links(it):
        m = _HOST_RE.match(link.url)
        if m:
            hosts.setdefault(m.group(1).lower(), []).append((o, loc))
        if link.printed and link.printed != link.url and not link.note:
            bare = link.url.split("://", 1)[1]
            if link.printed.rstrip("/") != bare.rstrip("/"):
                line, col = o.at(loc + ("printed",))
                report.add(Diagnostic(o.file, line, col, _loc_text(loc + ("printed",)),
                                      f'"{link.printed}" differs from url "{link.url}" but no note says why',
                                      "warning", zh=f"手册印的“{link.printed}”与网址“{link.url}”不同，请在 note 中说明原因"))
        if link.note:
            line, col = o.at(loc + ("note",))
            report.add(Diagnostic(o.file, line, col, f"{L.ITEM} {it.number}《{it.title}》",
                                  f"已将“{link.printed}”更正为“{link.url}”：{link.note}", "note"))


GUIDE_PARTS = schema.GUIDE_PARTS


def _lint_order(guide, g: "Origin", origins: dict, report: Report) -> None:
    """A part that `sections.order` leaves out is in no output: a note, and a warning for a list whose
    file is there (its data would be kept but never shown)."""
    order = guide.sections.order
    line, col = g.at(("sections", "order")) if "order" in guide.sections.model_fields_set else (0, 0)
    for part in GUIDE_PARTS:
        if part in order:
            continue
        if part in ("prohibited", "tolerated") and part in origins:
            report.add(Diagnostic(g.file, line, col, "sections.order", f"{SINGLE_FILES[part]} is there but "
                                  "`order` leaves it out: no output shows it", "warning",
                                  zh=f"有 {SINGLE_FILES[part]}，但各部分顺序中没有它：任何文件都不会显示"))
        elif part in ("power_list", "windows"):
            report.add(Diagnostic(g.file, line, col, "sections.order",
                                  f"{part} is left out: the guide, the site and the Word file have no such part", "note",
                                  zh=f"各部分顺序中没有 {part}：指南、网页版和 Word 文件都不含这一部分"))


def _lint_complete(it: schema.Item, o: "Origin", report: Report) -> None:
    """What a citizen needs from every item: where and how to apply, what to bring, how long it takes.
    An item that needs no application says so (`route_note`) and then needs no time limit."""
    procs = [it, *it.procedures]
    line, col = o.at(("title",))
    where = f"{L.ITEM} {it.number}《{it.title}》"
    no_application = any(p.route_note for p in procs)
    if not any(p.channels for p in procs) and not no_application:
        report.add(Diagnostic(o.file, line, col, where, f"{L.CHANNELS}未填写：请写明在哪里、怎样办理（channels），"
                              "无需申请的写 route_note", "warning"))
    if not any(p.materials is not None for p in procs):
        report.add(Diagnostic(o.file, line, col, where, f"{L.MATERIALS}未填写：无需材料的也请写明（materials: none: 无）",
                              "warning"))
    facts = it.service and (it.service.legal_time_limit or it.service.promised_time_limit)
    if not no_application and not facts and not any(p.time_limit or any(c.time_limit for c in p.channels)
                                                     for p in procs):
        report.add(Diagnostic(o.file, line, col, where, f"{L.TIME_LIMIT}未填写（time_limit）", "warning"))


def _lint_unplaced(model, o: "Origin", report: Report) -> None:
    """Text an import could not place: a warning each, until staff move it into its field."""
    for i, text in enumerate(model.unplaced):
        line, col = o.at(("unplaced", i))
        report.add(Diagnostic(o.file, line, col, f"unplaced[{i}]", f"{L.UNPLACED}：{text}（移到相应字段后删除这一行）",
                              "warning"))


def _lint(guide, items, windows, origins, report: Report) -> None:
    """Warnings and notes: things that are valid but deserve a look."""
    hosts: dict[str, list[tuple[Origin, tuple]]] = {}
    for it in items:
        o = origins[it.number]
        _lint_example(it, o, report)
        _lint_phones(it, o, report)
        _lint_links(it, o, hosts, report)
        _lint_complete(it, o, report)
        _lint_unplaced(it, o, report)
        for i, flag in enumerate(it.flags):
            line, col = o.at(("flags", i))
            report.add(Diagnostic(o.file, line, col, f"{L.ITEM} {it.number}《{it.title}》", flag, "note"))
        for p, proc in enumerate(it.procedures):
            for i, flag in enumerate(proc.flags):
                line, col = o.at(("procedures", p, "flags", i))
                report.add(Diagnostic(o.file, line, col, f"{L.ITEM} {it.number}.{p + 1}《{proc.title}》", flag, "note"))
    # A host that is one character away from another host is probably a typo of it.
    for host, uses in hosts.items():
        for other in hosts:
            if other != host and len(uses) < len(hosts[other]) and _one_edit(host, other):
                for o, loc in uses:
                    line, col = o.at(loc + ("url",))
                    report.add(Diagnostic(o.file, line, col, _loc_text(loc + ("url",)),
                                          f'host "{host}" looks like a typo of "{other}" (used elsewhere)', "warning",
                                          zh=f"网址“{host}”像是“{other}”的笔误"))
    if guide is not None:
        g = origins["guide"]
        _lint_unplaced(guide, g, report)
        _lint_order(guide, g, origins, report)
        for i, flag in enumerate(guide.flags):
            line, col = g.at(("flags", i))
            report.add(Diagnostic(g.file, line, col, "指南", flag, "note"))
    if windows is not None:
        from guidebook.catalogue import phones

        w = origins["windows"]
        _lint_phones(windows, w, report)
        for i, win in enumerate(windows.windows):
            _lint_example(win, w, report, ("windows", i))
            for j, flag in enumerate(win.flags):
                line, col = w.at(("windows", i, "flags", j))
                report.add(Diagnostic(w.file, line, col, f"窗口“{win.name}”", flag, "note"))
                # a note that quotes another number than its window's phone probably belongs to another
                # window (e.g. the lines of the window it was written for were deleted, and it moved up)
                digits = "".join(ch for ch in str(win.phone) if ch.isdigit())
                for number in phones.in_text(flag):
                    if "".join(ch for ch in number if ch.isdigit()) != digits:
                        report.add(Diagnostic(w.file, line, col, f"windows[{i}].flags[{j}]",
                                              f'the note quotes the phone "{number}", but this window\'s phone is '
                                              f'"{win.phone}": does the note belong to another window?', "warning",
                                              zh=f"备注中的电话“{number}”不是本窗口的电话“{win.phone}”：这条备注是不是另一个窗口的？"))


def _links(item: schema.Item):
    for c, ch in enumerate(item.channels):
        for k, link in enumerate(ch.links):
            yield ("channels", c, "links", k), link
    for p, proc in enumerate(item.procedures):
        for c, ch in enumerate(proc.channels):
            for k, link in enumerate(ch.links):
                yield ("procedures", p, "channels", c, "links", k), link


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by exactly one inserted, deleted or replaced character."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    for i in range(len(long_)):
        if long_[:i] + long_[i + 1:] == short:
            return True
    return False
