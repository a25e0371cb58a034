"""One compact copy of each face in the PDFs guidebook joins or finishes (handouts, all-handouts.pdf,
the guide).

WeasyPrint embeds in each PDF a subset of every face it uses with the glyph ids of the face kept
(HarfBuzz's retain-gids): the text shows the glyph ids of the cut face (render.fonts), and the program
keeps an empty slot for every glyph below the last one used. For the cut CJK faces (about 1,750 glyphs)
those slots cost about 6 KB per face and per PDF, a quarter of a handout.

Every face cut by guidebook (recognised by its cut identifier) becomes one subset per PDF:
- a CFF face (CIDFontType0: the Noto and Source Han faces) is cut to the glyphs the file shows, with new
  glyph ids 1..n; the text of every content stream and form, the widths (/W) and the ToUnicode maps are
  re-encoded to match. A glyph is known by its CID in the face, so PDFs whose programs are already
  compact (handouts of an earlier build, joined into all-handouts.pdf) merge as well as fresh ones.
- another face (TrueType), or any face when re-encoding is not asked for (the guide), that appears in
  several copies (a joined file) gets one shared subset with the glyph ids kept, so each page's font
  dictionary stays valid as it is.
Programs that come from no given file (another cut, another tool) are left as they are, and so is every
font of a PDF whose text cannot be re-encoded with certainty.

A handout is written with the cut faces whole (render.weasy.cut_faces_left_whole: WeasyPrint's own
subset would be replaced at once), and `whole=True` then replaces every one of them.
"""

from __future__ import annotations

import io
import re
import struct
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from guidebook.render.fonts import cut_id

FONT_FILES = ("/FontFile3", "/FontFile2")
TEXT_OPERATORS = ("Tj", "TJ", "'", '"')


def widths(w) -> dict[int, object]:
    """Glyph id -> width from a CIDFont's /W array: [first [w w ...] first [w ...] | first last w ...]."""
    import pikepdf

    out: dict[int, object] = {}
    items = list(w)
    i = 0
    while i + 1 < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            for k, v in enumerate(items[i + 1]):
                out[first + k] = v
            i += 2
        else:
            for gid in range(first, int(items[i + 1]) + 1):
                out[gid] = items[i + 2]
            i += 3
    return out


def _w_array(by_gid: dict[int, object]):
    """A /W array of runs of consecutive glyph ids: [first [w ...] first [w ...] ...]."""
    import pikepdf

    out: list = []
    run = None
    for gid in sorted(by_gid):
        if run is None or gid != out[-2] + len(run):
            run = pikepdf.Array()
            out += [gid, run]
        run.append(by_gid[gid])
    return pikepdf.Array(out)


def _glyph_order(data: bytes) -> tuple:
    """What identifies each glyph of a font program, in glyph id order: its CID in a CID-keyed CFF face
    (read directly: fast), otherwise its name (read by fontTools)."""
    try:
        cids = _cff_cids(data)
    except (IndexError, ValueError, struct.error):
        cids = None
    if cids is not None:
        return cids
    from fontTools.ttLib import TTFont

    order = TTFont(io.BytesIO(data), lazy=True).getGlyphOrder()
    return tuple(int(g[3:]) if g.startswith("cid") and g[3:].isdigit() else g for g in order)


