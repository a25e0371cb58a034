"""The command line: help, exit codes, progress and summary, and failed builds that touch nothing."""
import re

import pytest

from helpers import ROOT, SOURCE, run_cli, run_cli_here


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


def test_version_alone_and_debug_after_the_command(tmp_path):
    res = run_cli("--version")
    assert res.returncode == 0 and res.stdout.decode().startswith("guidebook ")
    res = run_cli("check", "--source", str(tmp_path / "missing"), "--debug")
    assert res.returncode == 1 and "Traceback" in res.stderr.decode()  # --debug after the command works
    res = run_cli("check", "--source", str(tmp_path / "missing"))
    assert res.returncode == 1 and "Traceback" not in res.stderr.decode()
    assert run_cli().returncode == 0  # no command: the help


def test_no_color_is_honoured(monkeypatch):
    from guidebook import cli

    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli._color("error:", "red") != "error:"
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli._color("error:", "red") == "error:"


def _listed(*query: str) -> list[int]:
    res = run_cli_here("list", *query)
    return [int(line.split()[0]) for line in res.stdout.decode().splitlines()]


def test_list_finds_what_a_clerk_types():
    assert _listed("15") == [15]  # the number, not URLs that contain 15
    assert _listed("三") == list(range(14, 22))  # a category by its numeral
    assert set(range(14, 22)) <= set(_listed("失业保险"))
    both = _listed("失业", "保险金")
    assert both and both[0] == 15
    assert 15 in _listed("失业金")  # near spelling of 失业保险金申领
    assert _listed("社会保障卡")[:3] == [36, 37, 38]  # titles first
    assert run_cli_here("list", "没有这样的事项").returncode == 1


def test_a_mistyped_phone_is_reported_with_its_line(source_copy):
    path = source_copy / "items" / "07.yaml"
    text = path.read_text("utf-8")
    for wrong in ("024-524432199", "024-5244321"):
        path.write_text(text.replace("024-52443219", wrong), "utf-8")
        line = next(i for i, s in enumerate(path.read_text("utf-8").splitlines(), 1) if wrong in s)
        res = run_cli("check", "--source", str(source_copy))
        err = res.stderr.decode()
        assert res.returncode == 0 and f"items/07.yaml:{line}:" in err and f'"{wrong}" looks like a phone number' in err
        assert run_cli("check", "--strict", "--source", str(source_copy)).returncode == 1
        diff = run_cli("diff", str(ROOT / "source"), "--source", str(source_copy), "--format", "json")
        assert "024-52443219" in diff.stdout.decode()


def test_notes_for_staff_are_chinese_and_name_what_they_concern():
    res = run_cli_here("check")
    notes = [line for line in res.stderr.decode().splitlines() if ": note: " in line]
    assert len(notes) >= 15
    assert any("note: 窗口“望花区就业和人才服务中心”: " in n for n in notes)
    assert any("note: 事项 41《" in n and "已将“http://si12333.gov.cn”更正为" in n for n in notes)
    for n in notes:
        text = n.split(": note: ", 1)[1]
        assert "windows[" not in text and "flags[" not in text
        assert not re.search(r"\b(?:the|is|and|as|printed)\b", text), text  # no English sentences


def test_diff_exit_code_and_one_meaning_of_o(tmp_path, source_copy):
    same = run_cli_here("diff", str(SOURCE), "--source", str(SOURCE), "--exit-code")
    assert same.returncode == 0
    path = source_copy / "items" / "15.yaml"
    path.write_text(path.read_text("utf-8").replace("全月经办。", "全月经办，次月发放。"), "utf-8")
    report = tmp_path / "changes.md"
    res = run_cli_here("diff", str(SOURCE), "--source", str(source_copy), "--exit-code", "--format", "md",
                       "-o", str(report))
    assert res.returncode == 1 and "次月发放" in report.read_text("utf-8")


COMMANDS = ["", "check", "export", "schema", "list", "build", "handout", "diff", "publish", "edit", "preview",
            "layouts list", "layouts copy", "edition new", "fonts list", "fonts install"]


@pytest.mark.parametrize("columns", ["80", "100"])
def test_every_help_is_complete_and_without_type_noise_after_flags(monkeypatch, columns):
    from helpers import run_cli_here

    monkeypatch.setenv("COLUMNS", columns)
    for command in COMMANDS:
        res = run_cli_here(*command.split(), "--help")
        text = res.stdout.decode()
        assert res.returncode == 0 and "Usage: guidebook" in text, command
        assert "<bool>" not in text, command  # a flag takes no value
        assert "…" not in text, (command, [line for line in text.splitlines() if "…" in line])
    top = run_cli_here("--help").stdout.decode()
    assert "publish" in top and "web edition" in top and "web edition" in run_cli_here("build", "--help").stdout.decode()


def test_a_copy_of_the_project_running_another_folder_s_code_says_so(tmp_path):
    copy = tmp_path / "guidebook-2027"
    (copy / "guidebook").mkdir(parents=True)
    (copy / "guidebook" / "cli.py").write_text("", "utf-8")
    (copy / "pyproject.toml").write_text("", "utf-8")
    res = run_cli_here("--version", cwd=copy)
    err = res.stderr.decode()
    assert res.returncode == 0 and f"not of this folder ({copy.resolve()})" in err and "make build" in err
    assert "not of this folder" not in run_cli_here("--version", cwd=ROOT).stderr.decode()
    assert "not of this folder" not in run_cli_here("--version", cwd=tmp_path).stderr.decode()  # not a project
