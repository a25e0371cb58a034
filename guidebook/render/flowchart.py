"""Render stage: drawing operation flowcharts (guidebook.document.flow graphs) as SVG.

Symbols follow GB/T 1526: rounded terminals, rectangles for steps, diamonds for decisions with
labelled exits, flow from top to bottom. Text is wrapped by measured width, so it never leaves a box.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from html import escape

from guidebook.catalogue.labels import FLOW
from guidebook.document.flow import Flow, Node



def char_width(ch: str) -> float:
    """Advance of one character in em: CJK and full-width forms are square, Latin about half."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch == " ":
        return 0.3
    return 0.56


def text_width(text: str, size: float) -> float:
    return sum(char_width(c) for c in text) * size


CLOSING = "，。、；：）」』”’！？,.;:)"


def wrap(text: str, width: float, size: float) -> list[str]:
    """Wrap by measured width into as few lines as the greedy fill needs, then even them out (自行打印退休证
    in three lines is 自行/打印/退休证, not 自行打/印退休/证); never a line wider than `width` (unless one
    character), never a line that starts with closing punctuation."""
    lines = _greedy(text, width, size)
    if len(lines) < 2:
        return lines
    return _balanced(text, len(lines), width, size) or lines


def _balanced(text: str, n: int, width: float, size: float) -> list[str] | None:
    """`text` in `n` lines of about equal width, the longer lines last; None when that does not fit."""
    out, rest = [], text
    for k in range(n, 1, -1):
        share = text_width(rest, size) / k
        cut, w = 0, 0.0
        while cut < len(rest) and w + char_width(rest[cut]) * size <= share + 0.01:
            w += char_width(rest[cut]) * size
            cut += 1
        cut = max(cut, 1)
        while cut < len(rest) and rest[cut] in CLOSING:  # closing punctuation stays with its line
            cut += 1
        out.append(rest[:cut])
        rest = rest[cut:]
    out.append(rest)
    if not all(out) or any(text_width(x, size) > width + 0.01 and len(x) > 1 for x in out):
        return None
    return out


def _greedy(text: str, width: float, size: float) -> list[str]:
    """Greedy wrap by measured width; never returns a line wider than `width` (unless 1 char)."""
    lines: list[str] = []
    line = ""
    w = 0.0
    for ch in text:
        cw = char_width(ch) * size
        if line and w + cw > width:
            # do not start a line with closing punctuation
            if ch in CLOSING and len(line) > 1:
                lines.append(line[:-1])
                line = line[-1]
                w = text_width(line, size)
            else:
                lines.append(line)
                line, w = "", 0.0
        line += ch
        w += cw
    if line:
        lines.append(line)
    return lines or [""]


# No text of a drawing is smaller than this (pt at the drawing's own width, which is about the width it
# is printed at): the handouts' readers are often elderly, and 8 pt is the least they can read.
MIN_TEXT = 8.2


@dataclass
class Style:
    width: float = 440.0  # drawing width in pt
    font_size: float = 10.5
    line_gap: float = 1.35
    pad: float = 7.0
    gap: float = 16.0  # vertical space for an arrow between two nodes
    main: float = 0.56  # main column width as a share of the drawing width
    stroke: str = "#1f3b63"
    fill: str = "#ffffff"
    accent: str = "#e8eef7"
    text: str = "#111111"
    font_family: str = "sans-serif"
    stack_options: bool = False  # draw a fork's options one under another (narrow drawings)
    short: bool = False  # use the steps' short labels where they have one

    @property
    def label_size(self) -> float:
        """The size of the labels beside arrows (是/否): smaller than the boxes', never below MIN_TEXT."""
        return max(self.font_size * 0.85, MIN_TEXT)


COMPACT = Style(width=172.0, font_size=8.6, pad=4.0, gap=10.0, main=0.9, stack_options=True, short=True)
COMPACT_SMALL = Style(width=172.0, font_size=MIN_TEXT, pad=2.2, gap=6.0, main=0.9, line_gap=1.2, stack_options=True,
                      short=True)