def _cff_cids(data: bytes) -> tuple[int, ...] | None:
    """The CID of each glyph of an OpenType font whose CFF table is CID-keyed; None for other fonts.
    (CFF: Adobe Technical Note #5176; only the header, the INDEX structure, the Top DICT and the
    charset are read.)"""
    if data[:4] != b"OTTO":
        return None
    tables = struct.unpack(">H", data[4:6])[0]
    cff = next((struct.unpack(">I", data[12 + 16 * i + 8:12 + 16 * i + 12])[0] for i in range(tables)
                if data[12 + 16 * i:12 + 16 * i + 4] == b"CFF "), None)
    if cff is None:
        return None

    def index(pos: int) -> tuple[list[bytes], int]:
        count = struct.unpack(">H", data[pos:pos + 2])[0]
        if count == 0:
            return [], pos + 2
        size = data[pos + 2]
        offsets = [int.from_bytes(data[pos + 3 + i * size:pos + 3 + (i + 1) * size], "big") for i in range(count + 1)]
        base = pos + 3 + (count + 1) * size - 1
        return [data[base + offsets[i]:base + offsets[i + 1]] for i in range(count)], base + offsets[-1]

    _, pos = index(cff + data[cff + 2])  # the Name INDEX, after the header
    top, _ = index(pos)
    entries = _dict(top[0])
    if (12, 30) not in entries or 15 not in entries or 17 not in entries:
        return None  # not CID-keyed, or a predefined charset
    count = struct.unpack(">H", data[cff + entries[17][0]:cff + entries[17][0] + 2])[0]
    pos = cff + entries[15][0]
    fmt, pos = data[pos], pos + 1
    cids = [0]
    while len(cids) < count:
        if fmt == 0:
            cids.append(struct.unpack(">H", data[pos:pos + 2])[0])
            pos += 2
        elif fmt in (1, 2):
            first = struct.unpack(">H", data[pos:pos + 2])[0]
            left = data[pos + 2] if fmt == 1 else struct.unpack(">H", data[pos + 2:pos + 4])[0]
            cids.extend(range(first, first + left + 1))
            pos += 3 if fmt == 1 else 4
        else:
            raise ValueError(f"charset format {fmt}")
    return tuple(cids[:count])


def _dict(raw: bytes) -> dict:
    """A CFF DICT: operator (an int, or (12, n) for two-byte operators) -> its integer operands."""
    out, operands, i = {}, [], 0
    while i < len(raw):
        b = raw[i]
        if b <= 21:
            if b == 12:
                op, i = (12, raw[i + 1]), i + 2
            else:
                op, i = b, i + 1
            out[op], operands = operands, []
        elif b == 28:
            operands.append(struct.unpack(">h", raw[i + 1:i + 3])[0])
            i += 3
        elif b == 29:
            operands.append(struct.unpack(">i", raw[i + 1:i + 5])[0])
            i += 5
        elif b == 30:  # a real number: nibbles up to 0xf
            i += 1
            while i < len(raw) and (raw[i] & 0x0F) != 0x0F and (raw[i] >> 4) != 0x0F:
                i += 1
            operands.append(0)
            i += 1
        elif 32 <= b <= 246:
            operands.append(b - 139)
            i += 1
        elif 247 <= b <= 250:
            operands.append((b - 247) * 256 + raw[i + 1] + 108)
            i += 2
        elif 251 <= b <= 254:
            operands.append(-(b - 251) * 256 - raw[i + 1] - 108)
            i += 2
        else:
            raise ValueError(f"DICT byte {b}")
    return out


@lru_cache(maxsize=64)
def _cut_id(path: Path, size: int, mtime_ns: int) -> str | None:
    return cut_id(path.read_bytes())


@lru_cache(maxsize=8)
def _face_order(path: Path, size: int, mtime_ns: int) -> tuple:
    return _glyph_order(path.read_bytes())


@lru_cache(maxsize=8)
def _gids_by_name(path: Path, size: int, mtime_ns: int) -> dict[str, int]:
    return {glyph: gid for gid, glyph in enumerate(_face_order(path, size, mtime_ns))}


def _file_key(path) -> tuple[Path, int, int]:
    st = Path(path).stat()
    return Path(path), st.st_size, st.st_mtime_ns


@dataclass
class _Use:
    """A Type0 font of the PDF whose program comes from one of the cut files."""

    font: object  # the Type0 font dictionary
    cid_font: object  # its descendant CIDFont
    descriptor: object
    key: str  # /FontFile3 or /FontFile2
    program: object
    data: bytes  # the program's decoded bytes (read once)
    codes: dict[int, object] = field(default_factory=dict)  # glyph id in the program -> width


