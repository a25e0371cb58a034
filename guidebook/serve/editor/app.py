"""Editor: `guidebook edit`, the catalogue as forms in a browser (Starlette app, served by uvicorn).

Safe by default: it listens on 127.0.0.1; every request needs the random token of the address it
prints; a request whose Host or Origin is not the editor's own is refused (DNS rebinding, other
sites); it writes only the catalogue's own files, through guidebook.serve.editor.store; it takes no
uploads; a malformed request gets 400, never a traceback.
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
from guidebook.serve.editor.store import Conflict, Store, chinese

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
        from guidebook.document.model import build_document
        from guidebook.outputs import handouts
        from guidebook.serve.preview import inline_styles

        text = store.render(key, data)
        with tempfile.TemporaryDirectory(prefix="guidebook-preview-") as work:
            copy = Path(work) / "source"
            shutil.copytree(store.source, copy, ignore=shutil.ignore_patterns("schema"))
            target = copy / store.path_of(key).relative_to(store.source)
            target.write_text(text, "utf-8")
            try:
                cat = load_catalogue(copy)
            except DataError as exc:
                return {"ok": False, "message": "；".join(chinese(d.message) for d in exc.diagnostics[:3])}
        number = item_of(key)
        with self.lock:
            s = self.session()
            s.doc = build_document(cat)
            it = next(i for i in s.doc.items if i.item_number == number)
            fits, level, overflow = True, 0, 0.0
            try:
                rendered, level = handouts.layout(s, it)
            except handouts.HandoutOverflow:
                fits, level = False, len(handouts.FIT_STEPS)
                rendered = s.renderer.layout("handout", handouts.html(s, it, level), f"handout {number}")
                overflow = handouts._overflow_mm(rendered)
            with s.renderer.for_browser():
                page = handouts.html(s, it, level)
            page = page.replace("</head>", inline_styles(s.renderer, s.chain, "handout",
                                                         "html{background:#e5e5e5}body{background:#fff;"
                                                         "max-width:210mm;margin:0 auto}",
                                                         query=f"?t={self.settings.token}") + "</head>", 1)
        return {"ok": True, "html": page, "fits": fits, "level": level, "pages": rendered.pages,
                "overflow_mm": round(overflow)}


# -- pages ------------------------------------------------------------------------------------------


def _page(title: str, body: Markup, token: str) -> str:
    return str(Markup(
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} - 目录编辑</title>'
        '<link rel="stylesheet" href="/static/editor.css?t={t}"><script src="/static/editor.js?t={t}" defer></script>'
        '</head><body data-token="{t}"><a class="skip" href="#main">跳到正文</a>'
        '<header class="top"><a href="/?t={t}">目录编辑</a></header><main id="main">{body}</main></body></html>'
    ).format(title=title, t=token, body=body))


def index_page(store: Store, token: str) -> str:
    entries = store.entries()
    files = Markup("").join(Markup('<li><a href="/doc/{}?t={}">{}</a></li>').format(e["key"], token, e["title"])
                            for e in entries if e["kind"] == "file")
    items = Markup("").join(
        Markup('<li data-search="{n} {t} {c}"><a href="/doc/{k}?t={tok}"><span class="no">{n}</span> {t}</a>'
               '<span class="cat">{c}</span></li>').format(n=e["number"], t=e["title"], c=e["category"], k=e["key"],
                                                            tok=token)
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
        broken=Markup('<p class="warn">无法读取的文件：{}（请用 guidebook check 查看原因）</p>').format(
            "、".join(e["title"] for e in broken)) if broken else "")
    return _page("目录编辑", body, token)


def doc_page(store: Store, key: str, token: str) -> str:
    data, text, h = store.load(key)
    form = FormBuilder(store.model_of(key), store.kind_of(key)).form(data)
    title = store.title(key)
    is_item = item_of(key) is not None
    changes = _changes_since_edition(store, key)
    side = Markup("")
    if is_item:
        number = item_of(key)
        side = Markup(
            '<aside class="preview" aria-label="告知单预览"><h2>一次性告知单预览</h2>'
            '<p id="fit" role="status">正在生成预览…</p>'
            '<iframe id="preview-frame" title="告知单预览"></iframe>'
            '<p><a href="/site/items/{n:0>2}.html?t={t}" target="_blank">打开网页版中本事项的页面（已保存的内容）</a></p>'
            '<form class="renumber" data-number="{number}"><label for="new-number">改为序号</label>'
            '<input id="new-number" type="number" min="1" max="9999" value="{number}">'
            '<button type="submit">改序号（清单中的引用一并更改）</button></form>'
            '<div class="danger"><button type="button" id="delete-item" data-number="{number}">删除本事项</button></div>'
            '</aside>').format(n=number, t=token, number=number)
    body = Markup(
        '<h1>{title}</h1><div class="layout"><form id="doc" data-key="{key}" data-hash="{h}" novalidate>'
        '<p id="status" role="status" aria-live="polite"></p>{changes}{form}'
        '<div class="save-bar"><button type="submit" id="save">保存</button><span id="save-status" role="status"></span>'
        '</div></form>{side}</div>'
        '<div id="conflict" hidden><h2>文件已被其他人修改</h2><p>在您打开本页之后，这个文件在磁盘上被修改过。两个版本都保留在下面，'
        '请选择：</p><div class="versions"><div><h3>磁盘上的版本</h3><pre id="disk-version"></pre></div>'
        '<div><h3>您的版本</h3><pre id="my-version"></pre></div></div>'
        '<button type="button" id="keep-mine">用我的版本覆盖</button> <button type="button" id="take-disk">放弃我的修改，载入磁盘上的版本'
        '</button></div>').format(title=title, key=key, h=h, form=form, side=side, changes=changes)
    return _page(title, body, token)


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
    return Markup('<details class="since"><summary>{}</summary><ul>{}</ul></details>').format(
        summary, Markup("").join(rows)) if scope else Markup("")


# -- the application --------------------------------------------------------------------------------


def create_app(settings: Settings):
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    store = Store(settings.source)
    previewer = Previewer(settings)
    lock = threading.Lock()

    def allowed_hosts() -> set[str]:
        names = {settings.host, "127.0.0.1", "localhost"} if settings.host in ("127.0.0.1", "localhost") \
            else {settings.host}
        return {f"{n}:{settings.port}" for n in names}

    class Guard:
        """Token, Host and Origin checks before anything else; 400 for what is not a request we know."""

        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] != "http":
                return await self.app(scope, receive, send)
            request = Request(scope)
            host = request.headers.get("host", "")
            reason = None
            if host not in allowed_hosts():
                reason = "foreign host"
            origin = request.headers.get("origin")
            if origin is not None and origin not in {f"http://{h}" for h in allowed_hosts()}:
                reason = "foreign origin"
            if scope["method"] == "POST" and origin is None and \
                    request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
                reason = "cross-site request"
            token = request.query_params.get("t") or request.headers.get("x-guidebook-token")
            if not token or not secrets.compare_digest(token, settings.token):
                reason = reason or "no token"
            if reason:
                return await PlainTextResponse(f"403 forbidden: {reason}", status_code=403)(scope, receive, send)
            try:
                return await self.app(scope, receive, send)
            except Exception:  # never a traceback to the browser
                return await PlainTextResponse("400 bad request", status_code=400)(scope, receive, send)

    async def body_json(request: Request) -> dict:
        raw = await request.body()
        if len(raw) > 2_000_000:
            raise ValueError("too large")
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data

    def bad(message: str, status: int = 400) -> JSONResponse:
        return JSONResponse({"ok": False, "message": message}, status_code=status)

    def problems_json(problems) -> list[dict]:
        return [{"path": p.path, "message": p.message, "severity": p.severity, "line": p.line} for p in problems]

    async def index(request: Request):
        return HTMLResponse(index_page(store, settings.token))

    async def doc(request: Request):
        key = request.path_params["key"]
        try:
            return HTMLResponse(doc_page(store, key, settings.token))
        except (GuidebookError, OSError):
            return PlainTextResponse("404 not found", status_code=404)

    async def check(request: Request):
        key = request.path_params["key"]
        try:
            payload = await body_json(request)
            with lock:
                _, problems = store.check(key, payload.get("data"))
        except (ValueError, GuidebookError) as exc:
            return bad(str(exc))
        return JSONResponse({"ok": not any(p.severity == "error" for p in problems), "problems": problems_json(problems)})

    async def save(request: Request):
        key = request.path_params["key"]
        try:
            payload = await body_json(request)
        except ValueError as exc:
            return bad(str(exc))
        try:
            with lock:
                before, _, _ = store.load(key)
                new_hash, warnings = store.save(key, payload.get("data"), payload.get("hash"),
                                                force=bool(payload.get("force")))
                committed = None
                if settings.commit:
                    after, _, _ = store.load(key)
                    committed = store.commit(key, _changed_fields(before, after, store.kind_of(key)))
        except Conflict as exc:
            mine = store.render(key, payload.get("data"))
            return JSONResponse({"ok": False, "conflict": True, "disk": exc.disk_text, "disk_hash": exc.disk_hash,
                                 "mine": mine}, status_code=409)
        except DataError as exc:
            return JSONResponse({"ok": False, "message": str(exc), "problems": [
                {"path": d.field, "message": d.message, "severity": "error", "line": d.line}
                for d in exc.diagnostics]}, status_code=422)
        except GuidebookError as exc:
            return bad(str(exc))
        return JSONResponse({"ok": True, "hash": new_hash, "warnings": problems_json(warnings),
                             "message": "已保存" + (f"（已提交：{committed}）" if committed else "")})

    async def load(request: Request):
        key = request.path_params["key"]
        try:
            data, text, h = store.load(key)
        except (GuidebookError, OSError):
            return bad("not found", 404)
        return JSONResponse({"ok": True, "data": data, "hash": h})

    async def preview(request: Request):
        key = request.path_params["key"]
        if item_of(key) is None:
            return bad("only items have a handout")
        try:
            payload = await body_json(request)
            result = previewer.handout(store, key, payload.get("data"))
        except (ValueError, GuidebookError) as exc:
            return bad(str(exc))
        return JSONResponse(result)

    async def add_item(request: Request):
        try:
            payload = await body_json(request)
            with lock:
                number = store.add_item(str(payload.get("category", "")))
        except (ValueError, GuidebookError) as exc:
            return bad(str(exc))
        return JSONResponse({"ok": True, "number": number, "key": item_id(number)})

    async def references(request: Request):
        try:
            refs = store.references(int(request.path_params["number"]))
        except (ValueError, GuidebookError) as exc:
            return bad(str(exc))
        return JSONResponse({"ok": True, "references": refs})

    async def delete(request: Request):
        try:
            with lock:
                done = store.delete_item(int(request.path_params["number"]))
        except (ValueError, GuidebookError) as exc:
            return bad(str(exc))
        return JSONResponse({"ok": True, "updated": done})

    async def renumber(request: Request):
        try:
            payload = await body_json(request)
            with lock:
                new = int(payload.get("number"))
                done = store.renumber(int(request.path_params["number"]), new)
        except (ValueError, TypeError, GuidebookError) as exc:
            return bad(str(exc))
        return JSONResponse({"ok": True, "key": item_id(new), "updated": done})

    async def static(request: Request):
        name = request.path_params["name"]
        if name not in ("editor.js", "editor.css"):
            return PlainTextResponse("404 not found", status_code=404)
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return Response((STATIC / name).read_bytes(), media_type=kind)

    async def fonts(request: Request):
        from guidebook.serve.preview import font_file

        status, kind, data = font_file(request.path_params["name"])
        return Response(data, status_code=status, media_type=kind)

    async def site_page(request: Request):
        from guidebook.pipeline import Options, Session
        from guidebook.outputs import site

        rel = request.path_params["path"]
        try:
            session = Session(Options(source=settings.source, layouts=settings.layouts))
            files = {str(p.relative_to(session.opts.output / "site")): d for p, d, _ in site.render(session, {})}
        except GuidebookError as exc:
            return PlainTextResponse(f"目录有错误，网页版无法生成：{exc}", status_code=200)
        if rel not in files:
            return PlainTextResponse("404 not found", status_code=404)
        kind = "text/html" if rel.endswith(".html") else "text/css" if rel.endswith(".css") else "text/javascript"
        body = files[rel]
        if kind == "text/html":  # keep the token on the site's own links
            body = body.replace(b'.html"', f'.html?t={settings.token}"'.encode()).replace(
                b'.css"', f'.css?t={settings.token}"'.encode()).replace(b'.js"', f'.js?t={settings.token}"'.encode())
        return Response(body, media_type=kind + "; charset=utf-8")

    routes = [
        Route("/", index), Route("/doc/{key}", doc),
        Route("/api/load/{key}", load), Route("/api/check/{key}", check, methods=["POST"]),
        Route("/api/save/{key}", save, methods=["POST"]), Route("/api/preview/{key}", preview, methods=["POST"]),
        Route("/api/items", add_item, methods=["POST"]), Route("/api/references/{number}", references),
        Route("/api/delete/{number}", delete, methods=["POST"]),
        Route("/api/renumber/{number}", renumber, methods=["POST"]),
        Route("/static/{name}", static), Route("/fonts/{name}", fonts), Route("/site/{path:path}", site_page),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Guard)])


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



