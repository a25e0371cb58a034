"""Publishing the web edition: exactly the files the build wrote; what else lies in output/site/ is
reported by the build and never published."""

from __future__ import annotations

import shutil

from helpers import SOURCE, run_cli_here


def _output_with_strangers(built, tmp_path):
    out = tmp_path / "output"
    shutil.copytree(built[0], out, symlinks=True)
    (out / "site" / "passwd.html").symlink_to("/etc/passwd")
    (out / "site" / "items" / "notes.txt").write_text("私人笔记", "utf-8")
    return out


def test_the_build_reports_files_it_did_not_write(built, tmp_path):
    out = _output_with_strangers(built, tmp_path)
    res = run_cli_here("build", "--source", str(SOURCE), "--output", str(out))
    err = res.stderr.decode()
    assert res.returncode == 0, err
    assert "2 file(s)" in err and "passwd.html" in err and "notes.txt" in err and "guidebook publish" in err
    assert (out / "site" / "passwd.html").is_symlink()  # reported, never removed: the build did not make it


def test_publish_copies_exactly_the_build_s_files(built, tmp_path):
    import json

    out = _output_with_strangers(built, tmp_path)
    target = tmp_path / "www"
    res = run_cli_here("publish", str(target), "--output", str(out))
    assert res.returncode == 0, res.stderr.decode()
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    expected = {e["path"].removeprefix("site/") for e in manifest["outputs"] if e["path"].startswith("site/")}
    published = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file() or p.is_symlink()}
    assert published == expected and "index.html" in published and "items/15.html" in published
    assert not any(p.is_symlink() for p in target.rglob("*"))
    assert "left out" in res.stderr.decode() and "passwd.html" in res.stderr.decode()
    for rel in ("index.html", "items/15.html"):
        assert (target / rel).read_bytes() == (out / "site" / rel).read_bytes()
    # the list for rsync --files-from is the same set
    listed = run_cli_here("publish", "--list", "--output", str(out)).stdout.decode().split()
    assert set(listed) == expected
    # again: nothing to copy; a file of an earlier edition is kept, or removed with --delete
    (target / "items" / "99.html").write_text("旧版", "utf-8")
    res = run_cli_here("publish", str(target), "--output", str(out))
    assert "0 copied" in res.stderr.decode() and (target / "items" / "99.html").exists()
    res = run_cli_here("publish", str(target), "--output", str(out), "--delete")
    assert res.returncode == 0 and not (target / "items" / "99.html").exists()


def test_publish_refuses_a_changed_file_and_an_unbuilt_folder(built, tmp_path):
    out = _output_with_strangers(built, tmp_path)
    (out / "site" / "index.html").write_text("改过的首页", "utf-8")
    res = run_cli_here("publish", str(tmp_path / "www"), "--output", str(out))
    assert res.returncode != 0 and "changed since the build" in res.stderr.decode()
    assert not (tmp_path / "www").exists()  # nothing copied
    res = run_cli_here("publish", str(tmp_path / "www"), "--output", str(tmp_path / "nothing"))
    assert res.returncode != 0 and "guidebook build" in res.stderr.decode()
    res = run_cli_here("publish", str(out / "site" / "sub"), "--output", str(out))
    assert res.returncode != 0 and "outside" in res.stderr.decode()
