"""Faults: killed builds, full disks, unwritable folders, and nothing fetched from outside."""

import errno
import http.server
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from helpers import MINIMAL, ROOT, run_cli

# -- property: the loader accepts or reports, it never crashes ----------------------------------

_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True)
    | st.text(max_size=40) | st.dates().map(str),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_loader_accepts_or_reports_cleanly(tmp_path_factory, data):
    import yaml

    from guidebook.catalogue import load_catalogue
    from guidebook.diagnostics import DataError

    src = tmp_path_factory.mktemp("hyp") / "source"
    shutil.copytree(MINIMAL, src)
    name = data.draw(st.sampled_from(["items/01.yaml", "items/02.yaml", "guide.yaml", "windows.yaml",
                                      "prohibited.yaml", "tolerated.yaml"]))
    path = src / name
    if data.draw(st.booleans()):  # structural: replace one value anywhere with anything
        doc = yaml.safe_load(path.read_text("utf-8"))
        node, key = doc, None
        while True:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            if not keys:
                break
            key = data.draw(st.sampled_from(keys))
            if not isinstance(node[key], (dict, list)) or data.draw(st.booleans()):
                break
            node = node[key]
        if key is not None:
            node[key] = data.draw(_values)
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    else:  # textual: insert, delete or replace characters anywhere
        text = path.read_text("utf-8")
        pos = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 5))
        text = text[:pos] + data.draw(st.text(max_size=6)) + text[pos + cut:]
        path.write_bytes(text.encode("utf-8", errors="replace"))  # lone surrogates become "?"
    try:
        load_catalogue(src)
    except DataError as exc:
        assert exc.diagnostics and all(d.message for d in exc.diagnostics)


# -- killed builds ---------------------------------------------------------------------------------

def _readable(path: Path) -> bool:
    if path.suffix == ".pdf":
        return len(PdfReader(path).pages) >= 1
    if path.suffix == ".docx":
        return zipfile.ZipFile(path).testzip() is None
    if path.suffix == ".json":
        import json

        json.loads(path.read_text("utf-8"))
    return True


def test_killing_a_build_leaves_the_previous_outputs_intact(tmp_path):
    src = tmp_path / "source"
    shutil.copytree(MINIMAL, src)
    out = tmp_path / "output"
    assert run_cli("build", "--source", str(src), "--output", str(out)).returncode == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert len(before) >= 7
    item = src / "items" / "02.yaml"
    text = item.read_text("utf-8")

    def edit(k: int) -> None:  # each build has an edit to write: the guide, the item's handout, Word files, pages
        item.write_text(text.replace("即时办结", f"即时办结（第{k}次修改）"), "utf-8")

    edit(0)
    start = time.monotonic()
    assert run_cli("build", "--source", str(src), "--output", str(out)).returncode == 0
    took = time.monotonic() - start  # how long such a build takes on this machine now, start included
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    rng = random.Random(20261128)
    killed = 0
    for k in range(1, 7):
        edit(k)
        proc = subprocess.Popen([sys.executable, "-m", "guidebook", "build", "--source", str(src), "--output", str(out)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.25, 0.9) * took)
        import os

        os.killpg(proc.pid, signal.SIGKILL)
        killed += proc.wait() == -signal.SIGKILL  # killed mid-build, not after it ended
        for rel in before:  # every output is still there and readable: old or new, never half
            assert (out / rel).exists(), rel
            assert _readable(out / rel), rel
    assert killed >= 3, killed
    assert run_cli("build", "--source", str(src), "--output", str(out)).returncode == 0
    assert not list(out.rglob(".*.tmp"))


def test_a_full_disk_gives_a_clear_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    from guidebook import files
    from guidebook.diagnostics import GuidebookError

    target = tmp_path / "guide.pdf"
    target.write_bytes(b"old")

    class Full:
        def __init__(self, fd, mode):
            import os

            self.fd = fd
            self.os = os

        def __enter__(self):
            return self

        def __exit__(self, *a):
            self.os.close(self.fd)

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fdopen", Full)
    with pytest.raises(GuidebookError, match=r"cannot write .*guide\.pdf: No space left on device"):
        files.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["guide.pdf"]