class _Svg:
    def __init__(self, st: Style):
        self.st = st
        self.parts: list[str] = []

    def text_block(self, lines: list[str], cx: float, top: float, bold_lines: int = 0,
                   bold_prefix: int = 0) -> None:
        """Centred lines; the first `bold_lines` lines, or the first `bold_prefix` characters, in bold."""
        st = self.st
        lh = st.font_size * st.line_gap
        left = bold_prefix
        for i, ln in enumerate(lines):
            y = top + lh * i + st.font_size * 0.95
            weight = ' font-weight="bold"' if i < bold_lines else ""
            if left > 0:
                head, tail = ln[:left], ln[left:]
                left -= len(head)
                body = f'<tspan font-weight="bold">{escape(head)}</tspan>{escape(tail)}'
            else:
                body = escape(ln)
            self.parts.append(f'<text x="{cx:.1f}" y="{y:.1f}" text-anchor="middle"{weight}>{body}</text>')

    def arrow(self, x1: float, y1: float, x2: float, y2: float, label: str = "") -> None:
        st = self.st
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{st.stroke}" '
            f'stroke-width="1" marker-end="url(#@ARROW@)"/>'
        )
        if label:
            fs = st.label_size
            if x1 == x2:
                lx, ly, anchor = x1 + 4, (y1 + y2) / 2 + fs * 0.35, "start"
            else:
                lx, ly, anchor = (x1 + x2) / 2, y1 - 3, "middle"
            self.parts.append(
                f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="{fs:.1f}" text-anchor="{anchor}">{escape(label)}</text>'
            )


def render_svg(flow: Flow, style: Style | None = None, title: str = "") -> str:
    """Draw the flow as a standalone SVG string (width in pt, height as needed)."""
    st = style or Style()
    svg = _Svg(st)
    fs, lh, pad = st.font_size, st.font_size * st.line_gap, st.pad
    has_side = any(n.kind == "decision" for n in flow.nodes)
    main_w = st.width * (st.main if not has_side else min(st.main, 0.55))
    cx = st.width / 2 if not has_side else main_w / 2 + 2
    y = 2.0
    prev_bottom: float | None = None
    for node in flow.nodes:
        if st.short and node.short:
            node = Node(node.kind, node.short, node.yes, node.no, node.no_end, node.options)
        if prev_bottom is not None:
            svg.arrow(cx, prev_bottom, cx, y - 1)
        if node.kind in ("terminal", "process"):
            lines = wrap(node.text, main_w - 2 * pad - (lh if node.kind == "terminal" else 0), fs)
            h = len(lines) * lh + 2 * pad
            rx = min(h / 2, 14) if node.kind == "terminal" else 2
            fill = st.accent if node.kind == "terminal" else st.fill
            svg.parts.append(
                f'<rect x="{cx - main_w / 2:.1f}" y="{y:.1f}" width="{main_w:.1f}" height="{h:.1f}" rx="{rx:.1f}" '
                f'fill="{fill}" stroke="{st.stroke}" stroke-width="1.2"/>'
            )
            svg.text_block(lines, cx, y + pad)
            prev_bottom = y + h
            y += h + st.gap
        elif node.kind == "decision":
            prev_bottom, y = _decision(svg, node, cx, main_w, y)
        else:  # fork: a decision with one labelled exit per option, merging again below
            prev_bottom = _fork(svg, node, cx, main_w, y)
            y = prev_bottom + st.gap
    return _document(svg, st, y - st.gap + 2, title)


