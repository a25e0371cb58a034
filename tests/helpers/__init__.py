"""Helpers of the tests (not fixtures): where the project is, running the CLI, reading PDFs and Word files.

Test modules import these by name (`from helpers import run_cli`); fixtures live in the conftest.py files.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SOURCE = ROOT / "source"
MINIMAL = ROOT / "tests" / "fixtures" / "minimal"  # a small catalogue for the corpus, cache and fault tests

SEED = ROOT / "tests" / "fixtures" / "booklet.txt"

STYLES = ("default", "gbt9704")

SHARED_CACHE = ROOT / ".cache" / "guidebook"  # the test run's cache, unless GUIDEBOOK_CACHE names another


def shared_folder(tmp_path_factory, name: str) -> Path:
    """A folder of this test run shared by its parallel workers (pytest-xdist): a build into it is made
    by the first worker that asks; the build's own lock makes the others wait, and they find every output
    up to date. Outside xdist, the run's own folder."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # pytest-of-USER/pytest-N/, above each worker's popen-gwK/
    folder = base / name
    folder.mkdir(exist_ok=True)
    return folder


def made_once(tmp_path_factory, name: str, make) -> Path:
    """A folder of the run, `make(folder)` done in it once for all the parallel workers: a module's
    fixture would otherwise be made by every worker that runs one of the module's tests. The first worker
    makes it under a lock; the others wait, then find it made."""
    import fcntl

    folder = shared_folder(tmp_path_factory, name)
    with open(folder.parent / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".made").exists():
            make(folder)
            (folder / ".made").touch()
    return folder


def own_cache(folder: Path) -> Path:
    """A cache folder of a test's own (no guide parts or page numbers from other tests) whose cut fonts and
    character maps are the run's shared ones: a face cut to a set of characters is the same bytes wherever
    it is cut (tested in test_sharedfonts), and cutting the four faces costs seconds per build."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("fonts", "cmaps"):
        shared = (Path(os.environ.get("GUIDEBOOK_CACHE") or SHARED_CACHE) / name).resolve()
        shared.mkdir(parents=True, exist_ok=True)
        (folder / name).symlink_to(shared, target_is_directory=True)
    return folder

def run_cli(*args: str, cwd: Path | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run `python -m guidebook ARGS` as a user would, capturing bytes."""
    return subprocess.run([sys.executable, "-m", "guidebook", *args], cwd=cwd or ROOT, input=input,
                          capture_output=True, timeout=300)

def run_cli_here(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the CLI's `main()` in this process, as `run_cli` would run it (exit code, stdout and
    stderr as bytes), for the many short runs of the corpus: no interpreter start, no import cost."""
    import contextlib
    import io
    import traceback

    from guidebook import cli

    out, err = io.StringIO(), io.StringIO()
    old_cwd, old_argv = os.getcwd(), sys.argv
    code = 0
    try:
        os.chdir(cwd or ROOT)
        sys.argv = ["guidebook", *args]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli.main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # what the interpreter would print: a traceback
                traceback.print_exc(file=err)
                code = 1
    finally:
        os.chdir(old_cwd)
        sys.argv = old_argv
        cli._state["debug"] = False
    return subprocess.CompletedProcess(["guidebook", *args], code, out.getvalue().encode(), err.getvalue().encode())

def normalize(text: str) -> str:
    """Text without whitespace, for comparing extracted PDF text with the source."""
    return re.sub(r"\s+", "", text)

def pdf_pages_text(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()

def decode_qr_codes(path: Path, page: int = 0, dpi: int = 300) -> set[str]:
    import pypdfium2 as pdfium
    import zxingcpp

    pdf = pdfium.PdfDocument(str(path))
    try:
        image = pdf[page].render(scale=dpi / 72).to_pil()
    finally:
        pdf.close()
    return {r.text for r in zxingcpp.read_barcodes(image)}

def seed_blocks(seed_text: str, label: str) -> list[str]:
    """The text under each 'N.k LABEL' heading of the seed, up to the next heading, whitespace removed."""
    lines = seed_text.splitlines()
    out = []
    for i, line in enumerate(lines):
        m = re.match(rf"^\d+(?:\.\d+)+\s*\**{label}\**[:：]?\s*(.*)$", line.strip())
        if not m:
            continue
        chunk = [m.group(1)]
        for nxt in lines[i + 1:]:
            s = nxt.strip()
            if (re.match(r"^(?:\d+(?:\.\d+)*\.?\s|[一二三四五六七八九十]+、|业务指南$|操作流程$)", s)
                    or re.match(r"^\d+\.\S", s) or s.endswith("清单") or "|" in s):
                break
            chunk.append(s)
        out.append(normalize("".join(chunk).replace("**", "")))
    return [b for b in out if b]

def pdf_body_text(path: Path, top_mm: float = 0, bottom_mm: float = 0, pages: slice = slice(None)) -> str:
    """The text of a PDF's pages in content order, whitespace removed, without what lies in the top
    and bottom margins (running headers, page numbers) and without the text of drawings (form
    XObjects: the flowcharts, whose labels a drawing places freely)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pt = 72 / 25.4
    pdf = pdfium.PdfDocument(str(path))
    try:
        out = []
        for i in range(len(pdf))[pages]:
            page = pdf[i]
            _, h = page.get_size()
            forms = [o.get_bounds() for o in page.get_objects(max_depth=1) if o.type == raw.FPDF_PAGEOBJ_FORM]
            tp = page.get_textpage()
            for k in range(tp.count_chars()):
                left, bottom, right, top = tp.get_charbox(k)
                x, y = (left + right) / 2, (bottom + top) / 2
                if y < bottom_mm * pt or y > h - top_mm * pt:
                    continue
                if any(fl <= x <= fr and fb <= y <= ft for fl, fb, fr, ft in forms):
                    continue
                out.append(tp.get_text_range(k, 1))
        # pdfium reports a hyphen that ends a line as U+FFFE or U+0002
        return normalize("".join(out).replace("\ufffe", "-").replace("\x02", "-"))
    finally:
        pdf.close()

