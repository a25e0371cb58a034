"""`guidebook edit` without a browser: forms from the schema, the same checks as `check`, saves
that change only what changed, conflicts, item management, security (its store and its HTTP API)."""
from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request

import pytest

from helpers import EDITOR_TOKEN as TOKEN
from helpers import EDITOR_WINDOW as WINDOW
from helpers import SOURCE, git, http_request as _request, numstat, run_cli


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
    for headers, code in (({}, 415), ({"Content-Type": "text/plain"}, 415), ({"Content-Type": "application/json"}, 400)):
        req = urllib.request.Request(url + f"/api/check/item-15?t={TOKEN}", data=b"{not json", method="POST",
                                     headers=headers)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=30)
        body = err.value.read()
        assert err.value.code == code and b"Traceback" not in body
        assert json.loads(body)["ok"] is False  # a JSON answer the page can show
    assert git(repo, "status", "--porcelain") == ""


def test_malformed_tokens_bodies_and_numbers_are_refused_not_crashed(editor):
    url, repo = editor
    for token in ("%E5%A4%B1%E4%B8%9A", "%C3%A9" * 20, "%00", TOKEN + "%E2%80%8B"):  # 失业, é..., NUL, a zero-width space
        assert _request(url + f"/?t={token}")[0] == 403, token
    assert _request(url + "/", headers={"X-Guidebook-Token": "é"})[0] == 403
    # a body past the limit is refused while it is read
    status, body = _request(url + f"/api/check/item-15?t={TOKEN}", {"data": "x" * 2_100_000})
    assert status == 413 and json.loads(body)["ok"] is False
    # item numbers are ASCII digits
    for key in ("item-%EF%BC%91%EF%BC%95", "item-%D9%A1%D9%A5"):  # item-１５, item-١٥
        assert _request(url + f"/api/load/{key}?t={TOKEN}")[0] == 404
    assert _request(url + f"/api/references/%EF%BC%91%EF%BC%95?t={TOKEN}")[0] == 400
    assert _request(url + f"/api/references/15?t={TOKEN}")[0] == 200


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
    assert numstat(repo) == [(1, 1, "source/windows.yaml")]
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
    assert status == 422 and git(repo, "status", "--porcelain") == ""


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
    git(repo, "init", "-q")
    assert run_cli("edition", "new", "2027", "--source", str(repo / "source")).returncode == 0
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "start")
    store = Store(repo / "source")
    data, _, h = store.load("item-15")
    data["time_limit"] = "全月经办，次月发放。"
    store.save("item-15", data, h)
    assert store.commit("item-15", ["办理时限"]) == "编辑 事项 15《失业保险金申领》：办理时限"
    assert git(repo, "log", "-1", "--format=%s").strip() == "编辑 事项 15《失业保险金申领》：办理时限"
    assert git(repo, "status", "--porcelain") == ""
    page = doc_page(store, "item-15")
    assert "与2026年版相比：1 处修改" in page and "全月经办，次月发放。" in page
    assert "与2026年版相比：没有修改" in doc_page(store, "item-14")


def test_the_preview_says_why_a_handout_fails_the_one_page_check(editor, built):
    """Beside the form: a handout that runs over says so in Chinese with the figure, and one that fits is
    the build's (made by its builders: the fitting level the build's manifest records)."""
    url, repo = editor
    status, body = _request(url + f"/api/load/item-15?t={TOKEN}")
    data = json.loads(body)["data"]
    status, body = _request(url + f"/api/preview/item-15?t={TOKEN}", {"data": data})
    answer = json.loads(body)
    assert status == 200 and answer["fits"] is True and answer["reason"] == ""
    manifest = json.loads((built[0] / "manifest.json").read_text("utf-8"))
    fit = next(o["fit"] for o in manifest["outputs"] if o["path"] == "handouts/15-失业保险金申领.pdf")
    assert (answer["level"], answer["pages"]) == (fit, 1)
    data["materials"] = {"items": [{"name": f"第 {n} 种证明材料（原件及复印件各一份，须加盖单位公章）"} for n in range(80)]}
    status, body = _request(url + f"/api/preview/item-15?t={TOKEN}", {"data": data})
    answer = json.loads(body)
    assert status == 200 and answer["fits"] is False and answer["pages"] >= 2
    assert answer["reason"].startswith("用最小字号（10.5 磅）") and "排不进一页" in answer["reason"], answer["reason"]
    assert git(repo, "status", "--porcelain") == ""  # a preview writes nothing


def test_the_editors_pages_are_valid_html_by_the_nu_checker(editor, tmp_path):
    """The index, an item's form, the guide's own data, the windows and a missing page: no error from the
    W3C Nu HTML checker."""
    from helpers import nu_errors

    url, _ = editor
    pages = []
    for path in ("/", "/doc/item-15", "/doc/guide", "/doc/windows", "/doc/synonyms", "/doc/item-999"):
        status, body = _request(url + f"{path}?t={TOKEN}")
        assert status in (200, 404) and body.lstrip().lower().startswith(b"<!doctype html>"), (path, status)
        pages.append(tmp_path / ((path.strip("/").replace("/", "-") or "index") + ".html"))
        pages[-1].write_bytes(body)
    assert nu_errors(pages) == []
