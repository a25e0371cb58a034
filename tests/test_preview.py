"""Live preview: pages are served, rebuilt after an edit, errors shown in the page, browsers reload."""

import shutil
import threading
import time
import urllib.error
import urllib.request

import pytest

from guidebook.pipeline import Options
from guidebook.serve.preview import Preview, make_server


@pytest.fixture
def server(source_copy):
    preview = Preview(Options(source=source_copy))
    srv = make_server(preview, "127.0.0.1", 0)
    threads = [threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True),
               threading.Thread(target=preview.watch, daemon=True)]
    for t in threads:
        t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", preview, source_copy
    preview.stop()
    srv.shutdown()
    srv.server_close()


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode("utf-8")


def _wait_for(predicate, seconds=15.0):
    end = time.time() + seconds
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_pages_are_served_and_follow_edits(server):
    url, preview, source = server
    index = _get(url + "/")
    assert 'href="/handout/15"' in index and 'href="/guide"' in index
    page = _get(url + "/handout/15")
    assert "失业保险金申领" in page and "/handout/15.pdf" in page and "@font-face" in page
    version = _get(url + "/__version")
    path = source / "items" / "15.yaml"
    path.write_text(path.read_text("utf-8").replace("title: 失业保险金申领", "title: 失业保险金申领（预览测试）"), "utf-8")
    assert _wait_for(lambda: _get(url + "/__version") != version)
    assert "失业保险金申领（预览测试）" in _get(url + "/handout/15")
    pdf = urllib.request.urlopen(url + "/handout/15.pdf", timeout=30).read()
    assert pdf.startswith(b"%PDF-")


def test_errors_are_shown_in_the_page_and_the_server_keeps_running(server):
    url, preview, source = server
    path = source / "items" / "15.yaml"
    good = path.read_text("utf-8")
    path.write_text(good.replace("number: 15", "number: fifteen"), "utf-8")
    assert _wait_for(lambda: "构建出错" in _get(url + "/handout/15"))
    page = _get(url + "/handout/15")
    assert "items/15.yaml:2:9: number: expected a whole number, got text" in page
    path.write_text(good, "utf-8")
    assert _wait_for(lambda: "构建出错" not in _get(url + "/handout/15"))
    assert "失业保险金申领" in _get(url + "/handout/15")


def test_a_browser_reloads_the_page_after_an_edit(server):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("Chromium is not installed: `make test` installs Debian's chromium package")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency (pip install -e .[test])")
    url, preview, source = server
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync", "--disable-quic"])
        try:
            page = browser.new_page()
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
            browser.close()


def test_the_web_edition_is_served_and_follows_edits(server):
    url, preview, source = server
    index = _get(url + "/site/")
    assert "搜索事项、材料、窗口或电话" in index and 'href="items/15.html"' in index
    page = _get(url + "/site/items/15.html")
    assert "失业保险金申领" in page and "__version" in page  # reloads itself
    assert "text/css" in urllib.request.urlopen(url + "/site/assets/site.css").headers["Content-Type"]
    path = source / "items" / "15.yaml"
    path.write_text(path.read_text("utf-8").replace("title: 失业保险金申领", "title: 失业保险金申领（新）"), "utf-8")
    assert _wait_for(lambda: "失业保险金申领（新）" in _get(url + "/site/items/15.html"))
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url + "/site/items/99.html")
    assert err.value.code == 404


def test_a_pdf_link_says_what_it_is_making(server):
    url, _, _ = server
    page = _get(url + "/wait/guide.pdf")
    assert "正在生成 PDF" in page and 'content="0;url=/guide.pdf"' in page
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url + "/wait/etc/passwd")
    assert err.value.code == 404


def test_the_preview_refuses_foreign_hosts_and_malformed_paths(server):
    url, _, _ = server
    for path, headers in (("/", {"Host": "evil.example:80"}), ("/handout/%00", {}), ("/" + "a" * 4000, {})):
        req = urllib.request.Request(url + path, headers=headers)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=30)
        assert err.value.code == 400 and b"Traceback" not in err.value.read()
    assert "预览" in _get(url + "/")
