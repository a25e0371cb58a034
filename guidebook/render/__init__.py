"""Render stage: Jinja templates from the layout folders to HTML, and WeasyPrint from HTML to PDF.

Rendering is strict: any WeasyPrint warning (missing resource, bad CSS, missing glyph) is an error,
and only layout files, the font cache and data: URLs can be loaded.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from guidebook.catalogue import labels as L
from guidebook.render import fonts, weasy
from guidebook.diagnostics import GuidebookError
from guidebook.files import confined, folder_files
from guidebook.document.content import Rich

# Jinja, the QR encoder and the flowchart drawing are imported where they are used: a build that
# finds everything up to date, `check` and `list` import this module (layout folders, fonts) but
# render nothing.

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the project folder (layouts/ beside guidebook/)
DEFAULT_LAYOUT = PACKAGE_ROOT / "layouts" / "default"

# Which stylesheets each kind of document uses, in cascade order. A layout folder may override any.
STYLESHEETS = {
    "guide": ["theme.css", "base.css", "guide.css", "custom.css"],
    "handout": ["theme.css", "base.css", "handout.css", "custom.css"],
    "diff": ["theme.css", "base.css", "diff.css", "custom.css"],
    "guide-press": ["theme.css", "base.css", "guide.css", "custom.css", "print.css"],
}
TEMPLATES = ("base.html", "guide.html", "handout.html", "diff.html", "site.html")
OTHER_FILES = ("fonts.toml", "reference.docx", "site.css", "site.js")


def layout_files() -> list[str]:
    """Every file a layout folder can override, in a stable order."""
    sheets = dict.fromkeys(name for names in STYLESHEETS.values() for name in names)
    return [*TEMPLATES, *sheets, *OTHER_FILES]


class RenderError(GuidebookError):
    """A template or the renderer failed, or logged a warning in strict mode."""


class EngineFailure(RenderError):
    """The layout engine failed inside its own code on some content (the same content laid out another
    way may pass: a handout's search goes on to its next fitting level)."""


STYLES_DIR = PACKAGE_ROOT / "layouts"


def style_folder(name: str) -> Path:
    """A house style shipped under layouts/ (e.g. gbt9704), as an override folder."""
    folder = STYLES_DIR / name
    if name == "default" or not folder.is_dir():
        known = sorted(p.name for p in STYLES_DIR.iterdir() if p.is_dir() and p.name != "default")
        raise GuidebookError(f"no house style {name!r} in {STYLES_DIR}; styles: {', '.join(known) or 'none'}")
    return folder


_BLOCK_TAG = re.compile(r"{%-?\s*(block\s+(\w+)|endblock(?:\s+\w+)?)\s*-?%}")


def template_blocks(text: str) -> dict[str, str]:
    """The blocks of a Jinja template, by name, with their content as written (nested blocks included)."""
    out: dict[str, str] = {}
    stack: list[tuple[str, int]] = []
    for m in _BLOCK_TAG.finditer(text):
        if m.group(2):
            stack.append((m.group(2), m.end()))
        elif stack:
            name, start = stack.pop()
            out[name] = text[start:m.start()]
    return out


def layout_chain(overrides: list[Path] | None) -> list[Path]:
    """Override folders first, the default layout last."""
    chain = []
    for d in overrides or []:
        d = Path(d)
        if not d.is_dir():
            raise GuidebookError(f"{d}: " + ("is a file, not a layout folder" if d.exists() else "layout folder not found"))
        if d.resolve() != DEFAULT_LAYOUT.resolve():
            chain.append(d)
    return chain + [DEFAULT_LAYOUT]


# Stylesheets that stack: every layout folder's copy is loaded, the default's first and the designer's
# last, so a designer's custom.css adds to a house style's custom.css instead of replacing it.
STACKED = ("custom.css",)


def stylesheet_files(chain: list[Path], name: str) -> list[Path]:
    """The files a stylesheet name stands for, in cascade order (one, or for STACKED names all)."""
    if name in STACKED:
        return [confined(d / name, chain) for d in reversed(chain) if (d / name).is_file()]
    return [find_layout_file(chain, name)]


def find_layout_file(chain: list[Path], name: str) -> Path:
    for d in chain:
        p = d / name
        if p.is_file():
            return confined(p, chain)
    raise GuidebookError(f"layout file {name!r} not found in: {', '.join(map(str, chain))}")


def layout_loader(searchpath):
    """A Jinja loader of templates from the layout folders only, links that leave them refused (see
    `confined`)."""
    import jinja2

    class LayoutLoader(jinja2.FileSystemLoader):
        def get_source(self, environment, template):
            contents, filename, uptodate = super().get_source(environment, template)
            confined(Path(filename), self.searchpath)
            return contents, filename, uptodate

    return LayoutLoader(searchpath)


# ---------------------------------------------------------------------------------------------
# Jinja


def rich_html(runs: Rich | None) -> Markup:
    if not runs:
        return Markup("")
    out = []
    for r in runs:
        if r.href:
            out.append(Markup('<a href="{}" class="url">{}</a>').format(r.href, r.text))
        else:
            out.append(escape(r.text))
    return Markup("").join(out)


def make_env(chain: list[Path]):
    """Templates are looked up in the override folders first; `default/NAME` always means the default."""
    import jinja2

    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({"default": layout_loader(str(DEFAULT_LAYOUT))}, delimiter="/"),
        layout_loader([str(d) for d in chain]),
    ])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rich"] = rich_html
    return env


