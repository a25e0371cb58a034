"""Editor: `guidebook edit`, the catalogue as forms in a browser (Starlette app, served by uvicorn).

Safe by default: it listens on 127.0.0.1; every request needs the random token of the address it
prints, which then moves into an HttpOnly, SameSite=Strict cookie; a request whose Host or Origin is
not the editor's own is refused (DNS rebinding, other sites); every answer carries the hardening
headers of guidebook.serve.headers; it writes only the catalogue's own files, through
guidebook.serve.editor.store; it takes no uploads; every failure is a JSON answer in Chinese, never a
traceback.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from guidebook.catalogue import labels as L
from guidebook.catalogue.ids import item_id, item_of
from guidebook.diagnostics import DataError, GuidebookError
from guidebook.serve.editor.forms import FormBuilder
from guidebook.serve.editor.store import Conflict, Store, Unreadable, catalogue_path, chinese, digest

STATIC = Path(__file__).parent / "static"


@dataclass
class Settings:
    source: Path
    host: str = "127.0.0.1"
    port: int = 8001
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    commit: bool = False
    layouts: list[Path] = field(default_factory=list)


class Previewer:
    """The handout of an item as the form has it, unsaved, with the one-page check: one session
    (renderer, fonts) reused for every preview."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.lock = threading.Lock()
        self._session = None

    def session(self):
        if self._session is None:
            from guidebook.pipeline import Options, Session

            self._session = Session(Options(source=self.settings.source, layouts=self.settings.layouts, strict=False))
        return self._session

    def handout(self, store: Store, key: str, data) -> dict:
        import shutil
        import tempfile

        from guidebook.catalogue import load_catalogue
        from guidebook.outputs import handouts
        from guidebook.pipeline import make, planner

        text = store.render(key, data)
        with tempfile.TemporaryDirectory(prefix="guidebook-preview-") as work:
            copy = Path(work) / "source"
            shutil.copytree(store.source, copy, ignore=shutil.ignore_patterns("schema"))
            target = copy / store.path_of(key).relative_to(store.source)
            target.write_text(text, "utf-8")
            try:
                cat = load_catalogue(copy)
            except DataError as exc:
                return {"ok": False, "message": "；".join(
                    f"{catalogue_path(d.file, copy)}" + (f" 第 {d.line} 行" if d.line else "") + f"：{chinese(d)}"
                    for d in exc.diagnostics[:3])}
        number = item_of(key)
        with self.lock:
            s = self.session().with_catalogue(cat)
            it = next(i for i in s.doc.items if i.item_number == number)
            fits, overflow, reason = True, 0.0, ""
            try:  # the handout as the build makes it, by the build's builders
                made = make(s, [planner.HANDOUT_PDF], [number])[planner.HANDOUT_PDF.of(stem=it.file_stem)]
                pdf, pages, level = made.data, made.pages, made.fit
            except handouts.HandoutsFail as exc:  # the page as the check last laid it out, and why
                failed = exc.overflows[0]  # laid out in this process: it holds its layout
                fits, level, reason, overflow = False, failed.level, failed.zh, failed.mm
                pages = failed.rendered.pages
                pdf = s.renderer.pdf(failed.rendered, f"preview of handout {number}")
            images = page_images(pdf, PREVIEW_PAGES)
        return {"ok": True, "html": preview_page(images, it.title), "fits": fits, "level": level,
                "body_pt": handouts.body_pt(level), "pages": pages, "overflow_mm": round(overflow), "reason": reason}


PREVIEW_PAGES = 2  # an overflowing handout shows its second page too: where it runs over
PREVIEW_DPI = 96  # A4 at 794 px wide: sharp beside the form, about 0.1 s a page


