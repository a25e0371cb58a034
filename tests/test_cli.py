"""The command line: help, exit codes, progress and summary, and failed builds that touch nothing."""

import json

from conftest import SOURCE, run_cli


def test_help_lists_every_command():
    res = run_cli("--help")
    assert res.returncode == 0
    out = res.stdout.decode()
    for cmd in ("check", "export", "schema", "list", "build", "handout", "fonts"):
        assert cmd in out
    assert "Exit codes: 0 success, 1 data or build errors, 2 usage errors." in out


def test_usage_errors_exit_2():
    assert run_cli("build", "--category").returncode == 2
    assert run_cli("no-such-command").returncode == 2
    res = run_cli("export", "--format", "xml")
    assert res.returncode == 2 and "only 'json' is supported" in res.stderr.decode()


def test_unknown_category_is_a_usage_error_that_lists_categories(tmp_path):
    res = run_cli("build", "--category", "不存在", "--output", str(tmp_path))
    assert res.returncode == 2
    assert "1=企业职工养老保险" in res.stderr.decode()


def test_missing_source_folder(tmp_path):
    res = run_cli("check", "--source", str(tmp_path / "nope"))
    assert res.returncode == 1
    assert "catalogue folder not found" in res.stderr.decode()
    assert "Traceback" not in res.stderr.decode()


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
