"""Loading stage: safe YAML parsing that keeps the line and column of every value and key."""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from guidebook.catalogue import labels as L
from guidebook.diagnostics import CONTROL, Diagnostic

MAX_FILE_BYTES = 1_000_000  # a catalogue file is a few KB; anything this large is a mistake
MAX_NODES = 100_000
_CONTROL = CONTROL

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same marks, faster

Loc = tuple  # a path into the data: ("channels", 1, "url")


@dataclass
class Positions:
    """Where each value (and each mapping key) of a YAML document starts, 1-based."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def of(self, loc: Loc, key: bool = False) -> tuple[int, int]:
        """Position of `loc`, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        if key and loc in self.keys:
            return self.keys[loc]
        while loc:
            if loc in self.values:
                return self.values[loc]
            loc = loc[:-1]
        return self.values.get((), (1, 1))


@dataclass
class YamlDoc:
    path: Path
    data: Any
    positions: Positions


class YamlError(Exception):
    def __init__(self, diag: Diagnostic):
        super().__init__(diag.format())
        self.diag = diag


_ADVICE = re.compile(r"\((第 \d+ 行[^()]*)\)")  # the Chinese advice a YAML message carries in parentheses


def _err(name: str, line: int, col: int, msg: str, zh: str = "") -> YamlError:
    """A YAML problem at a place: its message, and in Chinese for staff (the advice the message carries, or
    `zh`, or a general wording)."""
    advice = _ADVICE.search(msg)
    zh = zh or (advice.group(1) if advice else L.YAML_ERROR.format(what=msg))
    return YamlError(Diagnostic(name, line, col, "", msg, zh=zh))


def _indent(s: str) -> int:
    return len(s) - len(s.lstrip(" "))


_KEY = re.compile(r"[^\s:#\"'-][^:]*:(?:\s|$)|-[^\s:][^:]*:(?:\s|$)")  # `name: ...` (a field, not a text)


def _content_lines(lines: list[str], start: int, step: int):
    """Line numbers of the lines with content from `start` on (step 1) or back (step -1): no blanks, no comments."""
    k = start
    while 0 < k <= len(lines):
        if lines[k - 1].strip() and not lines[k - 1].lstrip().startswith("#"):
            yield k
        k += step


def _odd_previous_line(lines: list[str], n: int) -> int | None:
    """The line before `n` when it is the one out of place: line `n` agrees with the line after it, the
    line before does not (PyYAML reports the second line of a block whose first line is wrong)."""
    before = next(_content_lines(lines, n - 1, -1), 0)
    after = next(_content_lines(lines, n + 1, 1), 0)
    if not before or not after:
        return None
    a = _indent(lines[n - 1])
    same_kind = lines[after - 1].lstrip().startswith("- ") == lines[n - 1].lstrip().startswith("- ")
    return before if _indent(lines[after - 1]) == a and same_kind and _indent(lines[before - 1]) != a else None


def _parses(lines: list[str]) -> bool:
    """Whether the text reads as the catalogue reads it (duplicate keys included), without advice."""
    loader = _Loader("\n".join(lines) + "\n")
    try:
        stack = [loader.get_single_node()]
        while stack:  # the structure only: duplicate keys, as _convert refuses them
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
                if len(keys) != len(set(keys)):
                    return False
                stack += [v for _, v in node.value]
            elif isinstance(node, yaml.SequenceNode):
                stack += node.value
        return True
    except (yaml.YAMLError, YamlError, RecursionError):
        return False
    finally:
        loader.dispose()


def _shifted(lines: list[str], n: int, indent: int) -> list[str]:
    return lines[:n - 1] + [" " * indent + lines[n - 1].lstrip(" ")] + lines[n:]


def _open_levels(lines: list[str], n: int) -> list[tuple[int, int, bool]]:
    """Where line `n` may stand: (indentation, nearest line with it, whether it is a list marker's) for
    every block still open above it, nearest first. A list entry `- key: value` at column c opens two:
    another entry at c, and more fields of this entry at c + 2."""
    out: list[tuple[int, int, bool]] = []
    floor = 1 << 30  # the smallest indentation between the line looked at and line n
    for k in range(n - 1, 0, -1):
        text = lines[k - 1]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        ind = _indent(text)
        if ind > floor:
            continue
        marker = re.match(r"(?:-[ ]+)+", text[ind:])
        if marker and ind + len(marker.group()) <= floor and _KEY.match(text[ind + len(marker.group()):]):
            out.append((ind + len(marker.group()), k, False))  # the entry is a mapping: more of its fields
        out.append((ind, k, bool(marker)))
        floor = ind
        if ind == 0:
            break
    seen: set[tuple[int, bool]] = set()
    return [e for e in out if (e[0], e[2]) not in seen and not seen.add((e[0], e[2]))]


