"""Font stage: resolve the layout's font roles via fontconfig, check glyph coverage, cut cached subsets."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from guidebook.diagnostics import GuidebookError
from guidebook.files import confined
from guidebook.files import write_atomic

FONTS_FILE = "fonts.toml"
INSTALL_HINT = "install the Noto CJK fonts: apt-get install fonts-noto-cjk (or run scripts/setup.sh)"
BASE_CHARS = "".join(chr(c) for c in range(0x20, 0x7F)) + "，。、；：？！“”‘’（）《》【】〔〕—…·→←↓↑①②③④⑤⑥⑦⑧⑨⑩　"


@dataclass(frozen=True)
class Face:
    family: str  # the family fontconfig matched, e.g. "Noto Serif CJK SC"
    file: str
    index: int
    weight: int


@dataclass
class Role:
    name: str  # body | heading ...
    wanted: list[str]
    faces: list[Face] = field(default_factory=list)

    @property
    def family(self) -> str:
        return self.faces[0].family if self.faces else ""

    @property
    def css_family(self) -> str:
        """The @font-face family of the subset files; PDF font names show it (e.g. Noto-Serif-CJK-SC-Subset)."""
        return f"{self.family} Subset"

    @property
    def css_variable(self) -> str:
        return f"--font-{self.name}"


def cache_dir() -> Path:
    base = os.environ.get("GUIDEBOOK_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "guidebook")
    return Path(base)


def read_roles(layout_dirs: list[Path]) -> tuple[dict[str, list[str]], Path]:
    """The font roles of the layout folders: every fonts.toml found, an override's roles replacing the
    same roles of the folders after it (a layout's fonts.toml with only [roles.body] keeps the default
    heading role). Returns the roles and the first fonts.toml found (the one a designer edits)."""
    found = [d / FONTS_FILE for d in layout_dirs if (d / FONTS_FILE).is_file()]
    if not found:
        raise GuidebookError(f"no {FONTS_FILE} in the layout folders: {', '.join(map(str, layout_dirs))}")
    merged: dict[str, list[str]] = {}
    for path in reversed(found):
        merged.update(_roles_of(path, layout_dirs))
    return merged, found[0]


def _roles_of(path: Path, layout_dirs: list[Path]) -> dict[str, list[str]]:
    confined(path, layout_dirs)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise GuidebookError(f"{path}: invalid TOML: {exc}") from None
    roles = data.get("roles")
    if not isinstance(roles, dict) or not roles:
        raise GuidebookError(f"{path}: expected [roles.NAME] tables with a `families` list")
    out = {}
    for name, spec in roles.items():
        fams = spec.get("families") if isinstance(spec, dict) else None
        if not isinstance(fams, list) or not all(isinstance(f, str) and f.strip() for f in fams) or not fams:
            raise GuidebookError(f"{path}: roles.{name}.families must be a list of font family names, "
                                 f'e.g. families = ["Noto Serif CJK SC"]')
        out[name] = fams
    return out


@lru_cache(maxsize=256)
def _fc_match(family: str, weight: int) -> Face | None:
    if not shutil.which("fc-match"):
        raise GuidebookError("fontconfig's fc-match is not installed: apt-get install fontconfig")
    fc_weight = {400: "regular", 700: "bold"}.get(weight, str(weight))
    out = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}\n%{family}\n%{weight}", f"{family}:lang=zh-cn:weight={fc_weight}"],
        capture_output=True, text=True, check=False,
    ).stdout.split("\n")
    if len(out) < 4 or not out[0]:
        return None
    families = [f.strip() for f in out[2].split(",")]
    if family not in families:
        return None  # fontconfig substituted another family: the wanted one is not installed
    matched_weight = int(float(out[3] or 80))  # fontconfig weights: 80 regular, 200 bold
    if weight >= 700 and matched_weight < 200:
        return None  # no real bold face; let the renderer synthesise it
    return Face(family, out[0], int(out[1] or 0), weight)


def resolve(layout_dirs: list[Path]) -> tuple[list[Role], list[str]]:
    """Resolve every role to installed faces; returns the roles and warnings about fallbacks."""
    spec, path = read_roles(layout_dirs)
    roles, warnings = [], []
    for name, wanted in spec.items():
        role = Role(name, wanted)
        for fam in wanted:
            regular = _fc_match(fam, 400)
            if regular:
                role.faces.append(regular)
                bold = _fc_match(fam, 700)
                if bold:
                    role.faces.append(bold)
                break
        if not role.faces:
            raise GuidebookError(
                f"{path}: no font of role '{name}' is installed (wanted: {', '.join(wanted)}); {INSTALL_HINT}")
        if role.family != wanted[0]:
            warnings.append(
                f"font role '{name}': {', '.join(wanted[:wanted.index(role.family)])} not installed; "
                f"using {role.family}")
        roles.append(role)
    return roles, warnings


@lru_cache(maxsize=64)
def _cmap(file: str, index: int) -> frozenset[int]:
    """The code points a face covers; cached on disk by font file, face, size and date."""
    from array import array

    st = os.stat(file)
    key = hashlib.sha256(f"{file}|{index}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:20]
    path = cache_dir() / "cmaps" / f"{key}.u32"
    try:
        return frozenset(array("I", path.read_bytes()))
    except OSError:
        pass
    from fontTools.ttLib import TTFont

    with TTFont(file, fontNumber=index, lazy=True) as f:
        points = frozenset(f.getBestCmap())
    try:
        write_atomic(path, array("I", sorted(points)).tobytes())
    except GuidebookError:
        pass  # an unwritable cache only costs time
    return points


# Unicode's default-ignorable code points (DerivedCoreProperties.txt): zero-width spaces and joiners, the soft
# hyphen, direction marks, variation selectors ... Every renderer draws them as nothing (a variation selector
# picks the variant of the character before it where the font has one); text pasted from web pages and Word
# files brings them, invisible to the person who typed it.
DRAWN_AS_NOTHING = ((0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
                    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
                    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
                    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF))


def drawn_as_nothing(ch: str) -> bool:
    return any(first <= ord(ch) <= last for first, last in DRAWN_AS_NOTHING)


def missing_glyphs(text: str, roles: list[Role]) -> list[str]:
    """Characters of `text` that some role's regular face cannot draw (whitespace and the characters every
    renderer draws as nothing ignored)."""
    out = []
    for ch in sorted(set(text)):
        if ch.isspace() or drawn_as_nothing(ch):
            continue
        for role in roles:
            face = role.faces[0]
            if ord(ch) not in _cmap(face.file, face.index):
                out.append(ch)
                break
    return out


CUT_ID = "guidebook cut "  # nameID 3 (unique font identifier) of a cut face: "guidebook cut <key>"


def _subset(face: Face, chars: str, dest: Path, key: str = "") -> None:
    """Cut `face` to `chars` (HarfBuzz, 40 ms a face; fontTools where HarfBuzz-subset is missing, 1.3 s)
    and name the cut: the subsets WeasyPrint embeds keep the name table, and a joined file may only merge
    subsets cut from this very file (glyph ids differ between cuts of other characters)."""
    import io

    from fontTools.ttLib import TTFont

    data = _cut_harfbuzz(face, chars)
    if data is None:  # pragma: no cover (the set-up installs libharfbuzz-subset0; tested by forcing it)
        data = _cut_fonttools(face, chars)
    # the source's timestamps kept (fontTools would stamp the time of the renaming into the head table,
    # and so into every PDF and Word file): the same font and characters give the same bytes everywhere
    with TTFont(io.BytesIO(data), lazy=True, recalcTimestamp=False, recalcBBoxes=False) as font:
        _drop_unasked_variations(font, chars)
        font["name"].removeNames(nameID=3)
        font["name"].setName(CUT_ID + key, 3, 3, 1, 0x409)
        buf = io.BytesIO()
        font.save(buf)
    write_atomic(dest, buf.getvalue())


def _drop_unasked_variations(font, chars: str) -> None:
    """Keep the variation sequences (cmap format 14) only of the selectors asked for, as fontTools does:
    HarfBuzz keeps every sequence of a character kept, and their glyphs, which no text of the catalogue
    reaches, would then ride along in every PDF."""
    asked = {ord(c) for c in chars}
    tables = []
    for table in font["cmap"].tables:
        if table.format == 14:
            table.uvsDict = {vs: seqs for vs, seqs in table.uvsDict.items() if vs in asked}
            if not table.uvsDict:
                continue
        tables.append(table)
    font["cmap"].tables = tables


def _cut_harfbuzz(face: Face, chars: str) -> bytes | None:
    """The face cut to `chars` by HarfBuzz-subset: every name, every layout feature (and the glyphs they
    reach), no table dropped, no hinting, the .notdef outline kept; None without HarfBuzz-subset."""
    try:
        ffi, hb, hbs = _harfbuzz()
    except (OSError, AttributeError):
        return None
    data = Path(face.file).read_bytes()
    blob = hb.hb_blob_create(ffi.from_buffer(data), len(data), 1, ffi.NULL, ffi.NULL)  # 1: read-only
    source = hb.hb_face_create(blob, face.index)
    inp = hbs.hb_subset_input_create_or_fail()
    try:
        if inp == ffi.NULL:
            return None
        wanted = hbs.hb_subset_input_unicode_set(inp)
        for ch in chars:
            hb.hb_set_add(wanted, ord(ch))
        for kind in (_NAME_ID_SET, _NAME_LANG_SET, _FEATURE_SET):  # all of them: an empty set inverted
            every = hbs.hb_subset_input_set(inp, kind)
            hb.hb_set_clear(every)
            hb.hb_set_invert(every)
        hb.hb_set_clear(hbs.hb_subset_input_set(inp, _DROP_TABLE_SET))  # HarfBuzz drops BASE by default
        hbs.hb_subset_input_set_flags(inp, _NO_HINTING | _NOTDEF_OUTLINE | _PASSTHROUGH_UNRECOGNIZED)
        return _face_bytes(ffi, hb, hbs.hb_subset_or_fail(source, inp))
    finally:
        if inp != ffi.NULL:
            hbs.hb_subset_input_destroy(inp)
        hb.hb_face_destroy(source)
        hb.hb_blob_destroy(blob)


def _face_bytes(ffi, hb, face) -> bytes | None:
    """The bytes of a HarfBuzz face (None for a failed cut), the face destroyed."""
    if face == ffi.NULL:
        return None
    out = hb.hb_face_reference_blob(face)
    length = ffi.new("unsigned int *")
    ptr = hb.hb_blob_get_data(out, length)
    result = None if ptr == ffi.NULL else bytes(ffi.unpack(ptr, int(length[0])))
    hb.hb_blob_destroy(out)
    hb.hb_face_destroy(face)
    return result


def _cut_fonttools(face: Face, chars: str) -> bytes:
    """The face cut to `chars` by fontTools, with what `_cut_harfbuzz` keeps."""
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.layout_features = ["*"]
    opts.hinting = False
    # the source's bounds kept (head, hhea): recomputing them measures every glyph's outline
    with TTFont(face.file, fontNumber=face.index, lazy=False, recalcTimestamp=False, recalcBBoxes=False) as font:
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=[ord(c) for c in chars])
        sub.subset(font)
        buf = io.BytesIO()
        font.save(buf)
    return buf.getvalue()


def subset_faces(roles: list[Role], chars: str) -> dict[Face, Path]:
    """Cut every face to `chars` once; cached on disk by font file, face and character set."""
    chars = "".join(sorted(set(chars) | set(BASE_CHARS)))
    out = {}
    for role in roles:
        for face in role.faces:
            st = os.stat(face.file)
            key = hashlib.sha256(
                f"{face.file}|{st.st_size}|{st.st_mtime_ns}|{face.index}|{chars}|named|source-time|harfbuzz".encode()).hexdigest()[:20]
            dest = cache_dir() / "fonts" / f"{role.name}-{face.weight}-{key}.otf"
            if not dest.exists():
                _subset(face, chars, dest, key)
            out[face] = dest
    return out


def font_face_css(roles: list[Role], files: dict[Face, Path]) -> str:
    """@font-face rules for each role's subset files, and the variables --font-ROLE that name them."""
    rules = [":root { " + " ".join(f'{r.css_variable}: "{r.css_family}";' for r in roles) + " }"]
    for role in roles:
        for face in role.faces:
            rules.append(
                f'@font-face {{ font-family: "{role.css_family}"; src: url("{files[face].as_uri()}"); '
                f"font-weight: {face.weight}; font-style: normal; }}"
            )
    return "\n".join(rules) + "\n"


