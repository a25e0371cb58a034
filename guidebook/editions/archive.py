"""Edition stage: start next year's edition, keeping this year's catalogue recoverable."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from guidebook.catalogue import GUIDE_FILE, load_catalogue
from guidebook.diagnostics import GuidebookError
from guidebook.files import write_atomic

EDITIONS_DIR = "editions"


def new_edition(source: Path, year: int, date: dt.date | None = None,
                editions: Path | None = None) -> tuple[Path, int]:
    """Copy source/ to editions/<old year>/ and set the new year and date in guide.yaml.

    Returns the archive folder and the old year. Refuses to overwrite an archived edition.
    """
    cat = load_catalogue(source)  # only a valid catalogue becomes an edition
    old = cat.guide.edition
    if year <= old:
        raise GuidebookError(f"the new edition must come after {old}; got {year}")
    archive = (editions or source.parent / EDITIONS_DIR) / str(old)
    if archive.exists():
        raise GuidebookError(f"{archive} already exists: edition {old} was archived before")
    if archive.parent.exists() and not archive.parent.is_dir():
        raise GuidebookError(f"{archive.parent} is a file, not a folder for the archived editions")
    guide = source / GUIDE_FILE
    old_text = guide.read_text("utf-8")
    when = (date or dt.date.today()).isoformat()
    text, n = re.subn(r"(?m)^edition:\s*\d+\s*$", f"edition: {year}", old_text)
    if n != 1:
        raise GuidebookError(f"{guide}: cannot find the `edition:` line to update")
    if re.search(r"(?m)^edition_date:", text):
        text = re.sub(r"(?m)^edition_date:.*$", f"edition_date: {when}", text)
    else:
        text = re.sub(r"(?m)^(edition: \d+)$", rf"\1\nedition_date: {when}", text)
    # the new edition remembers the archived one: builds show what changed since it (本版主要变化)
    if re.search(r"(?m)^compare_with:", text):
        text = re.sub(r"(?m)^compare_with:.*$", f"compare_with: {old}", text)
    else:
        text = re.sub(r"(?m)^(edition_date: .*)$", rf"\1\ncompare_with: {old}", text)
    # all checked before anything is written; undone if the edited catalogue does not load
    shutil.copytree(source, archive)
    try:
        write_atomic(guide, text.encode("utf-8"))
        load_catalogue(source)
    except BaseException:
        write_atomic(guide, old_text.encode("utf-8"))
        shutil.rmtree(archive, ignore_errors=True)
        raise
    return archive, old
