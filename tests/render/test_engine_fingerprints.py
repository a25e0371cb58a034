"""The engine adapter: one module imports WeasyPrint, and what it reaches inside WeasyPrint is checked
against fingerprints of the functions it relies on; on a version where they differ, each use switches
off with one notice and the documents come out the same."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import MINIMAL, ROOT, own_cache, pdf_pages_text

# A build as on a WeasyPrint whose functions all differ from those guidebook's uses were written for.
FORCED = """
import sys
from guidebook.render import weasy
weasy.RELIES_ON = {use: {f: "0" * 16 for f in fs} for use, fs in weasy.RELIES_ON.items()}
sys.argv = ["guidebook", *sys.argv[1:]]
from guidebook.cli import main
main()
"""


def _build(tmp_path, name: str, *python: str) -> tuple[subprocess.CompletedProcess, object]:
    out = tmp_path / name
    env = {**os.environ, "GUIDEBOOK_CACHE": str(own_cache(tmp_path / f"cache-{name}"))}  # only the cut fonts shared
    res = subprocess.run([sys.executable, *python, "build", "--force", "--no-site", "--source", str(MINIMAL),
                          "--output", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    return res, out


def test_with_every_fingerprint_differing_the_uses_switch_off_and_the_documents_are_the_same(tmp_path):
    normal, a = _build(tmp_path, "normal", "-m", "guidebook")
    forced, b = _build(tmp_path, "forced", "-c", FORCED)
    assert "switched off" not in normal.stderr
    notices = [line for line in forced.stderr.splitlines() if "switched off" in line]
    assert len(notices) == 1, forced.stderr
    for use in ("svg text runs", "unset properties", "page boxes", "parsed trees"):
        assert use in notices[0]
    pdfs = sorted(p.relative_to(a) for p in a.rglob("*.pdf"))
    assert pdfs and pdfs == sorted(p.relative_to(b) for p in b.rglob("*.pdf"))
    for rel in pdfs:
        assert pdf_pages_text(a / rel) == pdf_pages_text(b / rel), rel


def test_the_pinned_weasyprint_is_the_one_every_use_was_written_for():
    """With requirements.lock's WeasyPrint every fingerprint matches: no speed-up is silently off."""
    from guidebook.render import weasy

    weasy.load()
    assert weasy.notice() is None, weasy.notice()
    for functions in weasy.RELIES_ON.values():
        for (module, path), want in functions.items():
            assert len(want) == 16 and module.startswith("weasyprint")