def _indentation_advice(lines: list[str], n: int, col: int) -> tuple[int, int, str] | None:
    """Advice for an indentation mistake reported at line `n`: the indentation that makes the file read,
    for line `n` (the levels of the blocks open above it, nearest to its own first) or for the line before
    it when that one is out of step with the lines after it. Every proposal is tried first: one that does
    not make the file read is never given. None when no single change of indentation does."""
    if not 0 < n <= len(lines):
        return None
    fixes: list[tuple[int, int, int]] = []  # (line to change, its new indentation, the line it is then like)
    odd = _odd_previous_line(lines, n)
    if odd is not None:
        fixes.append((odd, _indent(lines[n - 1]), n))
    before = next(_content_lines(lines, n - 1, -1), 0)
    marker = re.match(r"(?:-[ ]+)+", lines[before - 1].lstrip(" ")) if before else None
    if marker and _indent(lines[n - 1]) >= len(marker.group()):  # the entry's marker moved, not its fields
        fixes.append((before, _indent(lines[n - 1]) - len(marker.group()), -n))  # -n: its fields like line n
    a, dash = _indent(lines[n - 1]), lines[n - 1].lstrip().startswith("- ")
    levels = [e for e in _open_levels(lines, n) if e[0] != a]
    levels.sort(key=lambda e: (e[2] != dash, abs(e[0] - a), -e[0]))
    fixes += [(n, i, k) for i, k, _ in levels]
    fixes = list(dict.fromkeys(fixes))
    first = next((f for f in fixes if _parses(_shifted(lines, f[0], f[1]))), None)
    if first is None:
        return None
    line, own = first[0], _indent(lines[first[0] - 1])
    ties = [f for f in fixes[fixes.index(first) + 1:] if f[0] == line and abs(f[1] - own) == abs(first[1] - own)]
    best = [first] + [f for f in ties[:1] if _parses(_shifted(lines, f[0], f[1]))]
    where = "after" if line < n else "around"
    en = " or ".join(f"{i} space{'' if i == 1 else 's'} (" + (f"like line {k}" if k > 0 else
                     f"so that its fields line up with line {-k}") + ")" for _, i, k in best)
    zh = " 或 ".join(f"{i} 格（" + (f"同第 {k} 行" if k > 0 else f"使其内容与第 {-k} 行对齐") + "）" for _, i, k in best)
    return line, own + 1, (f"line {line} is indented {own} space{'' if own == 1 else 's'}, unlike the lines "
                           f"{where} it: indent it {en} (第 {line} 行缩进了 {own} 格，与{'下面' if line < n else '上下'}的行"
                           f"对不齐：应缩进 {zh})")


def _plain_words(exc, lines: list[str], line: int, col: int) -> tuple[int, int, str]:
    """The YAML parser's message as a sentence a person who does not know YAML can act on, at the line
    where the mistake is (PyYAML often reports the line after it). Each carries its whole advice in
    Chinese in parentheses (the editor shows that part)."""
    problem = exc.problem or exc.context or "invalid YAML"
    ctx = exc.context_mark
    if "could not find expected ':'" in problem and ctx is not None:
        n = ctx.line + 1
        text = lines[n - 1].strip() if 0 < n <= len(lines) else ""
        return n, ctx.column + 1, (f"line {n} has no colon after its field name: \"{text}\" (第 {n} 行缺少冒号；"
                                   f"写成 {L.NAME}: {L.CONTENT})")
    if any(p in problem for p in ("did not find expected '-' indicator", "did not find expected key",
                                  "expected <block end>", "expected <document start>")):
        advice = _indentation_advice(lines, line, col)
        return advice or (line, col, f"line {line}: unexpected indentation (第 {line} 行的缩进有误)")
    if "mapping values are not allowed" in problem:
        if 0 < line <= len(lines) and re.match(r"\s*(?:- +)?[^\s:#\"'][^:]*:(?:\s|$)", lines[line - 1]):
            prev = next((k for k in range(line - 1, 0, -1) if lines[k - 1].strip()
                         and not lines[k - 1].lstrip().startswith("#")), 0)
            if prev and _indent(lines[line - 1]) > _indent(lines[prev - 1]):  # a field indented under a value
                advice = _indentation_advice(lines, line, col)
                if advice:
                    return advice
        return line, col, (f"line {line} has a second colon in a value (第 {line} 行的内容里有冒号：请给整段文字加上"
                           f"引号，或把冒号写成中文冒号“：”): put the text in quotes, e.g. \"...：...\", or write the "
                           f"colon as ：")
    return line, col, f"YAML syntax error: {problem}"


def load_yaml(path: Path, display: str | None = None) -> YamlDoc:
    """Parse one YAML file safely; raise YamlError with a positioned diagnostic on any problem.

    Refuses anchors and aliases (no alias bombs), duplicate keys, non-text keys and oversized files.
    """
    name = display or str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _err(name, 0, 0, f"cannot read file: {exc.strerror}", L.CANNOT_READ.format(why=exc.strerror)) from None
    if size > MAX_FILE_BYTES:
        raise _err(name, 0, 0, f"file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})",
                   f"文件过大（{size:,} 字节，上限 {MAX_FILE_BYTES:,}）")
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _err(name, line, 1, "file is not valid UTF-8 text", L.NOT_UTF8) from None
    except OSError as exc:
        raise _err(name, 0, 0, f"cannot read file: {exc.strerror}", L.CANNOT_READ.format(why=exc.strerror)) from None
    return parse_yaml(text, name, path)


