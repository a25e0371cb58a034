"""Loading stage: safe YAML parsing that keeps the line and column of every value and key."""

from __future__ import annotations

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


def _err(name: str, line: int, col: int, msg: str) -> YamlError:
    return YamlError(Diagnostic(name, line, col, "", msg))


def _indent(s: str) -> int:
    return len(s) - len(s.lstrip(" "))


def _plain_words(exc, lines: list[str], line: int, col: int) -> tuple[int, int, str]:
    """The YAML parser's message as a sentence a person who does not know YAML can act on, at the line
    where the mistake is (PyYAML often reports the line after it)."""
    problem = exc.problem or exc.context or "invalid YAML"
    ctx = exc.context_mark
    if "could not find expected ':'" in problem and ctx is not None:
        n = ctx.line + 1
        text = lines[n - 1].strip() if 0 < n <= len(lines) else ""
        return n, ctx.column + 1, (f"line {n} has no colon after its field name: \"{text}\" (第 {n} 行缺少冒号；"
                                   f"写成 {L.NAME}: {L.CONTENT})")
    if any(p in problem for p in ("did not find expected '-' indicator", "did not find expected key",
                                  "expected <block end>")):
        n = line
        prev = next((k for k in range(n - 1, 0, -1) if lines[k - 1].strip() and not lines[k - 1].lstrip().startswith("#")), 0)
        if prev and 0 < n <= len(lines):
            a, b = _indent(lines[n - 1]), _indent(lines[prev - 1])
            return n, col, (f"line {n} is indented differently from line {prev} ({a} spaces, not {b}; 第 {n} 行的缩进与"
                            f"第 {prev} 行不一致): indent it like the lines it belongs with")
        return n, col, f"line {n}: unexpected indentation (第 {n} 行的缩进有误)"
    if "mapping values are not allowed" in problem:
        return line, col, (f"line {line} has a second colon in a value (第 {line} 行的内容里有冒号): "
                           f"put the text in quotes, e.g. \"...：...\", or write the colon as ：")
    return line, col, f"YAML syntax error: {problem}"


def load_yaml(path: Path, display: str | None = None) -> YamlDoc:
    """Parse one YAML file safely; raise YamlError with a positioned diagnostic on any problem.

    Refuses anchors and aliases (no alias bombs), duplicate keys, non-text keys and oversized files.
    """
    name = display or str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _err(name, 0, 0, f"cannot read file: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise _err(name, 0, 0, f"file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _err(name, line, 1, "file is not valid UTF-8 text") from None
    except OSError as exc:
        raise _err(name, 0, 0, f"cannot read file: {exc.strerror}") from None
    return parse_yaml(text, name, path)


def parse_yaml(text: str, name: str, path: Path | None = None) -> YamlDoc:
    bad = next((m for m in _CONTROL.finditer(text)), None)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise _err(name, line, col, f"control character U+{ord(bad.group()):04X} is not allowed")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except RecursionError:
        raise _err(name, 0, 0, "the document is nested too deeply (lists or mappings inside each other "
                               "hundreds of levels deep)") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        lines = text.splitlines()
        bad_line = lines[line - 1] if 0 < line <= len(lines) else ""
        if "\t" in bad_line[: max(col, len(bad_line) - len(bad_line.lstrip()))]:
            problem = "tab characters are not allowed for indentation; use spaces"
            raise _err(name, line, col, f"YAML syntax error: {problem}") from None
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
                               "hundreds of levels deep)") from None
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
        raise _err(name, line, col, f"document has more than {MAX_NODES:,} values")
    if id(node) in seen:  # the composer returns the anchored node again for every alias
        line, col = _pos(node)
        raise _err(name, line, col, "YAML anchors and aliases (&, *) are not allowed in the catalogue")
    seen.add(id(node))
    positions.values[loc] = _pos(node)
    expected = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}.get(type(node))
    if expected and node.tag != expected:
        line, col = _pos(node)
        raise _err(name, line, col, f"the YAML tag {_short_tag(node.tag)} is not allowed in the catalogue; "
                                    "write the value as plain text")
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                line, col = _pos(key_node)
                raise _err(name, line, col, "YAML merge keys (<<) are not allowed in the catalogue")
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = _pos(key_node)
                raise _err(name, line, col, "a key must be plain text")
            key = key_node.value
            if key in out:
                line, col = _pos(key_node)
                first = positions.keys[loc + (key,)][0]
                raise _err(name, line, col, f'duplicate key "{key}" (first defined on line {first})')
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
                                    "write the value as plain text")
    try:
        value = loader.construct_object(node, deep=True)
        if isinstance(value, str):  # what an escape (\x00, \u202e, \e) makes is checked like typed text
            bad = _CONTROL.search(value)
            if bad:
                line, col = _pos(node)
                raise _err(name, line, col, f"control character U+{ord(bad.group()):04X} is not allowed "
                                            "(written as an escape)")
        return value
    except yaml.YAMLError as exc:
        line, col = _pos(node)
        raise _err(name, line, col, f"invalid value: {getattr(exc, 'problem', exc)}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2026-13-45
        line, col = _pos(node)
        raise _err(name, line, col, f'invalid value "{node.value}": {exc}') from None
