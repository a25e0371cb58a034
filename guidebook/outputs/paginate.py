"""Parallel pagination: the guide laid out in parts on every core, numbered and joined as one book.

WeasyPrint lays a document out in one process, and the guide is most of a build's time. So the
guide's HTML is cut where its layout already starts a new page (before a category other than the
first), each part is laid out by its own worker, and the parts are joined with pikepdf into one PDF
with one outline and one set of named destinations. The templates and stylesheets are not changed.

A part cannot see the others, so it is told what it needs from them as a guess: the number and
side (left or right) of its first page, and the page numbers of the anchors in other parts that it
links to (the contents and the power list link to every item). The guess comes from the previous
build (a small file in the cache folder). Each part reports what it found: its page count and the
page numbers of its anchors. The guesses are checked against that and the parts that were told
something wrong are laid out again with what is now known (at most twice). Around its own content a
part is laid out with pages that are dropped when the parts are joined:

- a lead page: an empty copy of the element before the part's first element (so sibling selectors
  such as `.category + .category` still match) and the ancestors' opening; its page counter and side
  are set so that the part's first page gets the right number and side;
- a trail page: an empty copy of the next part's first element, so the part ends exactly where the
  whole book turns the page, and the ancestors' closing;
- stub pages: an empty element for every foreign anchor the part links to, on a page numbered like
  that anchor's page, so that `target-counter()` and links work;
- a probe page: bookmarks whose labels read, with `target-counter()`, the page numbers other parts
  need.

Whenever something cannot be checked the guide is laid out as one document instead: no place to
cut, a cut that is not a forced page break, a renderer message, guesses that do not settle, or
stylesheets with counters other than `page` (or `counter(pages)`), which a part cannot continue.
Tests compare the joined guide with the one-document guide page by page.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from guidebook.render import weasy

MAX_ROUNDS = 3
# Parts of about 16 pages: six for the seed's guide (its cost is about 43,000; cuts fall where
# categories begin). Two would balance the two cores as well, but laid-out parts are kept (PartCache):
# after an edit only the edited part is laid out again, so smaller parts make an edit cheaper. Measured
# on the seed (2 cores, median, A/B): an edit costs 3.2 s with six parts, 4.5 s with three, and a build
# from scratch the same CPU within the machine's noise (20.8 s against 20.4 s). The count depends on
# the document, not on this machine's cores, so every machine writes the same bytes.
PART_COST = 7_500
MAX_PARTS = 16
TRAIL, END = "gb-trail", "gb-end"
PROBE = "gbprobe "
PT = 0.75  # PDF points per CSS pixel
_COUNTER_PROPS = re.compile(r"counter-(?:reset|set|increment)\s*:\s*([^;}]*)")


@dataclass(frozen=True)
class Guess:
    """What a part is told about the rest of the book."""

    start_index: int  # the book page index of its first page (0-based; even is a right-hand page)
    start_number: int | None  # the page counter on its first page (None for the first part)
    numbers: tuple[tuple[str, int], ...]  # the page counter of every foreign anchor it links to


@dataclass
class PartResult:
    """What a laid-out part reports."""

    pdf: bytes = b""
    first: int = 0  # index of its first content page in `pdf`
    count: int = 0  # content pages
    anchors: list = field(default_factory=list)  # (name, content page, x, y) in PDF points
    bookmarks: list = field(default_factory=list)  # (level, label, content page, x, y, state)
    numbers: dict = field(default_factory=dict)  # page counter of anchors other parts need, and of TRAIL
    start_side: str = "right"
    problem: str | None = None  # why the part cannot be used


def unsupported(css_texts: list[str]) -> str | None:
    """Why stylesheets cannot be laid out in parts: a counter a part could not continue."""
    for text in css_texts:
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        if re.search(r"counter\(\s*pages\s*[,)]", text):
            return "the stylesheets use counter(pages)"
        for m in _COUNTER_PROPS.finditer(text):
            names = re.findall(r"[A-Za-z_][\w-]*", m.group(1))
            other = [n for n in names if n not in ("page", "none", "inherit", "initial", "unset", "important")]
            if other:
                return f"the stylesheets use the counter {other[0]!r}"
    return None


class Plan:
    """The guide's HTML parsed once, the cut points, and who links to whom. Built before forking."""

    def __init__(self, html: str, candidates: list[str], parts: int | None = None):
        import tinyhtml5

        self.asked = parts  # the number of parts asked for (None: as many as its size needs)
        self.root = tinyhtml5.parse(html, namespace_html_elements=False)
        self.head = self.root.find("head")
        self.body = self.root.find("body")
        self.parent = {c: p for p in self.root.iter() for c in p}
        by_id: dict[str, ET.Element] = {}
        order: dict[ET.Element, int] = {}
        cum: dict[ET.Element, int] = {}
        total = 0
        for i, e in enumerate(self.body.iter()):
            order[e] = i
            cum[e] = total
            # layout cost, roughly (measured on the seed guide): text by character, a drawing like 200
            total += 1 + len(e.text or "") + len(e.tail or "") + (200 if e.tag in ("img", "svg") else 0)
            if e.get("id") and e.get("id") not in by_id:
                by_id[e.get("id")] = e
        self.by_id = by_id
        # a cut must have an element before it in the same parent (the lead copies it)
        usable = [by_id[c] for c in candidates if c in by_id and self._previous(by_id[c]) is not None]
        n = parts or max(2, min(MAX_PARTS, round(total / PART_COST)))
        cuts: list[ET.Element] = []
        for i in range(1, n):
            target = total * i / n
            best = min((e for e in usable if not cuts or order[e] > order[cuts[-1]]),
                       key=lambda e: abs(cum[e] - target), default=None)
            if best is not None and best not in cuts:
                cuts.append(best)
        self.cuts = cuts
        self.cut_ids = [c.get("id") for c in cuts]
        # which part each anchor lives in, which anchors each part links to
        bounds = [order[c] for c in cuts]
        self.home: dict[str, int] = {}
        refs: list[set[str]] = [set() for _ in range(len(cuts) + 1)]
        for e, i in order.items():
            k = bisect.bisect_right(bounds, i)
            if e.get("id"):
                self.home.setdefault(e.get("id"), k)
            href = e.get("href")
            if href and href.startswith("#") and len(href) > 1:
                refs[k].add(href[1:])
        self.foreign = [sorted(a for a in r if a in self.home and self.home[a] != k) for k, r in enumerate(refs)]
        self.needed: list[set[str]] = [set() for _ in refs]
        for names in self.foreign:
            for a in names:
                self.needed[self.home[a]].add(a)
        for k, cid in enumerate(self.cut_ids, 1):
            self.needed[k].add(cid)  # its first page's number is checked against the guess

    @property
    def parts(self) -> int:
        return len(self.cuts) + 1

    def _previous(self, el):
        p = self.parent.get(el)
        if p is None:
            return None
        kids = list(p)
        i = kids.index(el)
        return kids[i - 1] if i > 0 else None

    def _path(self, el) -> list:
        path = []
        while el is not self.body:
            path.append(el)
            el = self.parent[el]
        return path[::-1]

    # -- one part
    def part_tree(self, k: int, guess: Guess) -> tuple[ET.Element, ET.Element | None, ET.Element | None]:
        """The part's HTML tree (sharing untouched subtrees with the whole), its first element and trail."""
        start = self.cuts[k - 1] if k > 0 else None
        end = self.cuts[k] if k < len(self.cuts) else None
        lead = _hollow(self._previous(start)) if start is not None else None
        trail = _hollow(end, TRAIL) if end is not None else None

        def clip(node, sp, ep):
            new = ET.Element(node.tag, dict(node.attrib))
            new.text = node.text if sp is None else None
            new.tail = node.tail if ep is None else None
            kids = list(node)
            i0 = kids.index(sp[0]) if sp else 0
            for c in kids[i0:]:
                s = sp[1:] if sp and c is sp[0] else None
                if ep and c is ep[0]:
                    if len(ep) > 1:
                        new.append(clip(c, s, ep[1:]))
                    else:
                        new.append(trail)
                    break
                if s:  # the start is deeper inside c
                    new.append(clip(c, s, None))
                else:
                    if s is not None and lead is not None:  # c is the part's first element
                        new.append(lead)
                    new.append(c)
            return new

        body = clip(self.body, self._path(start) if start is not None else None,
                    self._path(end) if end is not None else None)
        _append_tail_pages(body, guess, self.needed[k] | ({TRAIL} if trail is not None else set()))
        root = ET.Element(self.root.tag, dict(self.root.attrib))
        root.append(self.head)
        root.append(body)
        return root, start, trail

    def part_css(self, k: int, guess: Guess) -> str:
        css = []
        if k > 0:
            css.append(f"@page :first {{ counter-set: page {(guess.start_number or 1) - 1} }}")
            # the lead page is the one before the first: the opposite side
            css.append(f"html {{ break-before: {'left' if guess.start_index % 2 == 0 else 'right'} }}")
        for number in sorted({n for _, n in guess.numbers}):
            css.append(f"@page {_stub_page(number)} {{ counter-set: page {number} }}")
        css.append(f".gb-probe {{ display: block; bookmark-level: 1; "
                   f"bookmark-label: '{PROBE}' attr(href) ' ' target-counter(attr(href), page) }}")
        return "\n".join(css)