def _uses(pdf, files: dict[str, Path]) -> dict[str, list[_Use]]:
    import pikepdf

    names: dict[tuple, str | None] = {}  # font program (object id) -> the cut it comes from
    datas: dict[tuple, bytes] = {}
    out: dict[str, list[_Use]] = defaultdict(list)
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font" or obj.get("/Subtype") != "/Type0":
            continue
        cid_font = obj.DescendantFonts[0] if "/DescendantFonts" in obj else None
        if cid_font is None or cid_font.get("/Subtype") not in ("/CIDFontType0", "/CIDFontType2"):
            continue
        if "/FontDescriptor" not in cid_font or "/W" not in cid_font:
            continue
        descriptor = cid_font.FontDescriptor
        key = next((k for k in FONT_FILES if k in descriptor), None)
        if key is None:
            continue
        program = descriptor[key]
        if program.objgen not in names:  # which cut of a face it comes from: only subsets of one cut merge
            datas[program.objgen] = program.read_bytes()
            names[program.objgen] = cut_id(datas[program.objgen])
        name = names[program.objgen]
        if name in files:
            out[name].append(_Use(obj, cid_font, descriptor, key, program, datas[program.objgen],
                                  widths(cid_font.W)))
    return out


def share_fonts(pdf, font_files: list[Path], ids_kept: bool = False, recode: bool = True, whole: bool = False) -> int:
    """Give every face of `font_files` used in `pdf` (a pikepdf.Pdf) one subset (see the module's
    docstring); returns how many embedded font programs were replaced. Faces that cannot be matched
    to a file, or text that cannot be re-encoded safely, keep their subsets.

    `ids_kept`: the PDF comes straight from WeasyPrint, every program with the cut face's glyph ids
    (their names need not be read). `recode=False`: such a PDF keeps its glyph ids and text, and only
    its copies of a face become one (the guide: re-encoding its 99 pages would take 0.2 s of every edit
    to save 3 % of its size). `whole`: the PDF was written with the cut faces whole
    (render.weasy.cut_faces_left_whole), so every one of their programs is replaced, even one used
    once; WholeFaceLeft is raised if one cannot be."""
    files: dict[str, Path] = {}  # cut identifier -> the cut face's file
    for path in font_files:
        name = _cut_id(*_file_key(path))
        if name:
            files[name] = Path(path)
    uses = _uses(pdf, files)
    compact = {name: group for name, group in uses.items() if recode and _recodable(group)}
    replaced = 0
    recoded = _recode(pdf, {name: (files[name], group) for name, group in compact.items()}, ids_kept)
    if recoded:
        replaced += recoded
    else:
        compact = {}
    for name, group in uses.items():  # the rest: one shared subset, glyph ids kept
        # only programs known to keep the cut's glyph ids: as WeasyPrint wrote them, or of a kind never
        # re-encoded (compact programs of a face whose text could not be re-encoded stay as they are)
        keeps_ids = ids_kept or not _recodable(group)
        if name not in compact and keeps_ids and (whole or len({u.program.objgen for u in group}) > 1):
            replaced += _share_keeping_ids(pdf, files[name], group)
    if whole and any(u.descriptor[u.key].objgen == u.program.objgen for group in uses.values() for u in group):
        raise WholeFaceLeft("a face embedded whole could not be subset")
    return replaced


class WholeFaceLeft(Exception):
    """A program embedded whole could not be replaced (the caller writes the PDF again, subset)."""


def _recodable(group: list[_Use]) -> bool:
    """CFF programs shown through Identity-H (codes are glyph ids), as WeasyPrint writes them."""
    return all(u.key == "/FontFile3" and u.cid_font.Subtype == "/CIDFontType0"
               and u.font.get("/Encoding") == "/Identity-H" for u in group)


def _share_keeping_ids(pdf, path: Path, group: list[_Use]) -> int:
    from guidebook.render.fonts import subset_glyphs

    data = subset_glyphs(path, {0}.union(*(u.codes for u in group)))
    if data is None:
        return 0
    stream = _program_stream(pdf, data, group[0].program)
    for u in group:
        u.descriptor[u.key] = stream
    return len(group)


def _program_stream(pdf, data: bytes, like):
    stream = pdf.make_stream(data)
    if "/Subtype" in like:
        stream.Subtype = like.Subtype
    if "/Length1" in like:
        stream.Length1 = len(data)
    return stream


