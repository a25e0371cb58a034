"""Document stage: operation flowcharts as graphs built from an item's own data.

The graph belongs to the document (every writer shows the same steps); drawing it belongs to
rendering (guidebook.render.flowchart).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from guidebook.catalogue import labels as L

if TYPE_CHECKING:  # pragma: no cover
    from guidebook.catalogue import schema


class ChannelLike(Protocol):  # guidebook.document.content.Channel, without importing it
    kind: str
    summary: str
    time_limit: str | None

START = L.FLOW_START
END = L.FLOW_END
CHOOSE = L.FLOW_CHOOSE
ACCEPT = L.FLOW_ACCEPT


@dataclass
class Node:
    kind: str  # terminal | process | decision | fork
    text: str
    yes: str = ""
    no: str = ""
    no_end: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # fork: (label, text)
    short: str = ""  # label for compact drawings, where the catalogue gives one


@dataclass
class Flow:
    nodes: list[Node]
    explicit: bool  # steps stated by the booklet, not the standard flow

    def as_lines(self) -> list[str]:
        """The flow as numbered text steps (for Word, where a text flow stays editable)."""
        out = []
        n = 0
        for node in self.nodes:
            if node.kind == "terminal":
                out.append(f"【{node.text}】")
            elif node.kind == "process":
                n += 1
                out.append(f"{n}. {node.text}")
            elif node.kind == "decision":
                n += 1
                out.append(f"{n}. {node.text}？{node.yes}：{L.FLOW_GO_ON}；{node.no}：{node.no_end}")
            else:
                n += 1
                opts = "；".join(f"{label}：{text}" for label, text in node.options)
                out.append(f"{n}. {node.text}（{opts}）")
        return out


def build_flow(proc: "schema.Procedure", channels: "list[ChannelLike]") -> Flow:
    """The booklet's own steps where it states them, otherwise a standard flow from the item's data."""
    end = f"{END}：{proc.time_limit}" if proc.time_limit else END
    nodes = [Node("terminal", START)]
    if proc.flow:
        for step in proc.flow:
            if step.decide:
                nodes.append(Node("decision", step.decide, yes=step.yes, no=step.no, no_end=step.no_end or "",
                                  short=step.short or ""))
            else:
                nodes.append(Node("process", step.step or "", short=step.short or ""))
        nodes.append(Node("terminal", end))
        return Flow(nodes, True)
    m = proc.materials
    if m is not None:
        if m.none:
            nodes.append(Node("process", m.none.rstrip("。")))
        elif m.groups and all(g.name for g in m.groups):
            nodes.append(Node("process", "准备材料：" + " / ".join(g.name or "" for g in m.groups)))
        else:
            count = len(m.items) + sum(len(g.items) for g in m.groups)
            nodes.append(Node("process", f"准备材料（{count} 项）"))
    if proc.route_note:
        nodes.append(Node("process", proc.route_note.rstrip("。")))
    elif len(channels) == 1:
        c = channels[0]
        nodes.append(Node("process", f"{c.kind}：{c.summary}"))
        nodes.append(Node("process", ACCEPT))
    elif channels:
        options = [(c.kind, c.summary + (f"（{c.time_limit}）" if c.time_limit else "")) for c in channels]
        nodes.append(Node("fork", CHOOSE, options=options))
        nodes.append(Node("process", ACCEPT))
    nodes.append(Node("terminal", end))
    return Flow(nodes, False)