def page_images(pdf: bytes, limit: int) -> list[str]:
    """The first pages of a PDF as PNG data: URLs, drawn by PDFium: the page exactly as it will print."""
    import base64
    import io

    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    try:
        out = []
        for i in range(min(limit, len(doc))):
            image = doc[i].render(scale=PREVIEW_DPI / 72).to_pil()
            buf = io.BytesIO()
            image.save(buf, "PNG", optimize=False, compress_level=1)
            out.append("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"))
        return out
    finally:
        doc.close()


def preview_page(images: list[str], title: str) -> str:
    """The preview frame's page: the handout's pages as images, the width of the frame."""
    pages = Markup("").join(
        Markup('<img src="{}" alt="{}" width="794" height="1123">').format(
            src, f"{L.HANDOUT}《{title}》预览，第 {i} 页" + ("（超出一页的部分）" if i > 1 else "")) for i, src in
        enumerate(images, 1))
    return str(Markup('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>'
                      'html{{background:#e5e5e5}}body{{margin:0;padding:8px}}img{{display:block;width:100%;'
                      'height:auto;background:#fff;box-shadow:0 1px 4px #0004;margin:0 0 12px}}</style></head>'
                      '<body>{}</body></html>').format(pages))


# -- pages ------------------------------------------------------------------------------------------


def _page(title: str, body: Markup) -> str:
    """A page of the editor. It holds no token: the browser sends the editor's cookie."""
    return str(Markup(
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} - 目录编辑</title>'
        '<link rel="stylesheet" href="/static/editor.css"><script src="/static/editor.js" defer></script>'
        '</head><body><a class="skip" href="#main">跳到正文</a>'
        '<header class="top"><a href="/">目录编辑</a></header><main id="main">{body}</main></body></html>'
    ).format(title=title, body=body))


def index_page(store: Store) -> str:
    entries = store.entries()
    files = Markup("").join(Markup('<li><a href="/doc/{}">{}</a></li>').format(e["key"], e["title"])
                            for e in entries if e["kind"] == "file")
    items = Markup("").join(
        Markup('<li data-search="{n} {t} {c}"><a href="/doc/{k}"><span class="no">{n}</span> {t}</a>'
               '<span class="cat">{c}</span></li>').format(n=e["number"], t=e["title"], c=e["category"], k=e["key"])
        for e in entries if e["kind"] == "item")
    broken = [e for e in entries if e["kind"] == "broken"]
    cat = store.catalogue(strict=False)
    options = Markup("").join(Markup('<option value="{0}">{0}</option>').format(c.name)
                              for c in (cat.guide.categories if cat else []))
    body = Markup(
        '<h1>目录编辑</h1><p>选择要修改的内容。每次修改都会按 guidebook check 的规则检查；只有检查通过的内容才会保存。</p>'
        '<section><h2>指南、窗口与清单</h2><ul class="files">{files}</ul></section>'
        '<section><h2>事项</h2><label for="filter">筛选事项</label>'
        '<input id="filter" type="search" placeholder="输入序号、名称或类别"><ul class="items" id="items">{items}</ul>'
        '{broken}<form class="add-item" data-action="add"><label for="new-cat">新增事项，放在类别</label>'
        '<select id="new-cat" name="category">{options}</select><button type="submit">新增事项</button></form>'
        '</section>').format(
        files=files, items=items, options=options,
        broken=Markup('<p class="warn">无法读取的文件（点击可查看原因并修复）：{}</p>').format(
            Markup("、").join(Markup('<a href="/doc/{}">{}</a>').format(e["key"], e["title"]) if e["key"]
                             else e["title"] for e in broken)) if broken else "")
    return _page("目录编辑", body)