def _hollow(el, new_id: str | None = None):
    """An empty copy of an element (same tag and attributes, so the same selectors match)."""
    attrib = {k: v for k, v in el.attrib.items() if k != "id"}
    if new_id:
        attrib["id"] = new_id
    return ET.Element(el.tag, attrib)


def _stub_page(number: int) -> str:
    return f"gbstub-{number}" if number >= 0 else f"gbstub-m{-number}"


def _append_tail_pages(body, guess: Guess, probed: set[str]) -> None:
    """End marker, stub pages for foreign anchors and the probe page, after the part's content."""
    ET.SubElement(body, "div", {"id": END, "style": "page: gbend"})
    by_number: dict[int, list[str]] = {}
    for name, number in guess.numbers:
        by_number.setdefault(number, []).append(name)
    for number in sorted(by_number):
        group = ET.SubElement(body, "div", {"style": f"page: {_stub_page(number)}"})
        for name in by_number[number]:
            ET.SubElement(group, "div", {"id": name})
    probes = ET.SubElement(body, "div", {"style": "page: gbprobe"})
    for name in sorted(probed):
        ET.SubElement(probes, "a", {"class": "gb-probe", "href": "#" + name})


# ---------------------------------------------------------------------------------------------
# In a worker


def render_part(session, k: int, guess: Guess, write: bool = True, asked: int | None = None) -> PartResult:
    """Lay out part k and write it (with its extra pages); report what the other parts need.

    Without `write` the part is only laid out: its page count and numbers are what a first round
    without a guess needs, and drawing it (a third of the time) would be wasted. `asked`: the number of
    parts the guide was cut into was asked for (Plan.asked); the session's plan for it is parsed once
    before the workers fork, and they inherit it.

    Never raises: whatever goes wrong is reported as the part's problem, and the guide is then laid
    out as one document, which reports real errors (bad CSS, a missing glyph) the usual way.
    """
    try:
        return _render_part(session, session.guide_plan(asked), k, guess, write)
    except Exception as exc:  # noqa: BLE001 (the one-document path is the safe answer to anything)
        return PartResult(problem=f"part {k + 1}: {type(exc).__name__}: {exc}")