class _Unsafe(Exception):
    """Text that could not be re-encoded with certainty: the PDF's fonts are left as they are."""


def _compact_face(path: Path, group: list[_Use], ids_kept: bool) -> tuple[bytes, list[dict[int, int]]] | None:
    """The face at `path` cut to the glyphs its uses show, and each use's map of old code -> new glyph id;
    None if a use shows a glyph the face does not have, or HarfBuzz cannot cut it."""
    from guidebook.render.fonts import subset_glyphs

    face_gid = {} if ids_kept else _gids_by_name(*_file_key(path))
    per_use: list[dict[int, int]] = []
    for u in group:
        if ids_kept:
            per_use.append({code: code for code in u.codes})
            continue
        order = _glyph_order(u.data)
        try:
            per_use.append({code: face_gid[order[code]] for code in u.codes})
        except (IndexError, KeyError):
            return None
    gids = {0}.union(*(m.values() for m in per_use))
    data = subset_glyphs(path, gids, keep_ids=False)
    if data is None:
        return None
    # the new id of each glyph, read from the cut itself: HarfBuzz numbers the glyphs it keeps in order,
    # but may keep more than asked (glyphs a kept one reaches, e.g. through its variation sequences)
    kept = {glyph: i for i, glyph in enumerate(_glyph_order(data))}
    face = _face_order(*_file_key(path))
    try:
        new_id = {gid: kept[face[gid]] for gid in gids}
    except (IndexError, KeyError):
        return None
    return data, [{code: new_id[gid] for code, gid in m.items()} for m in per_use]


def _recode(pdf, faces: dict[str, tuple[Path, list[_Use]]], ids_kept: bool) -> int:
    """Cut each face to the glyphs its uses show, with new glyph ids, and re-encode their text.
    Nothing is changed unless all of it can be done; returns the number of programs replaced."""
    import pikepdf

    if not faces:
        return 0
    code_maps: dict[tuple, dict[int, int]] = {}  # Type0 font (object id) -> old code -> new code
    programs: dict[str, bytes] = {}
    for name, (path, group) in faces.items():
        compact = _compact_face(path, group, ids_kept)
        if compact is None:
            return 0
        programs[name], maps = compact
        for u, m in zip(group, maps):
            code_maps[u.font.objgen] = m
    try:
        streams = _recoded_streams(pdf, code_maps)
    except _Unsafe:
        return 0
    streams.reverse()
    while streams:  # each new content handed over and let go at once: half the memory at the peak
        target, data = streams.pop()
        if isinstance(target, pikepdf.Stream):
            target.write(data)
        else:  # a page: its content (one stream or an array of them) becomes one stream
            target.Contents = pdf.make_stream(data)
    replaced = 0
    for name, (path, group) in faces.items():
        stream = _program_stream(pdf, programs[name], group[0].program)
        for u in group:
            m = code_maps[u.font.objgen]
            u.descriptor[u.key] = stream
            u.cid_font.W = _w_array({m[code]: w for code, w in u.codes.items()})
            if "/ToUnicode" in u.font:
                u.font.ToUnicode = pdf.make_stream(_to_unicode(u.font.ToUnicode.read_bytes(), m))
            if "/CIDSet" in u.descriptor:
                u.descriptor.CIDSet = pdf.make_stream(_cid_set(m.values()))
            replaced += 1
    return replaced


