"""The QR drawing covers exactly the code's dark modules (decoding the printed codes: test_handouts)."""

import re

import pytest

from guidebook.render import qr


@pytest.mark.parametrize("url", ["https://ggfw.lnrc.com.cn/ehrss/login/", "https://rsj.fushun.gov.cn/guide/items/15.html",
                                 "https://example.org/" + "x" * 200])
def test_the_svg_draws_every_dark_module_and_no_other(url):
    modules = qr.matrix(url)
    size = len(modules)
    svg = qr.svg(url)
    assert f'viewBox="0 0 {size} {size}"' in svg
    (d,) = re.findall(r'<path fill="none" stroke="#000" stroke-width="1" d="([^"]*)"', svg)
    drawn = [[False] * size for _ in range(size)]
    runs = re.findall(r"M(\d+) (\d+)\.5h(\d+)", d)
    assert "".join(f"M{x} {y}.5h{w}" for x, y, w in runs) == d  # nothing else in the path
    for x, y, w in runs:
        x, y, w = int(x), int(y), int(w)
        assert w > 0 and x + w <= size and not any(drawn[y][x:x + w])
        drawn[y][x:x + w] = [True] * w
    assert [tuple(row) for row in drawn] == [tuple(row) for row in modules]
