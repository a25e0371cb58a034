"""A synthetic province-scale catalogue: N items reusing the real items' shapes with varied text.

Used by the benchmark (bench/run.py --scale N) and by a test that checks it is a valid catalogue.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "source"
DIGITS = "〇一二三四五六七八九"


def _cn(n: int) -> str:
    return "".join(DIGITS[int(d)] for d in str(n))


def make_catalogue(dest: Path, n: int = 1000) -> Path:
    """Write a catalogue of `n` items to dest/ (guide, windows and lists from the seed, items varied; with
    fewer than 12 items, the last categories have none)."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "items").mkdir(parents=True)
    for name in ("guide.yaml", "windows.yaml"):
        shutil.copy(SOURCE / name, dest / name)
    for name in ("prohibited.yaml", "tolerated.yaml"):  # they name items 6-54: only those up to n are kept
        text = (SOURCE / name).read_text("utf-8")
        (dest / name).write_text(re.sub(r"(?m)^(\s+items: )\[([\d, ]*)\]$", lambda m: m.group(1) + "[" + ", ".join(
            x for x in m.group(2).split(", ") if x and int(x) <= n) + "]", text), "utf-8")
    real = sorted((SOURCE / "items").glob("*.yaml"))
    categories = re.findall(r"^  - name: (.+)$", (SOURCE / "guide.yaml").read_text("utf-8"), re.M)
    width = len(str(n))
    for i in range(1, n + 1):
        template = real[(i - 1) % len(real)].read_text("utf-8")
        category = categories[min(len(categories) - 1, (i - 1) * len(categories) // n)]
        text = re.sub(r"(?m)^number: \d+$", f"number: {i}", template)
        text = re.sub(r"(?m)^category: .+$", f"category: {category}", text)
        text = re.sub(r"(?m)^title: (.+)$", lambda m: f"title: {m.group(1)}（第{_cn(i)}号）", text)
        text = re.sub(r"(?m)^(tips: )(.+)$", lambda m: f"{m.group(1)}{m.group(2)}（区县{_cn(i % 97)}）", text)
        (dest / "items" / f"{i:0{width}d}.yaml").write_text(text, "utf-8")
    return dest
