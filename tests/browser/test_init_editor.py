"""Another bureau's first afternoon, in Chromium: `guidebook init`, then the editor adds a category, a
window and an item to the new catalogue, and the next build shows them."""

from __future__ import annotations

from helpers import EDITOR_TOKEN, normalize, pdf_pages_text, run_cli, running_editor


def _saved(pg) -> str:
    pg.click("#save")
    pg.wait_for_function("() => ['已保存', '未保存'].some(s => "
                         "document.getElementById('save-status').textContent.startsWith(s))")
    return pg.inner_text("#save-status")


def test_a_new_catalogue_is_edited_in_the_browser_and_built(chromium, tmp_path):
    folder = tmp_path / "mybureau"
    res = run_cli("init", str(folder), "--bureau", "某市人力资源和社会保障局")
    assert res.returncode == 0, res.stderr.decode()
    source = folder / "source"
    with running_editor(source) as url:
        pg = chromium.new_page(viewport={"width": 1280, "height": 900})
        pg.set_default_timeout(60000)
        try:
            pg.goto(f"{url}/doc/guide?t={EDITOR_TOKEN}")  # 指南信息: a form, not a 404
            categories = pg.locator('fieldset[data-key="categories"]')
            categories.locator(":scope > button.add").click()
            categories.locator(":scope > ol.rows > li.row").last.locator("input").first.fill("就业服务")
            assert _saved(pg).startswith("已保存")

            pg.goto(f"{url}/doc/windows")
            windows = pg.locator('fieldset[data-key="windows"]')
            windows.locator(":scope > button.add").click()
            row = windows.locator(":scope > ol.rows > li.row").last
            row.locator('input[name$=".name"]').fill("市就业服务中心")
            row.locator('input[name$=".address"]').fill("市政务服务中心一楼")
            row.locator('input[name$=".phone"]').fill("12333")
            assert _saved(pg).startswith("已保存")

            pg.goto(f"{url}/")
            pg.select_option("#new-cat", "就业服务")
            pg.click("form.add-item button")
            pg.wait_for_url("**/doc/item-2")
            pg.wait_for_function("() => document.getElementById('status').textContent !== ''")
            pg.fill('[name="title"]', "求职登记")
            assert _saved(pg).startswith("已保存")
        finally:
            pg.close()
    assert run_cli("check", "--source", str(source)).returncode == 0
    out = folder / "output"
    res = run_cli("build", "--source", str(source), "--output", str(out), "--no-word", "-q")
    assert res.returncode == 0, res.stderr.decode()
    guide = normalize("".join(pdf_pages_text(out / "guide.pdf")))
    for text in ("就业服务", "求职登记", "市就业服务中心", "某市人力资源和社会保障局"):
        assert normalize(text) in guide, text
    assert (out / "site" / "items" / "02.html").is_file()
