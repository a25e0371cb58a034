"""Cache stage: content-addressed keys of outputs, so a rebuild renders only what its inputs changed.

An output's key hashes everything that can change it: the tool's own source files, every file of the layout
folders, the fonts resolved for them, the options, and its part of the catalogue (a handout: its item
and the guide's title data; the guide: the whole catalogue). An output is reused only when its key is
unchanged and the file on disk still has the SHA-256 the manifest recorded, so a stale or edited
file is never served.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from guidebook import __version__
from guidebook.files import folder_files

MANIFEST = "manifest.json"


def _h(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else p.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


_CODE: list[str] = []


def code_key() -> str:
    """A hash of the package's own source files: editing any module re-renders what it may affect."""
    if not _CODE:
        root = Path(__file__).resolve().parents[1]  # the guidebook package
        parts: list[str | bytes] = [__version__]
        for p in sorted(root.rglob("*.py")):
            parts += [p.relative_to(root).as_posix(), p.read_bytes()]
        _CODE.append(_h(*parts))
    return _CODE[0]


def layout_key(chain: list[Path], roles, options: str) -> str:
    """Everything presentational: layout files, fonts (file, face, size, date), options, the tool's code."""
    parts: list[str | bytes] = [code_key(), options]
    for d in chain:
        for p in folder_files(d):
            parts += [str(p.relative_to(d)), p.read_bytes()]
    for role in roles:
        for face in role.faces:
            st = os.stat(face.file)
            parts.append(f"{role.name}|{face.family}|{face.file}|{face.index}|{face.weight}|{st.st_size}|{st.st_mtime_ns}")
    return _h(*parts)


def guide_key(base: str, catalogue_json: str, extra: str = "") -> str:
    return _h(base, "guide", catalogue_json, extra)


def handout_key(base: str, item_json: str, guide_json: str) -> str:
    return _h(base, "handout", item_json, guide_json)


def combined_key(keys: list[str]) -> str:
    return _h("combined", *keys)


def previous(output: Path) -> dict[str, dict]:
    """The last build's manifest entries by relative path (empty when there is none)."""
    return read_manifest(output)[0]


def read_manifest(output: Path) -> tuple[dict[str, dict], str | None]:
    """The last build's manifest entries by relative path, and what is wrong with the manifest if it
    exists but is damaged or hand-edited. Entries of the wrong shape are left out (their outputs are
    rendered again), and a path that could leave the output folder is never used."""
    try:
        text = (output / MANIFEST).read_text("utf-8")
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError) as exc:
        return {}, f"unreadable: {exc}"
    try:
        data = json.loads(text)
    except ValueError:
        return {}, "not JSON"
    entries = data.get("outputs") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return {}, "no list of outputs"
    valid = [e for e in entries if _valid_entry(e)]
    bad = len(entries) - len(valid)
    return {e["path"]: e for e in valid}, (f"{bad} entr{'y' if bad == 1 else 'ies'} of the wrong shape" if bad else None)


def _valid_entry(e) -> bool:
    if not isinstance(e, dict) or not all(isinstance(e.get(k), str) for k in ("path", "key", "sha256")):
        return False
    parts = e["path"].split("/")
    return not e["path"].startswith("/") and ".." not in parts and "" not in parts and "\\" not in e["path"]


def sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def fresh(output: Path, rel: str, key: str, entries: dict[str, dict]) -> bool:
    """True when `rel` was built from the same inputs and is still the file that build wrote."""
    entry = entries.get(rel)
    return bool(entry and entry.get("key") == key and sha256_file(output / rel) == entry.get("sha256"))
