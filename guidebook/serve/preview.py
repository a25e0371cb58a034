"""Preview stage: serve the guide, the handouts and the web edition on 127.0.0.1, rebuilt and reloaded on change.

Pages use the same templates and stylesheets as the PDFs. A data or template error is shown in the
page (which keeps polling, so fixing the file brings the page back) and the server keeps running.
"""

from __future__ import annotations

import html
import re
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from guidebook.pipeline import Options, Session, make, planner
from guidebook.catalogue import labels as L
from guidebook.diagnostics import GuidebookError
from guidebook.files import folder_files

POLL_SECONDS = 0.3
# The page knows the version it was rendered from, so an edit made before its first poll still reloads it.
# A script of its own (/__reload.js), not an inline one: the pages' Content-Security-Policy allows none.
RELOAD_SCRIPT = '<script src="/__reload.js" data-version="@VERSION@"></script>'
RELOAD_JS = b"""(function(){var v=document.currentScript.dataset.version;setInterval(function(){
fetch('/__version',{cache:'no-store'}).then(function(r){return r.text()}).then(function(t){if(t!==v){location.reload()}})
.catch(function(){})},400)})();"""
BAR_CSS = """#gb-preview-bar{position:sticky;top:0;z-index:9;background:#222;color:#fff;font:13px sans-serif;
padding:6px 10px;margin:0 0 8px}#gb-preview-bar a{color:#9cf;margin-right:14px}
#gb-problem{position:sticky;top:30px;z-index:9;background:#b3261e;color:#fff;font:14px sans-serif;padding:6px 10px;margin:0}
@media print{#gb-preview-bar{display:none}} body{max-width:210mm;margin:0 auto;background:#fff}
html{background:#e5e5e5}"""


INDEX_CSS = ("<style>.gb-ok{color:#2e7d32;font-size:13px}.gb-wait{color:#777;font-size:13px}"
             ".gb-bad{color:#fff;background:#b3261e;border-radius:3px;padding:0 4px;font-size:13px}"
             ".gb-why{color:#b3261e;font-size:13px;margin:2px 0 8px}li.gb-fail>a:first-child{color:#b3261e}</style>")


def _watched_files(opts: Options, chain: list[Path]) -> dict[str, float]:
    files: dict[str, float] = {}
    for folder in [opts.source, *chain]:
        for p in folder_files(Path(folder)):
            try:
                files[str(p)] = p.stat().st_mtime_ns
            except OSError:
                continue
    return files