# ---------------------------------------------------------------------------------------------
# Single-face fonts for word processors


def face_install_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/usr/local/share/fonts/guidebook")
    return Path(os.path.expanduser("~/.local/share/fonts/guidebook"))


def install_single_faces(roles: list[Role], dest: Path | None = None) -> list[Path]:
    """Extract each face the layout uses from its font collection (.ttc) into a one-face .otf.

    Noto CJK collections share one CFF table named after the Japanese face ("NotoSansCJKjp-..."),
    so word processors that embed fonts by their CFF name (LibreOffice) label Chinese text "jp"
    even though the glyphs are Simplified Chinese. The extracted face's CFF takes the face's own
    PostScript name (as in Adobe's region-specific OTFs), and fontconfig then prefers it.
    """
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.sfnt import SFNTWriter

    dest = dest or face_install_dir()
    written = []
    for role in roles:
        for face in role.faces:
            if not face.file.lower().endswith((".ttc", ".otc")):
                continue
            with TTFont(face.file, fontNumber=face.index, lazy=True) as font:
                ps = font["name"].getDebugName(6) or ""
                out = dest / f"{ps}.otf"
                if not ps or out.exists():
                    continue
                reader = font.reader
                tags = sorted(reader.keys())
                raw = {tag: reader[tag] for tag in tags}
                if "CFF " in raw:
                    old = font["CFF "].cff.fontNames[0]
                    if len(old) == len(ps) and old != ps:
                        # same length: the CFF's offsets stay valid, so the bytes can be patched in place
                        raw["CFF "] = raw["CFF "].replace(old.encode("ascii"), ps.encode("ascii"))
                import io

                buf = io.BytesIO()
                writer = SFNTWriter(buf, len(tags), sfntVersion=reader.sfntVersion)
                for tag in tags:
                    writer[tag] = raw[tag]
                writer.close()
            write_atomic(out, buf.getvalue())
            written.append(out)
    if written and shutil.which("fc-cache"):
        subprocess.run(["fc-cache", "-f", str(dest)], check=False, capture_output=True)
        _fc_match.cache_clear()
    return written


