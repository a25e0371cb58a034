"""Query stage: find items by keyword without rendering anything (for `guidebook list`)."""

from __future__ import annotations

from dataclasses import dataclass

from guidebook import schema
from guidebook.catalogue import Catalogue


@dataclass
class Hit:
    item: schema.Item
    where: list[str]  # which parts matched: 标题, 类别, 材料, 办理路径


def _material_texts(m: schema.Materials | None) -> list[str]:
    if m is None:
        return []
    out = [m.lead or "", m.none or "", *m.notes]
    for mat in m.items + [x for g in m.groups for x in g.items]:
        out += [mat.name, mat.form or "", mat.note or "", *mat.details]
    out += [g.name or "" for g in m.groups]
    return out


def _channel_texts(channels: list[schema.Channel], route_note: str | None) -> list[str]:
    out = [route_note or ""]
    for ch in channels:
        out += [ch.kind, ch.text or "", *ch.entries, *ch.path]
        out += [f"{link.name or ''} {link.url}" for link in ch.links]
    return out


def search(cat: Catalogue, query: str | None) -> list[Hit]:
    """Items whose title, category, materials or channels contain every word of `query`."""
    words = [w.casefold() for w in (query or "").split()]
    hits = []
    for it in cat.items:
        parts = {
            "标题": [it.title, it.subtitle or "", it.list_title or ""] + [p.title for p in it.procedures],
            "类别": [it.category],
            "材料": _material_texts(it.materials) + [t for p in it.procedures for t in _material_texts(p.materials)],
            "办理路径": _channel_texts(it.channels, it.route_note)
            + [t for p in it.procedures for t in _channel_texts(p.channels, p.route_note)],
        }
        blob = {k: "\n".join(v).casefold() for k, v in parts.items()}
        if all(any(w in b for b in blob.values()) for w in words):
            where = [k for k, b in blob.items() if words and any(w in b for w in words)]
            hits.append(Hit(it, where))
    return hits
