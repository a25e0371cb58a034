"""`guidebook edit` end to end in Chromium (Playwright): forms, saving, conflicts, the preview beside
the form."""
from __future__ import annotations

import os
import shutil

import pytest

from helpers import EDITOR_TOKEN as TOKEN
from helpers import EDITOR_WINDOW as WINDOW
from helpers import ROOT, git, normalize, numstat, pdf_pages_text, run_cli


@pytest.fixture
def page(chromium, editor):
    pg = chromium.new_page(viewport={"width": 1400, "height": 900})
    pg.set_default_timeout(60000)
    try:
        yield pg, editor[0], editor[1]
    finally:
        pg.close()


def _open(pg, url: str, key: str):
    pg.goto(f"{url}/doc/{key}?t={TOKEN}")
    pg.wait_for_function("() => document.getElementById('status').textContent !== ''")


def _save(pg):
    pg.click("#save")
    pg.wait_for_function("() => ['已保存', '未保存'].some(s => document.getElementById('save-status').textContent.startsWith(s))")
    return pg.inner_text("#save-status")


def test_browser_window_phone_edit_and_error(page):
    pg, url, repo = page
    _open(pg, url, "windows")
    i = pg.evaluate(f"""Array.from(document.querySelectorAll('input')).findIndex(x => x.value === '{WINDOW}')""")
    name_input = pg.locator("input").nth(i)
    path = name_input.get_attribute("name").replace(".name", ".phone")
    phone = pg.locator(f'[name="{path}"]')
    phone.fill("024-12")
    pg.wait_for_function(f"""() => document.querySelector('p.err[data-error-for="{path}"]').textContent !== ''""")
    assert pg.inner_text(f'p.err[data-error-for="{path}"]').startswith("不是有效的电话号码")
    assert _save(pg).startswith("未保存")
    assert git(repo, "status", "--porcelain") == ""  # the file is unchanged
    phone.fill("024-52626549")
    assert _save(pg).startswith("已保存")
    assert numstat(repo) == [(1, 1, "source/windows.yaml")]
    assert run_cli("check", "--source", str(repo / "source")).returncode == 0
    out = repo / "out"  # the saved number reaches the outputs (the windows page of the web edition: built in 0.4 s)
    assert run_cli("build", "--source", str(repo / "source"), "--output", str(out), "--no-guide", "--no-handouts",
                   "--no-word").returncode == 0
    assert 'href="tel:02452626549"' in (out / "site" / "windows.html").read_text("utf-8")


def test_browser_time_limit_material_and_preview(page):
    pg, url, repo = page
    _open(pg, url, "item-15")
    pg.wait_for_function("() => document.getElementById('fit').textContent.indexOf('一页能放下') === 0")
    before = pg.evaluate("() => document.getElementById('preview-frame').srcdoc")
    assert before.count('src="data:image/png;base64,') == 1  # the printed page itself, as an image
    pg.fill('[name="time_limit"]', "全月经办，次月发放。")
    pg.wait_for_function("(b) => { const s = document.getElementById('preview-frame').srcdoc; "
                         "return s.indexOf('data:image/png') > 0 && s !== b; }", arg=before)
    image = pg.frame_locator("#preview-frame").locator("img").first
    assert image.get_attribute("alt").startswith("一次性告知单《失业保险金申领》预览") and image.bounding_box()["width"] > 300
    assert _save(pg).startswith("已保存")
    assert numstat(repo) == [(1, 1, "source/items/15.yaml")]
    out = repo / "handout.pdf"
    assert run_cli("handout", "15", "--source", str(repo / "source"), "--out", str(out)).returncode == 0
    assert "全月经办，次月发放。" in normalize(pdf_pages_text(out)[0])
    pg.screenshot(path=str(repo / "editor.png"))
    if os.environ.get("GUIDEBOOK_UPDATE_SCREENSHOTS"):
        shutil.copy(repo / "editor.png", ROOT / "docs" / "editor.png")

    git(repo, "commit", "-qam", "time limit")
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
    assert numstat(repo) == [(1, 0, "source/items/01.yaml")]  # one line added, nothing else touched
    assert run_cli("check", "--source", str(repo / "source")).returncode == 0


