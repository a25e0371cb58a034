"""The yearly edition: what changed, a new edition, print-shop files, archival copies, reproducibility."""
import json
import re
import shutil

import pytest

from helpers import SOURCE, normalize, pdf_pages_text, run_cli


def _edit(path, old, new):
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


@pytest.fixture
def four_changes(source_copy):
    _edit(source_copy / "items/07.yaml", "024-52443219", "024-52443220")  # a phone number
    _edit(source_copy / "items/15.yaml", "time_limit: 全月经办。", "time_limit: 每月 1 日—25 日受理")  # a time limit
    _edit(source_copy / "items/14.yaml", "- name: 职工本人身份证复印件", "- name: 职工本人身份证原件")  # a material
    _edit(source_copy / "items/53.yaml", "title: 出具相关证明", "title: 出具存档及相关证明")  # an item title
    return source_copy


def test_diff_reports_exactly_the_four_changes_in_every_format(four_changes, tmp_path):
    new = str(four_changes)
    res = run_cli("diff", str(SOURCE), new, "--format", "json")
    assert res.returncode == 0, res.stderr.decode()
    data = json.loads(res.stdout)
    got = [(c["item"], c["kind"], c["field"], c["old"], c["new"]) for c in data["changes"]]
    assert got == [
        (7, "changed", "tips[0]", "为避免业务高峰期等候，您先拨打咨询电话 024-52443219，我们为您提供预约服务和延时服务。",
         "为避免业务高峰期等候，您先拨打咨询电话 024-52443220，我们为您提供预约服务和延时服务。"),
        (14, "changed", "materials.items[1].name", "职工本人身份证复印件", "职工本人身份证原件"),
        (15, "changed", "time_limit", "全月经办。", "每月 1 日—25 日受理"),
        (53, "renamed", "title", "出具相关证明", "出具存档及相关证明"),
    ]
    md = run_cli("diff", str(SOURCE), new, "--format", "md").stdout.decode()
    assert "共 4 处变化" in md and md.count("\n| 修改 |") + md.count("\n| 更名 |") == 4
    assert "（电话 024-52443219 → 024-52443220）" in md
    text = run_cli("diff", str(SOURCE), new).stdout.decode()
    assert "共 4 处变化" in text and "change(s)" not in text
    for scope in ("事项 7 职工正常退休申请", "事项 14 失业保险职工参保登记", "事项 15 失业保险金申领", "事项 53 出具存档及相关证明"):
        assert scope in text and scope in md
    html = run_cli("diff", str(SOURCE), new, "--format", "html", "--pdf", str(tmp_path / "r.pdf")).stdout.decode()
    assert html.count("<tr class=") == 4 and 'lang="zh-CN"' in html
    pdf_text = normalize("".join(pdf_pages_text(tmp_path / "r.pdf")))
    assert "共4处变化" in pdf_text and "出具存档及相关证明" in pdf_text


def test_diff_of_identical_catalogues_is_empty():
    res = run_cli("diff", str(SOURCE), str(SOURCE), "--format", "json")
    assert json.loads(res.stdout)["changes"] == []


def _git_repo(tmp_path):
    """A copy of source/ committed in a new git repository; and the git command line for it."""
    import subprocess

    repo = tmp_path / "repo"
    shutil.copytree(SOURCE, repo / "source")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", "2026"], check=True)
    return repo, git


def test_diff_against_a_git_revision(tmp_path):
    import subprocess

    repo, git = _git_repo(tmp_path)
    subprocess.run(git + ["tag", "edition-2026"], check=True)
    _edit(repo / "source/items/15.yaml", "time_limit: 全月经办。", "time_limit: 全月经办，次月发放。")
    res = run_cli("diff", "edition-2026", "--source", str(repo / "source"), "--format", "json")
    assert res.returncode == 0, res.stderr.decode()
    assert [(c["item"], c["field"]) for c in json.loads(res.stdout)["changes"]] == [(15, "time_limit")]
    res = run_cli("diff", "no-such-rev", "--source", str(repo / "source"))
    assert res.returncode == 1 and "neither a folder nor a git revision" in res.stderr.decode()