def parse_yaml(text: str, name: str, path: Path | None = None) -> YamlDoc:
    bad = next((m for m in _CONTROL.finditer(text)), None)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise _err(name, line, col, f"control character U+{ord(bad.group()):04X} is not allowed",
                   "含有不可见的控制字符，请删除")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except RecursionError:
        raise _err(name, 0, 0, "the document is nested too deeply (lists or mappings inside each other "
                               "hundreds of levels deep)", "文件嵌套层数过多") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        lines = text.splitlines()
        bad_line = lines[line - 1] if 0 < line <= len(lines) else ""
        if "\t" in bad_line[: max(col, len(bad_line) - len(bad_line.lstrip()))]:
            problem = "tab characters are not allowed for indentation; use spaces"
            raise _err(name, line, col, f"YAML syntax error: {problem}",
                       f"第 {line} 行用了 Tab 键缩进：请改用空格") from None
        line, col, message = _plain_words(exc, lines, line, col)
        raise _err(name, line, col, message) from None
    except yaml.YAMLError as exc:
        raise _err(name, 0, 0, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    positions = Positions()
    if node is None:
        return YamlDoc(path or Path(name), None, positions)
    counter = [0]
    try:
        data = _convert(node, (), positions, loader, name, counter, set())
    except RecursionError:
        raise _err(name, 0, 0, "the document is nested too deeply (lists or mappings inside each other "
                               "hundreds of levels deep)", "文件嵌套层数过多") from None
    return YamlDoc(path or Path(name), data, positions)


# The kinds of value the catalogue is made of; other tags (!!binary, !!python/..., !custom) are refused.
ALLOWED_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(node, loc, positions, loader, name, counter, seen) -> Any:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        line, col = _pos(node)
        raise _err(name, line, col, f"document has more than {MAX_NODES:,} values", f"文件的内容超过 {MAX_NODES:,} 项")
    if id(node) in seen:  # the composer returns the anchored node again for every alias
        line, col = _pos(node)
        raise _err(name, line, col, "YAML anchors and aliases (&, *) are not allowed in the catalogue",
                   "目录文件中不能使用 & 和 * 引用，请把内容直接写出")
    seen.add(id(node))
    positions.values[loc] = _pos(node)
    expected = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}.get(type(node))
    if expected and node.tag != expected:
        line, col = _pos(node)
        raise _err(name, line, col, f"the YAML tag {_short_tag(node.tag)} is not allowed in the catalogue; "
                                    "write the value as plain text", "不能使用 YAML 类型标记（!!），请直接写出内容")
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                line, col = _pos(key_node)
                raise _err(name, line, col, "YAML merge keys (<<) are not allowed in the catalogue",
                           "目录文件中不能使用 << 合并，请把内容直接写出")
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = _pos(key_node)
                raise _err(name, line, col, "a key must be plain text", "字段名必须是普通文字")
            key = key_node.value
            if key in out:
                line, col = _pos(key_node)
                first = positions.keys[loc + (key,)][0]
                raise _err(name, line, col, f'duplicate key "{key}" (first defined on line {first})',
                           f"字段 {key} 重复（第 {first} 行已有）")
            positions.keys[loc + (key,)] = _pos(key_node)
            out[key] = _convert(value_node, loc + (key,), positions, loader, name, counter, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(child, loc + (i,), positions, loader, name, counter, seen)
            for i, child in enumerate(node.value)
        ]
    if node.tag not in ALLOWED_TAGS:
        line, col = _pos(node)
        raise _err(name, line, col, f"the YAML tag {_short_tag(node.tag)} is not allowed in the catalogue; "
                                    "write the value as plain text", "不能使用 YAML 类型标记（!!），请直接写出内容")
    try:
        value = loader.construct_object(node, deep=True)
        if isinstance(value, str):  # what an escape (\x00, \u202e, \e) makes is checked like typed text
            bad = _CONTROL.search(value)
            if bad:
                line, col = _pos(node)
                raise _err(name, line, col, f"control character U+{ord(bad.group()):04X} is not allowed "
                                            "(written as an escape)", "含有不可见的控制字符，请删除")
        return value
    except yaml.YAMLError as exc:
        line, col = _pos(node)
        raise _err(name, line, col, f"invalid value: {getattr(exc, 'problem', exc)}", "值的写法有误") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2026-13-45
        line, col = _pos(node)
        raise _err(name, line, col, f'invalid value "{node.value}": {exc}',
                   f"“{node.value}”的写法有误（日期请写成 2026-01-31）") from None
