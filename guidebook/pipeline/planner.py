"""Planning stage: which outputs a build is asked for, the cache key of each, which are stale, and which
files of an earlier build belong to no item any more.

Every kind of output is declared once (`OUTPUTS`): its path, what of the catalogue it shows and when it is
wanted. The planner knows nothing of how an output is made; the builders (guidebook.pipeline.builders)
make the stale ones.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from guidebook.catalogue.exporting import catalogue_json
from guidebook.diagnostics import GuidebookError
from guidebook.document.build import Guide
from guidebook.document.nodes import Item

if TYPE_CHECKING:  # pragma: no cover
    from guidebook.pipeline import Options, Session


@dataclass(frozen=True)
class Declared:
    """One kind of output, declared once: where it goes, what it is made from, when it is wanted.

    `source` is the part of the catalogue it shows: "catalogue" (the guide), "item" (one handout per
    item) or "combined" (made from the item outputs of `variant` ""). `variant` tells apart outputs
    made from the same source (the PDF "", "docx", "pdf/a-2b" ...). Its cache key hashes the tool's
    code, the layouts, the fonts, every rendering option (`key_options`), its source and its variant.
    """

    path: str  # relative to the output folder; {stem}: an item's file stem, {sheet}: the press sheet,
    # {page}: each file of the web edition
    source: str
    variant: str
    wanted: Callable[["Options"], bool]
    extra: Callable[["Options"], str] = lambda o: ""  # what else of the options it depends on

    def of(self, **parts: str) -> str:
        """The path of one output of this kind (`of(stem="15-失业保险金申领")`)."""
        return self.path.format(**parts)


def whole(o: "Options") -> bool:
    """The build is asked for every item (not `--item`/`--category`)."""
    return o.items is None and o.category is None


GUIDE_PDF = Declared("guide.pdf", "catalogue", "", lambda o: o.guide)
GUIDE_DOCX = Declared("guide.docx", "catalogue", "docx", lambda o: o.guide and o.word)
GUIDE_PDFA = Declared("archive/guide-pdfa.pdf", "catalogue", "pdf/a-2b", lambda o: o.guide and o.archive)
GUIDE_PRESS = Declared("print/guide-press.pdf", "catalogue", "press", lambda o: o.guide and o.press)
GUIDE_BOOKLET = Declared("print/guide-booklet-{sheet}.pdf", "catalogue", "booklet", lambda o: o.guide and o.press)
HANDOUT_PDF = Declared("handouts/{stem}.pdf", "item", "", lambda o: o.handouts)
HANDOUT_DOCX = Declared("handouts/{stem}.docx", "item", "docx", lambda o: o.handouts and o.word)
HANDOUT_PDFUA = Declared("archive/handouts/{stem}.pdf", "item", "pdf/ua-1", lambda o: o.handouts and o.archive)
HANDOUTS_COMBINED = Declared("handouts/all-handouts.pdf", "combined", "", lambda o: o.handouts and whole(o))
# the web edition: its pages link to the handouts' downloads when those are built
SITE_PAGE = Declared("site/{page}", "catalogue", "site", lambda o: o.site and whole(o),
                     extra=lambda o: f"downloads={o.handouts},{o.handouts and o.word}")
SITE_PDF = Declared("site/downloads/{stem}.pdf", "item", "site-pdf", lambda o: o.site and o.handouts and whole(o))
SITE_DOCX = Declared("site/downloads/{stem}.docx", "item", "site-docx",
                     lambda o: o.site and o.handouts and o.word and whole(o))

OUTPUTS: tuple[Declared, ...] = (GUIDE_PDF, GUIDE_DOCX, GUIDE_PDFA, GUIDE_PRESS, GUIDE_BOOKLET, HANDOUT_PDF,
                                 HANDOUT_DOCX, HANDOUT_PDFUA, HANDOUTS_COMBINED, SITE_PAGE, SITE_PDF, SITE_DOCX)

# Options that choose which outputs are made or where, not what an output looks like. Every other
# option is part of every key, so an option added later cannot be left out of the keys.
NOT_RENDERING = {"source", "output", "layouts", "guide", "handouts", "word", "items", "category", "force",
                 "press", "archive", "changes_since", "changes_page", "site"}


def key_options(opts: "Options") -> str:
    return json.dumps({f.name: str(getattr(opts, f.name)) for f in fields(opts) if f.name not in NOT_RENDERING},
                      sort_keys=True)


@dataclass
class Plan:
    """What a build has to do: the items asked for, every output's key, the stale ones, the orphans."""

    items: list[Item]
    keys: dict[str, str]
    stale: set[str]
    orphans: list[str]
    previous: dict[str, dict] = field(default_factory=dict)  # the last manifest's entries

    def wants(self, kind: Declared, **parts: str) -> bool:
        """The output of `kind` (for these path parts) is stale: it is to be made."""
        if "{sheet}" in kind.path or "{page}" in kind.path:
            head = kind.path.split("{")[0]
            return any(rel.startswith(head) and not rel.startswith("site/downloads/") for rel in self.stale)
        return kind.of(**parts) in self.stale

    def items_wanting(self, *kinds: Declared) -> list[Item]:
        """The items (in order) with a stale output of any of `kinds`."""
        return [it for it in self.items if any(self.wants(k, stem=it.file_stem) for k in kinds)]

    def level(self, it: Item) -> int | None:
        """The fitting level the last build recorded for `it`'s handout (a hint: it is checked)."""
        fit = self.previous.get(HANDOUT_PDF.of(stem=it.file_stem), {}).get("fit")
        return fit if isinstance(fit, int) and not isinstance(fit, bool) else None

    @property
    def reused(self) -> int:
        return len(self.keys) - len(self.stale)


