"""Catalogue stage: `guidebook import FILE.json`, a catalogue from JSON.

Two shapes are read:
- the project's own export (`guidebook export --format json`: format_version, guide, items, windows,
  prohibited, tolerated), which comes back exactly;
- a 政务服务 platform's export of its items, with the element names of GB/T 39046-2020
  (政务服务平台基础数据规范) as keys (ALIASES; docs/import.md shows the shape): {"事项": [{...}], "窗口": [...],
  "指南名称": ..., "发布单位": ..., "版次": ...}. Keys may also be guidebook's own field names.

A value that a field refuses, and a key that names no field, is kept as the item's `unplaced` text (with
its key), as the Word importer keeps what it cannot place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from guidebook.catalogue import labels as L
from guidebook.catalogue.importing import Imported, Placed, _valid_item
from guidebook.catalogue.schema import CHANNEL_KINDS
from guidebook.catalogue.sections import FACTS
from guidebook.diagnostics import GuidebookError

# GB/T 39046 element names (and the usual variants of platform exports) -> guidebook's fields. The names
# a Word guide gives its sections and facts (importing.LABEL_OF) are understood as well.
ITEM_ALIASES = {L.NUMBER: "number", "所属类别": "category", L.CATEGORIES: "category", L.CATEGORY: "category",
                "item_title": "title", "phones": "consult_phones"}
FACT_ALIASES = {"到办事现场次数": "visits", "是否支持预约办理": "appointment", "是否支持物流快递": "delivery",
                "结果名称": "result"}
MATERIAL_ALIASES = {"材料名称": "name", "材料形式": "form", "纸质材料份数": "copies", L.COPIES: "copies",
                    "来源渠道": "source", "材料来源": "source", L.ISSUER: "issuer", "必要性": "need", "是否必需": "need",
                    L.REMARK: "note", "填报须知": "note", L.BLANK_FORM: "blank_form", "示例样表": "sample"}
BASIS_ALIASES = {"依据名称": "name", "法律法规名称": "name", L.RANK: "rank", "依据层级": "rank", "条款": "article",
                 "条款号": "article", "条款内容": "article"}
FAQ_ALIASES = {"问题": "q", L.QUESTION: "q", "解答": "a", L.ANSWER: "a", "回答": "a"}
WINDOW_ALIASES = {L.NAME: "name", "窗口名称": "name", "机构名称": "name", L.ADDRESS: "address", "办公地址": "address",
                  L.PHONE: "phone", L.CONTACT_PHONE: "phone", L.HOURS: "hours", L.OFFICE_HOURS: "hours"}
GUIDE_ALIASES = {"指南名称": "title", L.TITLE: "title", L.BUREAU: "bureau", "版次": "edition", "年份": "edition"}
ITEMS_KEY, WINDOWS_KEY = L.ITEM, L.WINDOW  # 事项, 窗口


def _field_of(key: str) -> str:
    """guidebook's field for an element name: the aliases, the section and fact names, or the key itself."""
    from guidebook.catalogue.importing import LABEL_OF

    key = ITEM_ALIASES.get(key, key)
    return ITEM_ALIASES.get(LABEL_OF.get(key, key), LABEL_OF.get(key, key))


def _renamed(entry: dict, aliases: dict[str, str]) -> dict:
    return {aliases.get(k, k): v for k, v in entry.items()}


def _materials(value: Any) -> Any:
    if isinstance(value, list):
        items = [_renamed(x, MATERIAL_ALIASES) if isinstance(x, dict) else {"name": str(x)} for x in value]
        return {"items": items} if items else {"none": "无"}
    return value


def _channels(value: Any) -> Any:
    if isinstance(value, str):
        return [{"kind": CHANNEL_KINDS[0], "text": value}]  # a place: 窗口办
    return value


