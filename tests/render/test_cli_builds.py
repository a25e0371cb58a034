"""The command line: help, exit codes, progress and summary, and failed builds that touch nothing."""
import json

from helpers import SOURCE, run_cli


def test_category_build_writes_only_that_categorys_handouts(tmp_path):
    res = run_cli("build", "--category", "三", "--no-guide", "--no-word", "--output", str(tmp_path))
    assert res.returncode == 0, res.stderr.decode()
    names = sorted(p.name[:2] for p in (tmp_path / "handouts").glob("*.pdf"))
    assert names == [str(n) for n in range(14, 22)]
    summary = res.stderr.decode().splitlines()[-1]
    assert summary.startswith("wrote 8 files (8 PDF,")
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert len(manifest["outputs"]) == 8 and len(manifest["inputs_sha256"]) == 64


def test_a_failed_build_leaves_the_last_good_outputs_untouched(tmp_path):
    out = tmp_path / "output"
    assert run_cli("build", "--item", "15", "--no-guide", "--no-word", "--output", str(out)).returncode == 0
    good = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = tmp_path / "source"
    import shutil

    shutil.copytree(SOURCE, broken)
    path = broken / "items" / "15.yaml"
    path.write_text(path.read_text("utf-8").replace("number: 15", "number: x"), "utf-8")
    res = run_cli("build", "--source", str(broken), "--output", str(out))
    assert res.returncode == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == good
    assert not [p for p in out.rglob("*.tmp")]


def test_item_and_category_select_handouts_only(tmp_path):
    out = tmp_path / "out"
    res = run_cli("build", "--category", "三", "--no-word", "--output", str(out))
    assert res.returncode == 0, res.stderr.decode()
    built = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))
    assert built and all(p.startswith("handouts/1") or p.startswith("handouts/2") for p in built)
    assert not (out / "guide.pdf").exists() and len(built) == 8
    res = run_cli("build", "--item", "99", "--output", str(out))
    assert res.returncode == 2 and "no item numbered 99" in res.stderr.decode()  # like an unknown category


def test_handouts_for_a_print_run(tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "out"
    assert run_cli("build", "--item", "15", "--no-word", "--output", str(out)).returncode == 0
    built = out / "handouts" / "15-失业保险金申领.pdf"
    before = built.stat().st_mtime_ns
    res = run_cli("handout", "失业保险金申领", "--output", str(out))  # a title; the build's file is current
    assert res.returncode == 0 and res.stdout.decode().strip() == str(built)
    assert built.stat().st_mtime_ns == before  # served from the build, not rendered again
    job = tmp_path / "job.pdf"
    res = run_cli("handout", "14", "15", "--category", "四", "--output", str(out), "-o", str(job))
    assert res.returncode == 0, res.stderr.decode()
    injury = [p for p in SOURCE.glob("items/*.yaml") if "\ncategory: 工伤保险\n" in p.read_text("utf-8")]
    assert len(PdfReader(job).pages) == 2 + len(injury)  # 14, 15 and the 工伤保险 items, in one print job
    assert run_cli("handout", "保险").returncode == 2  # names several items
    res = run_cli("handout", "失业金", "--output", str(out))  # a citizen's word, as `list 失业金` finds it
    assert res.returncode == 0 and res.stdout.decode().strip() == str(built), res.stderr.decode()
    assert run_cli("handout", "99").returncode == 2
