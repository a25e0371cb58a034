"""Flowcharts: built only from the item's data, drawn with text that never leaves its box."""

import xml.etree.ElementTree as ET

import pytest

from guidebook.render.flowchart import (
    COMPACT,
    Style,
    render_svg,
    render_svg_rows,
    text_width,
    wrap,
)


def test_wrap_never_exceeds_the_width():
    text = "市社保大厦二楼35号窗口提交材料，办理完成后，自行打印退休证。http://218.60.150.1:8081/ehrss/login/"
    for width in (40, 80, 123.5, 300):
        for line in wrap(text, width, 10):
            assert text_width(line, 10) <= width or len(line) == 1
        assert "".join(wrap(text, width, 10)) == text


def test_standard_flow_uses_only_the_items_own_data(doc):
    it = next(i for i in doc.items if i.item_number == 36)
    nodes = it.flow.nodes
    assert [n.kind for n in nodes] == ["terminal", "process", "fork", "process", "terminal"]
    assert [label for label, _ in nodes[2].options] == ["窗口办", "网上办", "掌上办", "自助办"]
    assert "（15 个工作日）" in nodes[2].options[1][1]
    fixed = {"开始", "办结", "选择办理方式", "受理、办理", "准备材料（1 项）"}
    assert {nodes[0].text, nodes[-1].text, nodes[2].text, nodes[3].text, nodes[1].text} <= fixed


def test_explicit_flows_follow_the_booklet(doc):
    it = next(i for i in doc.items if i.item_number == 8)
    sub = it.procedures[0].flow
    assert sub.explicit
    decision = next(n for n in sub.nodes if n.kind == "decision")
    assert (decision.yes, decision.no, decision.no_end) == ("初步确认通过", "不符合条件", "终止退休申报程序")
    assert sub.nodes[-1].text == "办结：申报材料齐备的，5个工作日内办结。"


def test_no_application_items_have_a_short_flow(doc):
    it = next(i for i in doc.items if i.item_number == 17)
    assert [n.text for n in it.flow.nodes] == ["开始", "无需提供材料", "符合条件自动发放，无需办理", "办结"]


