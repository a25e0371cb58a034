"""Writer: the text blocks of a document tree in reading order (like Sphinx's text writer).

Each block is what a reader sees as one piece of text: a heading, a paragraph, a list entry, a table
cell, a contents entry, a flowchart's label and caption, a QR code's caption and URL. Page numbers
are not text of the document (each paginated output computes its own). Used to prove that every
output shows the same document, and to index documents for search.
"""

from __future__ import annotations

from guidebook.document.nodes import text_of


class TextWriter:
    def __init__(self):
        self.blocks: list[str] = []

    def __call__(self, nodes) -> list[str]:
        if not isinstance(nodes, (list, tuple)):
            nodes = [nodes]
        for n in nodes:
            getattr(self, "visit_" + n.kind)(n)
        return self.blocks

    def add(self, text: str) -> None:
        if text.strip():
            self.blocks.append(text)

    def visit_para(self, n) -> None:
        self.add(text_of(n.content))

    visit_heading = visit_para

    def visit_block(self, n) -> None:
        self(n.children)

    def visit_list(self, n) -> None:
        for item in n.items:
            self.add(item.marker + text_of(item.content))
            self(item.children)

    def visit_table(self, n) -> None:
        for c in n.columns:
            self.add(c.label)
        for row in n.rows:
            for cell in row.cells:
                self.add(text_of(cell.content))
                self(cell.children)

    def visit_flowchart(self, n) -> None:
        self.add(n.label)
        self.add(n.caption)

    def visit_qr(self, n) -> None:
        self.add(n.caption)
        self.add(n.url)

    def visit_toc(self, n) -> None:
        self.add(n.title)
        for e in n.entries:
            self.add(e.text)


def text_blocks(nodes) -> list[str]:
    return TextWriter()(nodes)
