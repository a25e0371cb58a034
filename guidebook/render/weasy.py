"""Render stage: every use of WeasyPrint's internals, in one place, each checked against the version.

The rest of the package uses WeasyPrint's public API (HTML, CSS, Document.write_pdf ...). What it needs
beyond that lives here, written and tested for WeasyPrint 70. On another major version each shim either
falls back to a public way (slower) or stops with a clear message, never with an AttributeError.
"""

from __future__ import annotations

import re
import sys
import threading
from contextlib import contextmanager
from types import SimpleNamespace

from guidebook.diagnostics import GuidebookError

TESTED_MAJOR = 70


# The names under which the libraries WeasyPrint needs load directly on Linux (WeasyPrint tries each
# library under several names, these among them).
LINUX_SONAMES = ("libgobject-2.0.so.0", "libpango-1.0.so.0", "libharfbuzz.so.0", "libfontconfig.so.1",
                 "libpangoft2-1.0.so.0")


def import_weasyprint():
    """`import weasyprint`, about 0.17 s faster on Linux.

    WeasyPrint tries each native library under several names, Windows and macOS ones first. cffi
    hands every name that does not load to ctypes.util.find_library, which on Linux runs `ldconfig -p`
    (and gcc or ld) in a subprocess: 16 failed names, 10 ms each, before the Linux names load directly.
    When those load directly here, the import runs with find_library answering "not found" at once,
    which changes nothing but the time spent (the same libraries are loaded, by the same names).
    """
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux") or not _sonames_load():
        import weasyprint

        return weasyprint
    import ctypes.util

    original = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint
    finally:
        ctypes.util.find_library = original
    return weasyprint


def _sonames_load() -> bool:
    import ctypes

    try:
        for name in LINUX_SONAMES:
            ctypes.CDLL(name)
    except OSError:
        return False
    return True


def version() -> str:
    import weasyprint

    return weasyprint.__version__


def internals_ok() -> bool:
    """True when the installed WeasyPrint is the major version these shims were written for."""
    try:
        return int(version().split(".")[0]) == TESTED_MAJOR
    except ValueError:
        return False


def _unsupported(what: str) -> GuidebookError:
    return GuidebookError(f"WeasyPrint {version()} is installed, but {what} needs WeasyPrint {TESTED_MAJOR} "
                          f"(run the set-up again: it installs the pinned versions of requirements.lock)")


def page_box(page):
    """The laid-out box tree of a rendered page (Page._page_box in WeasyPrint 70)."""
    box = getattr(page, "_page_box", None)
    if box is None:
        raise _unsupported("measuring laid-out pages")
    return box


def render_parsed(wp, root, base_url: str, fetcher, stylesheets, font_config):
    """Lay out an already parsed HTML tree (an ElementTree root) without parsing the HTML again.

    WeasyPrint 70: set what HTML.__init__ sets after parsing. Elsewhere: serialise the tree and parse it
    with the public API (slower, same result)."""
    if internals_ok():
        import cssselect2

        document = wp.HTML.__new__(wp.HTML)
        document.base_url = base_url
        document.url_fetcher = fetcher
        document.media_type = "print"
        document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        document.etree_element = document.wrapper_element.etree_element
    else:
        import xml.etree.ElementTree as ET

        document = wp.HTML(string=ET.tostring(root, encoding="unicode", method="html"), base_url=base_url,
                           url_fetcher=fetcher)
    return document.render(stylesheets=stylesheets, font_config=font_config, optimize_images=False)


def bookmark_tree(pages: list) -> list:
    """The PDF outline of pages given as (level, label, (x, y), state) bookmarks (Document.make_bookmark_tree)."""
    from weasyprint.document import Document

    make = getattr(Document, "make_bookmark_tree", None)
    if make is None:
        raise _unsupported("joining the guide's parts")
    return make(SimpleNamespace(pages=pages))


_ARRAY_TYPE = re.compile(r"(\w+)\[(\d+)\]")


def reuse_parsed_array_types() -> None:
    """Make WeasyPrint's cffi ask for `T[]` where it asks for `T[N]` with a new N every time.

    cffi parses every C type string it has not seen with pycparser (about 8 ms). WeasyPrint's font
    subsetting asks for `hb_codepoint_t[N]` with N the glyph count of the font in that document, so
    nearly every PDF paid for new parses: 0.5 s over the 54 handouts. `T[]` with the same
    initialiser (or length) makes the same array, and is parsed once. Only on the tested version.
    """
    if not internals_ok():
        return
    from weasyprint.text import ffi as module

    ffi = module.ffi
    if getattr(ffi, "_guidebook_arrays", False):
        return
    new = ffi.new

    def new_array(cdecl, init=None):
        # most calls ask for a pointer ("PangoRectangle *"): only strings ending in "]" are looked at
        m = _ARRAY_TYPE.fullmatch(cdecl) if isinstance(cdecl, str) and cdecl[-1:] == "]" else None
        if m:
            n = int(m.group(2))
            if init is None:
                return new(m.group(1) + "[]", n)
            if isinstance(init, (list, tuple)) and len(init) == n:
                return new(m.group(1) + "[]", init)
        return new(cdecl, init)

    ffi.new = new_array
    ffi._guidebook_arrays = True


