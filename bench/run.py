"""Benchmark: time the real CLI on this machine (interpreter start included), median of several runs.

Run: make bench   (or: .venv/bin/python bench/run.py [--runs N] [--scale N] [--json FILE])
Works on a copy of source/, prints a table and writes JSON (default bench/results.json, not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

TARGETS = {  # seconds, from the issues
    "cold full build (guide, handouts, Word)": 12.0,
    "rebuild, nothing changed": 1.5,
    "rebuild after editing one item": 6.0,
    "guide only": 6.0,
    "all handouts + combined": 8.0,
    "one handout (guidebook handout 15)": 2.0,
    "web edition only (site, 54 items)": 1.5,
}


def run(args: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS in MB of the largest process, and CPU seconds (user + system of the whole
    process tree, workers included) of one CLI run."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "r = subprocess.run(sys.argv[1:], capture_output=True); "
            "e = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
            "print(e, u.ru_maxrss, u.ru_utime + u.ru_stime, r.returncode); "
            "sys.stderr.write(r.stderr.decode())")
    res = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "guidebook", *args],
                         cwd=ROOT, capture_output=True, text=True)
    elapsed, rss, cpu, rc = res.stdout.split()
    if rc != "0":
        sys.exit(f"benchmark command failed: guidebook {' '.join(args)}\n{res.stderr}")
    return float(elapsed), int(rss) // 1024, float(cpu)


def measure(name: str, args: list[str], runs: int, before=None) -> dict:
    times, cpus, peak = [], [], 0
    for i in range(runs):
        if before:
            before(i)
        t, rss, cpu = run(args)
        times.append(t)
        cpus.append(cpu)
        peak = max(peak, rss)
    return {"scenario": name, "median_s": round(statistics.median(times), 2),
            "median_cpu_s": round(statistics.median(cpus), 2),
            "runs_s": [round(t, 2) for t in times], "target_s": TARGETS.get(name), "peak_rss_mb": peak}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scale", type=int, default=1000, help="items of the synthetic catalogue (0: skip)")
    ap.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    opts = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="guidebook-bench-"))
    results = []
    try:
        src = work / "source"
        shutil.copytree(ROOT / "source", src)
        out = work / "out"
        s, o = ["--source", str(src)], ["--output", str(out)]
        run(["build", "-q", *s, *o])  # warm: fonts cut, caches filled
        results.append(measure("cold full build (guide, handouts, Word)", ["build", "-q", "--force", *s, *o], opts.runs))
        results.append(measure("rebuild, nothing changed", ["build", "-q", *s, *o], opts.runs))
        item = src / "items" / "15.yaml"
        original = item.read_text("utf-8")

        def edit(i: int) -> None:
            item.write_text(original.replace("全月经办。", f"全月经办（第{i + 1}次修改）。"), "utf-8")

        results.append(measure("rebuild after editing one item", ["build", "-q", *s, *o], opts.runs, edit))
        item.write_text(original, "utf-8")
        results.append(measure("guide only", ["build", "-q", "--force", "--no-handouts", "--no-word", *s,
                                              "--output", str(work / "g")], opts.runs))
        results.append(measure("all handouts + combined", ["build", "-q", "--force", "--no-guide", "--no-word", *s,
                                                           "--output", str(work / "h")], opts.runs))
        results.append(measure("web edition only (site, 54 items)", ["build", "-q", "--force", "--no-guide",
                               "--no-handouts", "--no-word", *s, "--output", str(work / "w")], opts.runs))
        results.append(measure("one handout (guidebook handout 15)", ["handout", "15", *s, "--output", str(work / "o")],
                               opts.runs))
        sizes = {str(p.relative_to(out)): p.stat().st_size for p in sorted(out.rglob("*")) if p.is_file()}
        scale = None
        if opts.scale:
            from synthetic import make_catalogue

            big = make_catalogue(work / "province", opts.scale)
            base = next(r for r in results if r["scenario"].startswith("cold full"))
            t, rss, cpu = run(["build", "-q", "--force", "--source", str(big), "--output", str(work / "pout")])
            scale = {"items": opts.scale, "seconds": round(t, 1), "cpu_seconds": round(cpu, 1), "peak_rss_mb": rss,
                     "ratio_to_54_items": round(t / base["median_s"], 1), "ratio_target": 25,
                     "memory_target_mb": 2048}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    handout_pdfs = [v for k, v in sizes.items() if k.startswith("handouts/") and k.endswith(".pdf") and "all-" not in k]
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "results": results,
        "scale": scale,
        "sizes": {"guide.pdf": sizes.get("guide.pdf"), "guide.docx": sizes.get("guide.docx"),
                  "all-handouts.pdf": sizes.get("handouts/all-handouts.pdf"),
                  "handout PDF (median)": statistics.median(handout_pdfs) if handout_pdfs else None,
                  "site item page + CSS + JS (largest)": max(
                      (v for k, v in sizes.items() if k.startswith("site/items/")), default=0)
                  + sizes.get("site/assets/site.css", 0) + sizes.get("site/assets/site.js", 0),
                  "site search index": sizes.get("site/assets/search-index.js")},
    }
    print(f"{'scenario':<42} {'median':>8} {'CPU':>8} {'target':>8} {'peak RSS':>9}")
    for r in results:
        target = f"{r['target_s']:.1f} s" if r["target_s"] else ""
        ok = "" if not r["target_s"] else ("  ok" if r["median_s"] <= r["target_s"] else "  OVER")
        print(f"{r['scenario']:<42} {r['median_s']:>6.2f} s {r['median_cpu_s']:>6.2f} s {target:>8} "
              f"{r['peak_rss_mb']:>6} MB{ok}")
    if scale:
        print(f"{scale['items']} items: {scale['seconds']} s, {scale['cpu_seconds']} s CPU "
              f"({scale['ratio_to_54_items']}x the 54-item build; "
              f"target under 25x), peak {scale['peak_rss_mb']} MB (target under 2048 MB)")
    for k, v in report["sizes"].items():
        if v:
            print(f"{k:<42} {v / 1024:>8.0f} KB")
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {opts.json}")


if __name__ == "__main__":
    main()
