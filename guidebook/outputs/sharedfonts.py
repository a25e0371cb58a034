"""Joined PDFs (all-handouts.pdf, the guide's parts) with one copy of each font.

Each PDF WeasyPrint writes embeds its own subset of every face it uses, with the glyph ids of the
face kept (HarfBuzz's retain-gids). A file joined from 54 handouts would carry 54 subsets of the same
face; here they become one subset of every glyph the joined file uses, cut from the same face file in
the same way, so each page's font dictionary (glyph widths, ToUnicode) stays valid as it is.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

FONT_FILES = ("/FontFile3", "/FontFile2")


def cut_id(data: bytes) -> str | None:
    """The identifier guidebook gives each face it cuts (render.fonts.CUT_ID + a 20-digit key, name ID 3
    in UTF-16), which every subset of it keeps: found in the raw bytes, without parsing the font."""
    from guidebook.render.fonts import CUT_ID

    marker = CUT_ID.encode("utf-16-be")
    i = data.find(marker)
    if i < 0:
        return None
    try:
        key = data[i + len(marker):i + len(marker) + 40].decode("utf-16-be")
    except UnicodeDecodeError:
        return None
    return CUT_ID + key if len(key) == 20 and all(c in "0123456789abcdef" for c in key) else None


def _glyph_ids(widths) -> set[int]:
    """The glyph ids a CIDFont's /W array lists: [first [w w ...] first [w ...] | first last w ...]."""
    import pikepdf

    ids: set[int] = set()
    items = list(widths)
    i = 0
    while i + 1 < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            ids.update(range(first, first + len(items[i + 1])))
            i += 2
        else:
            ids.update(range(first, int(items[i + 1]) + 1))
            i += 3
    return ids


def share_fonts(pdf, font_files: list[Path]) -> int:
    """Give every face of `font_files` used in `pdf` (a pikepdf.Pdf) one shared subset; returns how many
    embedded font programs were replaced. Faces that cannot be matched to a file keep their subsets."""
    import pikepdf

    from guidebook.render.fonts import subset_glyphs

    files: dict[str, Path] = {}  # cut identifier -> the cut face's file
    for path in font_files:
        name = cut_id(Path(path).read_bytes())
        if name:
            files[name] = Path(path)
    names: dict[tuple, str | None] = {}  # font program (object id) -> the cut it comes from
    users: dict[str, list] = defaultdict(list)  # cut identifier -> [(descriptor, key)]
    glyphs: dict[str, set[int]] = defaultdict(lambda: {0})
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font":
            continue
        if obj.get("/Subtype") not in ("/CIDFontType0", "/CIDFontType2") or "/FontDescriptor" not in obj:
            continue
        descriptor = obj.FontDescriptor
        key = next((k for k in FONT_FILES if k in descriptor), None)
        if key is None or "/W" not in obj:
            continue
        program = descriptor[key]
        if program.objgen not in names:  # which cut of a face it comes from: only subsets of one cut merge
            names[program.objgen] = cut_id(program.read_bytes())
        name = names[program.objgen]
        if name not in files:
            continue
        users[name].append((descriptor, key))
        glyphs[name] |= _glyph_ids(obj.W)
    replaced = 0
    for name, uses in users.items():
        if len({d[k].objgen for d, k in uses}) < 2:
            continue  # one copy already
        data = subset_glyphs(files[name], glyphs[name])
        if data is None:
            continue
        first = uses[0][0][uses[0][1]]
        stream = pdf.make_stream(data)
        if "/Subtype" in first:
            stream.Subtype = first.Subtype
        if "/Length1" in first:
            stream.Length1 = len(data)
        for descriptor, key in uses:
            descriptor[key] = stream
            replaced += 1
    return replaced