def test_an_unwritable_output_folder_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "output"
    blocker.write_text("a file where the output folder should be", "utf-8")
    res = run_cli("build", "--source", str(MINIMAL), "--output", str(blocker), "--no-word")
    assert res.returncode == 1
    err = res.stderr.decode()
    assert f"error: cannot write to {blocker}: it is a file, not a folder" in err and "Traceback" not in err
    assert "rendering" not in err  # it fails before doing any work
    res = run_cli("build", "--source", str(MINIMAL), "--output", "/proc/guidebook-output", "--no-word")
    assert res.returncode == 1 and "cannot write to /proc/guidebook-output" in res.stderr.decode()


# -- nothing leaks ---------------------------------------------------------------------------------

@pytest.fixture
def listener():
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x")

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_catalogue_text_fetches_nothing(tmp_path, listener):
    url, hits = listener
    src = tmp_path / "source"
    shutil.copytree(MINIMAL, src)
    p = src / "items" / "02.yaml"
    evil = f"<img src='{url}/img.png'> <link rel=stylesheet href='{url}/x.css'> file:///etc/passwd ../../etc/passwd"
    p.write_text(p.read_text("utf-8").replace("time_limit: 即时办结", f'time_limit: "{evil}"'), "utf-8")
    p2 = src / "items" / "01.yaml"
    p2.write_text(p2.read_text("utf-8").replace("url: https://ggfw.lnrc.com.cn/ehrss/login/", f"url: {url}/qr"), "utf-8")
    res = run_cli("build", "--source", str(src), "--output", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr.decode()
    assert hits == []


@pytest.mark.parametrize("ref", ["{url}/t.png", "file:///etc/passwd", "../../../../etc/passwd"])
def test_templates_cannot_fetch_outside_the_layouts(tmp_path, listener, ref):
    url, hits = listener
    layout = tmp_path / "layout"
    layout.mkdir()
    (layout / "handout.html").write_text(
        '{% extends "default/handout.html" %}{% block handout_header %}<img src="' + ref.format(url=url)
        + '">{% endblock %}', "utf-8")
    res = run_cli("handout", "1", "--source", str(MINIMAL), "--layouts", str(layout), "--output", str(tmp_path / "o"))
    assert res.returncode == 1
    err = res.stderr.decode()
    assert "refused to load" in err or "Failed to load image" in err, err
    assert hits == []
    assert not (tmp_path / "o").exists()


def test_special_files_are_written_into_never_replaced(tmp_path):
    """`-o` at a named pipe (or /dev/null, a terminal) writes into it; it stays what it was."""
    import stat
    import threading

    from guidebook.files import write_atomic

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    write_atomic(fifo, b"%PDF-1.7 test")
    reader.join(timeout=10)
    assert got == [b"%PDF-1.7 test"] and stat.S_ISFIFO(os.stat(fifo).st_mode)
    write_atomic(Path("/dev/null"), b"nothing")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_outputs_follow_the_umask_and_only_stale_temporaries_of_this_tool_are_removed(tmp_path):
    from guidebook.files import UMASK, write_atomic
    from guidebook.pipeline import remove_stale_temporaries

    target = tmp_path / "out" / "guide.pdf"
    write_atomic(target, b"%PDF-")
    assert target.stat().st_mode & 0o777 == 0o666 & ~UMASK
    mine = tmp_path / "out" / ".notes.tmp"  # a user's file
    mine.write_text("keep me")
    alive = tmp_path / "out" / f".guide.pdf.guidebook-{os.getpid()}-abc.tmp"  # a running build's
    alive.write_text("in progress")
    dead = tmp_path / "out" / ".guide.pdf.guidebook-999999999-abc.tmp"  # a killed build's
    dead.write_text("left over")
    remove_stale_temporaries(tmp_path / "out")
    assert mine.exists() and alive.exists() and not dead.exists()


def test_a_pdf_is_not_written_to_a_terminal(monkeypatch):
    """`handout -o -` refuses when standard output is a terminal (no pty needed: stdout says it is one)."""
    import contextlib
    import io

    from guidebook import cli

    class Terminal(io.StringIO):
        buffer = io.BytesIO()

        def isatty(self):
            return True

    err = io.StringIO()
    monkeypatch.setattr(sys, "argv", ["guidebook", "handout", "15", "-o", "-"])
    with contextlib.redirect_stdout(Terminal()), contextlib.redirect_stderr(err):
        try:
            cli.main()
            code = 0
        except SystemExit as exc:
            code = exc.code
    assert code == 2 and "refusing to write a PDF to a terminal" in " ".join(err.getvalue().replace("│", " ").split())
    assert Terminal.buffer.getvalue() == b""  # not a byte of PDF on the screen


def test_two_builds_into_one_folder_at_once(tmp_path):
    """The second build waits for the first (a lock with the owner's PID); every output opens, every time;
    a lock left by a killed build is taken over."""
    src = tmp_path / "source"
    shutil.copytree(MINIMAL, src)
    out = tmp_path / "output"
    cmd = [sys.executable, "-m", "guidebook", "build", "--source", str(src), "--output", str(out), "--no-site",
           "--no-word", "--force"]
    for round_ in range(3):
        procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
        errs = [p.communicate(timeout=300)[1].decode() for p in procs]
        assert [p.returncode for p in procs] == [0, 0], errs
        assert any("waiting: another build" in e for e in errs) or round_ > 0  # the first round must overlap
        for pdf in out.rglob("*.pdf"):
            assert len(PdfReader(pdf).pages) >= 1
        for docx in out.rglob("*.docx"):
            assert zipfile.ZipFile(docx).testzip() is None
        assert not (out / ".guidebook.lock").exists()
    (out / ".guidebook.lock").write_text("999999999")  # a build that was killed
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=300)
    assert res.returncode == 0 and not (out / ".guidebook.lock").exists()


