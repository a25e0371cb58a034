"""Writer: the web edition, a static site of the whole guide for citizens' phones (output/site/).

Pages translate the guide's document tree (the same tree the PDF and Word files show) with the HTML
writer in its web mode: phones are tel: links, links point at the page that holds their target,
every flowchart has its steps as text, tables stack on a phone. Nothing is loaded from outside the
site: no CDN, no web fonts (the reader's own fonts), relative links only, so the folder works from
any static host, an intranet folder, or file://. Search is the only part that needs JavaScript: an
index of every page's text, built here, and a small script of the layout (site.js).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from urllib.parse import quote

from markupsafe import Markup

from guidebook.catalogue.schema import FORMS_DIR as FORMS

from guidebook.document.nodes import Category, Item, Section, text_of, walk
from guidebook.document.build import INDEX_PAGE, Guide, item_page
from guidebook.outputs.html import HtmlWriter
from guidebook.outputs.text import text_blocks

TEMPLATE = "site.html"
ASSETS = ("site.css", "site.js")
# The pages of the guide's sections that the site shows, by section kind: (file, short name in the menu)
SECTION_PAGES = {"windows": ("windows.html", "服务窗口"), "prohibited": ("prohibited.html", "禁办清单"),
                 "tolerated": ("tolerated.html", "容缺清单")}
ABOUT = ("about.html", "关于本版")


@dataclass
class Page:
    path: str  # relative to the site's root
    title: str
    kind: str  # index | item | section | about
    body: Markup
    crumbs: list[tuple[str, str]]  # (text, path) from the index down, the page itself last
    prev: tuple[str, str] | None = None
    next: tuple[str, str] | None = None
    downloads: list[tuple[str, str]] | None = None


class _Draw:
    """Flowcharts as inline SVG in the reader's fonts and the theme's colours (no renderer needed)."""

    def __init__(self, theme: dict[str, str]):
        from guidebook.render.flowchart import COMPACT, Style

        self.base = {"stroke": theme.get("--color-primary", "#1f3b63"), "accent": theme.get("--color-tint", "#eef3f9"),
                     "font_family": "system-ui, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"}
        self.compact = Style(**{**COMPACT.__dict__, **self.base})

    def flow_svg(self, flow, compact=False, small=False, title="", scale=1.0, alt=""):
        """`scale`, `alt`: for the print drawer; a page shows the steps as text beside the drawing."""
        from guidebook.render.flowchart import render_svg

        svg = render_svg(flow, self.compact, title)  # the narrow drawing stays legible on a phone
        return Markup(svg.replace("<svg ", '<svg role="img" aria-label="{}" '.format(
            Markup.escape(title)), 1) if "role=" not in svg[:200] else svg)

    def flow_rows_svg(self, flow, title="", scale=1.0, alt=""):
        return self.flow_svg(flow, title=title)

    def qr_svg(self, url):
        from guidebook.render import qr

        return Markup(qr.svg(url))


def _anchor_pages(tree: Guide) -> dict[str, str]:
    """Where each anchor of the tree lives on the site: items on their page, sections on theirs."""
    where: dict[str, str] = {}
    for sec in tree.main:
        kind = sec.section
        page = SECTION_PAGES.get(kind, (INDEX_PAGE, ""))[0]
        where[sec.anchor] = page
        for n in walk(sec.children):
            if isinstance(n, Category):
                where[n.anchor] = f"{INDEX_PAGE}#{n.anchor}"
            elif isinstance(n, Item):
                where[n.anchor] = item_page(n.item_number)
                for sub in walk(n.children):
                    if sub.kind == "block" and sub.anchor:
                        where[sub.anchor] = f"{item_page(n.item_number)}#{sub.anchor}"
    return where


def _relative(target: str, page: str) -> str:
    """`target` (a path from the site's root, maybe with #fragment) as seen from `page`."""
    depth = page.count("/")
    return "../" * depth + target


def _index_body(meta, categories: list[Category]) -> Markup:
    """The index: the cover's slogans (as every output prints them), then every category with its items."""
    parts = []
    for c in categories:
        links = "".join(f'<li><a href="{item_page(it.item_number)}">{Markup.escape(it.heading)}</a></li>'
                        for it in c.items)
        parts.append(f'<section class="category" id="{c.anchor}"><h2>{Markup.escape(c.label)}</h2>'
                     f'<ul class="item-links">{links}</ul></section>')
    slogans = "".join(f"<p>{Markup.escape(s)}</p>" for s in meta.slogans)
    lead = f'<div class="slogans">{slogans}</div>' if slogans else ""
    return Markup(lead + "".join(parts))


def _href(where: dict[str, str], page: str):
    """Where a link target of the guide ("#item-7") lives, as seen from `page` (other targets as they are)."""
    def href(target: str) -> str:
        if not target.startswith("#") or target[1:] not in where:
            return target
        dest = where[target[1:]]
        path, _, fragment = dest.partition("#")
        if path == page:
            return "#" + (fragment or target[1:])
        return _relative(dest, page)
    return href


def build_pages(tree: Guide, theme: dict[str, str], downloads: dict[int, list[tuple[str, str]]],
                extra: dict[int, list] | None = None) -> list[Page]:
    """Every page of the site, in order: the index, each item, the sections, about this edition. `extra`:
    blocks of an item that the site shows and the guide does not (its 咨询电话, as the handout has it)."""
    extra = extra or {}
    meta = tree.meta
    where = _anchor_pages(tree)
    draw = _Draw(theme)

    def writer(page: str, shift: int) -> HtmlWriter:
        return HtmlWriter(draw, tel_links=True, href=_href(where, page), heading_shift=shift, cell_labels=True,
                          flow_text=True, form_href=lambda name: _relative(form_path(name), page))

    home = (meta.title, INDEX_PAGE)
    items = [(c, it) for c in tree.categories for it in c.items]
    pages: list[Page] = []

    pages.append(Page(INDEX_PAGE, meta.title, "index", _index_body(meta, tree.categories), [home]))

    for k, (c, it) in enumerate(items):
        number = it.item_number
        path = item_page(number)
        body = writer(path, -1)([*it.children[1:], *extra.get(number, [])])  # its heading is the page's
        crumbs = [home, (c.label, f"{INDEX_PAGE}#{c.anchor}"), (it.heading, path)]
        prev = items[k - 1][1] if k else None
        nxt = items[k + 1][1] if k + 1 < len(items) else None
        page = Page(path, it.heading, "item", body, crumbs,
                    prev=(prev.heading, item_page(prev.item_number)) if prev else None,
                    next=(nxt.heading, item_page(nxt.item_number)) if nxt else None,
                    downloads=downloads.get(number))
        pages.append(page)

    for sec in tree.main:
        kind = sec.section
        if kind not in SECTION_PAGES:
            continue
        path, _ = SECTION_PAGES[kind]
        title = sec.title
        pages.append(Page(path, title, "section", writer(path, 0)(sec.children[1:]), [home, (title, path)]))

    changes = [n for n in tree.front if isinstance(n, Section) and n.section == "changes"]
    about = [f"<p>{Markup.escape(meta.bureau)}《{Markup.escape(meta.title)}》{Markup.escape(meta.edition_label)}，"
             f"版本日期：{Markup.escape(meta.date)}。</p>",
             "<p>本网页版与印刷版指南、一次性告知单内容一致。</p>"]
    body = Markup("".join(about))
    if changes:
        sec = changes[0]
        body += Markup("<h2>{}</h2>").format(sec.title)
        body += writer(ABOUT[0], 1)(sec.children[1:])
    pages.append(Page(ABOUT[0], ABOUT[1], "about", body, [home, (ABOUT[1], ABOUT[0])]))
    return pages


def search_index(pages: list[Page], tree: Guide) -> str:
    """The search index as a script (a JSON file cannot be read from file://): for each page its
    title, section and text without spaces. The script matches every word of a query as a substring
    (Chinese has no spaces between words), titles first."""
    by_anchor = {item_page(it.item_number): (c.label, it) for c in tree.categories for it in c.items}
    entries = []
    for p in pages:
        if p.kind == "item":
            section, node = by_anchor[p.path]
            text = "".join(text_blocks(node.children))
        elif p.kind == "section":
            section = "清单"
            sec = next(s for s in tree.main if SECTION_PAGES.get(s.section, ("",))[0] == p.path)
            text = "".join(text_blocks(sec.children))
        else:
            continue
        entries.append({"u": p.path, "t": p.title, "s": section, "x": re.sub(r"\s+", "", text)})
    data = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    synonyms = json.dumps(tree.meta.synonyms, ensure_ascii=False, separators=(",", ":"))
    return f"window.GUIDE_INDEX={data};\nwindow.GUIDE_SYNONYMS={synonyms};\n"


def site_only_blocks(doc) -> dict[int, list]:
    """Each item's blocks that the site shows beside what the guide shows (sections declared for the site
    and the handout, not the guide: 咨询电话)."""
    from guidebook.catalogue.sections import GUIDE, SITE, item_sections
    from guidebook.document.build import item_section_block

    wanted = [sec for sec in item_sections() if sec.shown_in(SITE) and not sec.shown_in(GUIDE)]
    return {it.item_number: [b for sec in wanted for b in item_section_block(sec, it)] for it in doc.items}


def render(session, downloads: dict[int, list[tuple[str, str]]]) -> list[tuple[Path, bytes, None]]:
    """Every file of the site: pages, assets, the search index (paths under output/site/)."""
    from guidebook.render import find_layout_file, make_env, render_template, stylesheet_files, theme_values

    chain = session.chain
    theme = theme_values(chain)
    tree = session.doc
    pages = build_pages(tree, theme, downloads, site_only_blocks(session.doc))
    env = make_env(chain)
    root = session.opts.output / "site"
    present = {s.section for s in tree.main}  # a guide without a list has no page and no menu entry for it
    menu = [(INDEX_PAGE, "首页"), *(v for k, v in SECTION_PAGES.items() if k in present), ABOUT]
    out = []
    for p in pages:
        up = "../" * p.path.count("/")
        html = render_template(env, TEMPLATE, page=p, meta=tree.meta, up=up, menu=menu, items=[
            pg for pg in pages if pg.kind == "item"])
        out.append((root / p.path, html.encode("utf-8"), None))
    css = "".join(find_layout_file(chain, name).read_text("utf-8") + "\n" for name in ("theme.css", "site.css"))
    custom = "".join(p.read_text("utf-8") + "\n" for p in stylesheet_files(chain, "custom.css"))
    out.append((root / "assets" / "site.css", (css + _screen_only(custom)).encode("utf-8"), None))
    out.append((root / "assets" / "site.js", find_layout_file(chain, "site.js").read_bytes(), None))
    out.append((root / "assets" / "search-index.js", search_index(pages, tree).encode("utf-8"), None))
    forms = session.opts.source / FORMS
    out += [(root / FORMS / name, (forms / name).read_bytes(), None) for name in form_files(tree)]
    return out


def form_path(name: str) -> str:
    """Where a form (a file under source/forms/) is offered on the site, as a URL path from its root."""
    return FORMS + "/" + quote(name)


def forms_digest(source: Path, tree: Guide) -> str:
    """What the site's copies of the forms depend on: their names and bytes (part of the site's key)."""
    import hashlib

    h = hashlib.sha256()
    for name in form_files(tree):
        h.update(name.encode("utf-8") + b"\0" + hashlib.sha256((source / FORMS / name).read_bytes()).digest())
    return h.hexdigest() if form_files(tree) else ""


def form_files(tree: Guide) -> list[str]:
    """The forms the guide names (blank forms and samples of materials), in order, each once."""
    found: list[str] = []
    for n in walk(tree.main):
        if n.kind == "span" and n.role == "form-file" and text_of(n.content) not in found:
            found.append(text_of(n.content))
    return found


def _screen_only(css: str) -> str:
    """A designer's custom.css for the web: its variables apply, its @page rules do not."""
    return re.sub(r"@page[^{]*\{(?:[^{}]|\{[^{}]*\})*\}", "", css)


def page_paths(tree: Guide) -> list[str]:
    """The site's files, relative to output/site/, without building them."""
    numbers = [it.item_number for it in tree.items]
    sections = [SECTION_PAGES[s.section][0] for s in tree.main if s.section in SECTION_PAGES]
    return [INDEX_PAGE, *(item_page(n) for n in numbers), *sections, ABOUT[0],
            "assets/site.css", "assets/site.js", "assets/search-index.js",
            *(f"{FORMS}/{name}" for name in form_files(tree))]