def text_sizes(path: Path, page: int = 0) -> list[tuple[float, str, bool]]:
    """(size in pt as printed, text, inside a drawing) of every piece of text on a PDF page, drawings
    included: the font size times the scale of the text and transformation matrices (so an SVG scaled
    down counts smaller). Text drawn under another matrix than the page's own is inside a drawing."""
    import collections
    import math

    from pypdf import PdfReader

    found: list[tuple[float, str, tuple]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
            c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
            found.append((size * math.sqrt(abs(a * d - b * c)), text.strip(), tuple(round(v, 3) for v in cm[:4])))

    PdfReader(path).pages[page].extract_text(visitor_text=visit)
    page_matrix = collections.Counter(m for _, _, m in found).most_common(1)[0][0]
    return [(size, text, m != page_matrix) for size, text, m in found]

def docx_body_text(path: Path) -> str:
    """The text of a .docx body in reading order: paragraphs and table cells, list numbers as Word
    shows them (①② for circled lists), field results but not field codes; whitespace removed."""
    import docx
    from docx.oxml.ns import qn

    from guidebook.catalogue.numbering import circled

    d = docx.Document(str(path))
    numbering = d.part.numbering_part.element
    formats = {}
    abstract = {a.get(qn("w:abstractNumId")): a.find(qn("w:lvl") + "/" + qn("w:numFmt")).get(qn("w:val"))
                for a in numbering.findall(qn("w:abstractNum"))}
    for num in numbering.findall(qn("w:num")):
        formats[num.get(qn("w:numId"))] = abstract.get(num.find(qn("w:abstractNumId")).get(qn("w:val")))
    counters: dict[str, int] = {}
    out = []
    for p in d.element.body.iter(qn("w:p")):
        num = p.find(qn("w:pPr") + "/" + qn("w:numPr") + "/" + qn("w:numId"))
        if num is not None:
            nid = num.get(qn("w:val"))
            counters[nid] = counters.get(nid, 0) + 1
            if formats.get(nid) == "decimalEnclosedCircle":
                out.append(circled(counters[nid]))
        out.append("".join(t.text or "" for t in p.iter(qn("w:t"))))
    return normalize("".join(out))

def table_heads(nodes) -> list[str]:
    """The header rows of tables, which paged outputs repeat on every page a table spans."""
    from guidebook.document.nodes import walk

    return [normalize("".join(c.label for c in n.columns)) for n in walk(nodes) if n.kind == "table"]

def flow_steps(nodes) -> list[str]:
    """The text of flowcharts: their steps as Word shows them (as text, to stay editable) and the
    labels a drawing shows (a PDF draws most of them in form XObjects, which pdf_body_text leaves
    out, but the labels of a decision's exits stand beside it)."""
    from guidebook.document.nodes import walk

    out = ["↓"]
    for n in walk(nodes):
        if n.kind == "flowchart":
            out += n.flow.as_lines()
            for node in n.flow.nodes:
                out += [node.text, node.short, node.yes, node.no, node.no_end]
    return [normalize(t) for t in out if t]

def assert_same_blocks(blocks: list[str], text: str, drawings: list[str], what: str) -> None:
    """`text` shows exactly `blocks` in this order; between them only page numbers, leaders, repeated
    table headers and the text inside flowcharts (drawn in a PDF, stepped in Word) may stand."""
    drawings = sorted({d for d in drawings if d}, key=len, reverse=True)

    def leftover(r: str) -> str:
        for d in drawings:
            r = r.replace(d, "")
        return re.sub(r"[\d.\-—–·…]", "", r)

    pos = 0
    for b in blocks:
        nb = normalize(b)
        i = text.find(nb, pos)
        first = i
        while i >= 0 and leftover(text[pos:i]):  # a block's text may also stand inside a drawing
            i = text.find(nb, i + 1)
        if i < 0:
            where = text[max(0, pos - 40):pos]
            if first < 0:
                raise AssertionError(f"{what}: {b!r} is missing (or out of order) after …{where}")
            raise AssertionError(f"{what}: before {b!r} stands text that is not in the document tree: "
                                 f"{leftover(text[pos:first])!r}")
        pos = i + len(nb)
    assert not leftover(text[pos:]), f"{what}: text after the last block: {leftover(text[pos:])!r}"


def replace_in(rel: str, old: str, new: str):
    """A mutation of a catalogue copy: replace the first `old` in file `rel` by `new` (old must be there)."""
    def apply(src: Path):
        p = src / rel
        text = p.read_text("utf-8")
        assert old in text, (rel, old)
        p.write_text(text.replace(old, new, 1), "utf-8")
    return apply


# -- the editor ---------------------------------------------------------------------------------

EDITOR_TOKEN = "test-token-0123456789"
EDITOR_WINDOW = "市就业和人才服务中心"  # a window of windows.yaml the editor tests change


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo), *args],
                          capture_output=True, text=True, check=True).stdout


