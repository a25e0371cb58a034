"""Render stage: the engine adapter, the only module that imports WeasyPrint.

The rest of the package asks this module for documents, stylesheets, font configurations and what it
needs to know of laid-out pages; nothing else imports WeasyPrint or reads its boxes. What goes beyond
WeasyPrint's public API (speed-ups that replace one of its functions, reads of its page boxes) was
written for WeasyPrint 70.0 and relies on particular functions of it: each such use names them in
RELIES_ON with a fingerprint of their source. On a version where a fingerprint differs, that use is
switched off (a speed-up is not installed; a read of boxes takes the public way or declines), one notice
says so, and the outputs stay correct; never an AttributeError.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
import sys
import threading
from contextlib import contextmanager
from types import SimpleNamespace

from guidebook.diagnostics import GuidebookError

TESTED_MAJOR = 70  # the version the uses below were written for: 70.0

# What each use of WeasyPrint's internals relies on: (module, attribute path) of the functions it
# replaces or imitates, with the first 16 hex digits of the SHA-256 of their source in WeasyPrint 70.0.
RELIES_ON: dict[str, dict[tuple[str, str], str]] = {
    "array types": {("weasyprint.text.ffi", ""): "530e83118f7841d2"},
    "svg text runs": {("weasyprint.svg", "TAGS.text"): "67a30c3e181b4a80",
                      ("weasyprint.svg", "SVG.draw_node"): "5e24443a435c491e"},
    "whole cut faces": {("weasyprint.pdf.fonts", "Font.subset"): "61ed6bc2e9a7e43a"},
    "unset properties": {("weasyprint.css", "ComputedStyle.__missing__"): "b318d8efc8ac79d7"},
    "lazy pseudo-elements": {("weasyprint.css", "StyleFor.set_computed_styles"): "b5b15856b8beff3f",
                             ("weasyprint.css", "StyleFor.__call__"): "96b91915ae7c344a"},
    "parsed trees": {("weasyprint", "HTML.__init__"): "5f19f40b81837f87"},
    "page boxes": {("weasyprint.document", "Page.__init__"): "56afceec729bf2c1"},
    "joined outlines": {("weasyprint.document", "Document.make_bookmark_tree"): "6af34e059bb862e2"},
}
_FITS: dict[str, bool] = {}  # each use: whether the functions it relies on are those it was written for


def fingerprint(module: str, path: str) -> str:
    """The first 16 hex digits of the SHA-256 of the source of `module` or of its attribute `path`."""
    obj = importlib.import_module(module)
    for part in path.split(".") if path else ():
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]


def _check() -> None:
    """Fingerprint the functions every use relies on, once, before any of them is replaced."""
    if _FITS:
        return
    for use, functions in RELIES_ON.items():
        try:
            _FITS[use] = all(fingerprint(m, p) == want for (m, p), want in functions.items())
        except (AttributeError, KeyError, ImportError, OSError, TypeError):
            _FITS[use] = False


def fits(use: str) -> bool:
    """Whether the use `use` of WeasyPrint's internals may be made with the installed version."""
    _check()
    return _FITS[use]


def notice() -> str | None:
    """One line naming the uses switched off on this version, or None when every one fits."""
    _check()
    off = [use for use, ok in _FITS.items() if not ok]
    if not off:
        return None
    return (f"WeasyPrint {version()} differs from 70.0 where guidebook reaches into it: switched off "
            f"{', '.join(off)} (the outputs are the same, some are slower to make)")


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


def load():
    """Import WeasyPrint (0.45 s: only when something is rendered) and install the speed-ups whose
    functions are those they were written for."""
    weasyprint = import_weasyprint()
    _check()
    reuse_parsed_array_types()
    draw_svg_text_as_runs()
    leave_cut_faces_whole_when_asked()
    compute_unset_properties_directly()
    make_pseudo_element_styles_when_read()
    return weasyprint


def _unsupported(what: str) -> GuidebookError:
    return GuidebookError(f"WeasyPrint {version()} is installed, but {what} needs WeasyPrint {TESTED_MAJOR} "
                          f"(run the set-up again: it installs the pinned versions of requirements.lock)")


def page_box(page):
    """The laid-out box tree of a rendered page (Page._page_box in WeasyPrint 70)."""
    box = getattr(page, "_page_box", None) if fits("page boxes") else None
    if box is None:
        raise _unsupported("measuring laid-out pages")
    return box