# ---------------------------------------------------------------------------------------------
# One subset for a joined file (guidebook.outputs.sharedfonts)

def cut_id(data: bytes) -> str | None:
    """The identifier guidebook gives each face it cuts (CUT_ID + a 20-digit key, name ID 3 in UTF-16),
    which every subset of it keeps: found in the raw bytes, without parsing the font."""
    marker = CUT_ID.encode("utf-16-be")
    i = data.find(marker)
    if i < 0:
        return None
    try:
        key = data[i + len(marker):i + len(marker) + 40].decode("utf-16-be")
    except UnicodeDecodeError:
        return None
    return CUT_ID + key if len(key) == 20 and all(c in "0123456789abcdef" for c in key) else None


_HB: list = []


def parse_c_types() -> None:
    """Parse, once before workers fork, the C type `subset_glyphs` asks cffi for (pycparser, 15 ms)."""
    _harfbuzz()[0].typeof("unsigned int *")


def _harfbuzz():
    """HarfBuzz and HarfBuzz-subset through cffi: the libraries WeasyPrint itself loads."""
    if not _HB:
        from cffi import FFI

        ffi = FFI()
        ffi.cdef("""
            typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t;
            typedef struct hb_set_t hb_set_t; typedef struct hb_subset_input_t hb_subset_input_t;
            typedef uint32_t hb_codepoint_t; typedef uint32_t hb_tag_t;
            hb_blob_t *hb_blob_create(const char *data, unsigned int length, int mode, void *user_data, void *destroy);
            void hb_blob_destroy(hb_blob_t *blob);
            const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
            hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
            void hb_face_destroy(hb_face_t *face);
            hb_blob_t *hb_face_reference_blob(hb_face_t *face);
            void hb_set_add(hb_set_t *set, hb_codepoint_t codepoint);
            void hb_set_add_range(hb_set_t *set, hb_codepoint_t first, hb_codepoint_t last);
            void hb_set_clear(hb_set_t *set);
            void hb_set_invert(hb_set_t *set);
            hb_tag_t hb_tag_from_string(const char *str, int len);
            hb_subset_input_t *hb_subset_input_create_or_fail(void);
            void hb_subset_input_destroy(hb_subset_input_t *input);
            hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
            hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
            hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
            void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned int value);
            hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
        """)
        hb = ffi.dlopen("libharfbuzz.so.0")
        hbs = ffi.dlopen("libharfbuzz-subset.so.0")
        _HB.extend([ffi, hb, hbs])
    return _HB


