"""A corpus of broken catalogues: each gets a clear message naming file and line (or the limit),
exit code 1, no traceback, and the last good outputs stay untouched."""

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import run_cli, run_cli_here

MINIMAL = Path(__file__).parent / "fixtures" / "minimal"


def _replace(rel, old, new):
    def apply(src: Path):
        p = src / rel
        text = p.read_text("utf-8")
        assert old in text, (rel, old)
        p.write_text(text.replace(old, new, 1), "utf-8")
    return apply


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
    ("a NUL through a YAML escape", _replace("items/01.yaml", "title: 失业保险金申领", 'title: "失业\\x00保险金申领"'),
     "source/items/01.yaml:3:8: control character U+0000 is not allowed (written as an escape)"),
    ("a right-to-left override through an escape", _replace("items/01.yaml", "title: 失业保险金申领",
                                                            'title: "\\u202e失业保险金申领"'),
     "source/items/01.yaml:3:8: control character U+202E is not allowed (written as an escape)"),
    ("a terminal escape sequence", _replace("items/01.yaml", "title: 失业保险金申领", 'title: "\\e[31m失业保险金申领"'),
     "source/items/01.yaml:3:8: control character U+001B is not allowed (written as an escape)"),
    # tags the schema does not use
    ("a !!binary value", _replace("items/01.yaml", "title: 失业保险金申领", "title: !!binary 5aSx5Lia"),
     "source/items/01.yaml:3:8: the YAML tag !!binary is not allowed in the catalogue; write the value as plain text"),
    ("a python object tag", _replace("items/01.yaml", "title: 失业保险金申领", "title: !!python/object:os.system {}"),
     "source/items/01.yaml:3:8: the YAML tag !!python/object:os.system is not allowed in the catalogue; write the "
     "value as plain text"),
    ("a local tag", _replace("items/01.yaml", "title: 失业保险金申领", "title: !shout 失业保险金申领"),
     "source/items/01.yaml:3:8: the YAML tag !shout is not allowed in the catalogue; write the value as plain text"),
    # digits that are not ASCII in a phone field
    ("full-width digits in a phone", _replace("windows.yaml", "phone: 024-53998007", "phone: ０２４-５３９９８００７"),
     'source/windows.yaml:6:12: windows[0].phone: not a phone number: "０２４-５３９９８００７"'),
    ("nesting hundreds of levels deep", _replace("items/01.yaml", "title: 失业保险金申领",
                                                 "title: " + "[" * 2000 + "]" * 2000),
     "YAML syntax error: exceeded maximum nesting depth"),
    ("yaml syntax error", _replace("items/01.yaml", "title: 失业保险金申领", "title: [失业保险金申领"),
     "source/items/01.yaml:4:6: YAML syntax error: did not find expected ',' or ']'"),
    ("tab indentation", _replace("items/01.yaml", "  items:\n    - name: 申领人身份证", "  items:\n\t- name: 申领人身份证"),
     "source/items/01.yaml:7:1: YAML syntax error: tab characters are not allowed for indentation; use spaces"),
    ("text where a number belongs", _replace("items/01.yaml", "number: 1", "number: one"),
     "source/items/01.yaml:1:9: number: expected a whole number, got text"),
    ("a float item number", _replace("items/01.yaml", "number: 1", "number: 1.5"),
     "source/items/01.yaml:1:9: number: expected a whole number, got a number (1.5)"),
    ("a mapping where a list belongs", _replace("items/01.yaml", "tips: 如有问题可拨打 12333 咨询办理。", "tips: {a: 1}"),
     "source/items/01.yaml:17:7: tips: expected a list, got a mapping"),
    ("yes/no read as true/false", _replace("items/02.yaml", "title: 社会保障卡申领", "title: yes"),
     "source/items/02.yaml:3:8: title: expected text, got true/false"),
    ("an empty file", _write("items/02.yaml", "\n# nothing\n"), "source/items/02.yaml:1:1: file is empty"),
    ("a missing file", _remove("windows.yaml"), "source/windows.yaml: file is missing"),
    ("no item files", _remove("items"), "source/items: no item files (*.yaml) found"),
    ("a list at the top", _write("items/02.yaml", "- number: 2\n"),
     "source/items/02.yaml:1:1: expected a mapping of fields at the top, got a list"),
    ("an unknown key", _replace("items/01.yaml", "title: 失业保险金申领", "titel: 失业保险金申领"),
     'source/items/01.yaml:3:1: titel: unknown field (did you mean "title"?)'),
    ("an unknown nested key", _replace("items/02.yaml", "    text: 抚顺市合作银行网点", "    txt: 抚顺市合作银行网点"),
     'source/items/02.yaml:11:5: channels[0].txt: unknown field (did you mean "text"?)'),
    ("a duplicate item number", _replace("items/02.yaml", "number: 2", "number: 1"),
     "source/items/02.yaml:1:9: number: duplicate item number 1 (also used in source/items/01.yaml:1)"),
    ("a dangling prohibited reference", _replace("prohibited.yaml", "items: [1]", "items: [9]"),
     "source/prohibited.yaml:4:13: groups[0].items[0]: refers to item 9, which does not exist"),
    ("a dangling tolerated reference", _replace("tolerated.yaml", "items: [1]", "items: [7]"),
     "source/tolerated.yaml:4:13: entries[0].items[0]: refers to item 7, which does not exist"),
    ("an unknown category", _replace("items/02.yaml", "category: 社会保障卡", "category: 社保卡"),
     'source/items/02.yaml:2:11: category: unknown category "社保卡" (did you mean "社会保障卡"?); '
     "categories are listed in source/guide.yaml"),
    ("an invalid URL", _replace("items/01.yaml", "url: https://ggfw.lnrc.com.cn/ehrss/login/", "url: htp:/x"),
     'source/items/01.yaml:15:14: channels[1].links[0].url: not a URL: "htp:/x" (expected http:// or https:// and a host name)'),
    ("a URL with a space", _replace("items/01.yaml", "url: https://ggfw.lnrc.com.cn/ehrss/login/", "url: http://ggfw lnrc.com"),
     'source/items/01.yaml:15:14: channels[1].links[0].url: not a URL: "http://ggfw lnrc.com"'),
    ("an invalid phone", _replace("windows.yaml", "phone: 024-53998007", "phone: 12-34"),
     'source/windows.yaml:6:12: windows[0].phone: not a phone number: "12-34"'),
    ("a 10,000-character field", _replace("items/01.yaml", "time_limit: 全月经办。", "time_limit: " + "月" * 10000),
     "source/items/01.yaml:16:13: time_limit: text is too long (10,000 characters; the limit is 4,000)"),
    ("a control character", _replace("items/01.yaml", "全月经办。", "全月\x07经办。"),
     "source/items/01.yaml:16:15: control character U+0007 is not allowed"),
    ("a right-to-left override", _replace("items/01.yaml", "全月经办。", "全月\u202e经办。"),
     "source/items/01.yaml:16:15: control character U+202E is not allowed"),
    ("a right-to-left mark", _replace("items/01.yaml", "全月经办。", "全月\u200f经办。"),
     "source/items/01.yaml:16:15: control character U+200F is not allowed"),
    ("a character outside the fonts", _replace("items/01.yaml", "全月经办。", "全月经办𓀀。"),
     "source/items/01.yaml: item 1: character '𓀀' (U+13000) has no glyph in Noto Serif CJK SC, Noto Sans CJK SC"),
    ("a symlink out of the project", _symlink_outside,
     "source/items/02.yaml: symbolic link points outside the source folder; refusing to read it"),
    ("a 50 MB file", _huge_file, "source/items/02.yaml: file is too large (52,428,816 bytes; the limit is 1,000,000)"),
    ("an alias bomb", _write("items/02.yaml", BOMB),
     "source/items/02.yaml:1:4: YAML anchors and aliases (&, *) are not allowed in the catalogue"),
    ("a merge key", _write("items/02.yaml", "<<: {number: 2}\n"),
     "source/items/02.yaml:1:1: YAML merge keys (<<) are not allowed in the catalogue"),
    ("a duplicate key", _replace("items/02.yaml", "number: 2\n", "number: 2\nnumber: 3\n"),
     'source/items/02.yaml:2:1: duplicate key "number" (first defined on line 1)'),
    ("not UTF-8", _write("items/02.yaml", "number: 2\ntitle: ".encode() + "社会保障卡申领".encode("gbk") + b"\n"),
     "source/items/02.yaml:2:1: file is not valid UTF-8 text"),
    ("an unknown channel kind", _replace("items/02.yaml", "kind: 窗口办", "kind: 传真办"),
     "source/items/02.yaml:10:11: channels[0].kind: \"传真办\" is not allowed; use one of: '窗口办', '网上办', "
     "'掌上办', '自助办', '银行办', '电话办' or '邮寄办'"),
    ("materials both listed and none", _replace("items/02.yaml", "  label: 需提供要件\n", "  label: 需提供要件\n  none: 无\n"),
     "source/items/02.yaml:5:3: materials: give exactly one of `items`, `groups` or `none`"),
    ("a decision without its other exit", _replace("items/02.yaml", "time_limit: 即时办结", "time_limit: 即时办结\nflow:\n  - decide: 是否符合条件"),
     "source/items/02.yaml:14:5: flow[0]: a `decide` step needs `no_end`: where its other exit leads"),
    ("an empty title", _replace("items/02.yaml", "title: 社会保障卡申领", 'title: ""'),
     "source/items/02.yaml:3:8: title: must not be empty"),
    ("zero copies", _replace("items/02.yaml", "      form: 原件", "      form: 原件\n      copies: 0"),
     "source/items/02.yaml:9:15: materials.items[0].copies: must be at least 1, got 0"),
    ("an impossible edition year", _replace("guide.yaml", "edition: 2026", "edition: 99999"),
     "source/guide.yaml:3:10: edition: must be at most 2200, got 99999"),
    ("a malformed edition date", _replace("guide.yaml", "edition: 2026", "edition: 2026\nedition_date: 2026-13-45"),
     "source/guide.yaml:4:15: invalid value \"2026-13-45\": month must be in 1..12"),
    ("a channel with nothing in it", _replace("items/02.yaml", "    text: 抚顺市合作银行网点\n", ""),
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


def test_there_are_at_least_thirty_cases():
    assert len(CASES) >= 30


def test_markup_and_template_syntax_in_text_are_printed_literally(tmp_path):
    src = tmp_path / "source"
    shutil.copytree(MINIMAL, src)
    hostile = "<script>alert(1)</script> {{ config }} {% if x %} ${x} <img src='file:///etc/passwd'>"
    _replace("items/02.yaml", "time_limit: 即时办结", f'time_limit: "{hostile}"')(src)
    res = run_cli("build", "--source", "source", "--output", "output", "--no-word", "--no-guide", cwd=tmp_path)
    assert res.returncode == 0, res.stderr.decode()
    from conftest import normalize, pdf_pages_text

    text = normalize(pdf_pages_text(tmp_path / "output" / "handouts" / "02-社会保障卡申领.pdf")[0])
    assert normalize(hostile) in text


# -- hostile runs: each family of issue 15, run as a user or an attacker would -----------------------
#
# Each scenario prepares a project (the minimal catalogue in source/, a last good output/), runs one
# command, and asserts its exit code and message; then that no file changed except the outputs the
# tool's own manifest lists (the whole project folder is hashed before and after).

SECRET = "机密：不应出现在任何文件中"


def _tree(root: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            out[rel] = ("link", os.readlink(p))
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "folder"
    return out


def _own_outputs(root: Path) -> set[str]:
    """What the tool may write: the outputs its manifests list, the manifests, and their folders."""
    own: set[str] = set()
    for manifest in root.rglob("manifest.json"):
        base = manifest.parent.relative_to(root)
        own.add((base / "manifest.json").as_posix())
        try:
            entries = json.loads(manifest.read_text("utf-8"))["outputs"]
        except (ValueError, KeyError, TypeError):
            continue
        for e in entries if isinstance(entries, list) else []:
            if isinstance(e, dict) and isinstance(e.get("path"), str):
                parts = (base / e["path"]).parts
                own |= {Path(*parts[:i]).as_posix() for i in range(1, len(parts) + 1)}
    return own


def _edit(rel, old, new):
    return lambda tmp: _replace(rel, old, new)(tmp / "source")


def _pdf_chars_off_the_page(pdf: Path) -> int:
    import pypdfium2 as pdfium

    off = 0
    doc = pdfium.PdfDocument(pdf)
    for page in doc:
        width, _ = page.get_size()
        text = page.get_textpage()
        for i in range(text.count_chars()):
            left, _, right, _ = text.get_charbox(i)
            off += left < 28 or right > width - 28  # 10 mm: inside every layout's margins
    doc.close()
    return off


def _outputs_named_within_limits(tmp: Path) -> None:
    names = [p.name for p in (tmp / "output").rglob("*")]
    assert names and max(len(n.encode("utf-8")) for n in names) <= 143  # the eCryptfs limit, the strictest
    stems = [n for n in names if n.startswith("02-")]
    assert stems and all(n.startswith("02-社会保障卡申领社会保障卡申领") for n in stems), stems
    from conftest import normalize, pdf_pages_text

    [pdf] = [p for p in (tmp / "output" / "handouts").glob("02-*.pdf")]
    assert normalize("社会保障卡申领" * 30) in normalize(pdf_pages_text(pdf)[0])  # the whole title is printed


def _text_stays_on_the_page(tmp: Path) -> None:
    pdfs = list((tmp / "output").rglob("*.pdf"))
    assert len(pdfs) >= 3
    assert {p.name: _pdf_chars_off_the_page(p) for p in pdfs} == {p.name: 0 for p in pdfs}


def _rebuild_changes_nothing(layout: str, output: str):
    def check(tmp: Path) -> None:
        res = run_cli_here("build", "--layouts", layout, "--output", output, "--no-word", cwd=tmp)
        assert res.returncode == 0 and "everything is up to date" in res.stderr.decode(), res.stderr.decode()
    return check


def _temporaries(tmp: Path) -> None:
    (tmp / "output" / "handouts").mkdir(parents=True, exist_ok=True)
    (tmp / "output" / ".notes.tmp").write_text("the user's own file")
    # a temporary of a build that still runs (PID 1 always does): not stale, never removed
    (tmp / "output" / "handouts" / ".x.pdf.guidebook-1-abcd.tmp").write_text("another build's")


def _link_out(rel: str, text: str = SECRET):
    def setup(tmp: Path) -> None:
        (tmp / "secret.txt").write_text(text, "utf-8")
        (tmp / "mine").mkdir(exist_ok=True)
        (tmp / "mine" / rel).symlink_to(tmp / "secret.txt")
    return setup


def _include_link_out(tmp: Path) -> None:
    _link_out("x.html")(tmp)
    (tmp / "mine" / "handout.html").write_text(
        '{% extends "default/handout.html" %}{% block handout_header %}{% include "x.html" %}{% endblock %}')


def _layout_with_output_inside(tmp: Path) -> None:
    (tmp / "mine").mkdir()
    (tmp / "mine" / "custom.css").write_text(".h-title { letter-spacing: 0.05em; }\n")


def _bad_manifest(tmp: Path) -> None:
    (tmp / "output" / "manifest.json").write_text(json.dumps({"outputs": [
        5, "x", None, {"path": 5, "key": [], "sha256": {}},
        {"path": "../source/items/02.yaml", "key": "k", "sha256": "s"},
        {"path": "handouts/../../source/windows.yaml", "key": "k", "sha256": "s"},
        {"path": "/etc/hostname", "key": "k", "sha256": "s"}]}))


def _escape_in_a_file_name(tmp: Path) -> None:
    shutil.copy(tmp / "source/items/02.yaml", tmp / "source/items/\x1b[31mred.yaml")


def _one(path: str, content: str = "x"):
    def setup(tmp: Path) -> None:
        (tmp / path).write_text(content)
    return setup


def _folder(path: str):
    return lambda tmp: (tmp / path).mkdir()


def _two(*setups):
    def setup(tmp: Path) -> None:
        for s in setups:
            s(tmp)
    return setup


def _git(tmp: Path) -> None:
    import subprocess

    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp)]
    subprocess.run(["git", "init", "-q", str(tmp)], check=True)
    subprocess.run(git + ["add", "source"], check=True)
    subprocess.run(git + ["commit", "-qm", "2026"], check=True)