def _decision(svg: _Svg, node: Node, cx: float, main_w: float, y: float) -> tuple[float, float]:
    """A yes/no diamond at `y` whose "no" exit runs right into a terminal; (its bottom, the next top)."""
    st = svg.st
    fs, lh, pad = st.font_size, st.font_size * st.line_gap, st.pad
    inner = main_w * 0.56
    lines = wrap(node.text, inner, fs)
    h = max(len(lines) * lh * 1.7 + 2 * pad, 3 * lh)
    top, mid, bot = y, y + h / 2, y + h
    left, right = cx - main_w / 2, cx + main_w / 2
    svg.parts.append(
        f'<polygon points="{cx:.1f},{top:.1f} {right:.1f},{mid:.1f} {cx:.1f},{bot:.1f} {left:.1f},{mid:.1f}" '
        f'fill="{st.fill}" stroke="{st.stroke}" stroke-width="1.2"/>'
    )
    svg.text_block(lines, cx, mid - len(lines) * lh / 2)
    # the "no" exit: to the right, into a terminal, far enough for its label to sit between the two; where
    # that would leave the terminal too narrow for four characters a line (a handout's column), the label
    # stands above the terminal instead
    need = text_width(node.no, st.label_size) + 10
    between = st.width - (right + need) - 2 - 2 * pad >= text_width(node.no_end[:4], fs)
    side_x = right + (max(18.0, need) if between else 18.0)
    side_w = st.width - side_x - 2
    slines = wrap(node.no_end, side_w - 2 * pad, fs)
    sh = len(slines) * lh + 2 * pad
    svg.arrow(right, mid, side_x - 1, mid, node.no if between else "")
    if not between:
        svg.parts.append(f'<text x="{side_x:.1f}" y="{mid - sh / 2 - 2:.1f}" font-size="{st.label_size:.1f}">'
                         f'{escape(node.no)}</text>')
    svg.parts.append(
        f'<rect x="{side_x:.1f}" y="{mid - sh / 2:.1f}" width="{side_w:.1f}" height="{sh:.1f}" '
        f'rx="{min(sh / 2, 14):.1f}" fill="{st.accent}" stroke="{st.stroke}" stroke-width="1.2"/>'
    )
    svg.text_block(slines, side_x + side_w / 2, mid - sh / 2 + pad)
    svg.parts.append(
        f'<text x="{cx + 4:.1f}" y="{bot + fs:.1f}" font-size="{st.label_size:.1f}">{escape(node.yes)}</text>'
    )
    return bot, bot + st.gap + fs  # room for the "yes" label


def _fork(svg: _Svg, node: Node, cx: float, main_w: float, y: float) -> float:
    """A diamond with one labelled exit per option, merging again below; returns where they merge."""
    st = svg.st
    fs, lh, pad = st.font_size, st.font_size * st.line_gap, st.pad
    inner = main_w * 0.56
    lines = wrap(node.text, inner, fs)
    h = max(len(lines) * lh * 2.0 + 2 * pad, 3.2 * lh)
    left, right, mid = cx - main_w / 2, cx + main_w / 2, y + h / 2
    svg.parts.append(
        f'<polygon points="{cx:.1f},{y:.1f} {right:.1f},{mid:.1f} {cx:.1f},{y + h:.1f} {left:.1f},{mid:.1f}" '
        f'fill="{st.fill}" stroke="{st.stroke}" stroke-width="1.2"/>'
    )
    svg.text_block(lines, cx, mid - len(lines) * lh / 2)
    if st.stack_options:
        return _stacked_options(svg, node, left, mid, y + h, cx)
    return _side_by_side_options(svg, node, y + h, cx)


def _row_cell(node: Node, cw: float, st: Style) -> tuple:
    """A node in a row cell `cw` wide: (node, its lines, its height, the height below it for a decision's
    "no" exit, cw)."""
    fs, lh, pad = st.font_size, st.font_size * st.line_gap, st.pad
    text = node.text
    if node.kind == "fork":
        text = node.text + "：" + "；".join(f"{a}（{b}）" for a, b in node.options)
    lines = wrap(text, cw - 2 * pad - (lh if node.kind != "process" else 0), fs)
    h = len(lines) * lh + 2 * pad
    if node.kind == "decision":
        h = max(h * 1.6, 3 * lh)
    extra = 0.0
    if node.kind == "decision":
        nl = wrap(node.no_end, cw - 2 * pad, fs)
        extra = st.gap + fs + len(nl) * lh + 2 * pad
    return node, lines, h, extra, cw


