"""Query stage: find items by what a clerk types, without rendering anything (for `guidebook list`).

A query is one or more words; an item is listed when every word matches it. A word matches an item's
number (`15`), its category by numeral or number (`三`, `3`) or name, or a text of the item: its title,
category, materials or channels (URLs are not searched for numbers). A word that matches nowhere
exactly may still match a title by near spelling: its characters in order (失业金 -> 失业保险金申领), and
a citizen's word matches where the guide's words it means do (source/synonyms.yaml: 社保卡 -> 社会保障卡,
as the web edition's search reads it). Items are listed best first: number, title, category, then the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from guidebook.catalogue import labels as L
from guidebook.catalogue import schema
from guidebook.catalogue import Catalogue
from guidebook.catalogue.phones import URL as URL_IN_TEXT
from guidebook.catalogue.numbering import parse_category

SCORES = {L.NUMBER: 1000, L.TITLE: 100, L.CATEGORY: 50, L.NEAR: 20, L.MATERIAL: 5, L.CHANNELS: 5}


@dataclass
class Hit:
    item: schema.Item
    where: list[str]  # which parts matched: 序号, 标题, 类别, 相近 (near spelling), 材料, 办理路径
    score: int = 0


def _material_texts(m: schema.Materials | None) -> list[str]:
    if m is None:
        return []
    out = [m.lead or "", m.none or "", *m.notes]
    for mat in m.items + [x for g in m.groups for x in g.items]:
        out += [mat.name, mat.form or "", mat.note or "", mat.source or "", *mat.details]
    out += [g.name or "" for g in m.groups]
    return out


def _channel_texts(channels: list[schema.Channel], route_note: str | None) -> list[str]:
    out = [route_note or ""]
    for ch in channels:
        out += [ch.kind, ch.text or "", *ch.entries, *ch.path]
        out += [f"{link.name or ''} {link.url}" for link in ch.links]
    return out


def _in_order(word: str, text: str) -> bool:
    """Every character of `word` appears in `text`, in this order (a near spelling)."""
    pos = 0
    for ch in word:
        pos = text.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return True


def variants(word: str, synonyms: dict[str, list[str]]) -> list[str]:
    """A word and the words it means by the catalogue's search words (社保卡丢了 -> 社会保障卡挂失 ...)."""
    out = [word]
    for say, means in synonyms.items():
        if say.casefold() in word:
            out += [v.replace(say.casefold(), m.casefold()) for m in means for v in list(out)]
    return list(dict.fromkeys(out))


def search(cat: Catalogue, query: str | None) -> list[Hit]:
    """Items matching every word of `query`, best first (all items, in order, for no query)."""
    synonyms = {w.say: list(w.means) for w in (cat.synonyms.words if cat.synonyms else [])}
    words = [w.casefold() for w in (query or "").split()]
    names = [c.name for c in cat.guide.categories]
    hits = []
    for it in cat.items:
        parts = {
            L.TITLE: [it.title, it.subtitle or "", it.list_title or ""] + [p.title for p in it.procedures],
            L.CATEGORY: [it.category],
            L.MATERIAL: _material_texts(it.materials) + [t for p in it.procedures for t in _material_texts(p.materials)],
            L.CHANNELS: _channel_texts(it.channels, it.route_note)
            + [t for p in it.procedures for t in _channel_texts(p.channels, p.route_note)],
        }
        blob = {k: "\n".join(v).casefold() for k, v in parts.items()}
        no_urls = {k: URL_IN_TEXT.sub(" ", b) for k, b in blob.items()}
        where: dict[str, None] = {}
        score = 0
        for w in words:
            found = []
            if w.isdigit() and int(w) == it.number:
                found.append(L.NUMBER)
            if not w.isdigit() and parse_category(w, names) == it.category:  # 三, 三、 or a name
                found.append(L.CATEGORY)
            texts = no_urls if w.isdigit() else blob
            found += [k for k, b in texts.items() if any(v in b for v in variants(w, synonyms)) and k not in found]
            if not found and len(w) >= 2 and any(_in_order(v, blob[L.TITLE]) for v in variants(w, synonyms)):
                found.append(L.NEAR)
            if not found:
                break
            score += max(SCORES[k] for k in found)
            where.update(dict.fromkeys(found))
        else:
            hits.append(Hit(it, list(where) if words else [], score))
    hits.sort(key=lambda h: (-h.score, h.item.number))
    return hits


def resolve(cat: Catalogue, query: str) -> list[schema.Item]:
    """The items a clerk means by `query`, as `guidebook list` finds them: an item number, an exact title,
    else the best-scoring items (one when the query names one item, several when it is ambiguous)."""
    q = query.strip()
    if q.isascii() and q.isdigit():
        return [it for it in cat.items if it.number == int(q)]
    exact = [it for it in cat.items if q in (it.title, it.list_title)]
    if exact:
        return exact
    hits = search(cat, q)
    return [h.item for h in hits if h.score == hits[0].score] if hits else []