def test_a_revision_is_read_safely_without_tarfile_filters(tmp_path, monkeypatch):
    """Python 3.11 before 3.11.4 has no tarfile `filter`: a revision is read all the same, a revision
    that holds a symbolic link is refused by name, and a name that looks like an option never
    reaches git (no file named like it appears)."""
    import subprocess
    import tarfile

    from guidebook.diagnostics import GuidebookError
    from guidebook.editions import diffing

    def no_filter(self, path=".", members=None, *, numeric_owner=False, **kw):
        if "filter" in kw:
            raise TypeError("TarFile.extractall() got an unexpected keyword argument 'filter'")
        raise AssertionError("extractall is not used")

    monkeypatch.setattr(tarfile.TarFile, "extractall", no_filter)
    repo, git = _git_repo(tmp_path)
    folder = diffing.resolve("HEAD", repo / "source", tmp_path)
    assert (folder / "items" / "15.yaml").read_bytes() == (SOURCE / "items" / "15.yaml").read_bytes()

    (repo / "source" / "items" / "99.yaml").symlink_to("/etc/passwd")
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", "link"], check=True)
    with pytest.raises(GuidebookError, match=r"source/items/99.yaml is a symbolic link"):
        diffing.resolve("HEAD", repo / "source", tmp_path)

    for spec in ("--output=" + str(tmp_path / "pwned"), "-o" + str(tmp_path / "pwned2")):
        with pytest.raises(GuidebookError, match="neither a folder nor a git revision"):
            diffing.resolve(spec, repo / "source", tmp_path)
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_new_edition_archives_the_old_one(source_copy):
    res = run_cli("edition", "new", "2027", "--source", str(source_copy), "--date", "2026-12-01")
    assert res.returncode == 0, res.stderr.decode()
    archive = source_copy.parent / "editions" / "2026"
    assert (archive / "guide.yaml").read_text("utf-8") == (SOURCE / "guide.yaml").read_text("utf-8")
    guide = (source_copy / "guide.yaml").read_text("utf-8")
    assert "\nedition: 2027\nedition_date: 2026-12-01\n" in guide
    assert run_cli("check", "--source", str(source_copy)).returncode == 0
    again = run_cli("edition", "new", "2027", "--source", str(source_copy))
    assert again.returncode == 1 and "must come after 2027" in again.stderr.decode()
    res = run_cli("diff", str(archive), "--source", str(source_copy), "--format", "json")
    assert {c["field"] for c in json.loads(res.stdout)["changes"]} == {"edition", "edition_date", "compare_with"}


def test_changes_page_in_the_guide(four_changes):
    from guidebook.pipeline import Options, Session

    session = Session(Options(source=four_changes, changes_since=str(SOURCE)))
    assert [s.section for s in session.doc.sections][0] == "changes"
    page = session.doc.front[1]
    assert page.section == "changes" and page.children[0].content[0].text == "本版主要变化"
    table = next(n for n in page.children if n.kind == "table")
    assert len(table.rows) == 4


def test_the_changes_page_reads_like_the_booklet(source_copy):
    """The public 本版主要变化 page: 与2026年版相比, Chinese labels and values, windows paired by name, no
    notes, no paths, no field paths, no bracketed lists, no edition bookkeeping."""
    from guidebook.document.nodes import has_role, text_of
    from guidebook.outputs.text import text_blocks
    from guidebook.pipeline import Options, Session

    assert run_cli("edition", "new", "2027", "--source", str(source_copy)).returncode == 0
    old = source_copy.parent / "editions" / "2026"
    windows = source_copy / "windows.yaml"
    text = windows.read_text("utf-8")
    i = text.index("市就业和人才服务中心")
    phone = re.search(r"phone: *\"?([\d-]+)", text[i:]).group(1)
    windows.write_text(text[:i] + text[i:].replace(phone, "024-57000000", 1), "utf-8")
    _edit(source_copy / "items/15.yaml", "time_limit: 全月经办。", "time_limit: 全月经办，次月发放。")
    item = source_copy / "items/15.yaml"
    item.write_text(item.read_text("utf-8") + "flags:\n  - An internal note for the staff.\n", "utf-8")

    session = Session(Options(source=source_copy, changes_since=str(old)))
    block = next(n for n in session.doc.front if n.kind == "block" and has_role(n, "section-changes"))
    blocks = text_blocks(block.children)
    assert "与2026年版相比" in blocks
    table = next(n for n in block.children if n.kind == "table")
    rows = [[text_of(c.content) for c in row.cells] for row in table.rows]
    assert ["服务窗口“市就业和人才服务中心”", "修改", "电话", phone, "024-57000000"] in rows  # said once
    assert ["事项 15 失业保险金申领", "修改", "办理时限", "全月经办。", "全月经办，次月发放。"] in rows
    assert len(rows) == 2  # the note, the edition year and its date are not news for a reader
    for b in blocks:
        assert not re.search(r"[A-Za-z]{4,}|editions/|[\[\]{}]|'", b), b