def _render_part(session, plan: Plan, k: int, guess: Guess, write: bool) -> PartResult:
    from guidebook.render import RenderError, strict_logging

    r = session.renderer
    root, start, trail = plan.part_tree(k, guess)
    try:
        with strict_logging(f"guide.pdf, part {k + 1}"):
            document = r.layout_tree("guide", root, plan.part_css(k, guess))
            pdf = document.write_pdf(pdf_tags=True) if write else b""  # a tagged PDF, as the whole guide
    except RenderError as exc:
        return PartResult(problem=str(exc))
    pages = document.pages
    where: dict[str, int] = {}
    for i, page in enumerate(pages):
        for name in page.anchors:
            where.setdefault(name, i)
    first = where.get(start.get("id"), -1) if start is not None else 0
    end = where.get(TRAIL if trail is not None else END, -1)
    if first < 0 or end <= first:
        return PartResult(problem=f"part {k + 1}: its first or last page was not found")
    side = weasy.page_side(pages[first])
    if side is None or not weasy.fits("joined outlines"):
        return PartResult(problem=f"part {k + 1}: this WeasyPrint's page boxes are not known, so the guide is laid "
                                  "out whole")
    for el, i in ((start, first), (trail, end)):
        if el is not None and not weasy.breaks_before(pages[i], el):
            return PartResult(problem=f"part {k + 1}: <{el.tag} class={el.get('class')!r}> does not start "
                                      "a new page (break-before: page), so the guide cannot be cut there")
    res = PartResult(pdf=pdf, first=first, count=end - first, start_side=side)
    for i in range(first, end):
        page = pages[i]
        for name, (x, y, _, _) in page.anchors.items():
            if where[name] == i and name not in (TRAIL, END):
                res.anchors.append((name, i - first, x * PT, (page.height - y) * PT))
        for level, label, (x, y), state in page.bookmarks:
            res.bookmarks.append((level, label, i - first, x * PT, (page.height - y) * PT, state))
    for page in pages[end:]:
        for _, label, _, _ in page.bookmarks:
            if label.startswith(PROBE):
                parts = label[len(PROBE):].split()
                if len(parts) == 2 and parts[1].lstrip("-").isdigit():
                    res.numbers[parts[0].lstrip("#")] = int(parts[1])
    return res