def _recoded_streams(pdf, code_maps: dict[tuple, dict[int, int]]) -> list[tuple[object, bytes]]:
    """The new content of every page and form whose text shows a re-encoded font."""
    import pikepdf

    out: list[tuple[object, bytes]] = []
    seen: set[tuple] = set()
    tables: dict = {}

    def visit(target, content, resources):
        fonts = resources.get("/Font", {}) if resources is not None else {}
        fast = _recode_text_fast(_content_bytes(content), fonts, code_maps, tables)
        if fast is not None:
            if fast is not False:
                out.append((target, fast))
            visit_forms(resources)
            return
        recoded = _recode_instructions(content, fonts, code_maps)
        if recoded is not None:
            out.append((target, recoded))
        visit_forms(resources)

    def visit_stream(stream, resources):
        if isinstance(stream, pikepdf.Stream) and stream.objgen not in seen:
            seen.add(stream.objgen)
            visit(stream, stream, stream.get("/Resources", resources))

    def visit_forms(resources):
        """Forms and tiling patterns: content streams of their own."""
        if resources is None:
            return
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form":
                visit_stream(xobject, resources)
        for pattern in resources.get("/Pattern", {}).values():
            if pattern.get("/PatternType") == 1:
                visit_stream(pattern, resources)

    for page in pdf.pages:
        if "/Contents" in page.obj:
            visit(page.obj, page, page.obj.get("/Resources"))
        for annot in page.obj.get("/Annots", []):  # appearance streams (a form field's text)
            for look in annot.get("/AP", {}).values():
                for stream in (look.values() if isinstance(look, pikepdf.Dictionary) else [look]):
                    visit_stream(stream, None)
    return out


def _recode_instructions(content, fonts, code_maps: dict[tuple, dict[int, int]]) -> bytes | None:
    """The slow path of `_recoded_streams`: the stream parsed into instructions, the text of re-encoded
    fonts recoded, written again (None when nothing changed)."""
    import pikepdf

    instructions = pikepdf.parse_content_stream(content)
    changed = False
    current, stack = None, []
    for i, ins in enumerate(instructions):
        if isinstance(ins, pikepdf.ContentStreamInlineImage):
            continue
        op = str(ins.operator)
        if op == "q":
            stack.append(current)
        elif op == "Q":
            current = stack.pop() if stack else current
        elif op == "Tf":
            font = fonts.get(str(ins.operands[0])) if ins.operands else None
            if font is None:
                raise _Unsafe("a font that is not in the stream's resources")
            current = code_maps.get(font.objgen, False)  # False: a font left as it is
        elif op in TEXT_OPERATORS:
            if current is None:
                raise _Unsafe("text shown with a font set outside its stream")
            if current:
                operands = list(ins.operands)
                operands[-1] = _recode_operand(operands[-1], current)
                instructions[i] = pikepdf.ContentStreamInstruction(operands, ins.operator)
                changed = True
    return pikepdf.unparse_content_stream(instructions) if changed else None


def _content_bytes(content) -> bytes:
    """The decoded content of a stream, or of a page (its streams joined)."""
    import pikepdf

    if isinstance(content, pikepdf.Stream):
        return content.read_bytes()
    streams = content.obj.Contents
    if isinstance(streams, pikepdf.Stream):
        return streams.read_bytes()
    return b"\n".join(s.read_bytes() for s in streams)


# WeasyPrint shows all text as `/Font size Tf` and `[<hex>num<hex>...] TJ` inside BT ... ET. A stream
# written that way is re-encoded on its bytes (ten times faster than parsing it into objects); any
# other stream takes the parser.
_TEXT_OBJECT = re.compile(rb"(?<![^\s])BT\s.*?(?<=\s)ET(?=\s|$)", re.S)
_IN_TEXT = re.compile(rb"/([^\s/\[\]<>()]+)\s+[-+.\d]+\s+Tf(?=\s)|\[((?:\s*(?:<[0-9A-Fa-f]*>|[-+.\d]+))*)\s*\]\s*TJ(?=\s)")
_HEX_STRING = re.compile(rb"<([0-9A-Fa-f]*)>")


