"""Benchmark: time the real CLI on this machine (interpreter start included), median of several runs.

Run: make bench   (or: .venv/bin/python bench/run.py [--runs N] [--json FILE])
Prints a table and writes JSON (default bench/results.json, not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {  # seconds, from the issues
    "guide only": 6.0,
    "all handouts + combined": 8.0,
    "one handout (guidebook handout 15)": 2.0,
    "full build (guide, handouts, Word)": 12.0,
}


def run(args: list[str], out: Path) -> tuple[float, int]:
    """Seconds and peak RSS (KB) of one CLI run, children included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "guidebook", *args, "--output", str(out)],
                         cwd=ROOT, capture_output=True)
    elapsed = time.perf_counter() - t
    if res.returncode != 0:
        sys.exit(f"benchmark command failed: guidebook {' '.join(args)}\n{res.stderr.decode()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", type=Path, default=ROOT / "bench" / "results.json")
    opts = ap.parse_args()
    scenarios = [
        ("guide only", ["build", "--no-handouts", "--no-word", "-q"]),
        ("all handouts + combined", ["build", "--no-guide", "--no-word", "-q"]),
        ("one handout (guidebook handout 15)", ["handout", "15"]),
        ("full build (guide, handouts, Word)", ["build", "-q"]),
    ]
    results = []
    work = Path(tempfile.mkdtemp(prefix="guidebook-bench-"))
    try:
        run(["build", "--no-handouts", "--no-word", "-q"], work / "warm")  # font cache, page cache
        for name, args in scenarios:
            times, peak = [], 0
            for i in range(opts.runs):
                out = work / f"{len(results)}-{i}"
                t, p = run(args, out)
                times.append(t)
                peak = max(peak, p)
            results.append({"scenario": name, "median_s": round(statistics.median(times), 2),
                            "runs_s": [round(t, 2) for t in times], "target_s": TARGETS.get(name),
                            "peak_rss_mb": round(peak / 1024)})
        full = work / f"{len(results) - 1}-0"
        sizes = {str(p.relative_to(full)): p.stat().st_size for p in sorted(full.rglob("*")) if p.is_file()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "results": results,
        "sizes": {
            "guide.pdf": sizes.get("guide.pdf"),
            "guide.docx": sizes.get("guide.docx"),
            "all-handouts.pdf": sizes.get("handouts/all-handouts.pdf"),
            "handout PDF (median)": statistics.median(v for k, v in sizes.items()
                                                      if k.startswith("handouts/") and k.endswith(".pdf")
                                                      and "all-" not in k),
        },
    }
    print(f"{'scenario':<38} {'median':>8} {'target':>8} {'peak RSS':>9}")
    for r in results:
        target = f"{r['target_s']:.1f} s" if r["target_s"] else ""
        ok = "" if not r["target_s"] else (" ok" if r["median_s"] <= r["target_s"] else " OVER")
        print(f"{r['scenario']:<38} {r['median_s']:>6.2f} s {target:>8} {r['peak_rss_mb']:>6} MB{ok}")
    for k, v in report["sizes"].items():
        print(f"{k:<38} {v / 1024:>8.0f} KB")
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {opts.json}")


if __name__ == "__main__":
    main()
