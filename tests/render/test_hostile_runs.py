"""Hostile runs: one family of misuse each (files the tool does not own, names parsed as options, the
checker, document limits, usage mistakes, links out of the layouts); each asserts the exact message and
exit code, and that nothing changed but the outputs the tool's manifest lists. Many of them build."""

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from helpers import MINIMAL, replace_in, run_cli, run_cli_here


def test_markup_and_template_syntax_in_text_are_printed_literally(tmp_path):
    src = tmp_path / "source"
    shutil.copytree(MINIMAL, src)
    hostile = "<script>alert(1)</script> {{ config }} {% if x %} ${x} <img src='file:///etc/passwd'>"
    replace_in("items/02.yaml", "time_limit: 即时办结", f'time_limit: "{hostile}"')(src)
    res = run_cli("build", "--source", "source", "--output", "output", "--no-word", "--no-guide", cwd=tmp_path)
    assert res.returncode == 0, res.stderr.decode()
    from helpers import normalize, pdf_pages_text

    text = normalize(pdf_pages_text(tmp_path / "output" / "handouts" / "02-社会保障卡申领.pdf")[0])
    assert normalize(hostile) in text


def test_invisible_characters_pasted_from_the_web_print_as_nothing(tmp_path):
    """Zero-width spaces and joiners, a soft hyphen, a word joiner and variation selectors (text copied from
    web pages and Word files brings them, unseen): not "no glyph" errors, but what every renderer does with
    them: nothing. A character no font has still fails (test_corpus); direction marks and controls are
    refused where they are, with file, line and column (test_yamlsource)."""
    from helpers import docx_body_text, normalize, pdf_pages_text

    src = tmp_path / "source"
    shutil.copytree(MINIMAL, src)
    invisible = "\u200b\u200c\u200d\u00ad\u2060\ufe00\U000e0101"
    replace_in("items/02.yaml", "time_limit: 即时办结", f'time_limit: "即时{invisible}办结（葛\U000e0101）"')(src)
    res = run_cli("build", "--source", "source", "--output", "output", "--no-site", cwd=tmp_path)
    assert res.returncode == 0, res.stderr.decode()
    (pdf,) = (tmp_path / "output" / "handouts").glob("02-*.pdf")
    text = normalize(pdf_pages_text(pdf)[0])
    assert "即时办结（葛）" in "".join(ch for ch in text if ch not in invisible + "\ufffe\x02")
    assert "即时" in docx_body_text(next((tmp_path / "output" / "handouts").glob("02-*.docx")))


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
    return lambda tmp: replace_in(rel, old, new)(tmp / "source")


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
    from helpers import normalize, pdf_pages_text

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
