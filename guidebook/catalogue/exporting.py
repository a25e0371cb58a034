"""Export stage: the validated catalogue as JSON, and JSON Schemas of the source files."""

from __future__ import annotations

import json

from guidebook.catalogue import schema
from guidebook.catalogue import Catalogue

FORMAT_VERSION = 1


def catalogue_dict(cat: Catalogue) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "guide": cat.guide.model_dump(mode="json"),
        "items": [it.model_dump(mode="json") for it in cat.items],
        "windows": cat.windows.model_dump(mode="json"),
        "prohibited": cat.prohibited.model_dump(mode="json") if cat.prohibited else None,
        "tolerated": cat.tolerated.model_dump(mode="json") if cat.tolerated else None,
        "synonyms": cat.synonyms.model_dump(mode="json") if cat.synonyms else None,
    }


def catalogue_json(cat: Catalogue) -> str:
    return json.dumps(catalogue_dict(cat), ensure_ascii=False, indent=2) + "\n"


def _in_chinese(node, doc: str) -> None:
    """Every field of a schema titled and described in Chinese, from the labels catalogue (what an editor's
    completion shows staff: 受理条件, 如 第四十五条 ...); the English description stays as `$comment`."""
    from guidebook.catalogue import labels as L

    if isinstance(node, list):
        for x in node:
            _in_chinese(x, doc)
        return
    if not isinstance(node, dict):
        return
    for key, prop in (node.get("properties") or {}).items():
        label = L.field(key, doc)
        if label is not None and isinstance(prop, dict):
            if prop.get("description"):
                prop["$comment"] = prop["description"]
            prop["title"] = label.label
            prop["description"] = label.label + (f"：{label.help}" if label.help else "")
    for value in node.values():
        if isinstance(value, (dict, list)):
            _in_chinese(value, doc)


def json_schemas() -> dict[str, str]:
    """One JSON Schema per kind of source file, keyed by kind (guide, item, windows ...), its fields
    titled and described in Chinese."""
    out = {}
    for name, model in schema.FILE_MODELS.items():
        js = model.model_json_schema()
        _in_chinese(js, name)
        js["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        js["title"] = f"guidebook {name} file"
        out[name] = json.dumps(js, ensure_ascii=False, indent=2) + "\n"
    return out
