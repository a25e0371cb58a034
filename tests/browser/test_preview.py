"""Live preview in a browser: an open page reloads itself after an edit."""

from __future__ import annotations


def test_a_browser_reloads_the_page_after_an_edit(chromium, preview_server):
    url, preview, source = preview_server
    page = chromium.new_page()
    try:
        page.goto(url + "/handout/15", timeout=120000)  # the first render may cut fonts
        assert page.locator("h1").first.inner_text() == "失业保险金申领"
        page.evaluate("window.__beforeEdit = true")
        # edit at once, before the page's first poll: the page must still notice
        path = source / "items" / "15.yaml"
        path.write_text(path.read_text("utf-8").replace("title: 失业保险金申领", "title: 失业保险金申领（已更新）"), "utf-8")
        page.wait_for_function("() => window.__beforeEdit === undefined", timeout=60000)  # it reloaded
        page.wait_for_load_state()
        assert page.locator("h1").first.inner_text() == "失业保险金申领（已更新）"
    finally:
        page.close()


def test_the_index_marks_the_handouts_that_fail_the_one_page_check(chromium, tmp_path):
    """A designer gives 温馨提示 a background that runs under the side column's flowchart: the index the
    designer has open refreshes itself while the check runs, then marks those items in red with the reason.
    (A catalogue of the seed's first 12 items, one a category.)"""
    import threading

    from guidebook.pipeline import Options
    from guidebook.serve.preview import Preview, make_server
    from helpers.synthetic import make_catalogue

    source_copy = make_catalogue(tmp_path / "source", 12)

    layout = tmp_path / "layout"
    layout.mkdir()
    (layout / "custom.css").write_text(".handout .part-tips { background: #fde; }", "utf-8")
    preview = Preview(Options(source=source_copy, layouts=[layout]))
    srv = make_server(preview, "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"http://127.0.0.1:{srv.server_address[1]}/", timeout=120000)
        page.wait_for_function("() => document.querySelector('#gb-fits').textContent.includes('12 项已检查')",
                               timeout=240000)  # reached by the page's own refreshes
        failing = page.locator("li.gb-fail")
        assert failing.count() == sum(1 for why in preview.fits.values() if why) > 0
        three = page.locator("li.gb-fail", has_text="3. 企业养老保险缴费申报（第三号）")
        assert "未通过一页检查" in three.inner_text() and "part-tips" in three.locator(".gb-why").inner_text()
        assert page.locator("li", has_text="9. 参加企业职工基本养老保险人员丧葬补助金和抚恤金申领（第九号）").locator(".gb-ok").count() == 1
        page.screenshot(path=str(tmp_path / "preview-index.png"), full_page=False)
    finally:
        page.close()
        preview.stop()
        srv.shutdown()
        srv.server_close()
