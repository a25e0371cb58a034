"""Both servers under hostile use: hardening headers on every answer, the token moved into a cookie and
out of every address, a disk that changes under the editor, read-only files, killed saves, a preview
that stays quiet when readers leave and takes a burst of connections."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
import urllib.error
import urllib.request

import pytest

from helpers import EDITOR_TOKEN as TOKEN
from helpers import http_request

HARDENING = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer",
             "cache-control": "no-store"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _raw(url: str, headers=None, data: bytes | None = None):
    """(status, headers, body) without following redirects or keeping cookies."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=60) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def _assert_hardened(headers: dict, what: str, pdf: bool = False):
    for name, value in HARDENING.items():
        assert headers.get(name) == value, (what, name, headers.get(name))
    csp = headers.get("content-security-policy", "")
    if pdf:
        return
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, (what, csp)
    assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp


def _cookie(url: str) -> str:
    status, headers, _ = _raw(url + f"/?t={TOKEN}")
    assert status == 303
    return headers["set-cookie"].split(";")[0]


# -- the editor -------------------------------------------------------------------------------------------


def test_every_editor_answer_is_hardened(editor):
    url, _ = editor
    cookie = {"Cookie": _cookie(url)}
    answers = [("/", {}), ("/", cookie), ("/doc/item-15", cookie), ("/doc/item-999", cookie),
               ("/api/load/item-15", cookie), ("/api/load/nothing", cookie), ("/static/editor.js", cookie),
               ("/static/x.js", cookie), ("/site/items/07.html", cookie), ("/site/nothing.html", cookie),
               ("/fonts/nothing.otf", cookie)]
    for path, headers in answers:
        status, got, body = _raw(url + path, headers)
        _assert_hardened(got, path)
        assert b"Traceback" not in body
    status, got, _ = _raw(url + "/api/check/item-15", {**cookie, "Content-Type": "application/json"},
                          json.dumps({"data": {}}).encode())
    assert status == 200
    _assert_hardened(got, "POST /api/check")


def test_the_token_moves_into_a_cookie_and_leaves_every_address(editor):
    url, _ = editor
    status, headers, _ = _raw(url + f"/doc/item-15?x=1&t={TOKEN}")
    assert status == 303 and headers["location"] == "/doc/item-15?x=1"  # the address is cleaned
    cookie = headers["set-cookie"]
    assert TOKEN in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    jar = {"Cookie": cookie.split(";")[0]}
    for path in ("/", "/doc/item-15", "/doc/guide", "/site/index.html", "/site/items/07.html", "/site/items/08.html"):
        status, _, body = _raw(url + path, jar)
        assert status == 200, path
        assert TOKEN.encode() not in body, path  # no page, link or script holds it
        assert b"?t=" not in body, path
    assert b'href="https://fsrs.fushun.gov.cn/' in _raw(url + "/site/items/07.html", jar)[2]
    # the cookie alone lets the page's script work; a wrong one, or none, is refused
    status, _, _ = _raw(url + "/api/check/item-15", {**jar, "Content-Type": "application/json"}, b'{"data": {}}')
    assert status == 200
    for bad in ({"Cookie": "guidebook-edit-1=" + TOKEN}, {"Cookie": jar["Cookie"] + "x"}, {}):
        assert _raw(url + "/doc/item-15", bad)[0] == 403, bad
    # a wrong token in the address is never redirected into a cookie
    status, headers, _ = _raw(url + "/?t=wrong-token-000000")
    assert status == 403 and "set-cookie" not in headers