def _consistent(out: Path) -> None:
    """Every output the manifest lists is there, whole, and the very file the manifest describes."""
    import hashlib
    import json

    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    for entry in manifest["outputs"]:
        data = (out / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        if entry["path"].endswith(".pdf"):
            assert len(PdfReader(out / entry["path"]).pages) == entry["pages"]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp") or p.name == ".guidebook.lock"]


def _group_members(pgid: int) -> list[int]:
    """The processes still in a process group (from /proc: no procps on a bare machine)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()  # after "pid (name) ": state, ppid, pgrp ...
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def test_ctrl_c_and_sigterm_during_a_parallel_build(tmp_path):
    """Interrupted at two moments (cutting the fonts, the workers rendering), told by the build's own progress
    lines rather than by a clock: one line, exit 130 or 143, no traceback from the parent or a worker, no
    temporaries, no lock, the outputs intact, no worker left running."""
    src = tmp_path / "source"
    shutil.copytree(ROOT / "source", src)
    out = tmp_path / "output"
    # the handouts alone: parallel work in the workers (9 tasks of 6 handouts each, a few seconds of it)
    cmd = [sys.executable, "-m", "guidebook", "build", "--source", str(src), "--output", str(out), "--no-word",
           "--no-site", "--no-guide", "--force"]
    # the outputs to keep intact: one category's handouts (those of the interrupted builds are written last)
    assert subprocess.run([*cmd, "-q", "--category", "失业保险"], cwd=ROOT, capture_output=True,
                          timeout=600).returncode == 0
    _consistent(out)
    for moment, delay in (("fonts: ", 0.0), ("rendering: ", 1.0)):
        for sig, code, message in ((signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")):
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
            said = []
            while not (said and said[-1].startswith(moment)):
                said.append(proc.stderr.readline().decode())
                assert said[-1], f"the build ended before {moment!r}: {said}"
            time.sleep(delay)
            # Ctrl-C reaches the whole process group (workers included); `kill` reaches the parent only
            os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)
            _, err = proc.communicate(timeout=120)
            assert (proc.returncode, err.decode().splitlines()[-1:]) == (code, [message]), (moment, sig, err)
            assert "Traceback" not in err.decode() and "Error" not in err.decode(), err
            time.sleep(0.2)
            assert _group_members(proc.pid) == [], "workers left running"
            _consistent(out)


def test_ctrl_c_while_the_command_is_still_loading(tmp_path):
    """Interrupted within its first half second (the interpreter still importing the command): one line,
    130 or 143, no traceback, nothing written."""
    out = tmp_path / "output"
    for delay in (0.05, 0.15, 0.3):
        for sig, code, message in ((signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")):
            proc = subprocess.Popen([sys.executable, "-m", "guidebook", "build", "--source", str(MINIMAL), "--output",
                                     str(out), "-q"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
            time.sleep(delay)
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=120)
            if proc.returncode == 0:  # a build this small may be done before the signal comes
                continue
            assert (proc.returncode, err.decode()) == (code, message + "\n"), (delay, sig)
