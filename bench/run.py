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

TARGETS = {  # (wall seconds, CPU seconds), from issue 16; None: no target
    "cold full build (guide, handouts, Word)": (9.0, 14.0),
    "rebuild, nothing changed": (0.5, None),
    "rebuild after editing one item": (3.0, None),
    "guide only": (None, 6.0),
    "all handouts + combined": (None, 5.0),
    "one handout (guidebook handout 15)": (1.2, None),
    "web edition only (site, 54 items)": (1.5, None),
    "editor preview after an edit (10 edits)": (1.0, None),  # issue 29: the real page within a second
}
SIZE_TARGETS = {"handout PDF (median)": 60 * 1024, "all-handouts.pdf": 1.5 * 1024 * 1024}


def calibration() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this machine is right now (shared virtual
    machines vary by tens of percent from hour to hour); compare runs by it."""
    import time

    t = time.process_time()
    n = 0
    for i in range(5_000_000):
        n += i
    return round(time.process_time() - t, 2)


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
            "runs_s": [round(t, 2) for t in times], "runs_cpu_s": [round(c, 2) for c in cpus],
            "target_s": TARGETS.get(name, (None, None))[0], "target_cpu_s": TARGETS.get(name, (None, None))[1],
            "peak_rss_mb": peak}


def editor_preview(src: Path, edits: int = 10) -> dict:
    """The editor's handout preview (the PDF page drawn as an image) after each of `edits` edits of item 15's
    time limit, in this process with a warm renderer, as the editor serves it."""
    import time

    sys.path.insert(0, str(ROOT))
    from guidebook.serve.editor.app import Previewer, Settings
    from guidebook.serve.editor.store import Store

    store, previewer = Store(src), Previewer(Settings(source=src))
    data, _, _ = store.load("item-15")
    previewer.handout(store, "item-15", data)  # warm: the session, its fonts and templates
    times, cpus = [], []
    for i in range(edits):
        data["time_limit"] = f"全月经办（预览第{i + 1}次）。"
        t0, c0 = time.perf_counter(), time.process_time()
        answer = previewer.handout(store, "item-15", data)
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        assert answer["ok"] and answer["html"].count("data:image/png") >= 1
    name = "editor preview after an edit (10 edits)"
    return {"scenario": name, "median_s": round(statistics.median(times), 2),
            "median_cpu_s": round(statistics.median(cpus), 2), "runs_s": [round(t, 2) for t in times],
            "runs_cpu_s": [round(c, 2) for c in cpus], "target_s": TARGETS[name][0], "target_cpu_s": None,
            "peak_rss_mb": __import__("resource").getrusage(__import__("resource").RUSAGE_SELF).ru_maxrss // 1024}


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
        results.append(measure("guide only", ["build", "-q", "--force", "--no-handouts", "--no-word", "--no-site", *s,
                                              "--output", str(work / "g")], opts.runs))
        results.append(measure("all handouts + combined", ["build", "-q", "--force", "--no-guide", "--no-word",
                                                           "--no-site", *s,
                                                           "--output", str(work / "h")], opts.runs))
        results.append(measure("web edition only (site, 54 items)", ["build", "-q", "--force", "--no-guide",
                               "--no-handouts", "--no-word", *s, "--output", str(work / "w")], opts.runs))
        results.append(measure("one handout (guidebook handout 15)", ["handout", "15", *s, "--output", str(work / "o")],
                               opts.runs))
        results.append(editor_preview(src))
        sizes = {str(p.relative_to(out)): p.stat().st_size for p in sorted(out.rglob("*")) if p.is_file()}
        scale = None
        if opts.scale:
            from helpers.synthetic import make_catalogue

            big = make_catalogue(work / "province", opts.scale)
            base = next(r for r in results if r["scenario"].startswith("cold full"))
            t, rss, cpu = run(["build", "-q", "--force", "--source", str(big), "--output", str(work / "pout")])
            scale = {"items": opts.scale, "seconds": round(t, 1), "cpu_seconds": round(cpu, 1), "peak_rss_mb": rss,
                     "ratio_to_54_items": round(t / base["median_s"], 1), "target_s": 150,
                     "memory_target_mb": 1024}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    handout_pdfs = [v for k, v in sizes.items() if k.startswith("handouts/") and k.endswith(".pdf") and "all-" not in k]
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "calibration_cpu_s": calibration()},
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
    print(f"machine: {report['machine']['cpus']} CPUs; calibration loop {report['machine']['calibration_cpu_s']} s "
          "CPU (lower is faster)")
    print(f"{'scenario':<42} {'wall':>8} {'target':>7} {'CPU':>8} {'target':>7} {'peak RSS':>9}")

    def verdict(value, target):
        return "" if target is None else ("ok" if value <= target else "OVER")

    for r in results:
        wall_t = f"{r['target_s']:.1f} s" if r["target_s"] else ""
        cpu_t = f"{r['target_cpu_s']:.1f} s" if r["target_cpu_s"] else ""
        marks = " ".join(m for m in (verdict(r["median_s"], r["target_s"]), verdict(r["median_cpu_s"], r["target_cpu_s"])) if m)
        print(f"{r['scenario']:<42} {r['median_s']:>6.2f} s {wall_t:>7} {r['median_cpu_s']:>6.2f} s {cpu_t:>7} "
              f"{r['peak_rss_mb']:>6} MB  {marks}")
    if scale:
        print(f"{scale['items']} items: {scale['seconds']} s (target {scale['target_s']} s), {scale['cpu_seconds']} s "
              f"CPU, peak {scale['peak_rss_mb']} MB (target {scale['memory_target_mb']} MB)")
    for k, v in report["sizes"].items():
        if v:
            target = SIZE_TARGETS.get(k)
            mark = "" if target is None else f"  target {target / 1024:.0f} KB {verdict(v, target)}"
            print(f"{k:<42} {v / 1024:>8.0f} KB{mark}")
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {opts.json}")


if __name__ == "__main__":
    main()