def doc_page(store: Store, key: str) -> str:
    """The form of a document; for a file that is missing or YAML cannot read, the page that repairs it."""
    try:
        data, text, h = store.load(key)
    except Unreadable as exc:
        if exc.text is not None:
            return repair_page(store, key, exc)
        if item_of(key) is not None:
            raise  # an item that does not exist: no form creates it from its address
        data, h, missing = {}, "", exc  # a single file that is gone: its form re-creates it
    else:
        missing = None
    form = FormBuilder(store.model_of(key), store.kind_of(key)).form(data)
    title = store.title(key)
    changes = _changes_since_edition(store, key) if missing is None else Markup(
        '<p class="warn" role="alert">{}。填写下面的表单并保存，即按表单内容重新创建这个文件。</p>').format(str(missing))
    side = Markup("")
    number = item_of(key)
    if number is not None:
        side = Markup(
            '<aside class="preview" aria-label="告知单预览"><h2>一次性告知单预览</h2>'
            '<p id="fit" role="status">正在生成预览…</p>'
            '<iframe id="preview-frame" title="告知单预览"></iframe>'
            '<p><a href="/site/items/{n:0>2}.html" target="_blank">打开网页版中本事项的页面（已保存的内容）</a></p>'
            '<form class="renumber" data-number="{number}"><label for="new-number">改为序号</label>'
            '<input id="new-number" type="number" min="1" max="9999" value="{number}">'
            '<button type="submit">改序号（清单中的引用一并更改）</button></form>'
            '<div class="danger"><button type="button" id="delete-item" data-number="{number}">删除本事项</button></div>'
            '</aside>').format(n=number, number=number)
    body = Markup(
        '<h1>{title}</h1><div class="layout"><form id="doc" data-key="{key}" data-hash="{h}" novalidate>'
        '<p id="status" role="status" aria-live="polite"></p>{changes}{form}'
        '<div class="save-bar"><button type="submit" id="save">保存</button><span id="save-status" role="status"></span>'
        '</div></form>{side}</div>{conflict}').format(title=title, key=key, h=h, form=form, side=side, changes=changes,
                                                     conflict=CONFLICT_VIEW)
    return _page(title, body)


CONFLICT_VIEW = Markup(
    '<div id="conflict" hidden><h2>文件已被其他人修改</h2><p id="conflict-note">在您打开本页之后，这个文件在磁盘上被修改过。'
    '两个版本都保留在下面，请选择：</p><div class="versions"><div><h3>磁盘上的版本</h3><pre id="disk-version"></pre></div>'
    '<div><h3>您的版本</h3><pre id="my-version"></pre></div></div>'
    '<button type="button" id="keep-mine">用我的版本覆盖</button> <button type="button" id="take-disk">放弃我的修改，载入磁盘上的版本'
    '</button></div>')


def repair_page(store: Store, key: str, exc) -> str:
    """A file YAML cannot read: where and why, and its text to correct and save (checked as `check` checks)."""
    title = f"修复文件 {exc.file}"
    body = Markup(
        '<h1>{title}</h1><p class="bad" role="alert" id="unreadable">这个文件无法读取：{where}：{message}</p>'
        '<p>可以直接在下面修改文件内容（例如改正缩进或给含冒号的文字加引号），然后保存；保存前会按 guidebook check 的规则检查。'
        '也可以用文本编辑器修改这个文件，改好后刷新本页。</p>'
        '<form id="repair" data-key="{key}" data-hash="{h}"><label for="text">文件内容（{file}）</label>'
        '<textarea id="text" name="text" rows="30" spellcheck="false">{text}</textarea>'
        '<div class="save-bar"><button type="submit" id="save">保存文件内容</button>'
        '<span id="save-status" role="status" aria-live="polite"></span></div></form>{conflict}').format(
        title=title, where=exc.file + (f" 第 {exc.line} 行" if exc.line else ""), message=exc.message, key=key,
        h=digest(exc.text), file=exc.file, text=exc.text, conflict=CONFLICT_VIEW)
    return _page(title, body)


