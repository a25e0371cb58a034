"""Start-up: commands that render nothing import no renderer, and WeasyPrint loads its libraries
without the slow lookups (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers import ROOT, SOURCE

HEAVY = ("weasyprint", "jinja2", "qrcode", "docx", "pikepdf", "PIL", "fontTools")

# Runs the CLI in a fresh interpreter and prints, as it exits, the top-level packages it imported.
PROBE = """
import atexit, sys
atexit.register(lambda: print("MODULES " + " ".join(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr))
sys.argv = ["guidebook", *sys.argv[1:]]
from guidebook.cli import main
main()
"""

def imported(*args: str) -> tuple[int, set[str]]:
    res = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    line = next(ln for ln in res.stderr.splitlines() if ln.startswith("MODULES "))
    return res.returncode, set(line.split()[1:])


@pytest.mark.parametrize("args", [("check", "--source", str(SOURCE)), ("list", "--source", str(SOURCE))])
def test_commands_that_render_nothing_import_no_renderer(args):
    code, modules = imported(*args)
    assert code == 0
    assert "guidebook" in modules and "pydantic" in modules  # the probe sees the imports
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


@pytest.mark.slow
def test_a_build_with_nothing_to_do_imports_no_renderer(built):
    out, _ = built
    code, modules = imported("build", "--source", str(SOURCE), "--output", str(out))
    assert code == 0
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_weasyprint_loads_its_libraries_without_find_library():
    """The Linux names load directly, so the import asks ctypes.util.find_library nothing (each call
    runs ldconfig in a subprocess) and ends with the libraries a plain import loads."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the shortcut is for Linux only")
    code = """
import ctypes.util, sys
calls = []
real = ctypes.util.find_library
counting = ctypes.util.find_library = lambda name: calls.append(name) or real(name)
from guidebook.render.weasy import import_weasyprint
wp = import_weasyprint()
from weasyprint.text import ffi
assert ctypes.util.find_library is counting  # put back as it was found
libs = [ffi.gobject, ffi.pango, ffi.harfbuzz, ffi.harfbuzz_subset, ffi.fontconfig, ffi.pangoft2]
print(len(calls), all(lib is not None for lib in libs), wp.__name__)
"""
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["0", "True", "weasyprint"]
    # and a plain import, for comparison, asks it for every name that does not load directly
    plain = subprocess.run([sys.executable, "-c", code.replace(
        "from guidebook.render.weasy import import_weasyprint\nwp = import_weasyprint()", "import weasyprint as wp")],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert plain.returncode == 0, plain.stderr
    assert int(plain.stdout.split()[0]) > 0 and plain.stdout.split()[1:] == ["True", "weasyprint"]


# In a fresh interpreter: load the seed, warm up (or not) as the build does, then have two workers each
# write a handout and its Word file, reporting the modules they imported and the C types cffi parsed.
WORKERS = """
import json, sys
from pathlib import Path
import cffi.api
from guidebook.pipeline import Options, Session, _prepare, parallel, planner
from guidebook.pipeline.builders import Handouts, handout_docx
from guidebook.outputs import handouts

def first_tasks(session, numbers):
    parsed, original = [], cffi.api.FFI._typeof_locked
    def logged(self, cdecl):
        if cdecl not in self._parsed_types:
            parsed.append(cdecl)
        return original(self, cdecl)
    cffi.api.FFI._typeof_locked = logged
    handouts.render_chunk(session, numbers)
    handout_docx(session, numbers)
    ours = ("guidebook", "weasyprint", "docx", "pikepdf", "PIL", "fontTools", "jinja2", "qrcode", "lxml")
    return sorted(m for m in set(sys.modules) - BEFORE if m.split(".")[0] in ours), parsed

session = Session(Options(source=Path(sys.argv[1])))
session.renderer
if sys.argv[2] == "warm":  # as the build does for a plan where every handout is stale
    keys = planner.output_keys(session, session.doc.items)
    _prepare(session, [Handouts(session, planner.Plan(session.doc.items, keys, set(keys), []))])
BEFORE = set(sys.modules)
print(json.dumps(parallel.run_all(session, [(first_tasks, ([15],)), (first_tasks, ([16],))], lambda m: None)))
"""


@pytest.mark.parametrize("warm", ["warm", "cold"])
def test_workers_start_with_what_their_first_task_needs(warm):
    """The main process loads, once before the workers fork, what each worker would otherwise load for
    itself before its first task: python-docx and pikepdf, the document tree's writers, the handout
    template, cffi's C types (0.1-0.3 s per worker). Without the warm-up each worker loads them."""
    import json

    res = subprocess.run([sys.executable, "-c", WORKERS, str(SOURCE), warm], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, env={**os.environ, "GUIDEBOOK_WORKERS": "2"})
    assert res.returncode == 0, res.stderr
    results = json.loads(res.stdout.splitlines()[-1])
    assert len(results) == 2
    for modules, parsed in results:
        if warm == "warm":
            assert modules == [] and parsed == []
        else:
            assert "docx" in modules and "pikepdf" in modules and parsed


# Counts, in a fresh interpreter told not to write bytecode, the modules of guidebook compiled from source
# while a command runs (none when the set-up compiled them ahead and nothing changed since).
COMPILED = """
import atexit, sys
from importlib import _bootstrap_external as loader
compiled = []
to_code = loader.SourceLoader.source_to_code
def counting(self, data, path, **kw):
    compiled.append(str(path))
    return to_code(self, data, path, **kw)
loader.SourceLoader.source_to_code = counting
atexit.register(lambda: print("COMPILED " + " ".join(p for p in compiled if "guidebook" in p), file=sys.stderr))
sys.argv = ["guidebook", *sys.argv[1:]]
from guidebook.cli import main
main()
"""


def test_the_set_up_compiles_guidebook_ahead_so_commands_compile_nothing(tmp_path):
    """pip compiles the libraries it installs, but not an editable install: the set-up compiles guidebook's
    modules, so that where Python writes no bytecode (PYTHONDONTWRITEBYTECODE) a command does not compile
    the package again each time. Run `make setup` (or `make test`) after editing a module."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    res = subprocess.run([sys.executable, "-c", COMPILED, "check", "--source", str(SOURCE)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    line = next(ln for ln in res.stderr.splitlines() if ln.startswith("COMPILED"))
    assert line.split()[1:] == [], "compiled from source: run `make setup` after editing guidebook's modules"
    # the probe does see a compile: a module the set-up never saw is compiled from source
    (tmp_path / "guidebook_probe_module.py").write_text("X = 1\n")
    probe = subprocess.run([sys.executable, "-c", COMPILED.replace("from guidebook.cli import main\nmain()",
                                                                   "import guidebook_probe_module")],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert "guidebook_probe_module.py" in probe.stderr
