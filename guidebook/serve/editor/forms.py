"""Editor: an HTML form generated from a catalogue file's JSON Schema (the pydantic models).

Nothing here knows the fields of the catalogue: objects become fieldsets, arrays become rows that can
be added, removed and moved, enumerations become choices, numbers number fields and texts text fields.
A field added to the schema later appears in the form with no editor code changed. Labels come from
the labels catalogue (guidebook.catalogue.labels) where one is known, else from the field's description.
Inputs are named by the field's path as `guidebook check` reports it (channels[1].links[0].url), so an
error is shown next to its field.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from guidebook.catalogue import labels as L

ADD = "添加"


# Lists shown only when they hold something: an import's unplaced text, to be moved and deleted.
ONLY_WHEN_GIVEN = {"unplaced"}


class FormBuilder:
    """Builds the form of one model's JSON Schema for a document's data."""

    def __init__(self, model, doc: str = "item"):
        """`doc`: the kind of file (item, guide, windows, prohibited, tolerated), for its fields' labels."""
        self.doc = doc
        self.schema = model.model_json_schema()
        self.defs = self.schema.get("$defs", {})

    def resolve(self, s: dict) -> tuple[dict, bool]:
        """(the schema, whether it may be empty) with $ref and `X or null` resolved."""
        optional = False
        if "anyOf" in s:
            kinds = [k for k in s["anyOf"] if k.get("type") != "null"]
            optional = len(kinds) < len(s["anyOf"])
            s = {**s, **kinds[0]} if len(kinds) == 1 else {**s, "type": "string"}
            s.pop("anyOf", None)
        if "$ref" in s:
            target = self.defs[s["$ref"].split("/")[-1]]
            s = {**target, **{k: v for k, v in s.items() if k != "$ref"}}
        return s, optional

    def form(self, data: Any) -> Markup:
        return self.field(self.schema, data, "", "", required=True)

    def field(self, s: dict, value: Any, path: str, name: str, required: bool) -> Markup:
        s, optional = self.resolve(s)
        known = L.field(name, self.doc)
        label = (f"{known.label}（{known.help}）" if known.help else known.label) if known else (
            s.get("description") or s.get("title") or name)
        kind = s.get("type")
        if kind == "object" or "properties" in s:
            return self.object(s, value, path, label, name)
        if kind == "array":
            return self.array(s, value, path, label)
        return self.scalar(s, value, path, label, required and not optional)

    def object(self, s: dict, value: Any, path: str, label: str, name: str) -> Markup:
        if isinstance(value, str):  # a flow step written as plain text
            value = {"step": value}
        value = value if isinstance(value, dict) else {}
        required = set(s.get("required", []))
        shapes = s.get("x-one-of", [])
        chosen = next((k for k in shapes if value.get(k)), shapes[0] if shapes else None)
        parts = []
        for key, sub in s.get("properties", {}).items():
            part = self.field(sub, value.get(key), f"{path}.{key}" if path else key, key, key in required)
            if key in shapes:  # one of the alternatives: shown only when chosen
                part = Markup(str(part).replace(">", ' data-choice="{}"{}>'.format(
                    escape(key), " hidden" if key != chosen else ""), 1))
            parts.append(part)
        if shapes:
            parts.insert(0, self.choice(shapes, chosen, path, name))
        inner = Markup("").join(parts)
        if not path:
            return Markup('<div class="obj root" data-kind="object">{}</div>').format(inner)
        legend = Markup("<legend>{}</legend>").format(label) if name else Markup("")  # a row: no legend
        return Markup('<fieldset class="obj" data-kind="object" data-key="{}">{}{}'
                      '<p class="err" data-error-for="{}"></p></fieldset>').format(
            path.rsplit(".", 1)[-1].split("[")[0], legend, inner, path)

    def choice(self, shapes: list[str], chosen: str, path: str, name: str) -> Markup:
        """One visible switch between the fields of which exactly one is given."""
        title, names = L.CHOICES.get(name, ("写法", {}))
        group = "choice-" + path.replace(".", "-").replace("[", "_").replace("]", "")
        options = Markup("").join(
            Markup('<label><input type="radio" name="{g}" value="{k}"{c}> {t}</label>').format(
                g=group, k=k, c=Markup(" checked") if k == chosen else "", t=names.get(k, k)) for k in shapes)
        return Markup('<div class="choice" role="radiogroup" aria-labelledby="{g}-title" data-choice-for="{p}">'
                      '<span id="{g}-title" class="choice-title">{t}：</span>{o}'
                      '<p class="choice-note">只保存所选写法的内容；切换写法不会删除另一种写法已填的内容，直到保存。</p></div>').format(
            g=group, p=path, t=title, o=options)

    def array(self, s: dict, value: Any, path: str, label: str) -> Markup:
        if not value and path.rsplit(".", 1)[-1] in ONLY_WHEN_GIVEN:
            return Markup("")
        items = s.get("items", {})
        if isinstance(value, str):  # `tips: one text` is a list of one
            value = [value]
        rows = [self.row(items, v, f"{path}[{i}]") for i, v in enumerate(value or [])]
        template = self.row(items, None, f"{path}[__i__]")
        return Markup('<fieldset class="arr" data-kind="array" data-key="{key}" data-path="{path}"><legend>{label}</legend>'
                      '<ol class="rows">{rows}</ol><template>{template}</template>'
                      '<button type="button" class="add">{add}：{label}</button>'
                      '<p class="err" data-error-for="{path}"></p></fieldset>').format(
            key=path.rsplit(".", 1)[-1].split("[")[0], path=path, label=label, rows=Markup("").join(rows),
            template=template, add=ADD)

    def row(self, items: dict, value: Any, path: str) -> Markup:
        inner = self.field(items, value, path, "", required=True)
        return Markup('<li class="row" data-path="{}"><div class="row-body">{}</div><div class="row-tools">'
                      '<button type="button" class="up" aria-label="上移">↑</button>'
                      '<button type="button" class="down" aria-label="下移">↓</button>'
                      '<button type="button" class="remove" aria-label="删除这一行">删除</button></div></li>').format(
            path, inner)

    def scalar(self, s: dict, value: Any, path: str, label: str, required: bool) -> Markup:
        key = path.rsplit(".", 1)[-1] if not path.endswith("]") else ""
        key = key.split("[")[0]
        ident = "f-" + path.replace(".", "-").replace("[", "_").replace("]", "")
        shown = "" if value is None else str(value)
        hint = s.get("default")
        placeholder = Markup(' placeholder="{}"').format(hint) if isinstance(hint, (str, int)) and hint != "" else ""
        req = Markup(" required") if required else Markup("")
        if "enum" in s:
            options = [Markup('<option value=""{}>（未选择）</option>').format(" selected" if not shown else "")]
            options += [Markup('<option value="{0}"{1}>{0}</option>').format(o, " selected" if str(o) == shown else "")
                        for o in s["enum"]]
            control = Markup('<select id="{}" name="{}" data-kind="value" data-type="string"{}>{}</select>').format(
                ident, path, req, Markup("").join(options))
        elif s.get("type") in ("integer", "number"):
            control = Markup('<input id="{}" name="{}" type="number" inputmode="numeric" value="{}" data-kind="value" '
                             'data-type="integer"{}{}>').format(ident, path, shown, placeholder, req)
        elif len(shown) > 36 or "\n" in shown:
            rows = min(12, max(2, len(shown) // 36 + 1))
            control = Markup('<textarea id="{}" name="{}" rows="{}" data-kind="value" data-type="string"{}{}>{}'
                             '</textarea>').format(ident, path, rows, placeholder, req, shown)
        else:
            control = Markup('<input id="{}" name="{}" type="text" value="{}" data-kind="value" data-type="string"'
                             '{}{}>').format(ident, path, shown, placeholder, req)
        label_html = Markup('<label for="{}">{}{}</label>').format(
            ident, label, Markup('<span class="req" aria-hidden="true">*</span>') if required else "") if label else \
            Markup('<label for="{}" class="sr-only">{}</label>').format(ident, escape(key or L.CONTENT))
        return Markup('<div class="fld" data-key="{}">{}{}<p class="err" data-error-for="{}" aria-live="polite"></p>'
                      '</div>').format(key, label_html, control, path)
