"""The web edition (output/site/): every fact of the catalogue, and a page a citizen can read on a phone.

Browser tests open the site from file:// in Debian's Chromium (Playwright) at 375x812 and 1280x800:
no horizontal scrolling, no axe-core violation, search, tel: links, and no request outside the site.
"""
from __future__ import annotations

import re

import pytest

from helpers import run_cli

WIDTHS = ((375, 812), (1280, 800), (360, 740))
# [mode, tap targets under 44x44 px, whether the 大字 button wraps] in normal and in large print (the button
# pressed and pressed again: the choice is remembered for the next page)
TAP_TARGETS = """(() => {
    const toggle = document.querySelector('.large-toggle');
    const measure = mode => [mode,
        Array.from(document.querySelectorAll('a[href], button:not([hidden]), summary, input, select'))
            .filter(e => e.offsetParent !== null)
            .filter(e => { const r = e.getBoundingClientRect(); return r.width < 44 || r.height < 44; })
            .map(e => (e.textContent || e.value || e.tagName).trim().slice(0, 20)),
        !!toggle && !toggle.hidden && toggle.getBoundingClientRect().height > 60];
    const out = [measure("normal")];
    toggle.click();
    out.push(measure("大字"));
    toggle.click();
    return out;
})()"""


@pytest.mark.parametrize("width,height", WIDTHS)
def test_every_page_reflows_passes_axe_and_stays_inside_the_site(chromium, site, width, height):
    """Every page at every width: no sideways scrolling, tap targets, the 大字 button, no request outside.
    axe runs every rule on every page at 375 px (a phone: where citizens read it). At 1280 px the markup is
    the same and only the layout differs, by class (the site's styles set no colour by page, and the only
    colours that change with the width are the phone's table labels, checked at 375 px): every rule on
    each page that shows an element or class no page before it showed (a whole pass at 1280 px took 25 s).
    Tap targets (44 px, stricter than axe's 24 px) are measured on every page at every width."""
    from axe_playwright_python.sync_playwright import Axe

    page = chromium.new_page(viewport={"width": width, "height": height})
    if width != 360:
        page.add_init_script(Axe().axe_script)  # loaded with each page, not sent again for each check
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    root = site.resolve().as_uri()
    problems, seen, checked = [], set(), 0
    for path in sorted(site.rglob("*.html")):
        page.goto(path.resolve().as_uri())
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if scroll > client:
            problems.append(f"{path.relative_to(site)}: scrolls sideways ({scroll} > {client})")
        if width == 360:  # the narrowest phone: reflow only (axe runs at the two widths of the issue)
            continue
        kinds = set(page.evaluate("""Array.from(document.body.querySelectorAll('*')).flatMap(
            e => [e.tagName, ...Array.from(e.classList, c => e.tagName + '.' + c)])"""))
        if width == 375 or not kinds <= seen:
            checked += 1
            problems += _axe_violations(page, path.relative_to(site))
        seen |= kinds
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p, main li') || "
                             "document.body).fontSize)")
        if width == 375 and size < 18:
            problems.append(f"{path.relative_to(site)}: body text {size}px")
        # every link, button and field a finger can reach, in both modes (the 大字 button pressed in the page:
        # one round trip; a real click on it is tested below)
        for mode, small, wrapped in page.evaluate(TAP_TARGETS):
            if small:
                problems.append(f"{path.relative_to(site)} ({mode}): tap targets under 44x44 px: {small[:3]}")
            if wrapped:
                problems.append(f"{path.relative_to(site)} ({mode}): the 大字 button wraps")
    page.close()
    outside = [u for u in requests if not u.startswith(root)]
    assert not outside, outside[:5]
    assert not problems, problems[:10]
    if width != 360:  # the index, an item, the lists and the about page at least
        assert checked >= (len(list(site.rglob("*.html"))) if width == 375 else 5), checked


def _axe_violations(page, name) -> list[str]:
    """axe's violations of WCAG 2.2 AA and best practice on the page (axe loaded by its init script)."""
    run_only = {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}  # 2.2: target-size
    # the passes' details are not sent back: a quarter less time
    results = page.evaluate("options => axe.run(document, options)",
                            {"runOnly": run_only, "resultTypes": ["violations"]})
    return [f"{name}: {v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})"
            for v in results["violations"]]