def numstat(repo: Path) -> list[tuple[int, int, str]]:
    return [(int(a), int(d), p) for a, d, p in (line.split("\t") for line in git(repo, "diff", "--numstat").splitlines())]


def http_request(url: str, data=None, headers=None, method=None, opener=None) -> tuple[int, bytes]:
    """(status, body) of a request made as a browser makes it: JSON `data` is POSTed, the editor's redirect
    is followed and its cookie kept (a fresh cookie jar per call unless `opener` is given)."""
    import json
    import urllib.error
    import urllib.request

    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method=method or ("POST" if body is not None else "GET"),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    opener = opener or urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    try:
        with opener.open(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class running_editor:
    """`guidebook edit` on `source`, on a free port, in a thread: `with running_editor(src) as url:`."""

    def __init__(self, source: Path):
        self.source = source

    def __enter__(self) -> str:
        import socket
        import threading
        import time

        import uvicorn

        from guidebook.serve.editor.app import Settings, create_app

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        settings = Settings(source=self.source, port=port, token=EDITOR_TOKEN)
        self.server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                                    log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                break
            time.sleep(0.05)
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def nu_errors(paths: list[Path]) -> list[str]:
    """What the W3C Nu HTML checker (vnu.jar, fetched by `scripts/setup.sh --test`) reports as errors in
    the HTML and CSS files `paths`, one line each: file:line: message. A missing checker is a failure."""
    import json
    import shutil

    jars = sorted((ROOT / ".venv" / "share" / "vnu").glob("vnu-*.jar"))
    java = shutil.which("java")
    assert jars and java, "the Nu HTML checker needs Java and vnu.jar: run `scripts/setup.sh --test` (make test does)"
    res = subprocess.run([java, "-jar", str(jars[-1]), "--errors-only", "--also-check-css", "--format", "json",
                          *map(str, paths)], capture_output=True, text=True, timeout=600)
    messages = json.loads(res.stderr or res.stdout)["messages"]
    return [f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}" for m in messages
            if m.get("type") == "error" or m.get("subType") == "fatal"]


def seed_facts(seed_text: str) -> dict[str, set[str]]:
    """Phones, URLs and time limits as printed in the seed booklet."""
    import re

    seed = re.sub(r"[ \t]+", " ", seed_text)
    phones = set(re.findall(r"(?<![\d-])(?:0\d{2,3}-\d{7,8}|1[3-9]\d{9}|\d{8}|12333)(?![\d-])", seed))
    phones -= {"20210115"}  # a date inside a URL path
    urls = set(re.findall(r"https?://[A-Za-z0-9./:_?=&%-]+[A-Za-z0-9/]", seed))
    urls |= set(re.findall(r"(?<![/.\w])(?:si|zwfw)\.[a-z0-9.]+\.gov\.cn", seed))
    limits = set()
    for block in seed_blocks(seed_text, "办理时限"):
        # a block lists per-channel limits as ①窗口办：... ②网上办：...; each piece stands on its own
        for piece in re.split(r"[①②③④](?:窗口办|网上办|掌上办|自助办)[:：]|-", block):
            if piece:
                limits.add(piece)
    return {"phones": phones, "urls": urls, "time_limits": limits}


def outline_titles(outline, depth=0, out=None, of=lambda entry: (entry.title,)):
    """A pypdf outline as (depth, *of(entry)) in order: by default each entry's title."""
    out = [] if out is None else out
    for entry in outline:
        if isinstance(entry, list):
            outline_titles(entry, depth + 1, out, of)
        else:
            out.append((depth, *of(entry)))
    return out


def pdf_fonts(reader):
    seen = {}

    def walk(resources):
        if not resources:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            for f in [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]:
                desc = f.get("/FontDescriptor")
                if desc is not None:
                    seen[str(f["/BaseFont"])] = desc.get_object()
        for xobj in (resources.get("/XObject") or {}).values():
            walk(xobj.get_object().get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return seen