def _dev_null_stays(tmp: Path) -> None:
    import stat

    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


LONG_TITLE = "社会保障卡申领" * 30
NO_BREAK = "ABCDEFGHIJ" * 30

# (family, case, set-up, command, exit code, expected message (a line of stderr), check afterwards)
SCENARIOS = [
    # 1. never delete, truncate or replace a file the tool did not create
    ("files", "a user's .tmp file and a running build's temporary in the output folder", _temporaries,
     ["build", "--no-site"], 0, "wrote", None),
    ("files", "-o /dev/null is written into, never replaced", None, ["handout", "1", "-o", "/dev/null"], 0, "",
     _dev_null_stays),
    ("files", "-o naming a folder", _folder("job"), ["handout", "1", "-o", "job"], 1,
     "error: cannot write job: it is a folder", None),
    ("files", "edition new with `editions` a file", _one("editions"), ["edition", "new", "2027"], 1,
     "error: editions is a file, not a folder for the archived editions", None),
    # 2. nothing from the command line or the catalogue is parsed as an option
    ("options", "a revision that is a git option", _git, ["diff", "--", "--output=stolen"], 1,
     "error: '--output=stolen' is neither a folder nor a git revision", None),
    ("options", "--changes-since that is a git option", _git, ["build", "--changes-since=--output=stolen"], 1,
     "error: '--output=stolen' is neither a folder nor a git revision", None),
    # 3. the checker sees what the renderer sees; what is printed to a terminal is escaped
    ("checker", "a line separator through a YAML escape",
     _edit("items/02.yaml", "title: 社会保障卡申领", 'title: "社会\\L保障卡申领"'), ["build"], 1,
     "source/items/02.yaml:3:8: control character U+2028 is not allowed (written as an escape)", None),
    ("checker", "a bidirectional isolate through a YAML escape",
     _edit("items/02.yaml", "title: 社会保障卡申领", 'title: "\\u2066社会保障卡申领"'), ["build"], 1,
     "source/items/02.yaml:3:8: control character U+2066 is not allowed (written as an escape)", None),
    ("checker", "Arabic-Indic digits in a phone", _edit("windows.yaml", "phone: 024-53998007", "phone: ٠٢٤-٥٣٩٩٨٠٠٧"),
     ["build"], 1, 'source/windows.yaml:6:12: windows[0].phone: not a phone number: "٠٢٤-٥٣٩٩٨٠٠٧"', None),
    ("checker", "a terminal escape in a file name is printed escaped", _escape_in_a_file_name, ["check"], 1,
     "source/items/02.yaml:1:9: number: duplicate item number 2 (also used in source/items/\\x1b[31mred.yaml:1)",
     None),
    # 4. limits a document cannot meet
    ("limits", "a URL too long for a QR code",
     _edit("items/01.yaml", "url: https://ggfw.lnrc.com.cn/ehrss/login/",
           "url: https://ggfw.lnrc.com.cn/ehrss/login/?next=" + "a" * 200), ["build"], 1,
     "source/items/01.yaml:15:14: channels[1].links[0].url: URL too long for a QR code (243 characters; a code "
     "printed 26 mm wide stays readable up to 213)", None),
    ("limits", "a site address too long for the handouts' QR codes",
     _edit("guide.yaml", "edition: 2026", "edition: 2026\nsite:\n  base_url: https://rsj.example.cn/" + "g" * 190 + "/"),
     ["check"], 1, "source/guide.yaml:5:13: site.base_url: URL too long for a QR code (214 characters; a code "
     "printed 26 mm wide stays readable up to 198)", None),
    ("limits", "a title too long for a file name: the name is cut, the title kept",
     _edit("items/02.yaml", "title: 社会保障卡申领", "title: " + LONG_TITLE), ["build", "--no-site"], 0, "wrote",
     _outputs_named_within_limits),
    ("limits", "strings with no break opportunity, wider than the page",
     _two(_edit("items/02.yaml", "time_limit: 即时办结", "time_limit: 即时办结" + NO_BREAK),
          _edit("items/02.yaml", "text: 抚顺市合作银行网点", "text: 抚顺市合作银行网点" + "１２３４５６７８９０" * 6 + "x" * 150)),
     ["build", "--no-site", "--no-word"], 0, "wrote", _text_stays_on_the_page),
    # 5. every failure a user can reach is a clear message with an exit code
    ("usage", "--to naming a file", _one("tofile"), ["layouts", "copy", "theme.css", "--to", "tofile"], 1,
     "error: tofile is a file, not a layout folder", None),
    ("usage", "--output naming a file", _one("tofile"), ["build", "--output", "tofile"], 1,
     "error: cannot write to tofile: it is a file, not a folder", None),
    ("usage", "--source naming a file", _one("tofile"), ["check", "--source", "tofile"], 1,
     "error: tofile: is a file, not a catalogue folder", None),
    ("usage", "--layouts naming a file", _one("tofile"), ["build", "--layouts", "tofile"], 1,
     "error: tofile: is a file, not a layout folder", None),
    ("usage", "a preview port outside 0-65535", None, ["preview", "--port", "70000"], 2,
     "Invalid value for '--port' / '-p'", None),
    ("usage", "an editor port outside 0-65535", None, ["edit", "--port", "-1"], 2,
     "Invalid value for '--port' / '-p'", None),
    ("usage", "a manifest of the wrong shape, naming files outside the output folder", _bad_manifest,
     ["build", "--no-site"], 0, "warning: output/manifest.json is damaged (7 entries of the wrong shape): what it "
     "does not describe is rendered again", None),
    ("usage", "the output folder inside a layout folder renders once, not on every build",
     _layout_with_output_inside, ["build", "--layouts", "mine", "--output", "mine/out", "--no-word"], 0, "wrote",
     _rebuild_changes_nothing("mine", "mine/out")),
    # 6. templates read only the layout folders
    ("templates", "a template that links out of its layout folder", _link_out("handout.html"),
     ["build", "--layouts", "mine"], 1,
     "error: mine/handout.html: symbolic link leads outside the layout folders; refusing to read it", None),
    ("templates", "an included template that links out", _include_link_out, ["build", "--layouts", "mine"], 1,
     "error: mine/x.html: symbolic link leads outside the layout folders; refusing to read it", None),
    ("templates", "a stylesheet that links out", _link_out("theme.css"), ["build", "--layouts", "mine"], 1,
     "error: mine/theme.css: symbolic link leads outside the layout folders; refusing to read it", None),
    ("templates", "a stacked custom.css that links out", _link_out("custom.css"), ["build", "--layouts", "mine"], 1,
     "error: mine/custom.css: symbolic link leads outside the layout folders; refusing to read it", None),
    ("templates", "fonts.toml that links out", _link_out("fonts.toml", "[roles]\nbody = ['x']\n"),
     ["build", "--layouts", "mine"], 1,
     "error: mine/fonts.toml: symbolic link leads outside the layout folders; refusing to read it", None),
]