def test_the_new_edition_remembers_what_to_compare_with(source_copy):
    """After `edition new`, builds have the 本版主要变化 page until the next edition, without
    --changes-since; --no-changes-page leaves it out. A failed `edition new` leaves nothing behind."""
    from guidebook.pipeline import Options, Session

    assert run_cli("edition", "new", "2027", "--source", str(source_copy)).returncode == 0
    assert "compare_with: 2026" in (source_copy / "guide.yaml").read_text("utf-8")
    _edit(source_copy / "items/15.yaml", "time_limit: 全月经办。", "time_limit: 全月经办，次月发放。")
    assert [s.section for s in Session(Options(source=source_copy)).doc.sections][0] == "changes"
    assert "changes" not in [s.section for s in Session(Options(source=source_copy, changes_page=False)).doc.sections]

    (source_copy.parent / "editions" / "2027").write_text("a file where a folder would go", "utf-8")
    guide = (source_copy / "guide.yaml").read_text("utf-8")
    res = run_cli("edition", "new", "2028", "--source", str(source_copy))
    assert res.returncode == 1 and "already exists" in res.stderr.decode()
    assert (source_copy / "guide.yaml").read_text("utf-8") == guide


def test_changed_values_read_as_the_booklet_writes_them():
    from guidebook.editions.diffing import Change, _show, phone_note

    assert _show({"name": "失业登记证明", "form": "原件", "copies": 1}) == "失业登记证明（原件 1 份）"
    assert _show({"name": "身份证", "copies": 2, "source": "申请人自备"}) == "身份证（2 份，申请人自备）"
    # a phone field changed: old → new says it once; a text whose phone changed gets the note
    assert phone_note(Change("窗口", "changed", "phone", "电话", "024-52313998", "024-52313999")) == ""
    assert phone_note(Change("事项 15", "changed", "tips", "温馨提示", "咨询电话 024-52313998。",
                             "咨询电话 024-52313999。")) == "电话 024-52313998 → 024-52313999"


def test_the_change_report_is_one_tree_that_every_format_shows(four_changes):
    """`guidebook diff` writes one document (guidebook.document.build.change_report): Markdown and HTML show
    its headings, its columns and every cell of it, in its order; the terminal its headings and columns in
    that order (its table folds the cells side by side)."""
    from guidebook.catalogue import load_catalogue
    from guidebook.document.nodes import text_of
    from guidebook.document.build import change_report
    from guidebook.editions import diffing

    rows = diffing.change_rows(diffing.diff_catalogues(load_catalogue(SOURCE), load_catalogue(four_changes)))
    tree = change_report(rows)
    outputs = {fmt: run_cli("diff", str(SOURCE), str(four_changes), "--format", fmt).stdout.decode()
               for fmt in ("md", "text", "html")}
    for fmt, out in outputs.items():
        flat = normalize(out.replace("&#34;", '"').replace("&gt;", ">"))
        at = 0
        for block in tree:
            heading, table = block.children
            words = [text_of(heading.content), *(c.label for c in table.columns)]
            if fmt != "text":
                words += [text_of([n]) for row in table.rows for cell in row.cells for n in cell.content]
            for word in words:  # each in the tree's order
                found = flat.find(normalize(word), at)
                assert found >= 0, (fmt, word)
                at = found