def plan(session: "Session", warn: Callable[[str], None]) -> Plan:
    """The build's plan: keys from the inputs, staleness from the last manifest (none with --force)."""
    from guidebook.pipeline import cache

    opts = session.opts
    items = select_items(session.doc, opts) if opts.handouts else []
    keys = output_keys(session, items)
    previous, problem = cache.read_manifest(opts.output)  # read once: keys, removals, fitting levels
    if problem:
        warn(f"{opts.output / 'manifest.json'} is damaged ({problem}): what it does not describe is rendered again")
    entries = {} if opts.force else previous
    stale = {rel for rel, key in keys.items() if not cache.fresh(opts.output, rel, key, entries)}
    return Plan(items, keys, stale, orphaned_outputs(session, previous), previous)


def output_keys(session: "Session", items: list[Item]) -> dict[str, str]:
    """The cache key of every output this build is asked for, by path relative to the output folder."""
    from guidebook.pipeline import cache

    opts = session.opts
    guide = cache.guide_key(session.layout_key, catalogue_json(session.catalogue), session.changes_text)
    guide_json = session.catalogue.guide.model_dump_json()
    by_number = {it.number: it for it in session.catalogue.items}
    handout = {it.item_number: cache.handout_key(session.layout_key, by_number[it.item_number].model_dump_json(),
                                                 guide_json) for it in items}
    keys: dict[str, str] = {}
    for d in OUTPUTS:
        if not d.wanted(opts):
            continue
        if d is SITE_PAGE:
            from guidebook.outputs import site

            k = cache.guide_key(guide, d.variant, d.extra(opts) + site.forms_digest(opts.source, session.doc))
            keys.update({d.of(page=page): k for page in site.page_paths(session.doc)})
        elif d.source == "catalogue":
            keys[d.of(sheet=_sheet(session) if d is GUIDE_BOOKLET else "")] = (
                cache.guide_key(guide, d.variant) if d.variant else guide)
        elif d.source == "item":
            for it in items:
                k = handout[it.item_number]
                keys[d.of(stem=it.file_stem)] = cache.guide_key(k, d.variant) if d.variant else k
        elif items:
            keys[d.path] = cache.combined_key([handout[it.item_number] for it in items])
    return keys


def _sheet(session: "Session") -> str:
    """The press sheet the booklet is imposed on (its name is part of the booklet's file name)."""
    from guidebook.outputs.printing import sheet_name
    from guidebook.render import page_geometry

    (w, h), _ = page_geometry(session.chain, "guide.css")
    return sheet_name(w, h)


def select_items(doc: Guide, opts: "Options") -> list[Item]:
    items = doc.items
    if opts.items is not None:
        wanted = set(opts.items)
        unknown = wanted - {it.item_number for it in items}
        if unknown:
            raise GuidebookError(f"no item numbered {', '.join(map(str, sorted(unknown)))}; "
                                 f"items are {items[0].item_number}-{items[-1].item_number}")
        items = [it for it in items if it.item_number in wanted]
    if opts.category is not None:
        items = [it for it in items if it.category == opts.category]
    return items


def orphaned_outputs(session: "Session", entries: dict[str, dict]) -> list[str]:
    """Files listed in the last manifest that belong to no item of the catalogue any more (a renamed or
    removed item): an earlier build's file that matches a per-item path but names no item of today."""
    from guidebook.document.build import ITEM_PAGES, item_page

    per_item = [re.compile("^" + re.escape(d.path).replace(re.escape("{stem}"), r"(?P<stem>[^/]+)") + "$")
                for d in OUTPUTS if "{stem}" in d.path]
    stems = {it.file_stem for it in session.doc.items}
    pages = {f"site/{item_page(it.item_number)}" for it in session.doc.items}
    combined = Path(HANDOUTS_COMBINED.path).stem
    out = []
    for rel in entries:
        if rel.startswith(f"site/{ITEM_PAGES}"):
            if rel not in pages:
                out.append(rel)
            continue
        for pattern in per_item:
            m = pattern.match(rel)
            if m and m.group("stem") not in stems and m.group("stem") != combined:
                out.append(rel)
                break
    return [rel for rel in out if (session.opts.output / rel).is_file()]
