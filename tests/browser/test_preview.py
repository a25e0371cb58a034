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