def test_search_finds_items_by_word_material_window_and_phone(chromium, site):
    page = chromium.new_page(viewport={"width": 375, "height": 812})
    page.goto((site / "index.html").resolve().as_uri())

    def search(q: str) -> list[int]:
        page.fill("#q", q)
        page.wait_for_timeout(50)
        hrefs = page.eval_on_selector_all("#results a", "els => els.map(a => a.getAttribute('href'))")
        return [int(m.group(1)) for h in hrefs if (m := re.match(r"items/(\d+)\.html", h))]

    hits = search("失业")
    assert set(range(14, 22)) | {45} <= set(hits)
    assert set(hits[:8]) == set(range(14, 22))  # matches in titles and the category before the rest
    assert search("社会保障卡")
    assert 15 in search("失业 保险金")
    assert search("024-52443219")
    assert search("52443219") == search("024-52443219")
    assert {52, 53, 54} <= set(search("市就业和人才服务中心"))  # a window's name finds the items that name it
    assert search("没有这样的事项") == []
    assert page.inner_text("#search-status") == "没有找到，请换个词试试"
    # a citizen's words: the four sentences find their items first, with the search words of
    # source/synonyms.yaml (社保卡 -> 社会保障卡, 丢了 -> 挂失, 交社保 -> 参保登记, 员工 -> 职工)
    assert search("我失业了")[0] == 15  # 失业保险金申领
    assert search("社保卡丢了怎么办")[0] == 38  # 社会保障卡挂失与解挂
    assert search("退休要办什么手续")[:2] == [7, 8]  # 职工正常退休申请, 职工提前退休申请
    assert search("单位怎么给员工交社保")[0] == 1  # 职工参保登记
    assert search("失业金")[0] == 15  # 失业保险金申领
    assert search("社保卡丢了")[0] == 38  # 社会保障卡挂失与解挂
    assert {7, 8} <= set(search("退休金"))  # 养老金, 退休
    assert search("养老钱") == search("养老金")
    page.close()


def test_large_text_switch_is_remembered(chromium, site):
    page = chromium.new_page(viewport={"width": 375, "height": 812})
    page.goto((site / "items" / "15.html").resolve().as_uri())
    before = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    page.click(".large-toggle")
    assert page.get_attribute(".large-toggle", "aria-pressed") == "true"
    page.goto((site / "items" / "16.html").resolve().as_uri())
    after = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    assert before >= 18 and after >= 24
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client
    page.close()


def test_pages_read_without_javascript(site, chromium):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto((site / "items" / "15.html").resolve().as_uri())
    text = page.inner_text("main")
    assert "需提供材料" in text and "12333" in text and "文字版流程" in text
    assert not page.is_visible(".large-toggle")  # needs the script: hidden without it
    context.close()


def test_the_house_style_gbt9704_site_reads_well_too(chromium, tmp_path):
    """The site takes the layout chain like every output: the GB/T 9704 style's theme and custom.css."""
    from axe_playwright_python.sync_playwright import Axe

    out = tmp_path / "out"
    res = run_cli("build", "--style", "gbt9704", "--no-guide", "--no-handouts", "--no-word", "--output", str(out))
    assert res.returncode == 0, res.stderr.decode()
    site = out / "site"
    assert "@page" not in (site / "assets" / "site.css").read_text("utf-8").split("/* The web edition")[-1]
    page = chromium.new_page(viewport={"width": 375, "height": 812})
    for name in ("index.html", "items/08.html", "windows.html", "prohibited.html"):
        page.goto((site / name).resolve().as_uri())
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll <= client, name
        violations = Axe().run(page).response["violations"]
        assert not violations, (name, [v["id"] for v in violations])
    page.close()


def test_the_index_has_the_slogans_and_an_item_page_whom_to_call(site, catalogue):
    index = (site / "index.html").read_text("utf-8")
    for slogan in catalogue.guide.slogans:  # the cover's, which every other output prints
        assert f"<p>{slogan}</p>" in index
    page = (site / "items" / "15.html").read_text("utf-8")
    assert "咨询电话" in page and 'href="tel:12333"' in page  # as the handout has it


def test_the_steps_as_text_follow_the_flowchart_outside_its_figure(site):
    for path in sorted((site / "items").glob("*.html")):
        html = path.read_text("utf-8")
        for figure in re.findall(r"<figure.*?</figure>", html, re.S):
            assert "<details" not in figure, path.name  # the Nu checker refuses a <details> in a <figure>
    assert '<details class="flow-text">' in (site / "items" / "15.html").read_text("utf-8")
