"""Live preview: pages are served, rebuilt after an edit, errors shown in the page, browsers reload."""
import time
import urllib.error
import urllib.request

import pytest


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


def test_pages_are_served_and_follow_edits(preview_server):
    url, preview, source = preview_server
    page = _get(url + "/handout/15")
    assert "失业保险金申领" in page and "/handout/15.pdf" in page and "@font-face" in page
    version = _get(url + "/__version")
    path = source / "items" / "15.yaml"
    path.write_text(path.read_text("utf-8").replace("title: 失业保险金申领", "title: 失业保险金申领（预览测试）"), "utf-8")
    assert _wait_for(lambda: _get(url + "/__version") != version)
    assert "失业保险金申领（预览测试）" in _get(url + "/handout/15")
    pdf = urllib.request.urlopen(url + "/handout/15.pdf", timeout=30).read()
    assert pdf.startswith(b"%PDF-")
    # last: the index starts the one-page check of every handout in the background
    index = _get(url + "/")
    assert 'href="/handout/15"' in index and 'href="/guide"' in index and "失业保险金申领（预览测试）" in index


def test_the_pdfs_are_the_ones_the_build_writes(preview_server, built, tmp_path):
    """The preview's PDFs are made by the build's builders (a target filter, in the server's process): the
    handout is the build's, byte for byte; the guide (laid out whole, the build's in parallel parts) reads
    the same page for page, tagged for screen readers like the build's."""
    from pypdf import PdfReader

    from helpers import pdf_pages_text

    url, _, _ = preview_server
    for path, address in (("handouts/15-失业保险金申领.pdf", "/handout/15.pdf"), ("guide.pdf", "/guide.pdf")):
        served = tmp_path / path.replace("/", "-")
        served.write_bytes(urllib.request.urlopen(url + address, timeout=120).read())
        assert pdf_pages_text(served) == pdf_pages_text(built[0] / path), address
        assert "/StructTreeRoot" in PdfReader(served).trailer["/Root"], address
    assert served.read_bytes() != b"" and (tmp_path / "handouts-15-失业保险金申领.pdf").read_bytes() == (
        built[0] / "handouts" / "15-失业保险金申领.pdf").read_bytes()


def test_errors_are_shown_in_the_page_and_the_server_keeps_running(preview_server):
    url, preview, source = preview_server
    path = source / "items" / "15.yaml"
    good = path.read_text("utf-8")
    path.write_text(good.replace("number: 15", "number: fifteen"), "utf-8")
    assert _wait_for(lambda: "构建出错" in _get(url + "/handout/15"))
    page = _get(url + "/handout/15")
    assert "items/15.yaml:2:9: number: expected a whole number, got text" in page
    path.write_text(good, "utf-8")
    assert _wait_for(lambda: "构建出错" not in _get(url + "/handout/15"))
    assert "失业保险金申领" in _get(url + "/handout/15")


def test_the_web_edition_is_served_and_follows_edits(preview_server):
    url, preview, source = preview_server
    index = _get(url + "/site/")
    assert "搜索事项、材料、窗口或电话" in index and 'href="items/15.html"' in index
    page = _get(url + "/site/items/15.html")
    assert "失业保险金申领" in page and "/__reload.js" in page  # reloads itself
    assert "text/css" in urllib.request.urlopen(url + "/site/assets/site.css").headers["Content-Type"]
    path = source / "items" / "15.yaml"
    path.write_text(path.read_text("utf-8").replace("title: 失业保险金申领", "title: 失业保险金申领（新）"), "utf-8")
    assert _wait_for(lambda: "失业保险金申领（新）" in _get(url + "/site/items/15.html"))
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url + "/site/items/99.html")
    assert err.value.code == 404


def test_a_pdf_link_says_what_it_is_making(preview_server):
    url, _, _ = preview_server
    page = _get(url + "/wait/guide.pdf")
    assert "正在生成 PDF" in page and 'content="0;url=/guide.pdf"' in page
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url + "/wait/etc/passwd")
    assert err.value.code == 404


def test_the_preview_refuses_foreign_hosts_and_malformed_paths(preview_server):
    url, _, _ = preview_server
    for path, headers in (("/", {"Host": "evil.example:80"}), ("/handout/%00", {}), ("/" + "a" * 4000, {})):
        req = urllib.request.Request(url + path, headers=headers)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=30)
        assert err.value.code == 400 and b"Traceback" not in err.value.read()
    assert "预览" in _get(url + "/")


def test_images_of_a_layout_folder_are_served_where_the_pdf_finds_them(source_copy, tmp_path):
    """A template's `<img src="logo.svg">` is read from the first layout folder by the PDF; the preview's
    pages (/handout/15, /guide) ask for /handout/logo.svg and /logo.svg and get the same file."""
    from guidebook.pipeline import Options
    from guidebook.serve.preview import Preview

    layout = tmp_path / "layout"
    (layout / "img").mkdir(parents=True)
    logo = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    (layout / "logo.svg").write_bytes(logo)
    (layout / "img" / "seal.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "secret.png").write_bytes(b"\x89PNG secret")
    preview = Preview(Options(source=source_copy, layouts=[layout]))
    assert preview.render("/handout/logo.svg") == (200, "image/svg+xml", logo)
    assert preview.render("/logo.svg") == (200, "image/svg+xml", logo)
    assert preview.render("/handout/img/seal.png")[:2] == (200, "image/png")
    for path in ("/handout/../secret.png", "/handout/%2E%2E/secret.png", "/handout/nothing.svg", "/fonts.toml"):
        assert preview.render(path)[0] == 404, path


def test_the_index_marks_every_handout_that_fails_the_one_page_check(tmp_path):
    """After each change the preview lays out every handout in the background; the index says how far
    the check is (and refreshes itself meanwhile), then marks each item that fails it, with the reason.
    (A catalogue of the seed's first 12 items, one a category: the check's work is per handout.)"""
    from guidebook.pipeline import Options
    from guidebook.serve.preview import Preview
    from helpers.synthetic import make_catalogue

    source_copy = make_catalogue(tmp_path / "source", 12)
    layout = tmp_path / "layout"
    layout.mkdir()
    (layout / "custom.css").write_text(".handout .part-tips { background: #fde; }", "utf-8")
    preview = Preview(Options(source=source_copy, layouts=[layout]))
    try:
        assert "一页检查进行中" in preview.render("/")[2].decode()  # the first look starts the check
        assert _wait_for(lambda: len(preview.fits) == 12, 180)
        index = preview.render("/")[2].decode()
        assert 'http-equiv="refresh"' not in index
        failing = sorted(n for n, why in preview.fits.items() if why)
        assert 3 in failing and 9 not in failing and len(failing) == index.count("未通过一页检查")
        assert f"一页检查：12 项已检查，{len(failing)} 项未通过" in index
        assert "div.part.part-tips「温馨提示  为保障您便捷」 盖住了 img.flowchart" in index and "请修改版式" in index
        page = preview.render("/handout/3")[2].decode()  # the page to mend, with what is wrong on it
        assert 'id="gb-problem">未通过一页检查：div.part.part-tips' in page and "企业养老保险缴费申报（第三号）" in page
        (layout / "custom.css").write_text("", "utf-8")  # the designer takes the background away
        assert preview.check()
        assert "一页检查进行中" in preview.render("/")[2].decode() or len(preview.fits) == 12
        assert _wait_for(lambda: len(preview.fits) == 12, 180)
        assert "一页检查：12 项已检查，全部通过" in preview.render("/")[2].decode()
    finally:
        preview.stop()
