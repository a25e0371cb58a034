"""A corpus of broken catalogues: each gets a clear message naming file and line (or the limit),
exit code 1, no traceback, and the last good outputs stay untouched."""

import shutil
from pathlib import Path

import pytest

from helpers import MINIMAL, replace_in, run_cli_here


def _write(rel, content):
    def apply(src: Path):
        p = src / rel
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, "utf-8")
    return apply


def _remove(rel):
    def apply(src: Path):
        target = src / rel
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    return apply


def _symlink_outside(src: Path):
    outside = src.parent / "elsewhere.yaml"
    shutil.copy(src / "items/02.yaml", outside)
    (src / "items/02.yaml").unlink()
    (src / "items/02.yaml").symlink_to(outside)


def _huge_file(src: Path):
    with open(src / "items/02.yaml", "wb") as fh:
        fh.write(b"number: 2\ntips: ")
        fh.write(b"x" * (50 * 1024 * 1024))


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))


# (case, mutation, expected text of the first error line)
CASES = [
    # control characters however they arrive: typed, or through YAML escapes
    ("a NUL through a YAML escape", replace_in("items/01.yaml", "title: 失业保险金申领", 'title: "失业\\x00保险金申领"'),
     "source/items/01.yaml:3:8: control character U+0000 is not allowed (written as an escape)"),
    ("a right-to-left override through an escape", replace_in("items/01.yaml", "title: 失业保险金申领",
                                                            'title: "\\u202e失业保险金申领"'),
     "source/items/01.yaml:3:8: control character U+202E is not allowed (written as an escape)"),
    ("a terminal escape sequence", replace_in("items/01.yaml", "title: 失业保险金申领", 'title: "\\e[31m失业保险金申领"'),
     "source/items/01.yaml:3:8: control character U+001B is not allowed (written as an escape)"),
    # tags the schema does not use
    ("a !!binary value", replace_in("items/01.yaml", "title: 失业保险金申领", "title: !!binary 5aSx5Lia"),
     "source/items/01.yaml:3:8: the YAML tag !!binary is not allowed in the catalogue; write the value as plain text"),
    ("a python object tag", replace_in("items/01.yaml", "title: 失业保险金申领", "title: !!python/object:os.system {}"),
     "source/items/01.yaml:3:8: the YAML tag !!python/object:os.system is not allowed in the catalogue; write the "
     "value as plain text"),
    ("a local tag", replace_in("items/01.yaml", "title: 失业保险金申领", "title: !shout 失业保险金申领"),
     "source/items/01.yaml:3:8: the YAML tag !shout is not allowed in the catalogue; write the value as plain text"),
    # digits that are not ASCII in a phone field
    ("full-width digits in a phone", replace_in("windows.yaml", "phone: 024-53998007", "phone: ０２４-５３９９８００７"),
     'source/windows.yaml:6:12: windows[0].phone: not a phone number: "０２４-５３９９８００７"'),
    ("nesting hundreds of levels deep", replace_in("items/01.yaml", "title: 失业保险金申领",
                                                 "title: " + "[" * 2000 + "]" * 2000),
     "YAML syntax error: exceeded maximum nesting depth"),
    ("yaml syntax error", replace_in("items/01.yaml", "title: 失业保险金申领", "title: [失业保险金申领"),
     "source/items/01.yaml:4:6: YAML syntax error: did not find expected ',' or ']'"),
    ("tab indentation", replace_in("items/01.yaml", "  items:\n    - name: 申领人身份证", "  items:\n\t- name: 申领人身份证"),
     "source/items/01.yaml:7:1: YAML syntax error: tab characters are not allowed for indentation; use spaces"),
    ("text where a number belongs", replace_in("items/01.yaml", "number: 1", "number: one"),
     "source/items/01.yaml:1:9: number: expected a whole number, got text"),
    ("a float item number", replace_in("items/01.yaml", "number: 1", "number: 1.5"),
     "source/items/01.yaml:1:9: number: expected a whole number, got a number (1.5)"),
    ("a mapping where a list belongs", replace_in("items/01.yaml", "tips: 如有问题可拨打 12333 咨询办理。", "tips: {a: 1}"),
     "source/items/01.yaml:17:7: tips: expected a list, got a mapping"),
    ("yes/no read as true/false", replace_in("items/02.yaml", "title: 社会保障卡申领", "title: yes"),
     "source/items/02.yaml:3:8: title: expected text, got true/false"),
    ("an empty file", _write("items/02.yaml", "\n# nothing\n"), "source/items/02.yaml:1:1: file is empty"),
    ("a missing file", _remove("windows.yaml"), "source/windows.yaml: file is missing"),
    ("no item files", _remove("items"), "source/items: no item files (*.yaml) found"),
    ("a list at the top", _write("items/02.yaml", "- number: 2\n"),
     "source/items/02.yaml:1:1: expected a mapping of fields at the top, got a list"),
    ("an unknown key", replace_in("items/01.yaml", "title: 失业保险金申领", "titel: 失业保险金申领"),
     'source/items/01.yaml:3:1: titel: unknown field (did you mean "title"?)'),
    ("an unknown nested key", replace_in("items/02.yaml", "    text: 抚顺市合作银行网点", "    txt: 抚顺市合作银行网点"),
     'source/items/02.yaml:11:5: channels[0].txt: unknown field (did you mean "text"?)'),
    ("a duplicate item number", replace_in("items/02.yaml", "number: 2", "number: 1"),
     "source/items/02.yaml:1:9: number: duplicate item number 1 (also used in source/items/01.yaml:1)"),
    ("a dangling prohibited reference", replace_in("prohibited.yaml", "items: [1]", "items: [9]"),
     "source/prohibited.yaml:4:13: groups[0].items[0]: refers to item 9, which does not exist"),
    ("a dangling tolerated reference", replace_in("tolerated.yaml", "items: [1]", "items: [7]"),
     "source/tolerated.yaml:4:13: entries[0].items[0]: refers to item 7, which does not exist"),
    ("an unknown category", replace_in("items/02.yaml", "category: 社会保障卡", "category: 社保卡"),
     'source/items/02.yaml:2:11: category: unknown category "社保卡" (did you mean "社会保障卡"?); '
     "categories are listed in source/guide.yaml"),
    ("an invalid URL", replace_in("items/01.yaml", "url: https://ggfw.lnrc.com.cn/ehrss/login/", "url: htp:/x"),
     'source/items/01.yaml:15:14: channels[1].links[0].url: not a URL: "htp:/x" (expected http:// or https:// and a host name)'),
    ("a URL with a space", replace_in("items/01.yaml", "url: https://ggfw.lnrc.com.cn/ehrss/login/", "url: http://ggfw lnrc.com"),
     'source/items/01.yaml:15:14: channels[1].links[0].url: not a URL: "http://ggfw lnrc.com"'),
    ("an invalid phone", replace_in("windows.yaml", "phone: 024-53998007", "phone: 12-34"),
     'source/windows.yaml:6:12: windows[0].phone: not a phone number: "12-34"'),
    ("a 10,000-character field", replace_in("items/01.yaml", "time_limit: 全月经办。", "time_limit: " + "月" * 10000),
     "source/items/01.yaml:16:13: time_limit: text is too long (10,000 characters; the limit is 4,000)"),
    ("a control character", replace_in("items/01.yaml", "全月经办。", "全月\x07经办。"),
     "source/items/01.yaml:16:15: control character U+0007 is not allowed"),
    ("a right-to-left override", replace_in("items/01.yaml", "全月经办。", "全月\u202e经办。"),
     "source/items/01.yaml:16:15: control character U+202E is not allowed"),
    ("a right-to-left mark", replace_in("items/01.yaml", "全月经办。", "全月\u200f经办。"),
     "source/items/01.yaml:16:15: control character U+200F is not allowed"),
    ("a character outside the fonts", replace_in("items/01.yaml", "全月经办。", "全月经办𓀀。"),
     "source/items/01.yaml: item 1: character '𓀀' (U+13000) has no glyph in Noto Serif CJK SC, Noto Sans CJK SC"),
    ("a symlink out of the project", _symlink_outside,
     "source/items/02.yaml: symbolic link points outside the source folder; refusing to read it"),
    ("a 50 MB file", _huge_file, "source/items/02.yaml: file is too large (52,428,816 bytes; the limit is 1,000,000)"),
    ("an alias bomb", _write("items/02.yaml", BOMB),
     "source/items/02.yaml:1:4: YAML anchors and aliases (&, *) are not allowed in the catalogue"),
    ("a merge key", _write("items/02.yaml", "<<: {number: 2}\n"),
     "source/items/02.yaml:1:1: YAML merge keys (<<) are not allowed in the catalogue"),
    ("a duplicate key", replace_in("items/02.yaml", "number: 2\n", "number: 2\nnumber: 3\n"),
     'source/items/02.yaml:2:1: duplicate key "number" (first defined on line 1)'),
    ("not UTF-8", _write("items/02.yaml", "number: 2\ntitle: ".encode() + "社会保障卡申领".encode("gbk") + b"\n"),
     "source/items/02.yaml:2:1: file is not valid UTF-8 text"),
    ("an unknown channel kind", replace_in("items/02.yaml", "kind: 窗口办", "kind: 传真办"),
     "source/items/02.yaml:10:11: channels[0].kind: \"传真办\" is not allowed; use one of: '窗口办', '网上办', "
     "'掌上办', '自助办', '银行办', '电话办' or '邮寄办'"),
    ("materials both listed and none", replace_in("items/02.yaml", "  label: 需提供要件\n", "  label: 需提供要件\n  none: 无\n"),
     "source/items/02.yaml:5:3: materials: give exactly one of `items`, `groups` or `none`"),
    ("a decision without its other exit", replace_in("items/02.yaml", "time_limit: 即时办结", "time_limit: 即时办结\nflow:\n  - decide: 是否符合条件"),
     "source/items/02.yaml:14:5: flow[0]: a `decide` step needs `no_end`: where its other exit leads"),
    ("an empty title", replace_in("items/02.yaml", "title: 社会保障卡申领", 'title: ""'),
     "source/items/02.yaml:3:8: title: must not be empty"),
    ("zero copies", replace_in("items/02.yaml", "      form: 原件", "      form: 原件\n      copies: 0"),
     "source/items/02.yaml:9:15: materials.items[0].copies: must be at least 1, got 0"),
    ("an impossible edition year", replace_in("guide.yaml", "edition: 2026", "edition: 99999"),
     "source/guide.yaml:3:10: edition: must be at most 2200, got 99999"),
    ("a malformed edition date", replace_in("guide.yaml", "edition: 2026", "edition: 2026\nedition_date: 2026-13-45"),
     "source/guide.yaml:4:15: invalid value \"2026-13-45\": month must be in 1..12"),
    ("a channel with nothing in it", replace_in("items/02.yaml", "    text: 抚顺市合作银行网点\n", ""),
     "source/items/02.yaml:10:5: channels[0]: a channel needs at least one of `text`, `entries`, `links` or `path`"),
]


@pytest.mark.parametrize("case, mutate, expected", CASES, ids=[c[0] for c in CASES])
def test_broken_catalogue(tmp_path, case, mutate, expected):
    src = tmp_path / "source"
    shutil.copytree(MINIMAL, src)
    mutate(src)
    out = tmp_path / "output"
    out.mkdir()
    (out / "guide.pdf").write_bytes(b"%PDF- the last good guide")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    res = run_cli_here("build", "--source", "source", "--output", "output", cwd=tmp_path)
    err = res.stderr.decode()
    assert res.returncode == 1, err
    assert "Traceback" not in err
    assert expected in err.splitlines()[0] or expected in err, err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
