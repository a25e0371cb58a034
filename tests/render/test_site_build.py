"""The web edition (output/site/): every fact of the catalogue, and a page a citizen can read on a phone.

Browser tests open the site from file:// in Debian's Chromium (Playwright) at 375x812 and 1280x800:
no horizontal scrolling, no axe-core violation, search, tel: links, and no request outside the site.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

from helpers import SOURCE, normalize, run_cli


def _text(path: Path) -> str:
    """A page's visible text (tags removed, entities decoded)."""
    raw = path.read_text("utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", "", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def _all_text(site: Path) -> str:
    return re.sub(r"\s+", "", "".join(_text(p) for p in sorted(site.rglob("*.html"))))


def test_every_phone_url_time_limit_and_material_reaches_the_site(site):
    res = run_cli("export", "--format", "json", "--source", str(SOURCE))
    data = json.loads(res.stdout)
    text = _all_text(site)
    facts: list[str] = []

    def procedure(p):
        facts.extend(filter(None, [p.get("time_limit")]))
        m = p.get("materials") or {}
        for mat in m.get("items", []) + [x for g in m.get("groups", []) for x in g.get("items", [])]:
            facts.append(mat["name"])
        for ch in p.get("channels", []):
            facts.extend(link["url"] for link in ch.get("links", []))
            facts.extend(filter(None, [ch.get("time_limit")]))
        facts.extend(p.get("tips", []))

    for it in data["items"]:
        procedure(it)
        for sub in it.get("procedures", []):
            procedure(sub)
    for w in data["windows"]["windows"]:
        facts += [w["name"], w["address"], str(w["phone"])]
    missing = [f for f in facts if re.sub(r"\s+", "", f) not in text]
    assert len(facts) > 300 and not missing, missing[:5]


def test_phones_are_tel_links_with_the_catalogues_digits(site):
    windows = (site / "windows.html").read_text("utf-8")
    tels = re.findall(r'<a href="tel:(\d+)"[^>]*>([^<]+)</a>', windows)
    assert len(tels) >= 26
    assert all(d == re.sub(r"\D", "", shown) for d, shown in tels)
    assert ("18841345104", "18841345104") in tels
    assert 'href="tel:02452443219"' in (site / "items" / "07.html").read_text("utf-8")


def test_pages_are_small_and_self_contained(site):
    for page in sorted(site.rglob("*.html")):
        raw = page.read_text("utf-8")
        refs = re.findall(r'(?:href|src)="([^"]+)"', raw)
        external = [r for r in refs if re.match(r"[a-z]+:", r) and not r.startswith(("http", "tel:"))]
        assert not external, (page, external)
        for r in re.findall(r'(?:src)="([^"]+)"', raw) + re.findall(r'<link[^>]+href="([^"]+)"', raw):
            assert not r.startswith(("http:", "https:", "//")), (page, r)  # nothing loaded from outside
            assert (page.parent / r).resolve().is_file(), (page, r)
    assets = site / "assets"
    for page in sorted((site / "items").glob("*.html")):
        weight = page.stat().st_size + (assets / "site.css").stat().st_size + (assets / "site.js").stat().st_size
        assert weight <= 40 * 1024, (page.name, weight)
    assert (assets / "search-index.js").stat().st_size <= 150 * 1024


def test_download_links_reach_the_handouts(site, built):
    page = (site / "items" / "15.html").read_text("utf-8")
    links = re.findall(r'href="(\.\./downloads/[^"]+)"', page)
    assert [Path(x).suffix for x in links] == [".pdf", ".docx"]
    for link in links:
        copy = (site / "items" / link).resolve()
        assert copy.read_bytes() == (built[0] / "handouts" / copy.name).read_bytes()


def test_site_builds_alone_and_is_left_out_with_no_site(tmp_path):
    out = tmp_path / "out"
    res = run_cli("build", "--no-guide", "--no-handouts", "--no-word", "--output", str(out))
    assert res.returncode == 0, res.stderr.decode()
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "site"]
    assert "downloads" not in (out / "site" / "items" / "15.html").read_text("utf-8")
    again = run_cli("build", "--no-guide", "--no-handouts", "--no-word", "--output", str(out))
    assert "everything is up to date" in again.stderr.decode()
    res = run_cli("build", "--no-guide", "--no-word", "--no-site", "--item", "15", "--output", str(tmp_path / "o2"))
    assert res.returncode == 0 and not (tmp_path / "o2" / "site").exists()


def test_base_url_puts_qr_codes_to_the_web_edition_on_paper(tmp_path):
    """With site.base_url, each handout carries one more QR code (to its item's page) and still fits on
    one page; the guide's back cover carries one to the index. Without it no QR points nowhere."""
    from pypdf import PdfReader

    from helpers import decode_qr_codes
    from helpers.synthetic import make_catalogue

    # 16 of the seed's items (one or two a category): three of their handouts and the guide's back cover
    small = make_catalogue(tmp_path / "small", 16)
    guide = small / "guide.yaml"
    guide.write_text(guide.read_text("utf-8").replace(
        "categories:\n", "site:\n  base_url: https://rsj.fushun.gov.cn/guide/\ncategories:\n", 1), "utf-8")
    out = tmp_path / "out"
    res = run_cli("build", "--source", str(small), "--output", str(out), "--no-word", "--no-site",
                  "--item", "8", "--item", "15", "--item", "16")
    assert res.returncode == 0, res.stderr.decode()
    res = run_cli("build", "--source", str(small), "--output", str(out), "--no-word", "--no-site", "--no-handouts")
    assert res.returncode == 0, res.stderr.decode()
    for n in (8, 15, 16):
        (pdf,) = (out / "handouts").glob(f"{n:02d}-*.pdf")
        assert len(PdfReader(pdf).pages) == 1
        assert f"https://rsj.fushun.gov.cn/guide/items/{n:02d}.html" in decode_qr_codes(pdf)
        assert "扫码查看本事项在线版" in normalize(PdfReader(pdf).pages[0].extract_text())
    guide = out / "guide.pdf"
    assert decode_qr_codes(guide, page=len(PdfReader(guide).pages) - 1) == {"https://rsj.fushun.gov.cn/guide/index.html"}


def test_without_base_url_no_qr_points_to_the_web_edition(built):
    from helpers import decode_qr_codes

    (pdf,) = (built[0] / "handouts").glob("16-*.pdf")
    assert decode_qr_codes(pdf) == set()  # item 16 has no online channel
    assert "在线版" not in (built[0] / "handouts" / "all-handouts.pdf").read_bytes().decode("latin-1")


def test_every_page_of_the_site_is_valid_html_by_the_nu_checker(styled_build):
    """The W3C Nu HTML checker (the validator.w3.org engine) on every page and stylesheet of the web
    edition, in both house styles: no error."""
    from helpers import nu_errors

    files = sorted(p for p in (styled_build / "site").rglob("*") if p.suffix in (".html", ".css"))
    assert len([p for p in files if p.suffix == ".html"]) >= 58  # index, 54 items, windows, the lists, about
    assert nu_errors(files) == []


def test_the_nu_checker_finds_what_it_should(tmp_path):
    """The check above can fail: two elements with one id, a list item outside a list."""
    from helpers import nu_errors

    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html lang="zh-CN"><head><title>x</title></head><body>'
                    '<p id="a">申请</p><p id="a">受理</p><div><li>审核</li></div></body></html>', "utf-8")
    errors = nu_errors([page])
    assert len(errors) == 2 and "Duplicate ID" in errors[0] and "li" in errors[1], errors
