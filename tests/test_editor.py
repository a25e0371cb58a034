"""`guidebook edit`: forms from the schema, the same checks as `check`, saves that change only what
changed, conflicts, item management, security; end to end in Chromium (Playwright)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, SOURCE, normalize, pdf_pages_text, run_cli

TOKEN = "test-token-0123456789"
WINDOW = "市就业和人才服务中心"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo), *args],
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture
def editor(tmp_path):
    """An editor on a copy of source/ in a git repository, on a free port."""
    import uvicorn

    from guidebook.serve.editor.app import Settings, create_app

    repo = tmp_path / "repo"
    shutil.copytree(SOURCE, repo / "source")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "start")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(source=repo / "source", port=port, token=TOKEN)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", repo
    server.should_exit = True
    thread.join(timeout=10)


def _request(url: str, data=None, headers=None, method=None):
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method=method or ("POST" if body is not None else "GET"),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _numstat(repo: Path) -> list[tuple[int, int, str]]:
    return [(int(a), int(d), p) for a, d, p in (line.split("\t") for line in _git(repo, "diff", "--numstat").splitlines())]


# -- without a browser --------------------------------------------------------------------------------


def test_security(editor):
    url, repo = editor
    assert _request(url + "/")[0] == 403  # no token
    assert _request(url + "/?t=wrong-token-000000")[0] == 403
    assert _request(url + f"/?t={TOKEN}")[0] == 200
    assert _request(url + f"/?t={TOKEN}", headers={"Host": "evil.example:80"})[0] == 403  # DNS rebinding
    before = (repo / "source" / "windows.yaml").read_bytes()
    status, _ = _request(url + f"/api/save/windows?t={TOKEN}", {"data": {}, "hash": None},
                         headers={"Origin": "http://evil.example"})
    assert status == 403  # another site's page cannot save
    assert (repo / "source" / "windows.yaml").read_bytes() == before
    for key in ("..%2F..%2Fetc%2Fpasswd", "item-..", "item-1%00", "x" * 4000):
        assert _request(url + f"/doc/{key}?t={TOKEN}")[0] in (400, 404)
        status, _ = _request(url + f"/api/save/{key}?t={TOKEN}", {"data": {"a": 1}})
        assert status in (400, 404)
    req = urllib.request.Request(url + f"/api/check/item-15?t={TOKEN}", data=b"{not json", method="POST")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=30)
    assert err.value.code == 400 and b"Traceback" not in err.value.read()
    assert _git(repo, "status", "--porcelain") == ""


def test_a_save_changes_one_line_and_keeps_comments(editor):
    url, repo = editor
    status, body = _request(url + f"/api/load/windows?t={TOKEN}")
    doc = json.loads(body)
    data = doc["data"]
    window = next(w for w in data["windows"] if w["name"] == WINDOW)
    old_phone = str(window["phone"])
    window["phone"] = "024-52626541"
    status, body = _request(url + f"/api/save/windows?t={TOKEN}", {"data": data, "hash": doc["hash"]})
    assert status == 200, body
    assert _numstat(repo) == [(1, 1, "source/windows.yaml")]
    text = (repo / "source" / "windows.yaml").read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert old_phone not in text.split(WINDOW)[1].split("- name")[0]
    assert run_cli("check", "--source", str(repo / "source")).returncode == 0


def test_invalid_data_is_never_written_and_says_why_in_chinese(editor):
    url, repo = editor
    doc = json.loads(_request(url + f"/api/load/windows?t={TOKEN}")[1])
    window = next(w for w in doc["data"]["windows"] if w["name"] == WINDOW)
    i = doc["data"]["windows"].index(window)
    window["phone"] = "024-12"
    status, body = _request(url + f"/api/check/windows?t={TOKEN}", {"data": doc["data"]})
    problems = json.loads(body)["problems"]
    assert {"path": f"windows[{i}].phone", "severity": "error"}.items() <= problems[0].items()
    assert problems[0]["message"].startswith("不是有效的电话号码")
    status, body = _request(url + f"/api/save/windows?t={TOKEN}", {"data": doc["data"], "hash": doc["hash"]})
    assert status == 422 and _git(repo, "status", "--porcelain") == ""


def test_a_file_changed_on_disk_is_not_overwritten(editor):
    url, repo = editor
    doc = json.loads(_request(url + f"/api/load/item-15?t={TOKEN}")[1])
    path = repo / "source" / "items" / "15.yaml"
    path.write_text(path.read_text("utf-8").replace("全月经办。", "全月经办（在文本编辑器中改的）。"), "utf-8")
    disk = path.read_text("utf-8")
    doc["data"]["tips"] = ["表单中改的提示。"]
    status, body = _request(url + f"/api/save/item-15?t={TOKEN}", {"data": doc["data"], "hash": doc["hash"]})
    answer = json.loads(body)
    assert status == 409 and answer["disk"] == disk and "表单中改的提示。" in answer["mine"]
    assert path.read_text("utf-8") == disk  # nothing lost
    status, _ = _request(url + f"/api/save/item-15?t={TOKEN}", {"data": doc["data"], "hash": answer["disk_hash"]})
    assert status == 200 and "表单中改的提示。" in path.read_text("utf-8")


def test_the_form_comes_from_the_schema():
    """A field added to the schema later appears in the form, with no editor code changed."""
    from pydantic import Field

    from guidebook.catalogue import schema
    from guidebook.serve.editor.forms import FormBuilder

    class Later(schema.Item):
        office_hours: str | None = Field(None, description="办公时间（新字段）")

    html = str(FormBuilder(Later).form({"number": 15, "title": "失业保险金申领", "category": "失业保险"}))
    assert 'name="office_hours"' in html and "办公时间（新字段）" in html
    full = str(FormBuilder(schema.Item).form({"channels": [{"kind": "网上办", "links": [{"url": "http://a.b"}]}]}))
    assert 'name="channels[0].links[0].url"' in full and "<option value=\"掌上办\"" in full
    assert "<template>" in full


def test_edit_refuses_a_foreign_host_without_a_token():
    import re

    res = run_cli("edit", "--host", "0.0.0.0")
    err = re.sub(r"[\s│]+", " ", res.stderr.decode())
    assert res.returncode == 2 and "needs an explicit --token" in err
    assert run_cli("edit", "--port", "70000").returncode == 2


# -- in a browser ---------------------------------------------------------------------------------


@pytest.fixture
def page(editor):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-quic"])
        try:
            pg = browser.new_page(viewport={"width": 1400, "height": 900})
            pg.set_default_timeout(60000)
            yield pg, editor[0], editor[1]
        finally:
            browser.close()


def _open(pg, url: str, key: str):
    pg.goto(f"{url}/doc/{key}?t={TOKEN}")
    pg.wait_for_function("document.getElementById('status').textContent !== ''")


def _save(pg):
    pg.click("#save")
    pg.wait_for_function("['已保存', '未保存'].some(s => document.getElementById('save-status').textContent.startsWith(s))")
    return pg.inner_text("#save-status")


def test_browser_window_phone_edit_and_error(page):
    pg, url, repo = page
    _open(pg, url, "windows")
    i = pg.evaluate(f"""Array.from(document.querySelectorAll('input')).findIndex(x => x.value === '{WINDOW}')""")
    name_input = pg.locator("input").nth(i)
    path = name_input.get_attribute("name").replace(".name", ".phone")
    phone = pg.locator(f'[name="{path}"]')
    phone.fill("024-12")
    pg.wait_for_function(f"""document.querySelector('p.err[data-error-for="{path}"]').textContent !== ''""")
    assert pg.inner_text(f'p.err[data-error-for="{path}"]').startswith("不是有效的电话号码")
    assert _save(pg).startswith("未保存")
    assert _git(repo, "status", "--porcelain") == ""  # the file is unchanged
    phone.fill("024-52626549")
    assert _save(pg).startswith("已保存")
    assert _numstat(repo) == [(1, 1, "source/windows.yaml")]
    assert run_cli("check", "--source", str(repo / "source")).returncode == 0
    out = repo / "out"
    assert run_cli("build", "--source", str(repo / "source"), "--output", str(out), "--no-handouts", "--no-word",
                   "--no-site").returncode == 0
    assert "024-52626549" in normalize("".join(pdf_pages_text(out / "guide.pdf")))


def test_browser_time_limit_material_and_preview(page):
    pg, url, repo = page
    _open(pg, url, "item-15")
    pg.wait_for_function("document.getElementById('fit').textContent.indexOf('一页能放下') === 0")
    pg.fill('[name="time_limit"]', "全月经办，次月发放。")
    pg.wait_for_function("document.getElementById('preview-frame').srcdoc.indexOf('次月发放') > 0")
    assert _save(pg).startswith("已保存")
    assert _numstat(repo) == [(1, 1, "source/items/15.yaml")]
    out = repo / "handout.pdf"
    assert run_cli("handout", "15", "--source", str(repo / "source"), "--out", str(out)).returncode == 0
    assert "全月经办，次月发放。" in normalize(pdf_pages_text(out)[0])
    pg.screenshot(path=str(repo / "editor.png"))
    if os.environ.get("GUIDEBOOK_UPDATE_SCREENSHOTS"):
        shutil.copy(repo / "editor.png", ROOT / "docs" / "editor.png")

    _git(repo, "commit", "-qam", "time limit")
    _open(pg, url, "item-1")
    items = pg.locator('fieldset[data-key="materials"] fieldset[data-key="groups"] li.row').first \
        .locator('fieldset[data-key="items"]').first
    items.locator(":scope > button.add").click()
    new = items.locator(":scope > ol.rows > li.row").last
    new.locator('input[name$=".name"]').fill("《新增的材料》")
    new.locator(":scope > .row-tools button.up").click()
    assert _save(pg).startswith("已保存")
    import yaml

    data = yaml.safe_load((repo / "source" / "items" / "01.yaml").read_text("utf-8"))
    names = [m["name"] for m in data["materials"]["groups"][0]["items"]]
    assert names[-2] == "《新增的材料》"  # added last, then moved up one
    assert _numstat(repo) == [(1, 0, "source/items/01.yaml")]  # one line added, nothing else touched
    assert run_cli("check", "--source", str(repo / "source")).returncode == 0


def test_browser_add_and_delete_an_item(page):
    pg, url, repo = page
    pg.goto(f"{url}/?t={TOKEN}")
    pg.select_option("#new-cat", "人事档案管理服务")
    pg.click("form.add-item button")
    pg.wait_for_url("**/doc/item-55?**")
    assert (repo / "source" / "items" / "55.yaml").exists()
    assert run_cli("check", "--source", str(repo / "source")).returncode == 0
    pg.on("dialog", lambda d: d.accept())
    pg.click("#delete-item")
    pg.wait_for_url(f"{url}/?t={TOKEN}")
    assert not (repo / "source" / "items" / "55.yaml").exists()
    assert _git(repo, "status", "--porcelain") == ""


def test_renumber_moves_the_file_and_its_references(source_copy):
    from guidebook.diagnostics import GuidebookError
    from guidebook.serve.editor.store import Store

    store = Store(source_copy)
    with pytest.raises(GuidebookError, match="序号 9 已被其他事项使用"):
        store.renumber(8, 9)
    updated = store.renumber(7, 60)
    assert updated == ["违规禁办事项清单"]
    assert not (source_copy / "items" / "07.yaml").exists()
    assert "number: 60" in (source_copy / "items" / "60.yaml").read_text("utf-8")
    import yaml

    groups = yaml.safe_load((source_copy / "prohibited.yaml").read_text("utf-8"))["groups"]
    assert any(60 in g.get("items", []) for g in groups) and not any(7 in g.get("items", []) for g in groups)
    assert run_cli("check", "--source", str(source_copy)).returncode == 0


def test_commit_and_the_changes_since_the_last_edition(tmp_path):
    from guidebook.serve.editor.app import doc_page
    from guidebook.serve.editor.store import Store

    repo = tmp_path / "repo"
    shutil.copytree(SOURCE, repo / "source")
    _git(repo, "init", "-q")
    assert run_cli("edition", "new", "2027", "--source", str(repo / "source")).returncode == 0
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "start")
    store = Store(repo / "source")
    data, _, h = store.load("item-15")
    data["time_limit"] = "全月经办，次月发放。"
    store.save("item-15", data, h)
    assert store.commit("item-15", ["办理时限"]) == "编辑 事项 15《失业保险金申领》：办理时限"
    assert _git(repo, "log", "-1", "--format=%s").strip() == "编辑 事项 15《失业保险金申领》：办理时限"
    assert _git(repo, "status", "--porcelain") == ""
    page = doc_page(store, "item-15", TOKEN)
    assert "与2026年版相比：1 处修改" in page and "全月经办，次月发放。" in page
    assert "与2026年版相比：没有修改" in doc_page(store, "item-14", TOKEN)