# hb_subset_flags_t and hb_subset_sets_t values (hb-subset.h, stable since HarfBuzz 2.9)
_NO_HINTING, _RETAIN_GIDS, _DESUBROUTINIZE = 0x1, 0x2, 0x4
_PASSTHROUGH_UNRECOGNIZED, _NOTDEF_OUTLINE = 0x20, 0x40
_DROP_TABLE_SET, _NAME_ID_SET, _NAME_LANG_SET, _FEATURE_SET = 3, 4, 5, 6
_DROPPED = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")


@lru_cache(maxsize=8)
def _face_file(path: Path, size: int, mtime_ns: int) -> bytes:
    """A cut face's bytes, read once per process (every handout cuts the same three faces again)."""
    return path.read_bytes()


def subset_glyphs(path: Path, gids: set[int], index: int = 0, keep_ids: bool = True) -> bytes | None:
    """The face at `path` cut to the glyph ids `gids` as WeasyPrint cuts a face for one PDF (no hinting, no
    subroutines, the same tables dropped; the .notdef outline kept); None if HarfBuzz cannot. `keep_ids`: every glyph keeps its id
    (the slots between stay, empty); otherwise the glyphs are renumbered 0..n-1 in the order of their ids."""
    try:
        ffi, hb, hbs = _harfbuzz()
    except (OSError, AttributeError):  # pragma: no cover (no HarfBuzz-subset: keep the separate subsets)
        return None
    st = Path(path).stat()
    data = _face_file(Path(path), st.st_size, st.st_mtime_ns)
    buf = ffi.from_buffer(data)
    blob = hb.hb_blob_create(buf, len(data), 1, ffi.NULL, ffi.NULL)  # 1: HB_MEMORY_MODE_READONLY
    face = hb.hb_face_create(blob, index)
    try:
        cut = face
        # as WeasyPrint: keep the glyph ids, then drop the empty glyphs after the last one used
        passes = ((_RETAIN_GIDS, sorted(gids)), (0, None)) if keep_ids else ((0, sorted(gids)),)
        for flags, keep in passes:
            inp = hbs.hb_subset_input_create_or_fail()
            if inp == ffi.NULL:
                return None
            glyph_set = hbs.hb_subset_input_glyph_set(inp)
            if keep is None:
                hb.hb_set_add_range(glyph_set, 0, max(gids))
            else:
                for gid in keep:
                    hb.hb_set_add(glyph_set, gid)
            drop = hbs.hb_subset_input_set(inp, _DROP_TABLE_SET)
            for tag in _DROPPED:
                hb.hb_set_add(drop, hb.hb_tag_from_string(tag, -1))
            hbs.hb_subset_input_set_flags(inp, flags | _NOTDEF_OUTLINE | _DESUBROUTINIZE | _NO_HINTING)
            new = hbs.hb_subset_or_fail(cut, inp)
            hbs.hb_subset_input_destroy(inp)
            if cut != face:
                hb.hb_face_destroy(cut)
            if new == ffi.NULL:
                return None
            cut = new
        return _face_bytes(ffi, hb, cut)
    finally:
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)