# ---------------------------------------------------------------------------------------------
# In the parent


def first_guesses(plan: Plan, hint: dict) -> tuple[list[Guess], bool]:
    """What to tell each part first, and whether the hint knows every cut and anchor of this plan
    (when it does not, the first round only lays the parts out, without writing them)."""
    numbers = hint.get("numbers", {})
    starts = hint.get("starts", {})
    guesses = []
    for k in range(plan.parts):
        index, number = (0, None) if k == 0 else tuple(starts.get(plan.cut_ids[k - 1], (0, 1)))
        guesses.append(Guess(index, number, tuple((a, int(numbers.get(a, 0))) for a in plan.foreign[k])))
    known = all(c in starts for c in plan.cut_ids) and all(a in numbers for f in plan.foreign for a in f)
    return guesses, known


def _found(guesses: list[Guess], results: list[PartResult]) -> tuple[dict[str, int], list[int | None]]:
    """The page numbers the parts `results` (the first ones, in order) found for the anchors others need,
    and the first page number of each of them and of the part after them (None for the first part)."""
    # A part laid out from a wrong first page number has all its numbers off by the same amount:
    # shift them, so that one more round usually settles everything at once.
    numbers: dict[str, int] = {}
    starts: list[int | None] = [None]
    shift = 0
    for k, res in enumerate(results):
        if k > 0:
            told = guesses[k].start_number
            shift = starts[k] - told if starts[k] is not None and told is not None else 0
        numbers.update({a: n + shift for a, n in res.numbers.items()})
        trail = res.numbers.get(TRAIL)
        starts.append(None if trail is None else trail + shift)
    return numbers, starts


def settle(plan: Plan, guesses: list[Guess], results: list[PartResult]) -> tuple[list[Guess], list[int]]:
    """The guesses the results imply, and the parts whose guess (or first page) was wrong."""
    numbers, starts = _found(guesses, results)
    derived, wrong, index = [], [], 0
    for k, res in enumerate(results):
        g = Guess(index, starts[k], tuple((a, numbers.get(a, 0)) for a in plan.foreign[k]))
        derived.append(g)
        ok = g == guesses[k]
        if k > 0:  # the part really started where it was told to
            side = "right" if guesses[k].start_index % 2 == 0 else "left"
            ok = ok and res.start_side == side and res.numbers.get(plan.cut_ids[k - 1]) == guesses[k].start_number
        if not ok:
            wrong.append(k)
        index += res.count
    return derived, wrong


