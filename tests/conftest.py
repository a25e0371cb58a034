"""Shared fixtures: the real catalogue, one full build of it, and a factory of broken copies."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
SEED = ROOT.parent / "shared" / "seed" / "000_c35c5168487ab546.txt"


def pytest_configure(config):
    # Workers and font cache stay inside the test run's own folders.
    os.environ.setdefault("GUIDEBOOK_CACHE", str(ROOT / ".cache" / "guidebook"))


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.fail(f"the seed booklet is missing: {SEED} (shared/ must sit beside the project)")
    return SEED.read_text("utf-8")


@pytest.fixture(scope="session")
def catalogue():
    from guidebook.catalogue import load_catalogue

    return load_catalogue(SOURCE)


@pytest.fixture(scope="session")
def doc(catalogue):
    from guidebook.model import build_document

    return build_document(catalogue)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """One full build of source/ (guide, handouts, Word files), shared by the output tests."""
    from guidebook.build import Options, build

    out = tmp_path_factory.mktemp("output")
    result = build(Options(source=SOURCE, output=out))
    return out, result


STYLES = ("default", "gbt9704")


@pytest.fixture(scope="session", params=STYLES)
def styled_build(request, built, tmp_path_factory):
    """The PDF outputs in each house style: the default build, and one with --style gbt9704."""
    if request.param == "default":
        return built[0]
    from guidebook.build import Options, build
    from guidebook.render import style_folder

    out = tmp_path_factory.mktemp(request.param)
    build(Options(source=SOURCE, output=out, layouts=[style_folder(request.param)], word=False))
    return out


@pytest.fixture(scope="session")
def session():
    """A loaded session (catalogue, model, renderer) for tests that render single documents."""
    from guidebook.build import Options, Session

    return Session(Options(source=SOURCE))


@pytest.fixture
def source_copy(tmp_path) -> Path:
    """A writable copy of source/ to break or edit."""
    dest = tmp_path / "source"
    shutil.copytree(SOURCE, dest)
    return dest


def run_cli(*args: str, cwd: Path | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run `python -m guidebook ARGS` as a user would, capturing bytes."""
    return subprocess.run([sys.executable, "-m", "guidebook", *args], cwd=cwd or ROOT, input=input,
                          capture_output=True, timeout=300)


def normalize(text: str) -> str:
    """Text without whitespace, for comparing extracted PDF text with the source."""
    return re.sub(r"\s+", "", text)


def pdf_pages_text(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def decode_qr_codes(path: Path, page: int = 0, dpi: int = 300) -> set[str]:
    import pypdfium2 as pdfium
    import zxingcpp

    pdf = pdfium.PdfDocument(str(path))
    try:
        image = pdf[page].render(scale=dpi / 72).to_pil()
    finally:
        pdf.close()
    return {r.text for r in zxingcpp.read_barcodes(image)}


def seed_blocks(seed_text: str, label: str) -> list[str]:
    """The text under each 'N.k LABEL' heading of the seed, up to the next heading, whitespace removed."""
    lines = seed_text.splitlines()
    out = []
    for i, line in enumerate(lines):
        m = re.match(rf"^\d+(?:\.\d+)+\s*\**{label}\**[:：]?\s*(.*)$", line.strip())
        if not m:
            continue
        chunk = [m.group(1)]
        for nxt in lines[i + 1:]:
            s = nxt.strip()
            if (re.match(r"^(?:\d+(?:\.\d+)*\.?\s|[一二三四五六七八九十]+、|业务指南$|操作流程$)", s)
                    or re.match(r"^\d+\.\S", s) or s.endswith("清单") or "|" in s):
                break
            chunk.append(s)
        out.append(normalize("".join(chunk).replace("**", "")))
    return [b for b in out if b]
