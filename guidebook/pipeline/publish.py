"""Publishing the web edition: exactly the files the last build wrote into output/site/, and nothing else.

The build lists every file it writes in output/manifest.json with its SHA-256. Whatever else lies in
output/site/ (a file copied there by hand, a symlink to /etc/passwd) is not part of the edition: the
build reports it (`foreign`), and `guidebook publish` never copies it. A file of the build that changed
since it was written is refused, not published.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from guidebook.diagnostics import GuidebookError
from guidebook.files import write_atomic
from guidebook.pipeline.cache import read_manifest, sha256_file

SITE = "site"


def site_files(output: Path) -> dict[str, str]:
    """The web edition's files as the last build wrote them: {path inside site/: SHA-256}."""
    entries, problem = read_manifest(output)
    if problem:
        raise GuidebookError(f"{output / 'manifest.json'} is damaged ({problem}); run `guidebook build` again")
    files = {rel.removeprefix(f"{SITE}/"): e["sha256"] for rel, e in entries.items() if rel.startswith(f"{SITE}/")}
    if not files:
        raise GuidebookError(f"{output / SITE} has no web edition of a build (no site/ files in "
                             f"{output / 'manifest.json'}); run `guidebook build` first")
    return files


def foreign_files(output: Path, known: set[str] | None = None) -> list[Path]:
    """Everything under output/site/ that the build did not write (files, symlinks, sockets; not folders)."""
    root = output / SITE
    if not root.is_dir():
        return []
    if known is None:
        known = set(site_files(output))
    out = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        out += [here / d for d in dirs if (here / d).is_symlink()]  # a link to a folder: walked by no one
        for name in names:
            path = here / name
            if path.relative_to(root).as_posix() not in known:
                out.append(path)
    return sorted(out)


@dataclass
class Published:
    copied: list[str] = field(default_factory=list)
    unchanged: int = 0
    extra: list[Path] = field(default_factory=list)  # files in the target that are not part of the edition
    removed: list[Path] = field(default_factory=list)
    foreign: list[Path] = field(default_factory=list)  # left out: in output/site/ but not the build's


def publish(output: Path, target: Path, delete: bool = False) -> Published:
    """Copy the web edition of the last build into `target` (made if missing). With `delete`, files of
    `target` that are not part of the edition are removed (only regular files and links, inside it)."""
    files = site_files(output)
    root = (output / SITE).resolve()
    target = Path(target)
    if target.resolve() == root or root in target.resolve().parents or target.resolve() in root.parents:
        raise GuidebookError(f"{target}: the published folder must be outside {output / SITE}")
    for rel, sha in files.items():  # all checked before anything is copied
        source = output / SITE / rel
        if source.is_symlink() or not source.is_file():
            raise GuidebookError(f"{source}: not the file the build wrote (missing or not a regular file); "
                                 f"run `guidebook build` again")
        if sha256_file(source) != sha:
            raise GuidebookError(f"{source} changed since the build wrote it; run `guidebook build` again")
    result = Published(foreign=foreign_files(output, set(files)))
    for rel in sorted(files):
        dest = target / rel
        data = (output / SITE / rel).read_bytes()
        if dest.is_symlink():
            dest.unlink()
        elif dest.exists() and not dest.is_file():
            raise GuidebookError(f"{dest}: exists and is not a file; nothing more was copied")
        if dest.is_file() and dest.read_bytes() == data:
            result.unchanged += 1
            continue
        write_atomic(dest, data)
        result.copied.append(rel)
    if target.is_dir():
        for folder, _, names in os.walk(target, followlinks=False):
            for name in names:
                path = Path(folder) / name
                if path.relative_to(target).as_posix() not in files:
                    result.extra.append(path)
    if delete:
        for path in result.extra:
            path.unlink()
            result.removed.append(path)
    return result