class Preview:
    """The state behind the server: a session rebuilt after every change, or the error it raised."""

    def __init__(self, opts: Options, warn=lambda m: None):
        from guidebook.render import layout_chain

        self.opts = replace(opts, strict=True)
        self.warn = warn
        self.chain = layout_chain(opts.layouts)
        self.version = 0
        self.lock = threading.Lock()
        self._session: Session | None = None
        self._error: GuidebookError | None = None
        self._stamp = _watched_files(self.opts, self.chain)
        self._stop = threading.Event()
        # The one-page check of every handout, made in the background after each change (an item at a
        # time, under the lock, so that pages keep answering): item number -> None (fits) or the reason.
        # Started when the index is first asked for (a preview of one page checks nothing it does not show).
        self.fits: dict[int, str | None] = {}
        self._levels: dict[int, int] = {}  # the fitting level each handout needed, to start from next time
        self._checking = False
        self._load()

    # -- state
    def _load(self) -> None:
        self.fits = {}
        try:
            session = Session(self.opts, warn=self.warn)
            self._session, self._error = session, None
        except GuidebookError as exc:
            self._session, self._error = None, exc
            return
        if self._checking:
            threading.Thread(target=self.check_fits, args=(self.version,), daemon=True).start()

    def check_fits(self, version: int) -> None:
        """Lay out every handout of this version, one at a time, and note whether it passes the one-page
        check (and why not); stops as soon as a newer version is loaded."""
        from guidebook.outputs import handouts

        for it in list(self._session.doc.items) if self._session else []:
            with self.lock:
                if self._stop.is_set() or self.version != version or self._session is None:
                    return
                try:
                    _, self._levels[it.item_number] = handouts.layout(
                        self._session, it, self._levels.get(it.item_number))
                    self.fits[it.item_number] = None
                except GuidebookError as exc:
                    self.fits[it.item_number] = getattr(exc, "zh", None) or str(exc)
                except Exception as exc:  # never let the checker die silently: the index says what happened
                    self.fits[it.item_number] = f"{type(exc).__name__}: {exc}"

    def check(self) -> bool:
        """Reload after a change of the catalogue or the layouts; True when something changed."""
        stamp = _watched_files(self.opts, self.chain)
        if stamp == self._stamp:
            return False
        with self.lock:
            self._stamp = stamp
            self.version += 1
            self._load()
        return True

    def watch(self, on_change=lambda preview: None) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                if self.check():
                    on_change(self)
            except Exception as exc:  # keep watching whatever happens
                self.warn(f"preview: {exc}")

    def stop(self) -> None:
        self._stop.set()

    # -- pages
    def _page(self, body_html: str, title: str, pdf_link: str | None = None) -> str:
        bar = '<div id="gb-preview-bar"><a href="/">索引</a>'
        if pdf_link:
            bar += f'<a href="/wait{pdf_link}">PDF（重新生成）</a>'
        bar += f"<span>guidebook preview · 版本 {self.version}</span></div>"
        script = RELOAD_SCRIPT.replace("@VERSION@", str(self.version))
        if "<body>" in body_html:  # a whole document from the templates
            return body_html.replace("<body>", f"<body>{bar}", 1).replace("</body>", script + "</body>", 1)
        return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
                f"<style>{BAR_CSS}</style></head><body>{bar}{body_html}{script}</body></html>")

    def _styles(self, kind: str) -> str:
        return inline_styles(self._session.renderer, self.chain, kind, BAR_CSS)

    def error_page(self, exc: GuidebookError) -> str:
        lines = [d.format() for d in exc.diagnostics] or [str(exc)]
        items = "".join(f"<li><code>{html.escape(x)}</code></li>" for x in lines)
        body = (f'<div style="font:15px sans-serif;padding:16px"><h1 style="color:#b3261e">构建出错</h1>'
                f"<p>{html.escape(str(exc))}</p><ul>{items}</ul>"
                "<p>修改文件后，本页会自动刷新。</p></div>")
        return self._page(body, "构建出错")

    def render(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request path."""
        from guidebook.outputs import guide_pdf

        with self.lock:
            if path == "/__version":
                return 200, "text/plain", str(self.version).encode()
            if path == "/__reload.js":
                return 200, "text/javascript; charset=utf-8", RELOAD_JS
            if path.startswith("/fonts/"):
                return self._font(path)
            if path.startswith("/wait/"):  # a page that says what is being made while the PDF renders
                target = path.removeprefix("/wait")
                if not re.fullmatch(r"/(guide|handout/\d{1,4})\.pdf", target):
                    return 404, "text/plain; charset=utf-8", b"not found"
                page = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                        f'<meta http-equiv="refresh" content="0;url={target}"><title>正在生成 PDF</title></head>'
                        f'<body style="font:16px sans-serif;padding:2rem"><p>正在生成 PDF，请稍候（指南约需十秒）……</p>'
                        f"</body></html>")
                return 200, "text/html; charset=utf-8", page.encode()
            if self._error is not None:
                return 200, "text/html; charset=utf-8", self.error_page(self._error).encode()
            s = self._session
            try:
                if path == "/site" or path.startswith("/site/"):
                    return self._site(path.removeprefix("/site").lstrip("/") or "index.html")
                if path in ("/", "/index.html"):
                    return 200, "text/html; charset=utf-8", self._index().encode()
                if path == "/guide":
                    with s.renderer.for_browser():
                        page = guide_pdf.html(s)
                    page = page.replace("</head>", self._styles("guide") + "</head>", 1)
                    return 200, "text/html; charset=utf-8", self._page(page, "guide", "/guide.pdf").encode()
                if path == "/guide.pdf":  # made by the build's own builders, as `guidebook build` writes it
                    return 200, "application/pdf", make(s, [planner.GUIDE_PDF])[planner.GUIDE_PDF.path].data
                m = re.fullmatch(r"/handout/(\d+)(\.pdf)?", path)
                if m:
                    it = next((i for i in s.doc.items if i.item_number == int(m.group(1))), None)
                    if it is None:
                        return 404, "text/plain; charset=utf-8", f"no item {m.group(1)}".encode()
                    if m.group(2):
                        made = make(s, [planner.HANDOUT_PDF], [it.item_number], self._levels)
                        return 200, "application/pdf", made[planner.HANDOUT_PDF.of(stem=it.file_stem)].data
                    return 200, "text/html; charset=utf-8", self._handout_page(s, it).encode()
            except GuidebookError as exc:
                return 200, "text/html; charset=utf-8", self.error_page(exc).encode()
            asset = self._layout_asset(path)
            if asset is not None:
                return asset
        return 404, "text/plain; charset=utf-8", "404 预览中没有这个地址".encode()

    def _handout_page(self, s: Session, it) -> str:
        """A handout as the PDF lays it out; one that fails the one-page check is shown all the same (the
        page to mend), under a line that says what is wrong."""
        from guidebook.outputs import handouts

        problem = ""
        try:
            _, level = handouts.layout(s, it)
        except handouts.HandoutOverflow as exc:
            level, problem = exc.level, exc.zh
        with s.renderer.for_browser():
            page = handouts.html(s, it, level)
        page = page.replace("</head>", self._styles("handout") + "</head>", 1)
        if problem:
            page = page.replace("<body>", f'<body><p id="gb-problem">{L.ONE_PAGE_FAILS}{html.escape(problem)}</p>', 1)
        return self._page(page, it.title, f"/handout/{it.item_number}.pdf")

    def _layout_asset(self, path: str) -> tuple[int, str, bytes] | None:
        """An image a template refers to relatively (`<img src="logo.svg">`), from the layout folder the PDF
        takes it from (the first of the chain): the page at /handout/15 asks for /handout/logo.svg."""
        m = re.fullmatch(r"/(?:handout/|guide/)?((?:[\w.-]+/)*[\w.-]+\.(svg|png|jpe?g|gif|webp))", unquote(path))
        if not m or ".." in m.group(1).split("/"):
            return None
        folder = Path(self.chain[0]).resolve()
        target = (folder / m.group(1)).resolve()
        if folder not in target.parents or not target.is_file():
            return None
        kinds = {"svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                 "gif": "image/gif", "webp": "image/webp"}
        return 200, kinds[m.group(2)], target.read_bytes()

    def _site(self, rel: str) -> tuple[int, str, bytes]:
        """A file of the web edition, built in memory once per version (no download links)."""
        from guidebook.outputs import site

        if getattr(self, "_site_version", None) != self.version:
            root = self._session.opts.output / "site"
            self._site_files = {str(p.relative_to(root)): data for p, data, _ in site.render(self._session, {})}
            self._site_version = self.version
        data = self._site_files.get(rel)
        if data is None:
            return 404, "text/plain; charset=utf-8", b"not found"
        if rel.endswith(".html"):
            script = RELOAD_SCRIPT.replace("@VERSION@", str(self.version))
            return 200, "text/html; charset=utf-8", data.replace(b"</body>", script.encode() + b"</body>", 1)
        kind = "text/css" if rel.endswith(".css") else "text/javascript"
        return 200, f"{kind}; charset=utf-8", data

    def _font(self, path: str) -> tuple[int, str, bytes]:
        return font_file(unquote(path.removeprefix("/fonts/")))

    def _index(self) -> str:
        doc = self._session.doc
        if not self._checking:  # the first look at the index starts the one-page check, and every change after
            self._checking = True
            threading.Thread(target=self.check_fits, args=(self.version,), daemon=True).start()
        fits = dict(self.fits)
        bad = [n for n, why in fits.items() if why]

        def mark(n: int) -> str:
            if n not in fits:
                return '<span class="gb-wait">检查中</span>'
            if fits[n] is None:
                return '<span class="gb-ok">一页 ✓</span>'
            return f'<span class="gb-bad">未通过一页检查</span><div class="gb-why">{html.escape(fits[n])}</div>'

        rows = "".join(
            f'<li{" class=gb-fail" if it.item_number in bad else ""}><a href="/handout/{it.item_number}">'
            f'{it.item_number}. {html.escape(it.title)}</a> <a class="pdf" href="/wait/handout/{it.item_number}.pdf">PDF</a> '
            f"{mark(it.item_number)}</li>" for it in doc.items)
        done = len(fits) == len(doc.items)
        status = (f"一页检查：{len(doc.items)} 项已检查，" + (f"{len(bad)} 项未通过（红色标出）" if bad else "全部通过")
                  if done else f"一页检查进行中：已检查 {len(fits)}/{len(doc.items)} 项" + (f"，{len(bad)} 项未通过" if bad else "")
                  + "（本页自动刷新）")
        body = (f'<div style="font:15px sans-serif;padding:12px 20px"><h1>{html.escape(doc.meta.title)} · 预览</h1>'
                f'<p><a href="/guide">完整指南</a> · <a href="/wait/guide.pdf">指南 PDF</a> · <a href="/site/">网页版</a></p>'
                f'<h2>一次性告知单</h2><p id="gb-fits">{status}</p><ol style="list-style:none;padding:0">{rows}</ol></div>')
        page = self._page(body, f"{doc.meta.title} · 预览").replace("</title>", "</title>" + INDEX_CSS, 1)
        return page if done else page.replace("<head>", '<head><meta http-equiv="refresh" content="2">', 1)


def inline_styles(renderer, chain: list[Path], kind: str, extra: str = "") -> str:
    """The stylesheets of a document kind, inlined in a page, with the font files served at /fonts/."""
    from guidebook.render import fonts
    from guidebook.render import STYLESHEETS, stylesheet_files

    css = fonts.font_face_css(renderer.roles, renderer.font_files)
    css = re.sub(r'url\("file://[^"]*/([^/"]+)"\)', lambda m: f'url("/fonts/{m.group(1)}")', css)
    for path in (p for name in STYLESHEETS[kind] for p in stylesheet_files(chain, name)):
        css += "\n" + path.read_text("utf-8")
    return f"<style>{css}\n{extra}</style>"


def font_file(name: str) -> tuple[int, str, bytes]:
    """A cut font file of the cache, by name; nothing outside that folder."""
    from guidebook.render import fonts

    folder = (fonts.cache_dir() / "fonts").resolve()
    try:
        target = (folder / name).resolve()
    except (OSError, ValueError):
        return 404, "text/plain", b"not found"
    if target.parent != folder or not target.is_file():
        return 404, "text/plain", b"not found"
    return 200, "font/otf", target.read_bytes()


class _Server(ThreadingHTTPServer):
    """The preview's HTTP server: a listen queue for a burst of page loads (a page asks for its fonts,
    styles and scripts at once), and quiet when a browser goes away in the middle of an answer."""

    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request, client_address):
        import sys

        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return  # the reader left: nothing to tell anyone
        super().handle_error(request, client_address)


def make_server(preview: Preview, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    from guidebook.serve.headers import for_answer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            port = self.server.server_address[1]
            names = {host, "127.0.0.1", "localhost"} if host in ("127.0.0.1", "localhost") else {host}
            path = self.path.split("?")[0]
            if self.headers.get("Host", "") not in {f"{n}:{port}" for n in names}:  # DNS rebinding
                status, ctype, body = 400, "text/plain; charset=utf-8", b"400 bad request: foreign Host"
            elif "\x00" in path or "%00" in path or len(path) > 1024:
                status, ctype, body = 400, "text/plain; charset=utf-8", b"400 bad request"
            else:
                try:
                    status, ctype, body = preview.render(path)
                except Exception:  # never a traceback to the browser; the terminal gets it
                    import traceback

                    traceback.print_exc()
                    status, ctype, body = 500, "text/plain; charset=utf-8", "500 预览出错（详情见终端）".encode()
            self._answer(status, ctype, body)

        def do_HEAD(self):  # noqa: N802
            self._head_only = True
            try:
                self.do_GET()
            finally:
                self._head_only = False

        def _refuse_method(self):
            self._answer(405, "text/plain; charset=utf-8", "405 预览只提供页面，不接受提交".encode(), allow="GET, HEAD")

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method  # noqa: N815

        def _answer(self, status: int, ctype: str, body: bytes, allow: str | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if allow:
                    self.send_header("Allow", allow)
                self._ctype = ctype
                self.end_headers()
                if not getattr(self, "_head_only", False):
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                self.close_connection = True  # the browser left (a reload, a closed tab)

        def end_headers(self):
            # every answer, http.server's own errors (a malformed request line, 414) included
            for name, value in for_answer(getattr(self, "_ctype", "text/html")).items():
                self.send_header(name, value)
            self._ctype = "text/html"  # the next answer on this connection sets its own
            super().end_headers()

        def log_message(self, fmt, *args):  # quiet: the terminal shows changes, not every request
            pass

    return _Server((host, port), Handler)


def serve(opts: Options, host: str, port: int, announce, warn) -> None:
    preview = Preview(opts, warn)
    server = make_server(preview, host, port)
    def changed(p: Preview) -> None:
        if p._error is not None:
            warn(f"change {p.version}: {p._error} (shown in the pages)")
        else:
            announce(f"change {p.version}: rebuilt, pages reload")

    watcher = threading.Thread(target=preview.watch, args=(changed,), daemon=True)
    watcher.start()
    announce(f"preview on http://{host}:{server.server_address[1]}/ (Ctrl+C to stop)")
    if preview._error is not None:
        warn(f"the catalogue has errors; the pages show them: {preview._error}")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        preview.stop()
        server.server_close()
        time.sleep(0)