def test_a_file_broken_on_disk_is_shown_with_its_line_and_can_be_repaired(editor):
    url, repo = editor
    path = repo / "source" / "items" / "15.yaml"
    status, body = http_request(url + f"/api/load/item-15?t={TOKEN}")
    doc = json.loads(body)
    good = path.read_text("utf-8")
    broken = good.replace("\ntitle:", "\n   title:", 1)  # an indentation slip
    path.write_text(broken, "utf-8")
    status, body = http_request(url + f"/api/load/item-15?t={TOKEN}")
    answer = json.loads(body)
    assert status == 409 and answer["file"] == "items/15.yaml" and answer["line"] > 0 and "15.yaml" in answer["message"]
    # the live check and the preview still answer
    status, body = http_request(url + f"/api/check/item-15?t={TOKEN}", {"data": doc["data"]})
    assert status == 200 and json.loads(body)["ok"] is True
    # a save with the hash the form loaded: the conflict view, with what is wrong with the disk's version
    data = doc["data"]
    data["time_limit"] = "全月经办，次月发放。"
    status, body = http_request(url + f"/api/save/item-15?t={TOKEN}", {"data": data, "hash": doc["hash"]})
    answer = json.loads(body)
    assert status == 409 and answer["conflict"] and answer["disk"] == broken and "无法读取" in answer["note"]
    assert path.read_text("utf-8") == broken
    # the page of the broken file says where, and offers its text to repair
    status, page = http_request(url + f"/doc/item-15?t={TOKEN}")
    page = page.decode()
    assert status == 200 and 'id="repair"' in page and "items/15.yaml 第" in page and "title:" in page
    # a repair that is still wrong is refused with its line; a right one is saved
    status, body = http_request(url + f"/api/save-text/item-15?t={TOKEN}", {"text": broken, "hash": answer["disk_hash"]})
    assert status == 422 and json.loads(body)["problems"][0]["line"] > 0
    assert path.read_text("utf-8") == broken
    status, body = http_request(url + f"/api/save-text/item-15?t={TOKEN}", {"text": good, "hash": answer["disk_hash"]})
    assert status == 200, body
    assert path.read_text("utf-8") == good
    # or the form's version replaces the broken one (keep mine)
    path.write_text(broken, "utf-8")
    status, body = http_request(url + f"/api/save/item-15?t={TOKEN}", {"data": data, "hash": doc["hash"], "force": True})
    assert status == 200, body
    from guidebook.catalogue import load_catalogue

    assert next(i for i in load_catalogue(repo / "source").items if i.number == 15).time_limit == "全月经办，次月发放。"


def test_a_file_deleted_on_disk_is_a_conflict_and_is_re_created(editor):
    url, repo = editor
    path = repo / "source" / "windows.yaml"
    doc = json.loads(http_request(url + f"/api/load/windows?t={TOKEN}")[1])
    path.unlink()
    status, body = http_request(url + f"/api/load/windows?t={TOKEN}")
    assert status == 409 and "不存在" in json.loads(body)["message"]
    status, body = http_request(url + f"/api/save/windows?t={TOKEN}", {"data": doc["data"], "hash": doc["hash"]})
    answer = json.loads(body)
    assert status == 409 and answer["conflict"] and answer["disk"] is None and "删除" in answer["note"]
    assert not path.exists()
    status, page = http_request(url + f"/doc/windows?t={TOKEN}")
    assert status == 200 and "重新创建" in page.decode() and 'id="doc"' in page.decode()
    status, body = http_request(url + f"/api/save/windows?t={TOKEN}", {"data": doc["data"], "hash": None, "force": True})
    assert status == 200, body
    from guidebook.catalogue import load_catalogue

    assert len(load_catalogue(repo / "source").windows.windows) == 26
    # an item that does not exist is a page in Chinese, not a form that would create it
    status, page = http_request(url + f"/doc/item-999?t={TOKEN}")
    assert status == 404 and "返回目录编辑首页" in page.decode()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_read_only_file_is_refused_and_left_as_it_was(editor):
    url, repo = editor
    path = repo / "source" / "items" / "15.yaml"
    doc = json.loads(http_request(url + f"/api/load/item-15?t={TOKEN}")[1])
    before = path.read_bytes()
    path.chmod(0o444)
    doc["data"]["time_limit"] = "全月经办，次月发放。"
    status, body = http_request(url + f"/api/save/item-15?t={TOKEN}", {"data": doc["data"], "hash": doc["hash"]})
    assert status == 400 and "只读" in json.loads(body)["message"]
    assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == 0o444
    path.chmod(0o640)  # a writable file keeps its own mode through a save
    status, _ = http_request(url + f"/api/save/item-15?t={TOKEN}", {"data": doc["data"], "hash": doc["hash"]})
    assert status == 200 and stat.S_IMODE(path.stat().st_mode) == 0o640


