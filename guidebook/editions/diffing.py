"""Diff stage: what changed between two editions of the catalogue, item by item and field by field."""

from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from guidebook.catalogue import Catalogue, load_catalogue
from guidebook.catalogue import labels as L
from guidebook.catalogue.sections import procedure_sections
from guidebook.diagnostics import GuidebookError

from guidebook.catalogue.phones import in_text as phones_in  # noqa: E402


@dataclass
class Change:
    scope: str  # "事项 15 失业保险金申领", "服务窗口", "封面与版次", "违规禁办事项清单", "容缺办理事项清单"
    kind: str  # added | removed | changed | renamed | renumbered
    field: str  # path inside the scope, e.g. materials.items[2].name
    label: str  # 办理时限, 需提供材料 ...
    old: Any
    new: Any
    item: int | None = None
    doc: str = "item"  # the kind of file the change is in: item, guide, windows, prohibited, tolerated


# Fields whose changes are told by the part of an item they belong to (a changed material: 需提供材料).
PARTS = ("intro", "flow", "procedures")


def _label(path: str, doc: str = "item") -> str:
    """What a change at `path` of a file of kind `doc` is called: the item's section it lies in, else its
    innermost field that has a label (guidebook.catalogue.labels)."""
    keys = re.findall(r"[a-z_]+", path)
    if doc == "item":
        parts = {*PARTS, *(s.key for s in procedure_sections()), "route_note"}
        for key in reversed(keys):
            if key in parts:
                return _field(key if key != "route_note" else "channels", doc)
    for key in reversed(keys):
        if L.field(key, doc):
            return _field(key, doc)
    return path


def _field(key: str, doc: str = "item") -> str:
    found = L.field(key, doc)
    return found.label if found else key


def _diff(old: Any, new: Any, path: str, out: list[tuple[str, str, Any, Any]]) -> None:
    """Append (kind, path, old, new) for every difference; lists are aligned, not compared by index."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            o, n = old.get(key), new.get(key)
            if o != n:
                _diff(o, n, f"{path}.{key}" if path else key, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        a = [json.dumps(x, ensure_ascii=False, sort_keys=True) for x in old]
        b = [json.dumps(x, ensure_ascii=False, sort_keys=True) for x in new]
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if op == "equal":
                continue
            if op == "replace" and i2 - i1 == j2 - j1:
                for k in range(i2 - i1):
                    _diff(old[i1 + k], new[j1 + k], f"{path}[{j1 + k}]", out)
                continue
            for k in range(i1, i2):
                out.append(("removed", f"{path}[{k}]", old[k], None))
            for k in range(j1, j2):
                out.append(("added", f"{path}[{k}]", None, new[k]))
        return
    if old is None and new is not None:
        out.append(("added", path, None, new))
    elif new is None and old is not None:
        out.append(("removed", path, old, None))
    else:
        out.append(("changed", path, old, new))


def _strip_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_empty(v) for k, v in value.items() if v not in (None, [], {}, "")}
    if isinstance(value, list):
        return [_strip_empty(v) for v in value]
    return value


def _pair_items(old: Catalogue, new: Catalogue):
    """(old, new) item pairs: same number and title; else same title (renumbered); else same number."""
    pairs = []
    left = list(old.items)
    right = {it.number: it for it in new.items}

    def take(match):
        nonlocal left
        rest = []
        for o in left:
            n = match(o)
            if n is not None:
                pairs.append((o, n))
                del right[n.number]
            else:
                rest.append(o)
        left = rest

    take(lambda o: right[o.number] if o.number in right and right[o.number].title == o.title else None)
    take(lambda o: next((n for n in right.values() if n.title == o.title), None))
    take(lambda o: right.get(o.number))
    pairs += [(o, None) for o in left] + [(None, n) for n in right.values()]
    return sorted(pairs, key=lambda p: (p[1] or p[0]).number)


def diff_catalogues(old: Catalogue, new: Catalogue) -> list[Change]:
    changes: list[Change] = []
    for o, n in _pair_items(old, new):
        it = n or o
        scope = f"{L.ITEM} {it.number} {it.title}"
        if o is None:
            changes.append(Change(scope, "added", "", L.ITEM, None, n.title, n.number))
            continue
        if n is None:
            changes.append(Change(scope, "removed", "", L.ITEM, o.title, None, o.number))
            continue
        if o.number != n.number:
            changes.append(Change(scope, "renumbered", "number", L.NUMBER, o.number, n.number, n.number))
        raw: list = []
        _diff(_strip_empty(o.model_dump(mode="json", exclude={"number"})),
              _strip_empty(n.model_dump(mode="json", exclude={"number"})), "", raw)
        for kind, path, a, b in raw:
            changes.append(Change(scope, "renamed" if path == "title" else kind, path, _label(path), a, b, n.number))
    changes += _windows(old, new)
    for scope, attr in ((L.GUIDE_INFO, "guide"), (L.PROHIBITED, "prohibited"), (L.TOLERATED, "tolerated")):
        raw = []
        _diff(_strip_empty(_dumped(getattr(old, attr))), _strip_empty(_dumped(getattr(new, attr))), "", raw)
        for kind, path, a, b in raw:
            changes.append(Change(scope, kind, path, _label(path, attr), a, b, doc=attr))
    return changes


def _dumped(model) -> dict:
    """A file's data as JSON, {} for an optional list the catalogue does not have."""
    return model.model_dump(mode="json") if model is not None else {}


