"""Diagnostics: compiler-style messages (file:line:col: field: message) shared by every stage."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable


# C0/C1 controls other than tab/newline, line and paragraph separators, and the bidirectional controls
# that can disguise text: refused in the catalogue, and escaped wherever the tool prints them.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    """`text` with every CONTROL character shown as an escape (\\x1b, \\u202e): a file name or value quoted
    in a message can never move the cursor, recolour or reorder the user's terminal."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in the user's data, templates or settings."""

    file: str
    line: int
    col: int
    field: str
    message: str
    severity: str = "error"  # "error", "warning" or "note"
    zh: str = field(default="", compare=False)  # the message in Chinese, for staff (the editor shows it)

    @property
    def chinese(self) -> str:
        """The message as the editor shows it to staff: the checker's Chinese wording, else the message."""
        return self.zh or self.message

    def format(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.col}"
        label = "" if self.severity == "error" else f"{self.severity}: "
        subject = f"{self.field}: " if self.field else ""
        return printable(f"{where}: {label}{subject}{self.message}")

    def __str__(self) -> str:
        return self.format()


@dataclass
class Report:
    """All diagnostics of one run, collected so that every problem is reported at once."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diag: Diagnostic) -> None:
        if diag not in self.items:
            self.items.append(diag)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    @property
    def notes(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "note"]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.file, d.line, d.col, d.field, d.message))


class GuidebookError(Exception):
    """A user-facing failure: printed without a traceback, exit code 1."""

    def __init__(self, message: str, diagnostics: Iterable[Diagnostic] = ()):
        super().__init__(message)
        self.diagnostics = list(diagnostics)

    def __reduce__(self):  # keep the diagnostics when raised in a worker process
        return (type(self), (str(self), self.diagnostics))


class DataError(GuidebookError):
    """The catalogue has errors; `diagnostics` lists them all."""


def rel(path: Path | str, root: Path | None = None) -> str:
    """A path as the user should read it: relative to the current folder when possible."""
    import os

    p = Path(os.path.abspath(path))  # not resolve(): a symlink is named as the user wrote it
    for base in ([root] if root else []) + [Path.cwd()]:
        try:
            return str(p.relative_to(os.path.abspath(base)))
        except (ValueError, OSError):
            continue
    return str(path)