def chain_next(plan: Plan, guesses: list[Guess], results: dict[int, PartResult]) -> list[tuple[int, Guess]]:
    """The parts to lay out next when the guide is laid out as a chain, and what to tell each.

    With no page numbers from an earlier build, laying every part out at once means laying each out
    twice: once to learn the numbers, once with them. A chain lays the parts out one after the other
    instead, each told where it starts by the ones before it, so each is laid out once, on one worker,
    while the others write the handouts and Word files. The first part (the front matter, whose contents
    and power list need every part's numbers) is laid out first only to count its pages, and again at
    the end.

    Call it when a part arrives for the first time. `results`: the parts laid out so far, by index;
    `guesses` is updated with what the returned parts are told. When the last part arrives, the parts
    told something wrong (the first one, and any that links to a later part) are returned; whatever is
    still wrong after that is for `lay_out`.
    """
    k = len(results)
    if any(r.problem for r in results.values()) or sorted(results) != list(range(k)):
        return []  # the guide is laid out as one document (see `in_order`)
    done = [results[i] for i in range(k)]
    if k < plan.parts:
        numbers, starts = _found(guesses, done)
        start = starts[k] if starts[k] is not None else guesses[k].start_number  # no number found: a guess
        guesses[k] = Guess(sum(r.count for r in done), start, tuple((a, numbers.get(a, 0)) for a in plan.foreign[k]))
        return [(k, guesses[k])]
    derived, wrong = settle(plan, guesses, done)
    again = sorted(set(wrong) | {i for i, r in enumerate(done) if not r.pdf})
    for i in again:
        guesses[i] = derived[i]
    return [(i, guesses[i]) for i in again]


def in_order(plan: Plan, results: dict[int, PartResult]) -> list[PartResult]:
    """The parts' results in order; a part a stopped chain never laid out reports that as its problem."""
    return [results.get(k) or PartResult(problem=f"part {k + 1}: not laid out (a part before it failed)")
            for k in range(plan.parts)]


def hint_files(source: Path, chain: list[Path]) -> tuple[Path, Path]:
    """Where the page numbers of the last guide are kept: for this catalogue folder and layout, and for
    the layout alone (the last catalogue built with it: a moved or copied folder still gets a guess)."""
    from guidebook.render import fonts

    def key(*parts: str) -> str:
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    folder = fonts.cache_dir() / "pages"
    layout = [str(p.resolve()) for p in chain]
    return folder / f"{key(str(source.resolve()), *layout)}.json", folder / f"layout-{key(*layout)}.json"


def load_hint(source: Path, chain: list[Path]) -> dict:
    for path in hint_files(source, chain):
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            return data
    return {}


def save_hint(source: Path, chain: list[Path], plan: Plan, guesses: list[Guess], results: list[PartResult]) -> None:
    from guidebook.files import write_atomic

    numbers: dict[str, int] = {}
    for res in results:
        numbers.update(res.numbers)
    starts = {cid: [g.start_index, g.start_number] for cid, g in zip(plan.cut_ids, guesses[1:])}
    data = json.dumps({"numbers": numbers, "starts": starts}, sort_keys=True).encode()
    try:
        for path in hint_files(source, chain):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data)
    except OSError:
        pass  # a hint is only a speed-up


def settled(plan: Plan, guesses: list[Guess], results: list[PartResult]) -> bool:
    """Whether the parts' first round can be joined as it is (lay_out would join it at once)."""
    if any(r.problem or not r.pdf for r in results):
        return False
    return not settle(plan, guesses, results)[1]


