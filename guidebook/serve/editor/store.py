"""Editor: the catalogue's files as documents a form edits, checked and saved without breaking them.

A document is one file of source/ (guide.yaml, windows.yaml, prohibited.yaml, tolerated.yaml or one
items/NN.yaml). Its data goes to the form as YAML read it; a change comes back as plain data, is checked
exactly as `guidebook check` checks the catalogue (on a copy of source/ with the changed file), and is
saved only when it is valid, by a round-trip YAML writer (ruamel.yaml) that changes only what changed:
comments, key order, quoting and the `# yaml-language-server` line stay. Writes are atomic, and a file
changed on disk since the form loaded it is never overwritten unasked.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guidebook.catalogue import labels as L
from guidebook.catalogue.ids import item_id, item_of
from guidebook.catalogue import schema
from guidebook.catalogue import GUIDE_FILE, ITEMS_DIR, PROHIBITED_FILE, TOLERATED_FILE, WINDOWS_FILE, load_catalogue
from guidebook.catalogue.check import OPTIONAL_FILES, SYNONYMS_FILE
from guidebook.diagnostics import DataError, Diagnostic, GuidebookError
from guidebook.files import write_atomic

SINGLES = {"guide": (GUIDE_FILE, "指南信息（标题、单位、版次、封面标语、类别）"),
           "windows": (WINDOWS_FILE, L.WINDOWS),
           "prohibited": (PROHIBITED_FILE, L.PROHIBITED),
           "tolerated": (TOLERATED_FILE, L.TOLERATED),
           "synonyms": (SYNONYMS_FILE, L.SEARCH_WORDS)}


class Conflict(GuidebookError):
    """The file changed on disk since the form loaded it (or was deleted: `disk_text` is None)."""

    def __init__(self, disk_text: str | None, disk_hash: str, note: str = ""):
        super().__init__("the file changed on disk since it was opened")
        self.disk_text, self.disk_hash, self.note = disk_text, disk_hash, note


class Unreadable(GuidebookError):
    """A document's file that is gone, or cannot be read as YAML: where and why, in Chinese. `text` is the
    file's text when there is one (to repair it), None when the file is missing."""

    def __init__(self, file: str, line: int, message: str, text: str | None):
        super().__init__(f"{file}" + (f" 第 {line} 行" if line else "") + f"：{message}")
        self.file, self.line, self.message, self.text = file, line, message, text


class ReadOnly(GuidebookError):
    """A document's file the user made read-only: it is left as it is."""


@dataclass
class Problem:
    path: str  # the field, as the form names it: channels[1].links[0].url ("" for the whole file)
    message: str  # in Chinese
    line: int = 0
    severity: str = "error"


