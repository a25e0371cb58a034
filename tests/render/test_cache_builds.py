"""Incremental builds: nothing changed writes nothing; each kind of edit re-renders what it affects."""
import json
import shutil

import pytest

from helpers import MINIMAL, run_cli


@pytest.fixture
def project(tmp_path):
    src = tmp_path / "source"
    shutil.copytree(MINIMAL, src)
    layout = tmp_path / "layout"
    layout.mkdir()
    (layout / "custom.css").write_text(":root { --color-accent: #b3261e; }\n", "utf-8")
    (layout / "handout.html").write_text('{% extends "default/handout.html" %}\n', "utf-8")
    out = tmp_path / "output"
    return src, layout, out


def _build(src, layout, out, *extra):
    # the web edition is left out: its incremental build is tested in test_site.py
    res = run_cli("build", "--source", str(src), "--layouts", str(layout), "--output", str(out), "--no-site", *extra)
    assert res.returncode == 0, res.stderr.decode()
    return res.stderr.decode().splitlines()[-1]


def _hashes(out):
    return {e["path"]: e["sha256"] for e in json.loads((out / "manifest.json").read_text("utf-8"))["outputs"]}


def _mtimes(out):
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_a_rebuild_with_nothing_changed_writes_nothing(project):
    src, layout, out = project
    first = _build(src, layout, out)
    assert first.startswith("wrote 7 files")  # guide pdf+docx, 2 handouts pdf+docx, all-handouts
    before = _mtimes(out)
    again = _build(src, layout, out)
    assert again.startswith("everything is up to date (7 files); nothing written")
    assert _mtimes(out) == before
    forced = _build(src, layout, out, "--force")
    assert forced.startswith("wrote 7 files")


@pytest.mark.parametrize("edit, changed", [
    ("template", {"handouts/01-失业保险金申领.pdf", "handouts/02-社会保障卡申领.pdf", "handouts/all-handouts.pdf"}),
    ("style", None),  # everything drawn with the theme
    ("font", None),
    ("catalogue", {"guide.pdf", "guide.docx", "handouts/02-社会保障卡申领.pdf", "handouts/02-社会保障卡申领.docx",
                   "handouts/all-handouts.pdf"}),
])
def test_each_edit_changes_exactly_the_outputs_it_affects(project, edit, changed):
    src, layout, out = project
    _build(src, layout, out)
    before = _hashes(out)
    if edit == "template":
        (layout / "handout.html").write_text('{% extends "default/handout.html" %}\n'
                                             '{% block handout_header %}<div>窗口</div>{% endblock %}\n', "utf-8")
    elif edit == "style":
        (layout / "custom.css").write_text(":root { --color-accent: #006400; }\n", "utf-8")
    elif edit == "font":
        (layout / "fonts.toml").write_text('[roles.body]\nfamilies = ["Noto Sans CJK SC"]\n'
                                           '[roles.heading]\nfamilies = ["Noto Sans CJK SC"]\n', "utf-8")
    else:
        p = src / "items" / "02.yaml"
        p.write_text(p.read_text("utf-8").replace("time_limit: 即时办结", "time_limit: 即时办结，当场领卡"), "utf-8")
    _build(src, layout, out)
    after = _hashes(out)
    differ = {k for k in after if after[k] != before.get(k)}
    if changed is None:  # every PDF depends on the theme and the fonts
        assert {k for k in after if k.endswith(".pdf")} <= differ
    else:
        assert differ == changed


def test_a_hand_edited_output_is_rebuilt_not_served(project):
    src, layout, out = project
    _build(src, layout, out)
    target = out / "handouts" / "01-失业保险金申领.pdf"
    good = target.read_bytes()
    target.write_bytes(b"%PDF- scribbled over")
    line = _build(src, layout, out)
    assert line.startswith("wrote 1 file (1 PDF")
    assert target.read_bytes() == good


def test_parallel_and_serial_builds_give_identical_files(tmp_path):
    import os
    import subprocess
    import sys

    from helpers import ROOT

    outs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        env = {**os.environ, "GUIDEBOOK_WORKERS": workers}
        res = subprocess.run([sys.executable, "-m", "guidebook", "build", "--source", str(MINIMAL), "--output", str(out)],
                             cwd=ROOT, env=env, capture_output=True)
        assert res.returncode == 0, res.stderr.decode()
        outs[workers] = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # 8 documents and the manifest; the site: index, 2 items, 3 lists, about, 3 assets, 4 downloads
    assert outs["1"] == outs["2"] and len(outs["1"]) == 8 + 14


def test_editing_the_tools_own_code_re_renders(project, tmp_path):
    """Cache keys hash the package's source: a comment added to a module of the document layer makes
    the next build render again (a changed rule can never be served from an old output)."""
    src, layout, out = project
    from helpers import ROOT

    root = ROOT
    code = tmp_path / "code"
    shutil.copytree(root / "guidebook", code / "guidebook", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(root / "layouts", code / "layouts")

    def build():
        res = run_cli("build", "--source", str(src), "--layouts", str(layout), "--output", str(out), "--no-site",
                      cwd=code)
        assert res.returncode == 0, res.stderr.decode()
        return res.stderr.decode().splitlines()[-1]

    assert build().startswith("wrote 7 files")
    assert build().startswith("everything is up to date")
    tree = code / "guidebook" / "document" / "build.py"
    tree.write_text(tree.read_text("utf-8") + "# a comment\n", "utf-8")
    assert build().startswith("wrote 7 files")


def test_outputs_of_a_renamed_or_removed_item_are_removed(project):
    """A build removes the files an earlier build made for an item that is renamed or gone, and only
    files its manifest lists (never a file of the user's)."""
    src, layout, out = project
    _build(src, layout, out)
    old = sorted(p.name for p in (out / "handouts").glob("02-*"))
    assert len(old) == 2
    mine = out / "handouts" / "02-my-own-notes.pdf"
    mine.write_bytes(b"%PDF- not the tool's")
    item = src / "items" / "02.yaml"
    item.write_text(item.read_text("utf-8").replace("title: 社会保障卡申领", "title: 社会保障卡申请"), "utf-8")
    res = run_cli("build", "--source", str(src), "--layouts", str(layout), "--output", str(out), "--no-site")
    assert res.returncode == 0 and "removed" in res.stderr.decode()
    assert sorted(p.name for p in (out / "handouts").glob("02-*")) == [
        "02-my-own-notes.pdf", "02-社会保障卡申请.docx", "02-社会保障卡申请.pdf"]
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert not any("社会保障卡申领" in e["path"] for e in manifest["outputs"])


def test_all_handouts_missing_alone_is_joined_from_the_files_on_disk(project):
    """With no handout to render, all-handouts.pdf is joined in the main process from the handouts the
    last build wrote: the same bytes as when it was joined in a worker from fresh ones."""
    src, layout, out = project
    _build(src, layout, out)
    combined = out / "handouts" / "all-handouts.pdf"
    good = combined.read_bytes()
    combined.unlink()
    assert _build(src, layout, out).startswith("wrote 1 file (1 PDF")
    assert combined.read_bytes() == good