def join(session, results: list[PartResult]) -> tuple[bytes, int] | str:
    """The joined guide (pdf, pages), or why the parts could not be joined. Runs in a worker too."""
    try:
        return stitch(results, list(session.renderer.font_files.values()))
    except Exception as exc:  # noqa: BLE001 (a file pikepdf cannot join: lay it out whole)
        return str(exc) or type(exc).__name__


def stitch(results: list[PartResult], font_files: list[Path] = ()) -> tuple[bytes, int]:
    """One PDF from the parts' content pages: pages, named destinations, outline, metadata of part 1, and
    one copy of each face of `font_files` (the renderer's) instead of one per part."""
    import warnings

    import pikepdf

    from guidebook.outputs.sharedfonts import share_fonts

    out = pikepdf.open(io.BytesIO(results[0].pdf))
    head = results[0]
    tagged = "/StructTreeRoot" in out.Root
    parts = [(out, head)]
    trees = [_pruned_tree(out, head)] if tagged else []
    for i in reversed(range(len(out.pages))):
        if not head.first <= i < head.first + head.count:
            del out.pages[i]
    with warnings.catch_warnings():  # named destinations are rebuilt below
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning if hasattr(pikepdf, "PageCopyWarning") else Warning)
        for res in results[1:]:
            src = pikepdf.open(io.BytesIO(res.pdf))
            if tagged:
                trees.append(_pruned_tree(src, res))
            parts.append((src, res))
            out.pages.extend(src.pages[res.first:res.first + res.count])
    if tagged:
        _join_trees(out, parts, trees)
    offset, dests = 0, {}
    pages = [SimpleNamespace(bookmarks=[]) for _ in range(len(out.pages))]
    for res in results:
        for name, i, x, y in res.anchors:
            dests.setdefault(name, (offset + i, x, y))
        for level, label, i, x, y, state in res.bookmarks:
            pages[offset + i].bookmarks.append((level, label, (x, y), state))
        offset += res.count
    root = out.Root
    if "/Outlines" in root:
        del root["/Outlines"]
    names = pikepdf.NameTree.new(out)
    for name in sorted(dests):
        i, x, y = dests[name]
        names[name] = pikepdf.Array([out.pages[i].obj, pikepdf.Name.XYZ, x, y, 0])
    root.Names = pikepdf.Dictionary(Dests=names.obj)
    tree = weasy.bookmark_tree(pages)

    def items(nodes):
        made = []
        for label, (page, x, y), children, state in nodes:
            item = pikepdf.OutlineItem(label, page, pikepdf.PageLocation.XYZ, left=x, top=y, zoom=0)
            item.children.extend(items(children))
            item.is_closed = state == "closed"
            made.append(item)
        return made

    with out.open_outline() as outline:
        outline.root.extend(items(tree))
    share_fonts(out, list(font_files), ids_kept=True, recode=False)  # the parts as WeasyPrint wrote them
    buf = io.BytesIO()
    out.save(buf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buf.getvalue(), len(out.pages)


# ---------------------------------------------------------------------------------------------
# The structure tree of a tagged guide: each part's, pruned to its content pages, joined into one


def _pruned_tree(src, res: PartResult) -> tuple[list, dict]:
    """The elements under the Document element of a part's structure tree, keeping only what is on its
    content pages (a part's extra pages, laid out to number the pages around it, are not the guide's),
    and its parent tree's entries by key. The part's own parent tree is let go, so that copying an element
    never reaches a page that is left out."""
    import pikepdf

    root = src.Root.StructTreeRoot
    nums = root.ParentTree.get("/Nums")
    if nums is None or "/Kids" in root.ParentTree:
        raise ValueError("a structure tree whose parent tree is not one flat list")
    entries = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    kept = {src.pages[i].objgen for i in range(res.first, res.first + res.count)}
    tops = list(root.K) if isinstance(root.K, pikepdf.Array) else [root.K]
    kids = [kid for top in tops for kid in (_kids(top) if top.get("/S") == "/Document" else [top])
            if _prune(kid, kept, top.get("/Pg"))]
    del root["/ParentTree"]
    return kids, entries


def _kids(elem) -> list:
    import pikepdf

    k = elem.get("/K")
    return list(k) if isinstance(k, pikepdf.Array) else ([] if k is None else [k])


def _prune(elem, kept: set, page=None) -> bool:
    """Keep of `elem` only the content on the pages `kept` (their objgens); False when nothing is left."""
    import pikepdf

    page = elem.get("/Pg", page)
    out = []
    for kid in _kids(elem):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR"):
            if _prune(kid, kept, page):
                out.append(kid)
            continue
        on = kid.get("/Pg", page) if isinstance(kid, pikepdf.Dictionary) else page  # a reference, or an MCID
        if on is not None and on.objgen in kept:
            out.append(kid)
    if not out and "/K" in elem:
        return False
    if "/K" in elem:
        elem.K = pikepdf.Array(out)
    return bool(out) or (page is not None and page.objgen in kept)


def _join_trees(out, parts: list, trees: list) -> None:
    """One structure tree for the joined guide: the first part's Document element holding every part's
    elements in order, and a parent tree numbered again over the joined pages and their links."""
    import pikepdf

    root = out.Root.StructTreeRoot
    document = (list(root.K) if isinstance(root.K, pikepdf.Array) else [root.K])[0]
    elements, nums, key, offset = [], [], 0, 0
    for i, ((src, res), (kids, entries)) in enumerate(zip(parts, trees)):
        own = (lambda o: o) if i == 0 else (lambda o: _copy(out, o))
        for kid in kids:
            elem = own(kid)
            elem.P = document
            elements.append(elem)
        for j in range(res.count):
            page = out.pages[offset + j].obj
            for holder in [page, *[a for a in page.get("/Annots", []) if "/StructParent" in a]]:
                name = "/StructParents" if holder is page else "/StructParent"
                if name not in holder:
                    continue
                value = entries.get(int(holder[name]))
                if value is not None:
                    nums += [key, own(value)]
                holder[name] = key
                key += 1
        offset += res.count
    document.K = pikepdf.Array(elements)
    root.ParentTree = out.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
    root.ParentTreeNextKey = key


def _copy(out, obj):
    """`obj` of another PDF in `out` (pikepdf copies indirect objects only; a direct array or dictionary is
    rebuilt around copies of what it holds)."""
    import pikepdf

    if obj.is_indirect:
        return out.copy_foreign(obj)
    if isinstance(obj, pikepdf.Array):
        return pikepdf.Array([_copy(out, x) for x in obj])
    if isinstance(obj, pikepdf.Dictionary):
        return pikepdf.Dictionary({k: _copy(out, v) for k, v in obj.items()})
    return obj


class PartCache:
    """Laid-out parts kept by what they were made from (their HTML, their extra CSS, the guess they were
    told, the layout, fonts, options and code), in the user's cache folder: after an edit to one item
    only its part is laid out again, and the front matter only when page numbers moved. An edit costs
    what it touches, not the whole book (as Typst's incremental compilation)."""

    KEEP = 24  # parts kept (about 0.5 MB each); the oldest are removed

    def __init__(self, layout_key: str, read: bool = True):
        from guidebook.render.fonts import cache_dir

        self.folder = cache_dir() / "parts"
        self.base = layout_key
        self.read = read
        self._keys: dict[tuple[Plan, int, Guess], str] = {}

    def key(self, plan: Plan, k: int, guess: Guess) -> str:
        """Made once per part and guess: taking a part from the cache and keeping it ask twice."""
        if (plan, k, guess) not in self._keys:
            self._keys[plan, k, guess] = self._key(plan, k, guess)
        return self._keys[plan, k, guess]

    def _key(self, plan: Plan, k: int, guess: Guess) -> str:
        root, _, _ = plan.part_tree(k, guess)
        h = hashlib.sha256(self.base.encode())
        for part in (ET.tostring(root, encoding="utf-8"), plan.part_css(k, guess).encode(), repr(guess).encode()):
            h.update(hashlib.sha256(part).digest())
        return h.hexdigest()[:32]

    def get(self, plan: Plan, k: int, guess: Guess) -> PartResult | None:
        if not self.read:
            return None
        key = self.key(plan, k, guess)
        try:
            meta = json.loads((self.folder / f"{key}.json").read_text("utf-8"))
            pdf = (self.folder / f"{key}.pdf").read_bytes()
            res = PartResult(pdf=pdf, **{f: meta[f] for f in ("first", "count", "numbers", "start_side")},
                             anchors=[tuple(a) for a in meta["anchors"]],
                             bookmarks=[tuple(b) for b in meta["bookmarks"]])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return res if hashlib.sha256(pdf).hexdigest() == meta.get("sha256") else None

    def put(self, plan: Plan, k: int, guess: Guess, res: PartResult) -> None:
        from guidebook.diagnostics import GuidebookError
        from guidebook.files import write_atomic

        if res.problem or not res.pdf:
            return
        key = self.key(plan, k, guess)
        if (self.folder / f"{key}.json").exists():  # kept already (taken from the cache): mark it recent
            try:
                (self.folder / f"{key}.json").touch()
            except OSError:
                pass
            return
        meta = {"first": res.first, "count": res.count, "numbers": res.numbers, "start_side": res.start_side,
                "anchors": res.anchors, "bookmarks": res.bookmarks, "sha256": hashlib.sha256(res.pdf).hexdigest()}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.folder / f"{key}.pdf", res.pdf)
            write_atomic(self.folder / f"{key}.json", json.dumps(meta).encode("utf-8"))
            kept = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in kept[self.KEEP:]:
                old.unlink(missing_ok=True)
                old.with_suffix(".pdf").unlink(missing_ok=True)
        except (OSError, GuidebookError):
            pass  # a cache only saves time