def _changes_since_edition(store: Store, key: str) -> Markup:
    """What changed in this document since the last archived edition (editions/<year>), if any."""
    from guidebook.editions import diffing
    from guidebook.catalogue import load_catalogue

    editions = store.source.parent / "editions"
    years = sorted((p for p in editions.glob("[0-9][0-9][0-9][0-9]") if p.is_dir()), reverse=True) \
        if editions.is_dir() else []
    if not years:
        return Markup("")
    try:
        old, new = load_catalogue(years[0]), load_catalogue(store.source)
    except GuidebookError:
        return Markup("")
    scope = store.title(key)
    rows = []
    for c in diffing.diff_catalogues(old, new):
        mine = (c.item is not None and key == item_id(c.item)) or (c.item is None and c.doc == key)
        if mine:
            rows.append(Markup("<li>{}：{} {} → {}</li>").format(
                diffing.KIND_ZH[c.kind], c.label, diffing._show(c.old) or "（无）", diffing._show(c.new) or "（无）"))
    summary = L.SINCE_EDITION.format(year=years[0].name) + "：" + (f"{len(rows)} 处修改" if rows else "没有修改")
    return Markup('<details class="since" id="since"><summary>{}</summary><ul>{}</ul></details>').format(
        summary, Markup("").join(rows)) if scope else Markup("")


# -- the application --------------------------------------------------------------------------------


MAX_BODY = 2_000_000  # bytes of a request body: the largest catalogue file is about 10 KB


@dataclass
class Editor:
    """What every request of one editor shares: its settings, the catalogue's store, the previewer, and
    the lock that keeps two writes apart."""

    settings: Settings
    store: Store
    previewer: Previewer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def allowed_hosts(self) -> set[str]:
        s = self.settings
        names = {s.host, "127.0.0.1", "localhost"} if s.host in ("127.0.0.1", "localhost") else {s.host}
        return {f"{n}:{s.port}" for n in names}

    def token_ok(self, token: str | None) -> bool:
        """The token compared as bytes: any text a browser sends (non-ASCII included) is an answer, not an error."""
        return bool(token) and secrets.compare_digest(token.encode("utf-8", "surrogateescape"),
                                                     self.settings.token.encode("utf-8"))


class Guard:
    """Token, Host and Origin checks before anything else; the hardening headers on every answer; a JSON
    answer for what fails inside.

    The token may come as `?t=` (the address the editor prints), as the X-Guidebook-Token header (scripts)
    or as the editor's cookie. A page asked for with `?t=` is answered by a redirect to the same address
    without it that sets the cookie (HttpOnly, SameSite=Strict): the token leaves the address bar, the
    history and every link, and no page or script ever holds it."""

    def __init__(self, app, editor: Editor):
        self.app, self.editor = app, editor

    @property
    def cookie(self) -> str:
        return f"guidebook-edit-{self.editor.settings.port}"  # cookies are per host, not per port

    def refusal(self, request) -> str | None:
        hosts = self.editor.allowed_hosts()
        origin = request.headers.get("origin")
        if request.headers.get("host", "") not in hosts:
            return "foreign host"
        if origin is not None and origin not in {f"http://{h}" for h in hosts}:
            return "foreign origin"
        if request.method == "POST" and origin is None and \
                request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return "cross-site request"
        given = [request.query_params.get("t"), request.headers.get("x-guidebook-token"),
                 request.cookies.get(self.cookie)]
        if not any(self.editor.token_ok(t) for t in given if t is not None):
            return "no token"
        return None

    def _clean_redirect(self, request):
        """The address without its token, with the token as the editor's cookie."""
        from urllib.parse import urlencode

        from starlette.responses import RedirectResponse

        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "t"]
        target = request.url.path + ("?" + urlencode(rest) if rest else "")
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(self.cookie, self.editor.settings.token, httponly=True, samesite="strict", path="/")
        return response

    async def __call__(self, scope, receive, send):
        import logging

        from starlette.requests import Request
        from starlette.responses import JSONResponse, PlainTextResponse

        from guidebook.serve.headers import for_answer

        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def hardened(message):
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers", [])).get(b"content-type", b"").decode("latin-1")
                message["headers"] = list(message.get("headers", [])) + [
                    (k.lower().encode(), v.encode()) for k, v in for_answer(kind).items()]
            await send(message)

        request = Request(scope)
        reason = self.refusal(request)
        if reason:
            return await PlainTextResponse(f"403 forbidden: {reason}（没有访问权限：请使用编辑器启动时显示的地址）",
                                           status_code=403)(scope, receive, hardened)
        if scope["method"] in ("GET", "HEAD") and "t" in request.query_params:
            return await self._clean_redirect(request)(scope, receive, hardened)
        try:
            return await self.app(scope, receive, hardened)
        except Exception:  # never a traceback to the browser; the terminal gets it
            logging.getLogger("guidebook.edit").exception("request %s failed", scope.get("path"))
            return await JSONResponse({"ok": False, "message": "编辑器内部出错，请求未完成（详情见启动编辑器的终端）"},
                                      status_code=500)(scope, receive, hardened)