def _row_box(svg: _Svg, node: Node, lines: list[str], x: float, top: float, cw: float, h: float) -> None:
    """One node of a row: a diamond with its "no" exit below it, or a box."""
    st = svg.st
    fs, lh, pad, hgap = st.font_size, st.font_size * st.line_gap, st.pad, st.gap
    cx, mid = x + cw / 2, top + h / 2
    if node.kind == "decision":
        svg.parts.append(
            f'<polygon points="{cx:.1f},{top:.1f} {x + cw:.1f},{mid:.1f} {cx:.1f},{top + h:.1f} {x:.1f},{mid:.1f}" '
            f'fill="{st.fill}" stroke="{st.stroke}" stroke-width="1"/>')
        svg.text_block(lines, cx, mid - len(lines) * lh / 2)
        nl = wrap(node.no_end, cw - 2 * pad, fs)
        ny = top + h + hgap + fs
        nh = len(nl) * lh + 2 * pad
        svg.arrow(cx, top + h, cx, ny - 1, node.no)
        svg.parts.append(
            f'<rect x="{x:.1f}" y="{ny:.1f}" width="{cw:.1f}" height="{nh:.1f}" rx="{min(nh / 2, 10):.1f}" '
            f'fill="{st.accent}" stroke="{st.stroke}" stroke-width="1"/>')
        svg.text_block(nl, cx, ny + pad)
    else:
        rx = min(h / 2, 10) if node.kind == "terminal" else 1.5
        fill = st.accent if node.kind == "terminal" else st.fill
        svg.parts.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{cw:.1f}" height="{h:.1f}" rx="{rx:.1f}" '
            f'fill="{fill}" stroke="{st.stroke}" stroke-width="1"/>')
        svg.text_block(lines, cx, top + pad)