def _shapes_and_texts(svg: str):
    """Bounding boxes of rectangles and diamonds, and every text line with its font size."""
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    shapes = [(float(r.get("x")), float(r.get("y")), float(r.get("width")), float(r.get("height")))
              for r in root.iter(ns + "rect")]
    for poly in root.iter(ns + "polygon"):
        pts = [tuple(map(float, p.split(","))) for p in poly.get("points").split()]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        shapes.append((min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
    base = float(root.get("font-size"))
    texts = [(float(t.get("x")), float(t.get("y")), "".join(t.itertext()), t.get("text-anchor"),
              float(t.get("font-size") or base), t.get("font-size") is not None)
             for t in root.iter(ns + "text")]
    return root, shapes, texts


@pytest.mark.parametrize("drawer", ["vertical", "compact", "rows"])
def test_every_label_fits_inside_its_box(doc, drawer):
    checked = 0
    for it, proc in _flows(doc):
        root, shapes, texts = _shapes_and_texts(_drawn(proc, drawer))
        width = float(root.get("viewBox").split()[2])
        for x, y, label, anchor, size, arrow_label in texts:
            w = text_width(label, size)
            left = x - w / 2 if anchor == "middle" else x
            assert -0.5 <= left and left + w <= width + 0.5, (it.item_number, label)
            if arrow_label:  # labels of arrows (是/否 exits) stand beside lines, not in boxes
                continue
            inside = [b for b in shapes if b[0] - 0.5 <= left and left + w <= b[0] + b[2] + 0.5
                      and b[1] <= y - size * 0.8 and y <= b[1] + b[3] + 0.5]
            assert inside, (drawer, it.item_number, label)
            checked += 1
    assert checked > 300


def _flows(doc):
    """Every (item, procedure) of the seed that has a flowchart."""
    return [(it, proc) for it in doc.items for proc in [it, *it.procedures] if proc.flow is not None]


def _drawn(proc, drawer: str) -> str:
    from guidebook.render.flowchart import HORIZONTAL

    if drawer == "rows":  # as the handouts draw several sub-procedures: rows planned by their minimum widths
        return render_svg_rows(proc.flow, Style(**{**HORIZONTAL.__dict__, "width": 500.0}))
    return render_svg(proc.flow, COMPACT if drawer == "compact" else Style())


@pytest.mark.parametrize("drawer", ["vertical", "compact", "rows"])
def test_short_labels_stay_whole_and_no_line_is_one_character(doc, drawer):
    """A label of up to four characters (开始, 个人申请, 单位审核) is never broken, and no label leaves one
    character alone on a line (开/始, 自行打/印退休/证: item 8's row chart before)."""
    from guidebook.render.flowchart import WHOLE

    lines_of: dict[str, list[str]] = {}
    for it, proc in _flows(doc):
        root, _, texts = _shapes_and_texts(_drawn(proc, drawer))
        for node in proc.flow.nodes:
            for label in {node.short or node.text if drawer != "vertical" else node.text}:  # as drawn
                if 1 < len(label) <= WHOLE and not any(t[2] == label for t in texts):
                    shown = [t[2] for t in texts if t[2] and t[2] in label]
                    lines_of[f"{it.item_number}:{label}"] = shown
        whole = {x for n in proc.flow.nodes for x in (n.text, n.short, n.no_end, n.yes, n.no,
                                                      *[v for o in n.options for v in o]) if x}
        alone = [t[2] for t in texts if len(t[2]) == 1 and "\u4e00" <= t[2] <= "\u9fff" and t[2] not in whole]
        assert not alone, (drawer, it.item_number, alone)
    assert not lines_of, lines_of


def _segments(root) -> list[tuple[float, float, float, float]]:
    ns = "{http://www.w3.org/2000/svg}"
    out = [tuple(float(line.get(k)) for k in ("x1", "y1", "x2", "y2")) for line in root.iter(ns + "line")]
    for poly in root.iter(ns + "polyline"):
        pts = [tuple(map(float, p.split(","))) for p in poly.get("points").split()]
        out += [(*a, *b) for a, b in zip(pts, pts[1:])]
    return out


@pytest.mark.parametrize("drawer", ["vertical", "compact", "rows"])
def test_no_label_touches_an_arrow(doc, drawer):
    """Every text line's box (its measured width, from the top of its letters to below its baseline) is
    clear of every arrow and connector: 初步确认通过 stands above its arrow, not on it."""
    checked = 0
    for it, proc in _flows(doc):
        root, _, texts = _shapes_and_texts(_drawn(proc, drawer))
        segments = _segments(root)
        for x, y, label, anchor, size, _ in texts:
            w = text_width(label, size)
            left = x - w / 2 if anchor == "middle" else x
            top, bottom = y - size * 0.88, y + size * 0.12
            for x1, y1, x2, y2 in segments:
                lo_x, hi_x, lo_y, hi_y = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
                assert not (lo_x < left + w and hi_x > left and lo_y < bottom and hi_y > top), \
                    (drawer, it.item_number, label, (x1, y1, x2, y2))
            checked += 1
    assert checked > 300


@pytest.mark.parametrize("drawer", ["vertical", "compact", "rows"])
def test_an_exits_label_stands_clear_of_every_box(doc, drawer):
    """The label of a decision's exit (不符合条件, 初步确认通过) is drawn beside its arrow and overlaps no box
    or diamond: item 8's 不符合条件 ran under its 终止退休申报程序 box in the guide before."""
    checked = 0
    for it, proc in _flows(doc):
        _, shapes, texts = _shapes_and_texts(_drawn(proc, drawer))
        for x, y, label, anchor, size, arrow_label in texts:
            if not arrow_label:
                continue
            w = text_width(label, size)
            left = x - w / 2 if anchor == "middle" else x
            top, bottom = y - size * 0.88, y + size * 0.12
            for bx, by, bw, bh in shapes:
                assert not (bx < left + w and bx + bw > left and by < bottom and by + bh > top), \
                    (drawer, it.item_number, label, (bx, by, bw, bh))
            checked += 1
    assert checked >= 2
