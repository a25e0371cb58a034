"""A bureau's Word guide, imported, in the editor (Chromium): the text the import could not place is
shown in its item's form; staff move it into a field, delete the unplaced lines, save, and `check` has
nothing more to say."""

from __future__ import annotations

from helpers import EDITOR_TOKEN, run_cli, running_editor
from helpers.word_guides import SHAPES


def test_unplaced_text_is_moved_and_deleted_in_the_editor(chromium, tmp_path):
    docx = SHAPES["element_tables"](tmp_path / "guide.docx")
    res = run_cli("import", str(docx), "--to", str(tmp_path / "new"))
    assert res.returncode == 0, res.stderr.decode()
    source = tmp_path / "new" / "source"
    assert "未归入的原文" in run_cli("check", "--source", str(source)).stderr.decode()
    with running_editor(source) as url:
        pg = chromium.new_page(viewport={"width": 1280, "height": 900})
        pg.set_default_timeout(60000)
        try:
            pg.goto(f"{url}/doc/item-1?t={EDITOR_TOKEN}")
            unplaced = pg.locator('fieldset[data-key="unplaced"]')
            assert "未归入的原文" in unplaced.inner_text()
            rows = unplaced.locator(":scope > ol.rows > li.row")
            assert rows.count() == 2
            assert "（原文另有一栏）" in rows.nth(1).locator("textarea, input").first.input_value()
            # the note is the applicant's to read: staff put it into the tips, then delete both lines
            tips = pg.locator('fieldset[data-key="tips"]')
            tips.locator(":scope > button.add").click()
            tips.locator(":scope > ol.rows > li.row").last.locator("textarea, input").first.fill("（原文另有一栏）")
            for _ in range(2):
                unplaced.locator(":scope > ol.rows > li.row").first.locator("button.remove").click()
            pg.click("#save")
            pg.wait_for_function("() => ['已保存', '未保存'].some(s => "
                                 "document.getElementById('save-status').textContent.startsWith(s))")
            assert pg.inner_text("#save-status").startswith("已保存")
        finally:
            pg.close()
    res = run_cli("check", "--source", str(source))
    err = res.stderr.decode()
    assert res.returncode == 0 and "未归入的原文" not in err
    assert "（原文另有一栏）" in (source / "items" / "01.yaml").read_text("utf-8")
