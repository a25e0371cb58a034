"""`guidebook init`: a catalogue for another bureau that checks and builds at once, with its examples
marked, and that never writes into a folder that holds anything."""

from __future__ import annotations

from helpers import pdf_pages_text, run_cli


def test_init_writes_a_catalogue_that_checks_and_builds(tmp_path):
    folder = tmp_path / "mybureau"
    res = run_cli("init", str(folder), "--bureau", "某市人力资源和社会保障局", "--title", "办事指南")
    assert res.returncode == 0, res.stderr.decode()
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == ["source/guide.yaml", "source/items/01.yaml", "source/schema/guide.schema.json",
                     "source/schema/item.schema.json", "source/schema/prohibited.schema.json",
                     "source/schema/synonyms.schema.json", "source/schema/tolerated.schema.json",
                     "source/schema/windows.schema.json", "source/synonyms.yaml", "source/windows.yaml", "使用说明.txt"]
    assert "guidebook edit" in (folder / "使用说明.txt").read_text("utf-8")
    check = run_cli("check", cwd=folder)  # as the README says: cd mybureau && guidebook check
    err = check.stderr.decode()
    assert check.returncode == 0 and "2 warnings" in err and "示例事项" in err and "示例窗口" in err
    assert run_cli("check", "--strict", cwd=folder).returncode == 1  # the examples are still there
    build = run_cli("build", "-q", cwd=folder)
    assert build.returncode == 0, build.stderr.decode()
    text = "".join(pdf_pages_text(folder / "output" / "guide.pdf"))
    assert "某市人力资源和社会保障局" in text and "示例事项" in text
    assert (folder / "output" / "guide.docx").is_file() and (folder / "output" / "site" / "index.html").is_file()
    assert len(list((folder / "output" / "handouts").glob("01-*.pdf"))) == 1


def test_init_never_writes_into_a_folder_that_holds_anything(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine", "utf-8")
    res = run_cli("init", str(tmp_path / "full"))
    assert res.returncode == 1 and "not empty" in res.stderr.decode()
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x", "utf-8")
    assert run_cli("init", str(tmp_path / "file")).returncode == 1
    (tmp_path / "empty").mkdir()
    assert run_cli("init", str(tmp_path / "empty")).returncode == 0  # an empty folder is fine
