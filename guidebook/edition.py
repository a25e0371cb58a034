"""Edition stage: start next year's edition, keeping this year's catalogue recoverable."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from guidebook.catalogue import GUIDE_FILE, load_catalogue
from guidebook.diagnostics import GuidebookError

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
    shutil.copytree(source, archive)
    guide = source / GUIDE_FILE
    text = guide.read_text("utf-8")
    when = (date or dt.date.today()).isoformat()
    text, n = re.subn(r"(?m)^edition:\s*\d+\s*$", f"edition: {year}", text)
    if n != 1:
        raise GuidebookError(f"{guide}: cannot find the `edition:` line to update")
    if re.search(r"(?m)^edition_date:", text):
        text = re.sub(r"(?m)^edition_date:.*$", f"edition_date: {when}", text)
    else:
        text = re.sub(r"(?m)^(edition: \d+)$", rf"\1\nedition_date: {when}", text)
    guide.write_text(text, "utf-8")
    load_catalogue(source)  # the edited file must still be valid
    return archive, old