def _document(svg: _Svg, st: Style, height: float, title: str) -> str:
    """The drawing as a standalone SVG (width in pt), with an arrow marker unique to this drawing."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flowchart" width="{st.width:.0f}pt" '
        f'height="{height:.0f}pt" viewBox="0 0 {st.width:.1f} {height:.1f}" role="img" '
        f'aria-label="{escape(title or FLOW)}" font-family="{escape(st.font_family)}" '
        f'font-size="{st.font_size}" fill="{st.text}">'
        f'<defs><marker id="@ARROW@" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{st.stroke}"/></marker></defs>'
    )
    body = "".join(svg.parts)
    marker = "arrow-" + hashlib.sha1((body + head).encode()).hexdigest()[:10]
    return (head + body + "</svg>").replace("@ARROW@", marker)


def _side_by_side_options(svg: _Svg, node: Node, bottom: float, cx: float) -> float:
    """Options in one row under the diamond, joined by a bus above and below. Returns the merge y."""
    st = svg.st
    fs, lh, pad = st.font_size, st.font_size * st.line_gap, st.pad
    n = len(node.options)
    gap = 6.0
    ow = (st.width - 4 - gap * (n - 1)) / n
    bus = bottom + st.gap * 0.7
    top = bus + st.gap
    wrapped = [wrap(text, ow - 2 * pad, fs) for _, text in node.options]
    labels = [wrap(label, ow - 2 * pad, fs) for label, _ in node.options]
    oh = max(len(w) + len(lb) for w, lb in zip(wrapped, labels)) * lh + 2 * pad
    xs = [2 + i * (ow + gap) + ow / 2 for i in range(n)]
    svg.parts.append(f'<line x1="{cx:.1f}" y1="{bottom:.1f}" x2="{cx:.1f}" y2="{bus:.1f}" stroke="{st.stroke}"/>')
    svg.parts.append(
        f'<line x1="{min(xs):.1f}" y1="{bus:.1f}" x2="{max(xs):.1f}" y2="{bus:.1f}" stroke="{st.stroke}"/>')
    for ox, wl, lb in zip(xs, wrapped, labels):
        svg.arrow(ox, bus, ox, top - 1)
        svg.parts.append(
            f'<rect x="{ox - ow / 2:.1f}" y="{top:.1f}" width="{ow:.1f}" height="{oh:.1f}" rx="2" '
            f'fill="{st.fill}" stroke="{st.stroke}" stroke-width="1.2"/>')
        svg.text_block(lb + wl, ox, top + pad, bold_lines=len(lb))
    merge = top + oh + st.gap * 0.7
    for ox in xs:
        svg.parts.append(
            f'<line x1="{ox:.1f}" y1="{top + oh:.1f}" x2="{ox:.1f}" y2="{merge:.1f}" stroke="{st.stroke}"/>')
    svg.parts.append(
        f'<line x1="{min(xs):.1f}" y1="{merge:.1f}" x2="{max(xs):.1f}" y2="{merge:.1f}" stroke="{st.stroke}"/>')
    return merge


def _stacked_options(svg: _Svg, node: Node, left: float, mid: float, bottom: float, cx: float) -> float:
    """Options one under another: a bus on the left feeds each box, a bus on the right joins them."""
    st = svg.st
    fs, lh, pad = st.font_size, st.font_size * st.line_gap, st.pad
    x_in, x_out = 3.0, st.width - 3.0
    box_l, box_r = 13.0, st.width - 13.0
    ow = box_r - box_l
    y = bottom + st.gap * 0.6
    svg.parts.append(f'<polyline points="{left:.1f},{mid:.1f} {x_in:.1f},{mid:.1f}" fill="none" stroke="{st.stroke}"/>')
    centers = []
    for label, text in node.options:
        lines = wrap(f"{label}：{text}", ow - 2 * pad, fs)
        oh = len(lines) * lh + 2 * pad
        c = y + oh / 2
        centers.append(c)
        svg.arrow(x_in, c, box_l - 1, c)
        svg.parts.append(
            f'<rect x="{box_l:.1f}" y="{y:.1f}" width="{ow:.1f}" height="{oh:.1f}" rx="2" '
            f'fill="{st.fill}" stroke="{st.stroke}" stroke-width="1.2"/>')
        svg.text_block(lines, box_l + ow / 2, y + pad, bold_prefix=len(label) + 1)
        svg.parts.append(f'<line x1="{box_r:.1f}" y1="{c:.1f}" x2="{x_out:.1f}" y2="{c:.1f}" stroke="{st.stroke}"/>')
        y += oh + st.gap * 0.5
    merge = y + st.gap * 0.2
    svg.parts.append(f'<line x1="{x_in:.1f}" y1="{mid:.1f}" x2="{x_in:.1f}" y2="{centers[-1]:.1f}" stroke="{st.stroke}"/>')
    svg.parts.append(
        f'<polyline points="{x_out:.1f},{centers[0]:.1f} {x_out:.1f},{merge:.1f} {cx:.1f},{merge:.1f}" '
        f'fill="none" stroke="{st.stroke}"/>')
    return merge


HORIZONTAL = Style(width=520.0, font_size=MIN_TEXT, pad=2.2, gap=10.0, line_gap=1.2, short=True)


# A label of up to this many characters is one word or two (开始, 个人申请, 单位审核): a cell is never too
# narrow to hold that many on a line, so that such a label is never broken inside.
WHOLE = 4


def _min_width(n: Node, st: Style) -> float:
    """The narrowest a cell may be: WHOLE characters of its label on a line (its whole label when shorter)."""
    fs, pad, lh = st.font_size, st.pad, st.font_size * st.line_gap
    inner = max(text_width(_label(n)[:WHOLE], fs), text_width(n.no_end[:WHOLE], fs) if n.kind == "decision" else 0)
    w = inner + 2 * pad + (lh if n.kind != "process" else 0) + 1
    return 2 * w if n.kind == "decision" else w  # a diamond's text has half its width


def _cell_widths(row: list[Node], avail: float, st: Style) -> list[float]:
    """Widths that let every label fit in about two lines, shrunk together when the row is too narrow, but
    never below a cell's minimum (_min_width)."""
    fs, pad = st.font_size, st.pad
    need, least = [], [_min_width(n, st) for n in row]
    for n, low in zip(row, least):
        w = text_width(_label(n), fs) / 2 + 2 * pad + fs
        if n.kind == "terminal":
            w = max(w, text_width(n.text, fs) / 2 + 2 * pad + 2 * fs, 3 * fs + 2 * pad)
        if n.kind == "decision":
            w = max(2 * w, text_width(n.no_end, fs) / 2 + 2 * pad)
        need.append(max(w, 3 * fs, low))
    total = sum(need)
    if total <= avail:  # spread the spare width evenly
        spare = (avail - total) / len(need)
        return [w + spare for w in need]
    room, extra = max(avail - sum(least), 0.0), [w - low for w, low in zip(need, least)]
    share = room / sum(extra) if sum(extra) else 0.0
    return [low + e * share for low, e in zip(least, extra)]