def test_browser_add_and_delete_an_item(page):
    pg, url, repo = page
    pg.goto(f"{url}/?t={TOKEN}")
    pg.select_option("#new-cat", "人事档案管理服务")
    pg.click("form.add-item button")
    pg.wait_for_url("**/doc/item-55")
    assert (repo / "source" / "items" / "55.yaml").exists()
    assert run_cli("check", "--source", str(repo / "source")).returncode == 0
    pg.on("dialog", lambda d: d.accept())
    pg.click("#delete-item")
    pg.wait_for_url(f"{url}/")
    assert not (repo / "source" / "items" / "55.yaml").exists()
    assert git(repo, "status", "--porcelain") == ""


def test_browser_the_token_leaves_the_address_bar(page):
    pg, url, _ = page
    pg.goto(f"{url}/?t={TOKEN}")
    assert pg.url == f"{url}/"  # redirected: the token is in the editor's cookie now
    cookie = next(c for c in pg.context.cookies() if c["name"].startswith("guidebook-edit-"))
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert pg.evaluate("document.cookie") == ""  # no script can read it
    assert TOKEN not in pg.content()
    pg.click("text=事项 15") if pg.locator("text=事项 15").count() else pg.click('a[href="/doc/item-15"]')
    pg.wait_for_url(f"{url}/doc/item-15")
    pg.wait_for_function("() => document.getElementById('fit').textContent.indexOf('一页能放下') === 0")  # CSP allows it


def test_browser_yes_no_on_typed_as_text_are_saved_as_text(page):
    pg, url, repo = page
    _open(pg, url, "item-15")
    pg.fill('[name="time_limit"]', "on")
    pg.wait_for_function("() => document.getElementById('status').textContent.indexOf('检查通过') === 0")
    assert _save(pg).startswith("已保存")
    from guidebook.catalogue import load_catalogue

    assert next(i for i in load_catalogue(repo / "source").items if i.number == 15).time_limit == "on"
    pg.reload()
    pg.wait_for_function("() => document.getElementById('status').textContent !== ''")
    assert pg.input_value('[name="time_limit"]') == "on"
    out = repo / "handout.pdf"
    assert run_cli("handout", "15", "--source", str(repo / "source"), "--out", str(out)).returncode == 0
    assert "on" in normalize(pdf_pages_text(out)[0])


def test_browser_a_file_broken_on_disk_is_shown_and_repaired(page):
    pg, url, repo = page
    path = repo / "source" / "items" / "15.yaml"
    _open(pg, url, "item-15")
    good = path.read_text("utf-8")
    path.write_text(good.replace("\ntitle:", "\n   title:", 1), "utf-8")  # an indentation slip, under the open form
    pg.fill('[name="time_limit"]', "全月经办，次月发放。")
    assert _save(pg).startswith("未保存")
    assert pg.is_visible("#conflict") and "无法读取" in pg.inner_text("#conflict-note")
    pg.click("#keep-mine")  # the form's version replaces the broken file
    pg.wait_for_function("() => document.getElementById('save-status').textContent.startsWith('已保存')")
    assert run_cli("check", "--source", str(repo / "source")).returncode == 0
    # broken again, then the page reloaded: it shows the line and the text to repair
    path.write_text(path.read_text("utf-8").replace("\ntitle:", "\n   title:", 1), "utf-8")
    pg.goto(f"{url}/doc/item-15")
    assert "items/15.yaml 第" in pg.inner_text("#unreadable")
    text = pg.input_value("#text")
    pg.fill("#text", text.replace("\n   title:", "\ntitle:", 1))
    pg.click("#save")
    pg.wait_for_selector("#doc")  # saved, and the form is back
    assert run_cli("check", "--source", str(repo / "source")).returncode == 0