def _item(entry: dict, number: int, category: str) -> dict[str, Any]:
    item: dict[str, Any] = {}
    service: dict[str, Any] = {}
    facts = {f.key for f in FACTS}
    for key, value in entry.items():
        field = FACT_ALIASES.get(key) or _field_of(key)
        if field in facts:
            service[field] = value
        elif field == "consult_phones":
            service["consult_phones"] = value if isinstance(value, list) else [str(value)]
        elif field == "materials":
            item["materials"] = _materials(value)
        elif field == "channels":
            item["channels"] = _channels(value)
        elif field == "basis" and isinstance(value, list):
            item["basis"] = [_renamed(x, BASIS_ALIASES) if isinstance(x, dict) else {"name": str(x)} for x in value]
        elif field == "faq" and isinstance(value, list):
            item["faq"] = [_renamed(x, FAQ_ALIASES) for x in value if isinstance(x, dict)]
        else:
            item[field] = value
    if service:
        item["service"] = {**item.get("service", {}), **service}
    item.setdefault("number", number)
    item.setdefault("category", category)
    return item


def _own_export(data: dict) -> Imported:
    from guidebook.catalogue import schema

    out = Imported()
    out.guide = schema.GuideInfo.model_validate(data["guide"]).model_dump(mode="json", exclude_defaults=True)
    out.items = [schema.Item.model_validate(x).model_dump(mode="json", exclude_defaults=True) for x in data["items"]]
    out.windows = schema.WindowsFile.model_validate(data["windows"]).model_dump(mode="json", exclude_defaults=True)
    for kind, model in (("prohibited", schema.ProhibitedFile), ("tolerated", schema.ToleratedFile),
                        ("synonyms", schema.SynonymsFile)):
        if data.get(kind):
            setattr(out, kind, model.model_validate(data[kind]).model_dump(mode="json", exclude_defaults=True))
    return out


def _platform_export(data: dict) -> Imported:
    out = Imported()
    guide = _renamed({k: v for k, v in data.items() if k in GUIDE_ALIASES or k in ("title", "bureau", "edition")},
                     GUIDE_ALIASES)
    entries = data.get(ITEMS_KEY) or data.get("items") or []
    if not isinstance(entries, list) or not entries:
        raise GuidebookError("the JSON holds no items: expected a list under 事项 (or items)")
    categories: list[str] = []
    taken: set[int] = set()
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise GuidebookError(f"事项 {i}: expected an object with named elements, got {type(entry).__name__}")
        category = str(next((entry[k] for k, v in ITEM_ALIASES.items() if v == "category" and entry.get(k)),
                            entry.get("category") or L.NEW_GUIDE_TITLE))
        if category not in categories:
            categories.append(category)
        item = _item(entry, max(taken, default=0) + 1, category)
        if not isinstance(item.get("number"), int) or item["number"] in taken:
            out.defects.append(f"事项 {i}（{item.get('title')}）的序号 {item.get('number')} 重复或不是数字，改为 "
                               f"{max(taken, default=0) + 1}")
            item["number"] = max(taken, default=0) + 1
        taken.add(item["number"])
        out.items.append(_valid_item(out, item))
        out.placed.append(Placed(f"事项 {i}", f"items/{item['number']:02d}.yaml", str(item.get("title"))))
    guide["categories"] = [{"name": c} for c in categories]
    out.guide = guide
    windows = data.get(WINDOWS_KEY) or data.get("windows") or []
    if windows:
        out.windows = {"title": L.WINDOWS, "windows": [_renamed(w, WINDOW_ALIASES) for w in windows]}
    return out


def import_json(path: Path) -> Imported:
    """A catalogue from JSON (the project's own export, or a platform's with GB/T 39046 names)."""
    from guidebook.catalogue.importing import finish_json

    path = Path(path)
    try:
        data = json.loads(path.read_text("utf-8-sig"))
    except FileNotFoundError:
        raise GuidebookError(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GuidebookError(f"{path}: not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise GuidebookError(f"{path}: expected a JSON object (the export, or one with 事项)")
    if "format_version" in data and "guide" in data and "items" in data:
        from pydantic import ValidationError

        try:
            return _own_export(data)
        except ValidationError as exc:
            raise GuidebookError(f"{path}: not a valid guidebook export: {exc.errors()[0]['msg']} at "
                                 f"{'.'.join(map(str, exc.errors()[0]['loc']))}") from exc
    return finish_json(_platform_export(data))