def render_template(env, name: str, **context: Any) -> str:
    import jinja2

    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or name
        raise RenderError(f"{where}:{exc.lineno}: template syntax error: {exc.message}") from None
    except GuidebookError:
        raise
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template not found: {exc.name}") from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"{_template_position(exc, name)}: {exc.message}") from None
    except Exception as exc:  # an error raised while a template runs
        raise RenderError(f"{_template_position(exc, name)}: {type(exc).__name__}: {exc}") from None


def _template_position(exc: BaseException, name: str) -> str:
    """file:line of the innermost template frame in the traceback."""
    tb = exc.__traceback__
    where = name
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.endswith((".html", ".css", ".xml")) or "template" in code.co_name:
            where = f"{code.co_filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


# ---------------------------------------------------------------------------------------------
# WeasyPrint


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


FONTTOOLS_FALLBACK = re.compile(r"Using fontTools instead of HarfBuzz-Subset")


@contextmanager
def strict_logging(what: str, strict: bool = True, css_file: str | None = None):
    """Turn WeasyPrint warnings logged inside the block into a RenderError naming `what` (and, for a
    stylesheet, each problem as css_file:line:col)."""
    handler = _Collect()
    logger = logging.getLogger(weasy.LOGGER)
    logger.addHandler(handler)
    old_propagate = logger.propagate
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate
    problems = []
    for rec in handler.records:
        msg = rec.getMessage()
        if FONTTOOLS_FALLBACK.search(msg):
            continue  # reported once, loudly, by Renderer
        m = re.search(r"\.notdef glyph rendered for Unicode string (.*)", msg)
        if m:
            msg = f"a character has no glyph in the fonts and would print as a box: {m.group(1)}"
        c = re.match(r"Ignored (.*) at (\d+):(\d+), (.*?)\.?$", msg.strip().splitlines()[0]) if css_file else None
        if c:
            msg = f"{css_file}:{c.group(2)}:{c.group(3)}: ignored {c.group(1)}: {c.group(4)}"
        problems.append(msg.strip().splitlines()[0])
    if problems and strict:
        raise RenderError(f"{what}: the renderer reported problems:\n  " + "\n  ".join(dict.fromkeys(problems)))


@dataclass
class Rendered:
    """A laid-out document: its page count is known before anything is written."""

    document: Any
    html: str

    @property
    def pages(self) -> int:
        return len(self.document.pages)


LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def find_logo(chain: list[Path]) -> Path | None:
    """A layout folder's logo (logo.svg, logo.png or logo.jpg), the first folder of the chain first."""
    for folder in chain:
        for ext in LOGO_TYPES:
            if (folder / f"logo{ext}").is_file():
                return folder / f"logo{ext}"
    return None


class Renderer:
    """One font configuration, parsed stylesheets and template environment, reused for every document."""

    def __init__(self, overrides: list[Path] | None, charset: str, strict: bool = True,
                 warn=lambda msg: None):
        self.chain = layout_chain(overrides)
        self.env = make_env(self.chain)
        self.strict = strict
        self.roles, font_warnings = fonts.resolve(self.chain)
        for w in font_warnings:
            warn(w)
        weasy.load()
        notice = weasy.notice()
        if notice:
            warn(notice)
        if not weasy.harfbuzz_subset_available():
            warn("libharfbuzz-subset0 is not installed: WeasyPrint falls back to fontTools and every PDF "
                 "takes seconds longer. Install it: apt-get install libharfbuzz-subset0")
        self.font_files = fonts.subset_faces(self.roles, charset)
        # the cache, and its cut fonts wherever they are (the folder may be a link to a shared one)
        self.fetcher = weasy.make_fetcher(self.chain + [fonts.cache_dir(), fonts.cache_dir() / "fonts"])
        self.font_config = weasy.font_configuration()
        self.css: dict[str, list[Any]] = {}
        self._logo_pngs: dict[float, bytes] = {}  # the logo drawn for Word, by height
        font_css = fonts.font_face_css(self.roles, self.font_files)
        with strict_logging("stylesheets", strict):
            self._font_sheet = weasy.stylesheet(string=font_css, font_config=self.font_config, fetcher=self.fetcher)
            parsed: dict[Path, Any] = {}  # a stylesheet shared by several kinds is parsed once
            for kind, names in STYLESHEETS.items():
                sheets = [self._font_sheet]
                for path in (p for name in names for p in stylesheet_files(self.chain, name)):
                    if path not in parsed:
                        with strict_logging(str(path), strict, css_file=str(path)):
                            parsed[path] = weasy.stylesheet(filename=str(path), font_config=self.font_config,
                                                            fetcher=self.fetcher)
                    sheets.append(parsed[path])
                self.css[kind] = sheets
        self._svg_cache: dict = {}  # flow drawings, reused across fitting attempts
        self.word_templates: dict[str, bytes] = {}  # reference.docx prepared per stylesheet (outputs.word)
        # Flowcharts go into PDFs as <img> data: URLs: WeasyPrint parses them with ElementTree instead of
        # its HTML parser, which makes the guide about 0.4 s faster. Browsers (the preview) cannot use
        # the page's fonts inside an SVG image, so the preview sets this to True and gets inline SVG.
        self.inline_svg = False

    def warm(self, templates: list[str]) -> None:
        """What every worker would otherwise do for itself before its first document, done once before
        they fork: compile the templates, and parse the C types WeasyPrint asks cffi for."""
        import jinja2

        for name in templates:
            try:
                self.env.get_template(name)
            except jinja2.TemplateError:  # reported with its file and line where the template is used
                pass
        weasy.parse_c_types()
        fonts.parse_c_types()

    def font_family(self, role: str) -> str:
        for r in self.roles:
            if r.name == role:
                return r.css_family
        return self.roles[0].css_family

    # -- helpers for templates
    def flow_svg(self, flow, compact: bool = False, small: bool = False, title: str = "", scale: float = 1.0,
                 alt: str = "") -> Markup:
        """`scale`: the labels' size against the style's (a large-print handout draws them larger); `alt`: the
        image's alternative text in a PDF (default: the title)."""
        if flow is None:
            return Markup("")
        key = ("v", id(flow), compact, small, title, self.inline_svg, scale, alt)
        if key not in self._svg_cache:
            self._svg_cache[key] = self._flow_svg(flow, compact, small, title, scale, alt)
        return self._svg_cache[key]

    def theme(self) -> dict[str, str]:
        if not hasattr(self, "_theme"):
            self._theme = theme_values(self.chain)
        return self._theme

    def _flow_style(self, base):
        from guidebook.render.flowchart import Style

        t = self.theme()
        return Style(**{**base.__dict__, "font_family": self.font_family("heading"),
                        "stroke": t.get("--color-primary", base.stroke), "accent": t.get("--color-tint", base.accent)})

    def _flow_svg(self, flow, compact: bool, small: bool, title: str, scale: float = 1.0, alt: str = "") -> Markup:
        from guidebook.render.flowchart import COMPACT, COMPACT_SMALL, Style, render_svg

        style = _scaled(self._flow_style((COMPACT_SMALL if small else COMPACT) if compact else Style()), scale)
        return self._embed(render_svg(flow, style, title), alt or title)

    @contextmanager
    def for_browser(self):
        """Templates rendered inside this block draw flowcharts as inline SVG, for a web browser."""
        saved, self.inline_svg = self.inline_svg, True
        try:
            yield self
        finally:
            self.inline_svg = saved

    def _embed(self, svg: str, alt: str) -> Markup:
        """A flowchart drawing as inline SVG (preview) or as an image with alternative text (PDF)."""
        if self.inline_svg:
            return Markup(svg)
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return Markup('<img class="flowchart" src="data:image/svg+xml;base64,{}" alt="{}">').format(
            data, alt or L.FLOW)

    def flow_rows_svg(self, flow, title: str = "", scale: float = 1.0, alt: str = "") -> Markup:
        if flow is None:
            return Markup("")
        from guidebook.render.flowchart import HORIZONTAL, Style, render_svg_rows

        style = _scaled(Style(**{**self._flow_style(HORIZONTAL).__dict__, "width": 500.0}), scale)
        return self._embed(render_svg_rows(flow, style, title), alt or title)

    def qr_svg(self, url: str) -> Markup:
        from guidebook.render import qr

        return Markup(qr.svg(url))

    @cached_property
    def logo(self) -> Path | None:
        """The layout's logo: the first logo.svg, logo.png or logo.jpg of the layout folders, in their order
        (looked up once: a renderer serves one state of the layout folders)."""
        return find_logo(self.chain)

    @cached_property
    def logo_uri(self) -> str:
        """The logo as a data: address for a template's <img> (the PDF and the preview show the same file),
        read once for every handout; empty without a logo."""
        if self.logo is None:
            return ""
        data = base64.b64encode(self.logo.read_bytes()).decode()
        return f"data:{LOGO_TYPES[self.logo.suffix.lower()]};base64,{data}"

    def logo_png(self, height_mm: float) -> bytes | None:
        """The logo as a PNG or JPEG a word processor takes (an SVG drawn by the engine at 300 dpi, its
        blank edges cut off, once per height); None without a logo."""
        if self.logo is None or self.logo.suffix.lower() != ".svg":
            return self.logo.read_bytes() if self.logo else None
        if height_mm not in self._logo_pngs:
            self._logo_pngs[height_mm] = self._raster(height_mm)
        return self._logo_pngs[height_mm]

    def _raster(self, height_mm: float) -> bytes:
        import io

        import pypdfium2 as pdfium
        from PIL import ImageChops, Image

        page = (f'<html><head><style>@page {{ size: 400mm {height_mm + 4}mm; margin: 2mm; }} body {{ margin: 0 }}'
                f'</style></head><body><img src="{self.logo_uri}" style="height: {height_mm}mm"></body></html>')
        with strict_logging("logo", self.strict):
            pdf = weasy.document(page, str(self.chain[0]) + "/", self.fetcher).write_pdf()
        image = pdfium.PdfDocument(pdf)[0].render(scale=300 / 72).to_pil().convert("RGB")
        box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
        out = io.BytesIO()
        (image.crop(box) if box else image).save(out, "PNG")
        return out.getvalue()

    def html(self, template: str, **context: Any) -> str:
        """A template rendered with this renderer as `r` (drawing flowcharts and QR codes); writers pass
        the document and the HTML writer that translates it."""
        from guidebook.catalogue.labels import TEMPLATE as LABELS

        return render_template(self.env, template, r=self, L=LABELS, **context)

    def layout(self, kind: str, html: str, what: str) -> Rendered:
        """`html` laid out with the stylesheets of `kind`. The engine failing inside its own code (it does,
        on some content: an IndexError in WeasyPrint's page maker for a handout of extremely long text in
        columns) is reported as a RenderError naming `what`, not as a bug of guidebook."""
        with strict_logging(what, self.strict):
            try:
                doc = weasy.document(html, str(self.chain[0]) + "/", self.fetcher).render(
                    stylesheets=self.css[kind], font_config=self.font_config, optimize_images=False)
            except GuidebookError:
                raise
            except Exception as exc:  # noqa: BLE001 (the engine's own failure, reported as such)
                raise EngineFailure(f"{what}: the layout engine (WeasyPrint) failed on this content "
                                  f"({type(exc).__name__}: {exc}). Shorten or change this text, or the layout; "
                                  "the same content laid out differently may pass.") from exc
        return Rendered(doc, html)

    def layout_tree(self, kind: str, root, extra_css: str = "") -> Any:
        """Lay out an already parsed HTML tree (an ElementTree root), with extra CSS after the layout's.

        Used for the parts of the guide (guidebook.outputs.paginate): the tree is parsed once, before the
        workers fork, and each worker lays out its part without parsing the HTML again. WeasyPrint
        messages are left to the caller (a part that draws one is not used).
        """
        sheets = list(self.css[kind])
        if extra_css:
            sheets.append(weasy.stylesheet(string=extra_css, font_config=self.font_config, fetcher=self.fetcher))
        return weasy.render_parsed(root, str(self.chain[0]) + "/", self.fetcher, sheets, self.font_config)

    def pdf(self, rendered: Rendered | list[Rendered], what: str, **options: Any) -> bytes:
        items = rendered if isinstance(rendered, list) else [rendered]
        doc = items[0].document
        if len(items) > 1:
            doc = doc.copy([p for r in items for p in r.document.pages])
        with strict_logging(what, self.strict):
            return doc.write_pdf(**options)