def _windows(old: Catalogue, new: Catalogue) -> list[Change]:
    """Windows paired by name, so a changed phone reads as 修改 of that window, not 删除 plus 新增."""
    out: list[Change] = []
    a = {w.name: w.model_dump(mode="json") for w in old.windows.windows}
    b = {w.name: w.model_dump(mode="json") for w in new.windows.windows}
    for name in [*a, *(n for n in b if n not in a)]:
        scope = f"{L.WINDOWS}“{name}”"
        if name not in b:
            out.append(Change(scope, "removed", "", L.WINDOWS, _show(a[name]), None, doc="windows"))
        elif name not in a:
            out.append(Change(scope, "added", "", L.WINDOWS, None, _show(b[name]), doc="windows"))
        else:
            raw: list = []
            _diff(_strip_empty(a[name]), _strip_empty(b[name]), "", raw)
            out += [Change(scope, kind, path, _label(path, "windows"), x, y, doc="windows") for kind, path, x, y in raw]
    for key in ("title", "heading"):
        x, y = getattr(old.windows, key), getattr(new.windows, key)
        if x != y:
            out.append(Change(L.WINDOWS, "changed", key, _field(key, "windows"), x, y, doc="windows"))
    return out


def phone_note(change: Change) -> str:
    """'电话 024-1 → 024-2' when a changed text differs in its phone numbers."""
    if not (isinstance(change.old, str) and isinstance(change.new, str)):
        return ""
    a, b = phones_in(change.old), phones_in(change.new)
    if change.old.strip() in a and change.new.strip() in b:
        return ""  # the value is the phone number itself: "old → new" already says it, once
    if a != b:
        return f"{L.PHONE} {'、'.join(a) or '无'} → {'、'.join(b) or '无'}"
    return ""


# ---------------------------------------------------------------------------------------------
# Where the catalogues come from: folders, or git revisions of the source folder


def resolve(spec: str, source: Path, workdir: Path) -> Path:
    """A catalogue folder for `spec`: an existing folder, or a git revision (HEAD~3, a tag ...)."""
    p = Path(spec)
    if p.is_dir():
        return p
    if not shutil.which("git"):
        raise GuidebookError(f"{spec!r} is not a folder, and git is not installed to read it as a revision")
    src = source.resolve()
    top = subprocess.run(["git", "-C", str(src), "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    if top.returncode != 0:
        raise GuidebookError(f"{spec!r} is not a folder, and {source} is not in a git repository")
    root = Path(top.stdout.strip())
    rel = src.relative_to(root)
    if spec.startswith("-"):  # never let a name reach git as an option
        raise GuidebookError(f"{spec!r} is neither a folder nor a git revision")
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "--end-of-options",
                             f"{spec}^{{commit}}"], capture_output=True, text=True)
    if commit.returncode != 0:
        raise GuidebookError(f"{spec!r} is neither a folder nor a git revision of {root}")
    sha = commit.stdout.strip()
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", sha, "--", str(rel)],
                             capture_output=True)
    if archive.returncode != 0:
        raise GuidebookError(f"revision {spec!r} has no folder {rel}/")
    dest = Path(tempfile.mkdtemp(prefix="guidebook-rev-", dir=workdir))
    _extract(archive.stdout, dest, spec)
    return dest / rel