class _OneRun(str):
    """A string that iterates as one piece."""

    __slots__ = ()

    def __iter__(self):
        yield str(self)


# attributes that place characters one by one (a run with any of them is drawn as WeasyPrint draws it)
_PER_CHARACTER = ("dx", "dy", "rotate", "textLength", "letter-spacing")


def _placed_as_one_run(node) -> bool:
    if node.tag not in ("text", "tspan") or any(node.get(a) not in (None, "", "0") for a in _PER_CHARACTER):
        return False
    return all(len((node.get(a) or "").replace(",", " ").split()) <= 1 for a in ("x", "y"))


def draw_svg_text_as_runs() -> None:
    """Let WeasyPrint lay out and draw an SVG text run once, not once per character.

    WeasyPrint 70's SVG `text()` lays the whole run out, then lays out and draws each character on its
    own (one Pango layout and one text placement per character), so that `x`, `y`, `dx`, `dy` and
    `rotate` lists and `letter-spacing` can place characters one by one. A run with none of those (every
    label of a flowchart), iterated as one piece (`_OneRun`), is laid out and drawn once, as a browser
    draws it and as the document's own text is drawn: Chinese text lands where it did, and a kerned
    pair such as "AV" sits a little closer. `text-anchor` uses the run's width as before. Measured on
    the seed: writing the 54 handouts takes 2.28 s instead of 2.62 s, the guide 1.24 s instead of 1.46 s,
    and all-handouts.pdf is 3 % smaller. Only on the tested version.
    """
    if not internals_ok():
        return
    import weasyprint.svg as svg_module

    original = svg_module.TAGS["text"]
    if getattr(original, "_guidebook_runs", False):
        return

    def text(svg, node, font_size):
        run = node._etree_node.text
        if not run or len(run) < 2 or not _placed_as_one_run(node):
            return original(svg, node, font_size)
        node._etree_node.text = _OneRun(run)
        try:
            return original(svg, node, font_size)
        finally:
            node._etree_node.text = run

    text._guidebook_runs = True
    text._guidebook_original = original
    for tag, draw in list(svg_module.TAGS.items()):
        if draw is original:
            svg_module.TAGS[tag] = text
    svg_module.text = text  # draw_node tells text elements by `TAGS.get(tag) == text`


_writing = threading.local()  # per thread: the preview server may write documents side by side


@contextmanager
def cut_faces_left_whole():
    """Within: WeasyPrint embeds the faces guidebook cut (render.fonts) whole, without subsetting them.

    For a caller that replaces every one of those programs with its own subset right after writing
    (outputs.sharedfonts.share_fonts with `whole=True`, as a handout is finished): WeasyPrint's HarfBuzz
    subset of each face would be thrown away, and made a sixth of a handout's writing time. Other
    faces (a system font Pango fell back to) are subset as always. On another WeasyPrint version
    nothing changes: the programs come subset, and are replaced all the same.
    """
    _writing.whole = True
    try:
        yield
    finally:
        _writing.whole = False


def leave_cut_faces_whole_when_asked() -> None:
    """Install the switch of `cut_faces_left_whole` (WeasyPrint 70's `Font.subset`)."""
    if not internals_ok():
        return
    from weasyprint.pdf.fonts import Font

    from guidebook.render.fonts import cut_id

    original = Font.subset
    if getattr(original, "_guidebook_whole", False):
        return

    def subset(self, to_unicode, hinting):
        if getattr(_writing, "whole", False) and cut_id(self.file_content):
            return None
        return original(self, to_unicode, hinting)

    subset._guidebook_whole = True
    Font.subset = subset


# The C types WeasyPrint 70 asks its cffi instance for while laying out and writing a document, beyond those
# parsed on import: found by logging cffi's new parses in a worker that wrote handouts and the guide
# (render.fonts parses the one its own HarfBuzz calls need).
C_TYPES = ("PangoLogAttr[]", "PangoRectangle *", "char[]", "hb_codepoint_t[]", "hb_tag_t[]", "unsigned int *")


def parse_c_types() -> None:
    """Have cffi parse, once, the C types every process would otherwise parse with pycparser on its first
    document (about 15 ms each: 0.09 s per worker). Only on the tested version; harmless elsewhere."""
    if not internals_ok():
        return
    from weasyprint.text.ffi import ffi

    for cdecl in C_TYPES:
        try:
            ffi.typeof(cdecl)
        except Exception:  # noqa: BLE001 (a type this version does not declare: nothing to warm)
            pass