def rows_of(nodes: list[Node], st: Style, most: int = 9) -> int:
    """How many nodes a row takes: the most (up to `most`) whose minimum widths fit the drawing's width,
    then spread evenly over the rows that needs (9 nodes, 6 fitting: rows of 5 and 4)."""
    per = max(1, min(most, len(nodes)))
    while per > 1 and any(
            sum(_min_width(n, st) for n in nodes[i:i + per]) + sum(_gap_after(n, st) for n in nodes[i:i + per - 1])
            > st.width - 2 for i in range(0, len(nodes), per)):
        per -= 1
    rows = -(-len(nodes) // per)
    return -(-len(nodes) // rows)


def _gap_after(n: Node, st: Style) -> float:
    """The arrow after a cell: longer after a decision, for its label (as render_svg_rows draws it)."""
    return max(st.gap, text_width(n.yes, st.label_size) + 8) if n.kind == "decision" else st.gap


def _label(node: Node) -> str:
    if node.kind == "fork":
        return node.text + "：" + "；".join(f"{a}（{b}）" for a, b in node.options)
    return node.text


def render_svg_rows(flow: Flow, style: Style | None = None, title: str = "", per_row: int | None = None) -> str:
    """Draw the flow left to right in rows (a compact form for handouts); rows join with an elbow. Without
    `per_row`, a row takes as many nodes as fit at their minimum widths (rows_of)."""
    st = style or HORIZONTAL
    svg = _Svg(st)
    fs, lh, pad, hgap = st.font_size, st.font_size * st.line_gap, st.pad, st.gap
    nodes = [Node(n.kind, n.short, n.yes, n.no, n.no_end, n.options) if st.short and n.short else n
             for n in flow.nodes]
    per_row = per_row or rows_of(nodes, st)
    rows = [nodes[i:i + per_row] for i in range(0, len(nodes), per_row)]
    y, prev_exit = 2.0, None  # prev_exit: bottom centre of the last box of the previous row
    for row in rows:
        # cell widths follow the text length (long labels do not make the row tall); arrows after decisions
        gaps = [_gap_after(row[i - 1], st) for i in range(1, len(row))]
        avail = st.width - 2 - sum(gaps)
        widths = _cell_widths(row, avail, st)
        if len(row) < per_row:  # a short last row keeps the widths of a full row
            widths = [min(w, (st.width - 2 - hgap * (per_row - 1)) / per_row * 1.6) for w in widths]
        cells = [_row_cell(node, cw, st) for node, cw in zip(row, widths)]
        row_h = max(c[2] for c in cells)
        row_total = row_h + max(c[3] for c in cells)
        mid = y + row_h / 2
        x = 1.0
        for i, (node, lines, h, extra, cw) in enumerate(cells):
            if i:
                x += cells[i - 1][4] + gaps[i - 1]
            cx = x + cw / 2
            top = mid - h / 2
            if i == 0 and prev_exit is not None:
                px, py = prev_exit
                turn = y - hgap / 2
                svg.parts.append(f'<polyline points="{px:.1f},{py:.1f} {px:.1f},{turn:.1f} {cx:.1f},{turn:.1f}" '
                                 f'fill="none" stroke="{st.stroke}"/>')
                svg.arrow(cx, turn, cx, top - 1)
            if i > 0:
                svg.arrow(x - gaps[i - 1], mid, x - 1, mid, row[i - 1].yes if row[i - 1].kind == "decision" else "")
            _row_box(svg, node, lines, x, top, cw, h)
            prev_exit = (cx, top + h)
        y += row_total + hgap * 1.2
    return _document(svg, st, y - hgap * 1.2 + 2, title)