def _extract(data: bytes, dest: Path, spec: str) -> None:
    """Regular files and folders of a git archive, inside `dest` only; links and special files are
    refused. (By hand rather than with tarfile's `filter`, which Python 3.11 before 3.11.4 lacks.)"""
    import io
    import posixpath

    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for m in tar.getmembers():
            name = posixpath.normpath(m.name)
            if m.name.startswith("/") or name == ".." or name.startswith("../"):
                raise GuidebookError(f"revision {spec!r}: refusing {m.name!r} (outside the catalogue folder)")
            if m.type == tarfile.XGLTYPE or m.type == tarfile.XHDTYPE:
                continue
            target = dest / name
            if m.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif m.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(m)
                target.write_bytes(src.read() if src else b"")
            else:
                kind = "a symbolic link" if m.issym() else "a link" if m.islnk() else "a special file"
                raise GuidebookError(f"revision {spec!r}: {m.name} is {kind}; a catalogue holds plain files only")


def load_pair(old_spec: str, new_spec: str | None, source: Path, workdir: Path) -> tuple[Catalogue, Catalogue]:
    old = load_catalogue(resolve(old_spec, source, workdir))
    new = load_catalogue(resolve(new_spec, source, workdir) if new_spec else source)
    return old, new


# ---------------------------------------------------------------------------------------------
# Reports


def _show(value: Any) -> str:
    """A value as a reader reads it: texts as they are, lists joined by ；, records as 名称（…）or
    标签：值 (never JSON, brackets or field names)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "；".join(_show(v) for v in value if v not in (None, "", [], {}))
    if isinstance(value, dict):
        if "name" in value:
            counted = " ".join(x for x in (_show(value.get("form")), f"{value['copies']} 份" if value.get("copies")
                                           else "") if x)  # 原件 1 份, as the booklet writes a material
            rest = [_show(v) for k, v in value.items() if k not in ("name", "flags", "form", "copies")]
            extra = "，".join(x for x in [counted, *rest] if x)
            return str(value["name"]) + (f"（{extra}）" if extra else "")
        if "url" in value:
            return _show({"name": value.get("name") or value["url"], **{k: v for k, v in value.items() if k != "name"}})
        return "；".join(f"{_field(k)}：{_show(v)}" for k, v in value.items() if k != "flags")
    return str(value)


# Fields that are the catalogue's own bookkeeping, not what the booklet tells a reader: the public
# 本版主要变化 page leaves them out (the `guidebook diff` report shows everything).
INTERNAL = ("flags", "edition", "edition_date", "compare_with", "site", "sections", "printed", "service", "short",
            "example")


def public(changes: list[Change]) -> list[Change]:
    """The changes a reader of the booklet cares about (no notes, no edition bookkeeping)."""
    def internal(c: Change) -> bool:
        keys = re.findall(r"[a-z_]+", c.field)
        return any(k in INTERNAL for k in keys) or (c.field == "" and c.kind == "changed")
    return [c for c in changes if not internal(c)]


KIND_ZH = L.CHANGE_KINDS


def as_json(changes: list[Change], old_name: str, new_name: str) -> str:
    return json.dumps({"old": old_name, "new": new_name, "count": len(changes),
                       "changes": [asdict(c) for c in changes]}, ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class ChangeRow:
    """One line of a change table as every writer shows it (the guide's 本版主要变化 page, the HTML and
    PDF change report): values written as the booklet writes them, the kind in Chinese."""

    scope: str  # what changed: 事项 15《失业保险金申领》, 服务窗口 ...
    kind: str  # 新增, 删除, 修改 ...
    label: str  # the field's label
    field: str  # the field's path (channels[1].url)
    old: str
    new: str
    note: str  # a phone changed in a phone field: old → new
    item: int | None  # the item it concerns, for a link to it


def change_rows(changes: list[Change]) -> list[ChangeRow]:
    """Rows for the change tables (HTML report, the guide's 本版主要变化 page)."""
    return [ChangeRow(c.scope, KIND_ZH[c.kind], c.label, c.field, _show(c.old), _show(c.new), phone_note(c), c.item)
            for c in changes]