def overflow_mm(document) -> float | None:
    """How far a laid-out document runs past its first page, in mm: the height its content takes on the
    pages after the first (None where the page boxes cannot be read)."""
    if not fits("page boxes"):
        return None
    total = 0.0
    for page in document.pages[1:]:
        box = page_box(page)
        top = box.content_box_y()
        total += max(0.0, max(_flow_bottoms(box), default=top) - top)
    return total * 25.4 / 96


def _flow_bottoms(box):
    """The bottoms of the lines and images that the content flows onto a page: not of the boxes that
    contain them (a block stretched to the page's height), not of what is fixed or absolutely
    positioned (a logo repeated on every page), not of the page's margin boxes (headers, footers)."""
    for child in getattr(box, "children", ()):
        if type(child).__name__ == "MarginBox" or child.style["position"] in ("absolute", "fixed"):
            continue
        if type(child).__name__ == "LineBox" or hasattr(child, "replacement"):
            yield child.position_y + child.margin_height()
        else:
            yield from _flow_bottoms(child)


_MM = 25.4 / 96


def overlaps(page, min_mm2: float = 1.0) -> list[tuple[str, str]] | None:
    """Where a laid-out page draws one thing over another: (what covers, what is covered), each named by
    its element (tag.class, and its first words). A painted box (a background) over text or a drawing
    that is not inside it, or two drawings or runs of text over each other, by more than `min_mm2`
    (None where the page boxes cannot be read). The page's margin boxes (header, footer) are left out."""
    if not fits("page boxes"):
        return None
    leaves: list[tuple[tuple, object, frozenset]] = []  # (rect, element, the boxes it is inside)
    painted: list[tuple[tuple, object, int]] = []  # (rect, element, the box)

    def walk(box, inside: frozenset) -> None:
        for child in getattr(box, "children", ()):
            if type(child).__name__ == "MarginBox":
                continue
            element = getattr(child, "element", None)
            name = type(child).__name__
            if name == "TextBox" or hasattr(child, "replacement"):
                rect = (child.position_x, child.position_y, child.margin_width(), child.margin_height())
                if rect[2] > 0 and rect[3] > 0:
                    leaves.append((rect, element, inside))
                continue
            bg = child.style["background_color"]
            if name not in ("LineBox", "InlineBox") and (bg.alpha > 0 or any(
                    kind != "none" for kind, _ in child.style["background_image"])):
                painted.append(((child.position_x + child.margin_left, child.position_y + child.margin_top,
                                 child.border_width(), child.border_height()), element, id(child)))
            walk(child, inside | {id(child)})

    walk(page_box(page), frozenset())

    def area(a, b) -> float:
        w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
        h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
        return w * h * _MM * _MM if w > 0 and h > 0 else 0.0

    found: dict[tuple[str, str], None] = {}
    for rect, element, box in painted:
        for leaf, leaf_element, inside in leaves:
            if box not in inside and area(rect, leaf) > min_mm2:
                found[(_named(element), _named(leaf_element))] = None
    ordered = sorted(leaves, key=lambda x: x[0][1])
    for i, (a, ea, ca) in enumerate(ordered):
        for b, eb, cb in ordered[i + 1:]:
            if b[1] >= a[1] + a[3]:
                break
            if ea is not eb and area(a, b) > min_mm2:
                found[(_named(eb), _named(ea))] = None
    return list(found)


def _named(element) -> str:
    """An element as a designer finds it in the stylesheet: tag.class, with its first words."""
    if element is None:
        return "?"
    cls = (element.get("class") or "").split()
    text = "".join(element.itertext()).strip().replace("\n", " ")
    return element.tag.split("}")[-1] + "".join(f".{c}" for c in cls[:2]) + (f"「{text[:12]}」" if text else "")


def page_side(page) -> str | None:
    """left or right: the side of a laid-out page (None where the page boxes cannot be read)."""
    return page_box(page).page_type.side if fits("page boxes") else None


def breaks_before(page, element) -> bool | None:
    """Whether `element` starts `page` by a forced break (None where the page boxes cannot be read)."""
    if not fits("page boxes"):
        return None
    for box in page_box(page).descendants():
        if getattr(box, "element", None) is element:
            return box.style["break_before"] == "page"
    return False


def harfbuzz_subset_available() -> bool:
    from weasyprint.text import ffi

    return ffi.harfbuzz_subset is not None


def font_configuration():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def stylesheet(*, string: str | None = None, filename: str | None = None, font_config, fetcher):
    import weasyprint

    if string is not None:
        return weasyprint.CSS(string=string, font_config=font_config, url_fetcher=fetcher)
    return weasyprint.CSS(filename=filename, font_config=font_config, url_fetcher=fetcher)