def _yaml():
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a long line
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Store:
    """The catalogue folder the editor works on. Every path it writes is inside `source`."""

    def __init__(self, source: Path):
        self.source = Path(source).resolve()
        if not self.source.is_dir():
            raise GuidebookError(f"{source}: catalogue folder not found")

    # -- which documents exist
    def path_of(self, key: str) -> Path:
        """`guide`, `windows`, `prohibited`, `tolerated` or `item-N`; refuses anything else."""
        if key in SINGLES:
            path = self.source / SINGLES[key][0]
        else:
            number = item_of(key)
            if number is None:
                raise GuidebookError(f"{L.NO_SUCH_FILE}：{key!r}")
            path = self._item_file(number) or self.source / ITEMS_DIR / f"{number:02d}.yaml"
        resolved = path.resolve()
        if self.source not in resolved.parents:
            raise GuidebookError(f"{key}: outside the catalogue folder")
        return resolved

    def _item_file(self, number: int) -> Path | None:
        for p in sorted((self.source / ITEMS_DIR).glob("*.yaml")):
            m = re.match(r"\d+", p.stem)
            if m and int(m.group()) == number:
                return p
        return None

    def model_of(self, key: str):
        return schema.FILE_MODELS[key] if key in SINGLES else schema.Item

    @staticmethod
    def kind_of(key: str) -> str:
        """The kind of file a key names: guide, windows, prohibited, tolerated, or item."""
        return key if key in SINGLES else "item"

    def entries(self) -> list[dict]:
        """The list the editor shows: the guide's own data, the windows, the two lists, every item."""
        out = [{"key": k, "title": title, "kind": "file"} for k, (name, title) in SINGLES.items()
               if k not in OPTIONAL_FILES or (self.source / name).exists()]  # a guide without a list: not shown
        cat = self.catalogue(strict=False)
        categories = [c.name for c in cat.guide.categories] if cat else []
        for p in sorted((self.source / ITEMS_DIR).glob("*.yaml")):
            data = self._raw(p)
            if not isinstance(data, dict) or not isinstance(data.get("number"), int):
                m = re.match(r"\d+", p.stem)  # repaired at its item's address, when the name gives the number
                key = item_id(int(m.group())) if m and self._item_file(int(m.group())) == p else ""
                out.append({"key": key, "title": p.name, "kind": "broken"})
                continue
            cat_name = str(data.get("category", ""))
            k = categories.index(cat_name) + 1 if cat_name in categories else 0
            out.append({"key": item_id(data['number']), "number": data["number"], "title": str(data.get("title", "")),
                        "category": cat_name, "category_number": k, "kind": "item"})
        return out

    def catalogue(self, strict: bool = True):
        try:
            return load_catalogue(self.source)
        except DataError:
            if strict:
                raise
            return None

    # -- reading
    def _raw(self, path: Path) -> Any:
        try:
            return _yaml().load(path.read_text("utf-8"))
        except Exception:  # a broken file is shown as text, with check's message
            return None

    def relative(self, key: str) -> str:
        return self.path_of(key).relative_to(self.source).as_posix()

    def read_text(self, key: str) -> str:
        """The file's text; Unreadable (with no text) when it is missing or not UTF-8 text."""
        path, rel = self.path_of(key), self.relative(key)
        try:
            return path.read_bytes().decode("utf-8").removeprefix("\ufeff")
        except FileNotFoundError:
            raise Unreadable(rel, 0, "文件不存在（可能已被删除或改名）", None) from None
        except UnicodeDecodeError:
            raise Unreadable(rel, 0, L.NOT_UTF8, None) from None
        except OSError as exc:
            raise Unreadable(rel, 0, L.CANNOT_READ.format(why=exc.strerror or exc), None) from None

    def load(self, key: str) -> tuple[Any, str, str]:
        """(plain data, file text, hash of the text) of a document; Unreadable, with the file, the line and
        a message in Chinese, when the file is missing or is not valid YAML."""
        from guidebook.catalogue.yamlsource import YamlError, parse_yaml

        text, rel = self.read_text(key), self.relative(key)
        try:
            parse_yaml(text, rel)  # the checker's own reading: the same line and words as `check`
            data = _plain(_yaml().load(text))
        except YamlError as exc:
            raise Unreadable(rel, exc.diag.line, chinese(exc.diag), text) from None
        except Exception as exc:  # ruamel refusing what PyYAML read: still the file's fault, not the editor's
            line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
            raise Unreadable(rel, line, L.YAML_ERROR.format(what=getattr(exc, 'problem', None) or exc), text) from None
        return data, text, digest(text)

    # -- checking
    def render(self, key: str, data: Any) -> str:
        """The file's new text: the old text with only what `data` changes."""
        path = self.path_of(key)
        y = _yaml()
        try:
            old = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):  # missing: the form's data is the whole new file
            old = ""
        try:
            node = y.load(old) if old.strip() else None
        except Exception:  # broken on disk: the form's data replaces it (its leading comments stay)
            node = None
        node = _merge(node, _quoted(_clean(data)))
        buf = io.StringIO()
        y.dump(node, buf)
        text = buf.getvalue()
        head = re.match(r"(?:#[^\n]*\n)+", old)  # comments before the data (ruamel keeps them, but be sure)
        if head and not text.startswith(head.group()):
            text = head.group() + text
        if not old:  # a new (or re-created) file names its schema, as `init` and `add_item` write them
            kind = self.kind_of(key)
            schema_path = ("../" if kind == "item" else "") + f"schema/{kind}.schema.json"
            text = f"# yaml-language-server: $schema={schema_path}\n" + text
        return text

    def check(self, key: str, data: Any) -> tuple[str, list[Problem]]:
        """The text `data` would be saved as, and every problem `guidebook check` would report for it
        (errors and warnings of this file, in Chinese, at the field they concern)."""
        text = self.render(key, data)
        return text, self._check_text(key, text)

    def _check_text(self, key: str, text: str) -> list[Problem]:
        """Every problem `guidebook check` reports with the document's file holding `text`."""
        path = self.path_of(key)
        with tempfile.TemporaryDirectory(prefix="guidebook-edit-") as work:
            copy = Path(work) / "source"
            shutil.copytree(self.source, copy, ignore=shutil.ignore_patterns("schema"))
            target = copy / path.relative_to(self.source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, "utf-8")
            rel = target.relative_to(copy).as_posix()
            problems: list[Problem] = []
            try:
                cat = load_catalogue(copy)
                diags = [d for d in cat.report.sorted() if d.severity == "warning"]
            except DataError as exc:
                diags = exc.diagnostics
            for d in diags:
                if not d.file.replace("\\", "/").endswith(rel):
                    if d.severity == "error":  # another file is broken, or this change breaks it (a reference)
                        where = catalogue_path(d.file, copy)
                        problems.append(Problem("", f"另一个文件有错误（修复后才能保存）：{where}" + (f" 第 {d.line} 行" if d.line else "")
                                                + f"：{chinese(d)}", 0))
                    continue
                problems.append(Problem(_form_path(d), chinese(d), d.line, d.severity))
        return problems

    # -- writing
    def save(self, key: str, data: Any, loaded_hash: str | None, force: bool = False) -> tuple[str, list[Problem]]:
        """Write the document if it is valid and unchanged on disk since it was loaded. Returns the new
        hash and the warnings; raises Conflict, or DataError with the problems."""
        path = self.path_of(key)
        if not force and loaded_hash is not None:
            self._unchanged_since(key, loaded_hash)
        text, problems = self.check(key, data)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise DataError(f"{len(errors)} 处错误", [
                Diagnostic(str(path), p.line, 0, p.path, p.message) for p in errors])
        self._write(key, text)
        return digest(text), problems

    def save_text(self, key: str, text: str, loaded_hash: str | None, force: bool = False) -> tuple[str, list[Problem]]:
        """Write a document's whole text (the repair of a file that YAML cannot read), if `check` accepts it."""
        if not force and loaded_hash is not None:
            self._unchanged_since(key, loaded_hash)
        text = text.replace("\r\n", "\n")
        problems = self._check_text(key, text)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise DataError(f"{len(errors)} 处错误", [
                Diagnostic(self.relative(key), p.line, 0, p.path, p.message) for p in errors])
        self._write(key, text)
        return digest(text), problems

    def _unchanged_since(self, key: str, loaded_hash: str) -> None:
        """Conflict when the file is not the one the form loaded: changed, broken or deleted on disk."""
        try:
            disk = self.read_text(key)
        except Unreadable:
            raise Conflict(None, "", "磁盘上的文件已被删除或无法读取；选择“用我的版本覆盖”将按表单内容重新创建") from None
        if digest(disk) == loaded_hash:
            return
        note = ""
        try:
            self.load(key)
        except Unreadable as exc:
            note = f"磁盘上的版本无法读取（{exc}）；选择“用我的版本覆盖”将以表单内容替换它"
        raise Conflict(disk, digest(disk), note)

    def _write(self, key: str, text: str) -> None:
        """Write a document's file, unless it already holds `text`; a read-only file is refused, and a file's
        mode is kept."""
        import os
        import stat as st

        path = self.path_of(key)
        try:
            info = path.stat()
        except FileNotFoundError:
            info = None
        if info is not None and not info.st_mode & st.S_IWUSR:
            raise ReadOnly(f"{self.relative(key)} 是只读文件，未保存（请先在文件管理器或终端中允许写入）")
        try:
            if info is not None and path.read_text("utf-8") == text:
                return
        except (OSError, UnicodeDecodeError):
            pass
        write_atomic(path, text.encode("utf-8"))
        if info is not None:
            os.chmod(path, st.S_IMODE(info.st_mode))

    def add_item(self, category: str) -> int:
        """A new item with the next free number, in `category`, saved as a minimal valid file."""
        cat = load_catalogue(self.source)
        if category not in [c.name for c in cat.guide.categories]:
            raise GuidebookError(f"没有这个类别：{category}")
        number = max(it.number for it in cat.items) + 1
        path = self.source / ITEMS_DIR / f"{number:02d}.yaml"
        text = ("# yaml-language-server: $schema=../schema/item.schema.json\n"
                f"number: {number}\ncategory: {category}\ntitle: 新事项\n")
        write_atomic(path, text.encode("utf-8"))
        return number

    def references(self, number: int) -> list[str]:
        """Where the two lists refer to an item (shown before it is deleted)."""
        cat = load_catalogue(self.source)
        out = [f"{L.PROHIBITED}：{g.name}" for g in (cat.prohibited.groups if cat.prohibited else []) if number in g.items]
        out += [f"{L.TOLERATED}：{e.matter}" for e in (cat.tolerated.entries if cat.tolerated else [])
                if number in e.items]
        return out

    def _follow_references(self, old: int, new: int | None) -> list[tuple[str, Any, str]]:
        """The two lists with item `old` replaced by `new` (taken out when None): (key, data, hash) of
        each list that changes."""
        updates = []
        for key, list_name in (("prohibited", "groups"), ("tolerated", "entries")):
            if not self.path_of(key).exists():
                continue  # the guide has no such list
            data, _, h = self.load(key)
            changed = False
            for entry in data.get(list_name, []):
                if old in entry.get("items", []):
                    entry["items"] = [n for n in (new if n == old else n for n in entry["items"]) if n is not None]
                    changed = True
            if changed:
                updates.append((key, data, h))
        return updates

    def _apply(self, remove: Path, write: tuple[Path, str] | None, updates: list, what: str) -> list[str]:
        """Check the catalogue with `remove` gone, `write` written and the lists updated, on a copy; then
        do it. Returns the names of the lists that changed."""
        with tempfile.TemporaryDirectory(prefix="guidebook-change-") as work:
            copy = Path(work) / "source"
            shutil.copytree(self.source, copy)
            (copy / remove.relative_to(self.source)).unlink()
            if write:
                (copy / write[0].relative_to(self.source)).write_text(write[1], "utf-8")
            for key, data, _ in updates:
                (copy / SINGLES[key][0]).write_text(self.render(key, data), "utf-8")
            try:
                load_catalogue(copy)
            except DataError as exc:
                raise GuidebookError(f"{what}后目录无法通过检查：" + "；".join(chinese(d) for d in exc.diagnostics))
        if write:
            write_atomic(write[0], write[1].encode("utf-8"))
        if not write or write[0].resolve() != remove.resolve():
            remove.unlink()
        done = []
        for key, data, h in updates:
            self.save(key, data, h)
            done.append(SINGLES[key][1])
        return done

    def delete_item(self, number: int) -> list[str]:
        """Delete an item's file and take its number out of the two lists (all checked first)."""
        path = self._item_file(number)
        if path is None:
            raise GuidebookError(f"没有事项 {number}")
        return self._apply(path, None, self._follow_references(number, None), "删除")

    def renumber(self, old: int, new: int) -> list[str]:
        """Give an item another number: its file is renamed, its `number` set, and the two lists'
        references follow. Everything is checked on a copy first."""
        path = self._item_file(old)
        if path is None:
            raise GuidebookError(f"没有事项 {old}")
        if not 1 <= new <= 9999:
            raise GuidebookError("序号应在 1 到 9999 之间")
        if new != old and self._item_file(new) is not None:
            raise GuidebookError(f"序号 {new} 已被其他事项使用")
        data, _, _ = self.load(item_id(old))
        data["number"] = new
        text = self.render(item_id(old), data)
        target = self.source / ITEMS_DIR / f"{new:02d}.yaml"
        return self._apply(path, (target, text), self._follow_references(old, new), "改序号")

    def commit(self, key: str, changed: list[str]) -> str | None:
        """With --commit: a git commit of the saved file, naming the document and the fields changed."""
        path = self.path_of(key)
        top = subprocess.run(["git", "-C", str(self.source), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True)
        if top.returncode != 0:
            return None
        what = self.title(key)
        fields = "、".join(dict.fromkeys(changed)) or L.CONTENT
        message = f"编辑 {what}：{fields}"
        subprocess.run(["git", "-C", str(self.source), "add", "--", str(path)], capture_output=True)
        res = subprocess.run(["git", "-C", str(self.source), "-c", "user.name=guidebook edit",
                              "-c", "user.email=guidebook@localhost", "commit", "-q", "-m", message, "--", str(path)],
                             capture_output=True, text=True)
        return message if res.returncode == 0 else None

    def title(self, key: str) -> str:
        if key in SINGLES:
            return SINGLES[key][1]
        try:
            data, _, _ = self.load(key)
        except Unreadable:
            return f"{L.ITEM} {item_of(key)}（{self.relative(key)}）"
        return f"{L.ITEM} {data.get('number')}《{data.get('title', '')}》"


# -- data helpers --------------------------------------------------------------------------------


def _plain(node: Any) -> Any:
    """ruamel's commented containers as plain dicts, lists and scalars."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if hasattr(node, "isoformat"):
        return node.isoformat()
    return node


def _clean(data: Any) -> Any:
    """What a form sends, without empty fields (an empty field means: not given)."""
    if isinstance(data, dict):
        out = {k: _clean(v) for k, v in data.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(data, list):
        return [v for v in (_clean(x) for x in data) if v not in (None, "", [], {})]
    if isinstance(data, str):
        return data.strip()
    return data


def _quoted(value: Any) -> Any:
    """The form's data with every text that a YAML reader would read as something else marked to be
    written quoted (`no`, `on`, `1:20`, `012`, `2026-12-01`, `#…`, `: …`, `- …`), and a text of several
    lines as a block: what staff type is what the catalogue reads back."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    if isinstance(value, dict):
        return {k: _quoted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_quoted(v) for v in value]
    if isinstance(value, str) and type(value) is str:
        if "\n" in value and value == value.strip() and "\r" not in value and "\t" not in value:
            return LiteralScalarString(value)
        if _misread(value):
            return DoubleQuotedScalarString(value)
    return value


def _misread(text: str) -> bool:
    """Whether `text`, written as a plain scalar, would not read back as the same text, by the catalogue's
    reader (YAML 1.1: yes/no/on/off are booleans, 1:20 a number) or by YAML 1.2 readers."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader) != text
    except yaml.YAMLError:
        return True


def _merge(node: Any, new: Any) -> Any:
    """`new` written over `node`, keeping everything of `node` that stays: comments, key order,
    quoting style of unchanged values, a single text where a list of one is given."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(new, list) and not isinstance(node, list) and len(new) == 1 and not isinstance(new[0], (dict, list)):
        return _merge(node, new[0])  # `tips: one text` stays a text
    if isinstance(node, str) and isinstance(new, dict) and set(new) == {"step"}:
        return _merge(node, new["step"])  # a flow step written as plain text stays plain text
    if isinstance(node, dict) and isinstance(new, dict):
        for k in [k for k in node if k not in new]:
            del node[k]
        for k, v in new.items():
            node[k] = _merge(node[k], v) if k in node else _fresh(v)
        return node
    if isinstance(node, list) and isinstance(new, list):
        for i, v in enumerate(new):
            if i < len(node):
                node[i] = _merge(node[i], v)
            else:
                node.append(_fresh(v))
        del node[len(new):]
        return node
    if node == new and type(node) is not bool and not isinstance(node, (CommentedMap, CommentedSeq)):
        return node  # unchanged: keeps its quoting style
    if hasattr(node, "isoformat") and isinstance(new, str) and node.isoformat() == new:
        return node  # a date the form showed as text, unchanged: stays as it was written
    if isinstance(node, str) and isinstance(new, str) and type(node) is not str:
        return type(node)(new)  # a quoted text stays quoted
    return _fresh(new)


def _fresh(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _fresh(v)
        return m
    if isinstance(value, list):
        return CommentedSeq([_fresh(v) for v in value])
    return value


def catalogue_path(file: str, folder: Path) -> str:
    """A diagnostic's file as the catalogue names it (items/15.yaml), not inside a checking copy."""
    file = file.replace("\\", "/")
    for root in (folder.as_posix() + "/", folder.resolve().as_posix() + "/"):
        if file.startswith(root):
            return file[len(root):]
    return file


def _form_path(d: Diagnostic) -> str:
    return d.field if re.fullmatch(r"[A-Za-z_][\w.\[\]]*", d.field or "") else ""


# -- messages in Chinese --------------------------------------------------------------------------

def chinese(diag: Diagnostic) -> str:
    """A checker message as staff read it: the checker's own Chinese wording (guidebook.catalogue.check
    words each message for the terminal and for the editor), else the message as it is."""
    return diag.chinese