# ---------------------------------------------------------------------------------------------
# Page geometry for writers that are not CSS-driven (Word), read from the same stylesheets.



def charset(cat, layout_dirs: list[Path]) -> str:
    """Every character the documents can contain: the catalogue, the layouts and the tool's labels
    (the fonts are cut to these)."""
    from guidebook.catalogue.exporting import catalogue_json

    chars = set(catalogue_json(cat))
    for d in layout_dirs:
        for p in folder_files(d):
            if p.suffix in (".html", ".css", ".toml"):
                chars |= set(p.read_text("utf-8", errors="ignore"))
    return "".join(sorted(chars | _package_chars()))


_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=1)
def _package_chars() -> frozenset[str]:
    """The characters beyond ASCII in the package's own source: its Chinese labels and messages."""
    return frozenset(c for p in PACKAGE_ROOT.joinpath("guidebook").rglob("*.py")
                     for c in _NOT_ASCII.findall(p.read_text("utf-8")))


def _scaled(style, scale: float):
    """A flowchart style with its labels `scale` times as large (the same style at 1)."""
    from dataclasses import replace

    return style if scale == 1.0 else replace(style, font_size=style.font_size * scale)


def theme_values(chain: list[Path]) -> dict[str, str]:
    """The design values: the theme's CSS variables as the cascade sets them (theme.css, then
    custom.css), read once (render.settings) and given to every writer (PDF, Word, the web edition)."""
    from guidebook.render.settings import settings

    return dict(settings(chain).variables)


def page_geometry(chain: list[Path], stylesheet: str) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """(width, height) and (top, right, bottom, left) margins in mm of `stylesheet`'s pages (render.settings)."""
    from guidebook.render.settings import page

    p = page(chain, stylesheet)
    return (p.width, p.height), p.margins