def document(html: str, base_url: str, fetcher):
    """An HTML document to lay out (`.render(stylesheets=..., font_config=...)`)."""
    import weasyprint

    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)


LOGGER = "weasyprint"  # the logger whose warnings a strict build turns into errors


def make_fetcher(roots: list):
    """A URL fetcher that loads data: URLs and files under `roots`, and refuses everything else."""
    from pathlib import Path
    from urllib.request import url2pathname

    from weasyprint.urls import URLFetcher

    allowed = [Path(r).resolve() for r in roots]

    class LayoutOnlyFetcher(URLFetcher):
        """Loads data: URLs and files under the layout folders and the font cache; nothing else."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                path = Path(url2pathname(url.split("?")[0].split("#")[0].removeprefix("file:"))).resolve()
                if any(path == r or r in path.parents for r in allowed):
                    return super().fetch(url, headers)
            raise ValueError(f"refused to load {url!r}: only layout files and data: URLs may be loaded")

    return LayoutOnlyFetcher(allowed_protocols=("file", "data"), timeout=2)


def render_parsed(root, base_url: str, fetcher, stylesheets, font_config):
    """Lay out an already parsed HTML tree (an ElementTree root) without parsing the HTML again.

    WeasyPrint 70: set what HTML.__init__ sets after parsing. Elsewhere: serialise the tree and parse it
    with the public API (slower, same result)."""
    import weasyprint as wp

    if fits("parsed trees"):
        import cssselect2

        document = wp.HTML.__new__(wp.HTML)
        document.base_url = base_url
        document.url_fetcher = fetcher
        document.media_type = "print"
        document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        document.etree_element = document.wrapper_element.etree_element
    else:
        document = wp.HTML(string=html_string(root), base_url=base_url, url_fetcher=fetcher)
    return document.render(stylesheets=stylesheets, font_config=font_config, optimize_images=False)


_XLINK = "{http://www.w3.org/1999/xlink}"


def html_string(root) -> str:
    """An HTML tree parsed without namespaced HTML elements, serialised back as HTML that parses to it.

    ElementTree writes inline SVG's namespaced tags as `<ns0:svg>`, which an HTML parser takes for an
    unknown element (its <title> then shows as text): names are written bare, as HTML writes them, and
    the parser puts them back in the SVG namespace."""
    import copy
    import xml.etree.ElementTree as ET

    tree = copy.deepcopy(root)
    for el in tree.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = el.tag.split("}", 1)[1]
        for name in [a for a in el.attrib if a.startswith("{")]:
            prefix = "xlink:" if name.startswith(_XLINK) else ""
            el.attrib[prefix + name.split("}", 1)[1]] = el.attrib.pop(name)
    return ET.tostring(tree, encoding="unicode", method="html")


def bookmark_tree(pages: list) -> list:
    """The PDF outline of pages given as (level, label, (x, y), state) bookmarks (Document.make_bookmark_tree)."""
    from weasyprint.document import Document

    make = getattr(Document, "make_bookmark_tree", None) if fits("joined outlines") else None
    if make is None:
        raise _unsupported("joining the guide's parts")
    return make(SimpleNamespace(pages=pages))


_ARRAY_TYPE = re.compile(r"(\w+)\[(\d+)\]")


def reuse_parsed_array_types() -> None:
    """Make WeasyPrint's cffi ask for `T[]` where it asks for `T[N]` with a new N every time.

    cffi parses every C type string it has not seen with pycparser (about 8 ms). WeasyPrint's font
    subsetting asks for `hb_codepoint_t[N]` with N the glyph count of the font in that document, so
    nearly every PDF paid for new parses: 0.5 s over the 54 handouts. `T[]` with the same
    initialiser (or length) makes the same array, and is parsed once. Only where its functions are those of 70.0.
    """
    if not fits("array types"):
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
    and all-handouts.pdf is 3 % smaller. Only where its functions are those of 70.0.
    """
    if not fits("svg text runs"):
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
    if not fits("whole cut faces"):
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
    document (about 15 ms each: 0.09 s per worker). Only where its functions are those of 70.0."""
    if not fits("array types"):
        return
    from weasyprint.text.ffi import ffi

    for cdecl in C_TYPES:
        try:
            ffi.typeof(cdecl)
        except Exception:  # noqa: BLE001 (a type this version does not declare: nothing to warm)
            pass


def compute_unset_properties_directly() -> None:
    """Answer the commonest question of WeasyPrint's style objects without its general path.

    A computed style (`ComputedStyle`) works a property out when it is first read: a quarter of a
    handout's layout, 5,500 reads per handout. Most of them are for a property no rule sets on that
    element: the answer is then the parent's value (inherited properties) or the initial value, but the
    general path first looks for logical properties, variables, math functions and keywords. Here that
    answer is given at once, with the same objects the general path would store, when nothing else can
    apply: the property (and its logical twins, `margin-inline-start` for `margin-left` ...) is not in the
    element's cascade, and it is not one the general path treats specially (`display`, `float`,
    `position`, `page`, text decorations, custom properties, initial values that need computing).
    Every other read takes the general path. Only where its functions are those of 70.0.
    """
    if not fits("unset properties"):
        return
    from weasyprint.css import ComputedStyle
    from weasyprint.css.computed_values import PHYSICAL_FUNCTIONS
    from weasyprint.css.properties import INHERITED, INITIAL_NOT_COMPUTED, INITIAL_VALUES

    original = ComputedStyle.__missing__
    if getattr(original, "_guidebook_direct", False):
        return
    special = {"display", "float", "position", "page", *(k for k in INITIAL_VALUES if k.startswith("text_decoration_"))}
    logical = {key: frozenset(f(block="ttb", inline=d) for d in ("ltr", "rtl")) for key, f in PHYSICAL_FUNCTIONS.items()}
    plain = set(INITIAL_VALUES) - special - INITIAL_NOT_COMPUTED
    inherited = frozenset(k for k in plain & INHERITED if k not in logical)
    initial = frozenset(k for k in plain - INHERITED if k not in logical)
    physical = frozenset(k for k in plain - INHERITED if k in logical)

    def __missing__(self, key):
        cascaded = self.cascaded
        if key not in cascaded:
            if key in inherited:
                parent = self.parent_style
                if parent is not None:
                    value = self[key] = parent[key]
                    return value
            elif key in initial or (key in physical and logical[key].isdisjoint(cascaded)):
                value = self[key] = INITIAL_VALUES[key]
                return value
        return original(self, key)

    __missing__._guidebook_direct = True
    __missing__._guidebook_original = original
    ComputedStyle.__missing__ = __missing__


def make_pseudo_element_styles_when_read() -> None:
    """Make the style of a pseudo-element when it is first read, not for every element in advance.

    WeasyPrint's user-agent stylesheet has rules for `::marker`, `::footnote-call`, `::footnote-marker`
    and three `::note-…` pseudo-elements that match every element, so every document made seven style
    objects per element, six of them for pseudo-elements that nothing reads unless the element is a list
    item or a footnote (3 % of a handout's layout). The cascade is the same; only the making of the
    style object waits until the pseudo-element is looked up (`StyleFor.__call__`). A pseudo-element
    whose cascade sets `anchor` is made at once, as before, since making it registers the anchor. Page
    and margin-box styles are not affected. Only where its functions are those of 70.0.
    """
    if not fits("lazy pseudo-elements"):
        return
    from xml.etree.ElementTree import Element

    from weasyprint.css import ComputedStyle, StyleFor

    original_set, original_call = StyleFor.set_computed_styles, StyleFor.__call__
    if getattr(original_call, "_guidebook_lazy", False):
        return

    def set_computed_styles(self, element, parent, root=None, pseudo_type=None, base_url=None, target_collector=None):
        if pseudo_type is not None and isinstance(element, Element):
            cascaded = self.get_cascaded_styles().get((element, pseudo_type), {})
            if "anchor" not in cascaded:
                self.__dict__.setdefault("_guidebook_waiting", {})[element, pseudo_type] = (
                    cascaded, parent, root, base_url)
                return
        original_set(self, element, parent, root, pseudo_type, base_url, target_collector)

    def __call__(self, element, pseudo_type=None):
        waiting = self.__dict__.get("_guidebook_waiting") if pseudo_type is not None else None
        if waiting and (element, pseudo_type) in waiting:
            cascaded, parent, root, base_url = waiting.pop((element, pseudo_type))
            computed = self.get_computed_styles()
            computed[element, pseudo_type] = ComputedStyle(
                computed[parent, None], cascaded, pseudo_type, computed[root, None], base_url, self.font_config,
                self.initial_page_sizes)
        return original_call(self, element, pseudo_type)

    __call__._guidebook_lazy = True
    __call__._guidebook_original = (original_set, original_call)
    StyleFor.set_computed_styles, StyleFor.__call__ = set_computed_styles, __call__