@pytest.mark.parametrize("family, case, setup, args, code, expected, check", SCENARIOS,
                         ids=[f"{s[0]}: {s[1]}" for s in SCENARIOS])
def test_hostile_runs(tmp_path, family, case, setup, args, code, expected, check):
    shutil.copytree(MINIMAL, tmp_path / "source")
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "guide.pdf").write_bytes(b"%PDF- the last good guide")
    if setup:
        setup(tmp_path)
    before = _tree(tmp_path)
    res = run_cli_here(*args, cwd=tmp_path)
    err = res.stderr.decode()
    assert res.returncode == code, err
    assert "Traceback" not in err and "internal error" not in err, err
    flat = " ".join(err.replace("│", " ").split())  # usage errors come in a box
    assert expected in flat, err
    after = _tree(tmp_path)
    own = _own_outputs(tmp_path) if code == 0 else set()
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    assert changed <= own, sorted(changed - own)
    assert SECRET not in json.dumps({p: str(v) for p, v in after.items()}, ensure_ascii=False)
    if check:
        check(tmp_path)


def test_every_family_of_issue_15_has_cases():
    families = {s[0] for s in SCENARIOS}
    assert families == {"files", "options", "checker", "limits", "usage", "templates"}
    assert len(SCENARIOS) + 9 >= 25  # 9 cases of the first round of issue 15 are in CASES above