def lay_out(session, plan: Plan, guesses: list[Guess], results: list[PartResult], run, progress=lambda m: None,
            parts: PartCache | None = None, joined: tuple[bytes, int] | str | None = None):
    """Check the first round's parts, lay out again those told something wrong, join them.

    `run(tasks)` runs (function, args) tasks like guidebook.pipeline.parallel.run_all. Parts found in
    `parts` (the cache) are not laid out again, and the parts used are kept there. Returns (pdf, pages),
    or None when the guide must be laid out as one document. `joined`: what `join` made of these very
    results already (in a worker, while other work went on), used if they settle at once.
    """
    for round_ in range(1, MAX_ROUNDS + 1):
        problems = [r.problem for r in results if r.problem]
        if problems:
            progress(f"guide: laid out as one document ({problems[0].splitlines()[0]})")
            return None
        derived, wrong = settle(plan, guesses, results)
        unwritten = [k for k, r in enumerate(results) if not r.pdf and k not in wrong]
        if not wrong and not unwritten:
            save_hint(session.opts.source, session.chain, plan, guesses, results)
            if parts is not None:
                for k, res in enumerate(results):
                    parts.put(plan, k, guesses[k], res)
            if joined is None or round_ > 1:
                joined = join(session, results)
            if isinstance(joined, str):
                progress(f"guide: laid out as one document (joining the parts failed: {joined})")
                return None
            return joined
        if round_ == MAX_ROUNDS:
            break
        todo = sorted(set(wrong) | set(unwritten))
        if wrong:
            progress(f"guide: page numbers moved; updating {len(wrong)} of its {plan.parts} parts")
        else:
            progress("guide: page numbers settled; writing the guide")
        guesses = derived
        found = {k: parts.get(plan, k, guesses[k]) for k in todo} if parts is not None else {}
        todo = [k for k in todo if found.get(k) is None]
        again = run([(render_part, (k, guesses[k], True, plan.asked)) for k in todo]) if todo else []
        for k, res in [*zip(todo, again), *((k, r) for k, r in found.items() if r is not None)]:
            results[k] = res
    progress("guide: page numbers did not settle; laid out as one document")
    return None