def test_browser_a_file_deleted_on_disk_is_re_created_from_the_form(page):
    pg, url, repo = page
    path = repo / "source" / "windows.yaml"
    _open(pg, url, "windows")
    path.unlink()
    assert _save(pg).startswith("未保存")
    assert pg.inner_text("#disk-version") == "（磁盘上已没有这个文件）"
    pg.click("#keep-mine")
    pg.wait_for_function("() => document.getElementById('save-status').textContent.startsWith('已保存')")
    assert path.exists() and run_cli("check", "--source", str(repo / "source")).returncode == 0
    text = path.read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=schema/windows.schema.json\n")
    assert text.count("  - name: ") == 26  # every window, from the form


def test_browser_materials_are_one_visible_choice_of_shape(page):
    pg, url, repo = page
    _open(pg, url, "item-15")  # item 15 lists its materials in groups
    assert pg.is_checked('.choice input[value="groups"]')
    assert not pg.is_visible('fieldset[data-path="materials.items"]')  # no empty top-level list, no stray 添加
    assert pg.is_visible('fieldset[data-path="materials.groups"]')
    pg.check('.choice input[value="none"]')
    assert not pg.is_visible('fieldset[data-path="materials.groups"]')
    pg.fill('[name="materials.none"]', "无")
    pg.wait_for_function("() => document.getElementById('status').textContent.indexOf('检查通过') === 0")
    assert _save(pg).startswith("已保存")
    import yaml

    data = yaml.safe_load((repo / "source" / "items" / "15.yaml").read_text("utf-8"))
    assert data["materials"] == {"none": "无"}
    pg.check('.choice input[value="items"]')  # an empty list chosen: its 添加 button is where to go on
    assert pg.evaluate("() => document.activeElement.closest('fieldset').dataset.path") == "materials.items"
    assert pg.is_visible('fieldset[data-path="materials.items"] > button.add')


def test_browser_leaving_with_unsaved_changes_asks(page):
    pg, url, _ = page
    _open(pg, url, "item-15")
    pg.fill('[name="time_limit"]', "全月经办，次月发放。")
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.click("header.top a")
    pg.wait_for_timeout(500)
    assert asked == ["beforeunload"] and pg.url == f"{url}/doc/item-15"  # stayed, the edit still there
    assert pg.input_value('[name="time_limit"]') == "全月经办，次月发放。"
    assert _save(pg).startswith("已保存")
    pg.click("header.top a")  # saved: leaves without asking
    pg.wait_for_url(f"{url}/")
    assert asked == ["beforeunload"]


def test_browser_the_changes_since_the_edition_follow_each_save(page):
    pg, url, repo = page
    assert run_cli("edition", "new", "2027", "--source", str(repo / "source")).returncode == 0
    _open(pg, url, "guide")
    assert "与2026年版相比：3 处修改" in pg.inner_text("#since summary")  # edition, edition_date, compare_with
    _open(pg, url, "item-15")
    assert pg.inner_text("#since summary") == "与2026年版相比：没有修改"
    pg.fill('[name="time_limit"]', "全月经办，次月发放。")
    assert _save(pg).startswith("已保存")
    pg.wait_for_function("() => document.querySelector('#since summary').textContent.indexOf('1 处修改') > 0")


def test_browser_the_editor_fits_a_phone_screen(chromium, editor):
    url, _ = editor
    pg = chromium.new_page(viewport={"width": 375, "height": 812})
    try:
        pg.goto(f"{url}/?t={TOKEN}")
        for path in ("/", "/doc/item-15", "/doc/item-8", "/doc/windows", "/doc/guide"):
            pg.goto(url + path)
            scroll, client = pg.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert scroll <= client, (path, scroll, client)  # a fieldset is as wide as its content unless told
    finally:
        pg.close()