def test_the_temporaries_of_a_killed_save_are_removed_at_the_next_start(source_copy):
    from guidebook.serve.editor.app import Settings, create_app

    dead = source_copy / "items" / ".15.yaml.guidebook-4194303-abcd.tmp"  # above any pid_max: no such process
    alive = source_copy / "items" / f".16.yaml.guidebook-{os.getpid()}-abcd.tmp"
    mine = source_copy / "items" / "notes.tmp"
    for p in (dead, alive, mine):
        p.write_text("x", "utf-8")
    create_app(Settings(source=source_copy, token=TOKEN))
    assert not dead.exists() and alive.exists() and mine.exists()


# -- the preview ----------------------------------------------------------------------------------------


def test_every_preview_answer_is_hardened_and_its_reload_script_is_its_own(preview_server):
    url, _, _ = preview_server
    status, headers, body = _raw(url + "/handout/15.pdf")
    assert status == 200 and body.startswith(b"%PDF-")
    _assert_hardened(headers, "pdf", pdf=True)
    # the index last: it starts the one-page check of every handout, which the other pages would wait for
    for path in ("/handout/15", "/guide", "/site/", "/site/items/15.html", "/__version", "/__reload.js",
                 "/nothing", "/fonts/nothing.otf", "/wait/guide.pdf", "/"):
        status, headers, body = _raw(url + path)
        _assert_hardened(headers, path)
        if headers.get("content-type", "").startswith("text/html"):
            assert "<script>" not in body.decode(), path  # no inline script: the policy would block it


def test_the_preview_is_quiet_when_a_reader_leaves_early(preview_server, capfd):
    import struct

    url, _, _ = preview_server
    host, port = url.removeprefix("http://").split(":")
    capfd.readouterr()
    for _ in range(5):
        s = socket.create_connection((host, int(port)))
        s.sendall(f"GET /guide HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        s.recv(1)  # the answer has begun
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()  # reset: the rest of the page cannot be written
    assert _raw(url + "/")[0] == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err, err


def test_the_preview_takes_a_burst_of_connections(preview_server):
    url, _, _ = preview_server
    results: list[int] = []
    lock = threading.Lock()

    def one():
        status = _raw(url + "/__version")[0]
        with lock:
            results.append(status)

    from guidebook.serve.preview import make_server

    server = make_server(preview_server[1], "127.0.0.1", 0)
    assert server.request_queue_size >= 64  # http.server's 5 makes the sixth connection wait a second
    server.server_close()
    threads = [threading.Thread(target=one) for _ in range(60)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == [200] * 60


def test_the_editor_answers_unknown_addresses_and_methods_in_chinese(editor):
    url, _ = editor
    cookie = {"Cookie": _cookie(url)}
    status, headers, body = _raw(url + "/nothing/here", cookie)
    assert status == 404 and "返回目录编辑首页" in body.decode() and headers["content-type"].startswith("text/html")
    _assert_hardened(headers, "404")
    status, headers, body = _raw(url + "/api/nothing", cookie)
    assert status == 404 and json.loads(body)["ok"] is False
    req = urllib.request.Request(url + "/api/save/item-15", method="PUT", headers=cookie, data=b"{}")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=30)
    assert err.value.code == 405 and "请求" in json.loads(err.value.read())["message"]
    _assert_hardened({k.lower(): v for k, v in err.value.headers.items()}, "405")


def test_the_preview_hardens_its_own_errors_and_other_methods(preview_server):
    url, _, _ = preview_server
    host, port = url.removeprefix("http://").split(":")
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        req = urllib.request.Request(url + "/", method=method, data=b"x" if method != "OPTIONS" else None)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=30)
        assert err.value.code == 405, method
        _assert_hardened({k.lower(): v for k, v in err.value.headers.items()}, method)
    req = urllib.request.Request(url + "/handout/15", method="HEAD")
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 200 and r.read() == b"" and int(r.headers["Content-Length"]) > 1000
    with socket.create_connection((host, int(port))) as s:  # a request line http.server itself refuses
        s.sendall(b"GET / / HTTP/1.1\r\n\r\n")
        answer = s.recv(65536).decode("latin-1")
    assert answer.startswith("HTTP/1.") and " 400 " in answer.split("\r\n")[0]
    assert "X-Content-Type-Options: nosniff" in answer and "Content-Security-Policy: default-src 'self'" in answer