def _recode_text_fast(raw: bytes, fonts, code_maps: dict[tuple, dict[int, int]],
                      tables: dict | None = None) -> bytes | bool | None:
    """`raw` re-encoded; False if it shows no text of a re-encoded font; None if it is not written the
    simple way (literal strings, inline images, other text operators, a font set outside BT ... ET).
    `tables`: the code maps as hex digits, by font, kept from one stream to the next."""
    tables = {} if tables is None else tables
    if b"BT" not in raw:
        return False
    if b"(" in raw or b"BI" in raw or b"%" in raw or b"'" in raw or b'"' in raw:
        return None
    maps: dict[bytes, dict[bytes, bytes] | bool] = {}  # font name -> old code -> new code, as 4 hex digits
    seen = {"TJ": 0, "hex": 0, "changed": False}

    def hex_string(table: dict[bytes, bytes]):
        def recode(m):
            hexa = m.group(1).lower()
            if len(hexa) % 4:
                raise _Fallback
            try:
                return b"<" + b"".join([table[hexa[i:i + 4]] for i in range(0, len(hexa), 4)]) + b">"
            except KeyError:
                raise _Unsafe("a glyph shown that the font's widths do not list") from None
        return recode

    def text_object(m):
        current = None  # no font until this text object sets one
        pieces, pos, body = [], 0, m.group(0)
        for t in _IN_TEXT.finditer(body):
            if t.group(1) is not None:
                name = t.group(1)
                if name not in maps:
                    font = fonts.get("/" + name.decode("latin-1"))
                    if font is None:
                        raise _Unsafe("a font that is not in the stream's resources")
                    code_map = code_maps.get(font.objgen)
                    if code_map and font.objgen not in tables:
                        tables[font.objgen] = {b"%04x" % a: b"%04x" % b for a, b in code_map.items()}
                    maps[name] = tables[font.objgen] if code_map else False
                current = maps[name]
                continue
            seen["TJ"] += 1
            seen["hex"] += t.group(2).count(b"<")
            if current is None:
                raise _Fallback  # the font comes from outside this text object
            if current:
                pieces += [body[pos:t.start(2)], _HEX_STRING.sub(hex_string(current), t.group(2))]
                pos = t.end(2)
                seen["changed"] = True
        return b"".join(pieces) + body[pos:] if pieces else body

    try:
        new = _TEXT_OBJECT.sub(text_object, raw)
    except _Fallback:
        return None
    if seen["TJ"] != raw.count(b"TJ") + raw.count(b"Tj") or seen["hex"] != raw.count(b"<"):
        return None  # a text operator or a string outside a simple TJ array of a text object
    return new if seen["changed"] else False


class _Fallback(Exception):
    """The stream is not written the simple way: parse it."""


def _recode_operand(operand, code_map: dict[int, int]):
    import pikepdf

    if isinstance(operand, pikepdf.Array):
        return pikepdf.Array([_recode_operand(x, code_map) if isinstance(x, pikepdf.String) else x
                              for x in operand])
    raw = bytes(operand)
    if len(raw) % 2:
        raise _Unsafe("a string of odd length shown with a two-byte encoding")
    try:
        return pikepdf.String(b"".join(code_map[int.from_bytes(raw[i:i + 2], "big")].to_bytes(2, "big")
                                       for i in range(0, len(raw), 2)))
    except KeyError:
        raise _Unsafe("a glyph shown that the font's widths do not list") from None


_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _to_unicode(cmap: bytes, code_map: dict[int, int]) -> bytes:
    """A ToUnicode CMap whose codes are renumbered by `code_map` (bfchar and bfrange entries)."""
    chars: dict[int, bytes] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        pairs = _HEX.findall(block)
        for src, dst in zip(pairs[::2], pairs[1::2]):
            chars[int(src, 16)] = dst
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for line in block.strip().splitlines():
            m = re.match(rb"\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(.*)", line)
            if not m:
                continue
            lo, hi, rest = int(m.group(1), 16), int(m.group(2), 16), m.group(3).strip()
            targets = _HEX.findall(rest)
            if rest.startswith(b"["):
                for k, dst in enumerate(targets):
                    chars[lo + k] = dst
            elif targets:
                start = int(targets[0], 16)
                for k in range(hi - lo + 1):
                    chars[lo + k] = f"{start + k:0{len(targets[0])}x}".encode()
    entries = sorted((code_map[c], dst) for c, dst in chars.items() if c in code_map)
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo",
             b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def", b"1 begincodespacerange",
             b"<0000> <ffff>", b"endcodespacerange"]
    for i in range(0, len(entries), 100):
        batch = entries[i:i + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [b"<%04x> <%s>" % (code, dst) for code, dst in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _cid_set(gids) -> bytes:
    gids = sorted(set(gids) | {0})
    bits = bytearray((gids[-1] + 8) // 8)
    for gid in gids:
        bits[gid // 8] |= 0x80 >> (gid % 8)
    return bytes(bits)