class BadRequest(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


async def body_json(request) -> dict:
    """The request's JSON object, read up to MAX_BODY bytes (413 past it; 415 without a JSON type)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise BadRequest("请求须为 JSON（application/json）", 415)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise BadRequest("请求过大", 413)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest("请求不是有效的 JSON") from exc
    if not isinstance(data, dict):
        raise BadRequest("请求不是有效的 JSON 对象")
    return data


def _bad(message: str, status: int = 400):
    from starlette.responses import JSONResponse

    return JSONResponse({"ok": False, "message": message}, status_code=status)


def _answer(exc: Exception):
    return _bad(str(exc), exc.status if isinstance(exc, BadRequest) else 400)


def _problems_json(problems) -> list[dict]:
    return [{"path": p.path, "message": p.message, "severity": p.severity, "line": p.line} for p in problems]


def _editor(request) -> Editor:
    return request.app.state.editor


async def _index(request):
    from starlette.responses import HTMLResponse

    return HTMLResponse(index_page(_editor(request).store))


def _not_found_page(message: str) -> str:
    return _page("找不到页面", Markup('<h1>找不到页面</h1><p>{}</p><p><a href="/">返回目录编辑首页</a></p>').format(message))


async def _doc(request):
    from starlette.responses import HTMLResponse

    ed = _editor(request)
    try:
        return HTMLResponse(doc_page(ed.store, request.path_params["key"]))
    except (GuidebookError, OSError) as exc:
        return HTMLResponse(_not_found_page(str(exc) if isinstance(exc, Unreadable) else L.NO_SUCH_FILE),
                            status_code=404)


def _unreadable(exc: Unreadable):
    """A document's file is gone or broken: the file, the line and the message, for the page to show."""
    from starlette.responses import JSONResponse

    return JSONResponse({"ok": False, "message": str(exc), "file": exc.file, "line": exc.line,
                         "unreadable": True}, status_code=409)


async def _check(request):
    from starlette.responses import JSONResponse

    ed = _editor(request)
    try:
        payload = await body_json(request)
        with ed.lock:
            _, problems = ed.store.check(request.path_params["key"], payload.get("data"))
    except (ValueError, GuidebookError) as exc:
        return _answer(exc)
    return JSONResponse({"ok": not any(p.severity == "error" for p in problems), "problems": _problems_json(problems)})


async def _save(request):
    return await _write(request, text=False)


async def _save_text(request):
    return await _write(request, text=True)


async def _write(request, text: bool):
    """Save a document from its form's data, or (the repair of a broken file) from its whole text."""
    from starlette.responses import JSONResponse

    ed, key = _editor(request), request.path_params["key"]
    try:
        payload = await body_json(request)
    except ValueError as exc:
        return _answer(exc)
    given = payload.get("text") if text else payload.get("data")
    if text and not isinstance(given, str):
        return _bad("请求中缺少文件内容")
    try:
        with ed.lock:
            before = _data_or_none(ed.store, key)
            save = ed.store.save_text if text else ed.store.save
            new_hash, warnings = save(key, given, payload.get("hash"), force=bool(payload.get("force")))
            committed = None
            if ed.settings.commit:
                after, _, _ = ed.store.load(key)
                committed = ed.store.commit(key, _changed_fields(before or {}, after, ed.store.kind_of(key)))
    except Conflict as exc:
        mine = given if text else ed.store.render(key, given)
        return JSONResponse({"ok": False, "conflict": True, "disk": exc.disk_text, "disk_hash": exc.disk_hash,
                             "note": exc.note, "mine": mine}, status_code=409)
    except DataError as exc:
        return JSONResponse({"ok": False, "message": f"{ed.store.relative(key)}：{exc}", "problems": [
            {"path": d.field, "message": d.message, "severity": "error", "line": d.line}
            for d in exc.diagnostics]}, status_code=422)
    except GuidebookError as exc:
        return _bad(str(exc))
    notes = [w for w in warnings if w.severity == "warning"]
    message = "已保存" + (f"（有 {len(notes)} 处提醒，见表单中标出的字段）" if notes else "")
    return JSONResponse({"ok": True, "hash": new_hash, "warnings": _problems_json(warnings),
                         "message": message + (f"（已提交：{committed}）" if committed else "")})


def _data_or_none(store: Store, key: str):
    try:
        return store.load(key)[0]
    except Unreadable:
        return None


async def _load(request):
    from starlette.responses import JSONResponse

    try:
        data, _, h = _editor(request).store.load(request.path_params["key"])
    except Unreadable as exc:
        return _unreadable(exc)
    except (GuidebookError, OSError):
        return _bad(L.NO_SUCH_FILE, 404)
    return JSONResponse({"ok": True, "data": data, "hash": h})


async def _changes(request):
    """The document's changes since the last archived edition, as the form shows them (after a save)."""
    from starlette.responses import JSONResponse

    ed, key = _editor(request), request.path_params["key"]
    try:
        html = str(_changes_since_edition(ed.store, key))
    except (GuidebookError, OSError):
        return _bad(L.NO_SUCH_FILE, 404)
    return JSONResponse({"ok": True, "html": html})


async def _preview(request):
    from starlette.responses import JSONResponse

    ed, key = _editor(request), request.path_params["key"]
    if item_of(key) is None:
        return _bad("只有事项才有告知单")
    try:
        payload = await body_json(request)
        result = ed.previewer.handout(ed.store, key, payload.get("data"))
    except (ValueError, GuidebookError) as exc:
        return _answer(exc)
    return JSONResponse(result)


async def _add_item(request):
    from starlette.responses import JSONResponse

    ed = _editor(request)
    try:
        payload = await body_json(request)
        with ed.lock:
            number = ed.store.add_item(str(payload.get("category", "")))
    except (ValueError, GuidebookError) as exc:
        return _answer(exc)
    return JSONResponse({"ok": True, "number": number, "key": item_id(number)})


def _number(request) -> int:
    """The item number of the path, in ASCII digits only."""
    text = request.path_params["number"]
    if not (text.isascii() and text.isdigit()):
        raise BadRequest("序号须为数字")
    return int(text)


async def _references(request):
    from starlette.responses import JSONResponse

    try:
        refs = _editor(request).store.references(_number(request))
    except (ValueError, GuidebookError) as exc:
        return _answer(exc)
    return JSONResponse({"ok": True, "references": refs})


async def _delete(request):
    from starlette.responses import JSONResponse

    ed = _editor(request)
    try:
        with ed.lock:
            done = ed.store.delete_item(_number(request))
    except (ValueError, GuidebookError) as exc:
        return _answer(exc)
    return JSONResponse({"ok": True, "updated": done})


async def _renumber(request):
    from starlette.responses import JSONResponse

    ed = _editor(request)
    try:
        payload = await body_json(request)
        with ed.lock:
            new = int(payload.get("number"))
            done = ed.store.renumber(_number(request), new)
    except (ValueError, TypeError, GuidebookError) as exc:
        return _answer(exc)
    return JSONResponse({"ok": True, "key": item_id(new), "updated": done})


async def _static(request):
    from starlette.responses import PlainTextResponse, Response

    name = request.path_params["name"]
    if name not in ("editor.js", "editor.css"):
        return PlainTextResponse("404 not found", status_code=404)
    kind = "text/javascript" if name.endswith(".js") else "text/css"
    return Response((STATIC / name).read_bytes(), media_type=kind)


async def _fonts(request):
    from starlette.responses import Response

    from guidebook.serve.preview import font_file

    status, kind, data = font_file(request.path_params["name"])
    return Response(data, status_code=status, media_type=kind)


async def _site_page(request):
    from starlette.responses import PlainTextResponse, Response

    from guidebook.outputs import site
    from guidebook.pipeline import Options, Session

    settings, rel = _editor(request).settings, request.path_params["path"]
    try:
        session = Session(Options(source=settings.source, layouts=settings.layouts))
        files = {str(p.relative_to(session.opts.output / "site")): d for p, d, _ in site.render(session, {})}
    except GuidebookError as exc:
        return PlainTextResponse(f"目录有错误，网页版无法生成：{exc}", status_code=200)
    if rel not in files:
        from starlette.responses import HTMLResponse

        return HTMLResponse(_not_found_page(f"网页版中没有 {rel}"), status_code=404)
    kind = "text/html" if rel.endswith(".html") else "text/css" if rel.endswith(".css") else "text/javascript"
    return Response(files[rel], media_type=kind + "; charset=utf-8")


ROUTES = [("/", _index, ["GET"]), ("/doc/{key}", _doc, ["GET"]), ("/api/load/{key}", _load, ["GET"]),
          ("/api/changes/{key}", _changes, ["GET"]),
          ("/api/check/{key}", _check, ["POST"]), ("/api/save/{key}", _save, ["POST"]),
          ("/api/save-text/{key}", _save_text, ["POST"]),
          ("/api/preview/{key}", _preview, ["POST"]), ("/api/items", _add_item, ["POST"]),
          ("/api/references/{number}", _references, ["GET"]), ("/api/delete/{number}", _delete, ["POST"]),
          ("/api/renumber/{number}", _renumber, ["POST"]), ("/static/{name}", _static, ["GET"]),
          ("/fonts/{name}", _fonts, ["GET"]), ("/site/{path:path}", _site_page, ["GET"])]


async def _no_route(request, exc):
    """An address or a method the editor does not have: in Chinese, JSON for the API, a page otherwise."""
    from starlette.responses import HTMLResponse

    status = getattr(exc, "status_code", 404)
    message = "编辑器没有这个地址" if status == 404 else "这个地址不接受这种请求"
    if request.url.path.startswith("/api/"):
        return _bad(message, status)
    return HTMLResponse(_not_found_page(message), status_code=status)


def create_app(settings: Settings):
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Route

    from guidebook.files import stale_temporaries

    for leftover in stale_temporaries(Path(settings.source)):  # of a save whose editor was killed
        leftover.unlink(missing_ok=True)
    editor = Editor(settings, Store(settings.source), Previewer(settings))
    app = Starlette(routes=[Route(path, fn, methods=methods) for path, fn, methods in ROUTES],
                    middleware=[Middleware(Guard, editor=editor)],
                    exception_handlers={404: _no_route, 405: _no_route})
    app.state.editor = editor
    return app


def _changed_fields(before, after, doc: str) -> list[str]:
    from guidebook.editions.diffing import _diff, _label

    raw: list = []
    _diff(before, after, "", raw)
    return [_label(path, doc) for _, path, _, _ in raw]


def serve(settings: Settings, announce) -> None:
    import uvicorn

    app = create_app(settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning", access_log=False,
                            server_header=False)
    server = uvicorn.Server(config)
    announce(f"editor on http://{settings.host}:{settings.port}/?t={settings.token} (Ctrl+C to stop)")
    server.run()



