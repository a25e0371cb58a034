"""Shared fixtures (the real catalogue, one full build of it, sessions) and the test tiers.

The tiers are the folders: `tests/unit` (catalogue, document tree, flow graphs, diff, cache keys, schema,
CLI rules: no PDF, Word or browser; `make test-fast`), `tests/render` (PDFs, Word files, whole builds) and
`tests/browser` (Chromium through Playwright). Each test is marked with its folder's tier, and the two
slow tiers also with `slow`. Helpers that are not fixtures live in the `helpers` package.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from helpers import SEED, SHARED_CACHE, SOURCE, STYLES, git, shared_folder

TIERS = ("unit", "render", "browser")


def pytest_configure(config):
    # Workers and font cache stay inside the test run's own folders.
    os.environ.setdefault("GUIDEBOOK_CACHE", str(SHARED_CACHE))


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.fail(f"the seed booklet is missing: {SEED}")
    return SEED.read_text("utf-8")


@pytest.fixture(scope="session")
def catalogue():
    from guidebook.catalogue import load_catalogue

    return load_catalogue(SOURCE)


@pytest.fixture(scope="session")
def doc(catalogue):
    from guidebook.document.build import build_document

    return build_document(catalogue)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """One full build of source/ (guide, handouts, Word files, site), shared by the output tests: read,
    never changed."""
    from guidebook.pipeline import Options, build

    out = shared_folder(tmp_path_factory, "output")
    result = build(Options(source=SOURCE, output=out))
    return out, result


@pytest.fixture(scope="session", params=STYLES)
def styled_build(request, built, tmp_path_factory):
    """The outputs in each house style: the default build, and one with --style gbt9704."""
    if request.param == "default":
        return built[0]
    from guidebook.pipeline import Options, build
    from guidebook.render import style_folder

    out = shared_folder(tmp_path_factory, request.param)
    build(Options(source=SOURCE, output=out, layouts=[style_folder(request.param)]))
    return out


@pytest.fixture(scope="session")
def session():
    """A loaded session (catalogue, model, renderer) for tests that render single documents."""
    from guidebook.pipeline import Options, Session

    return Session(Options(source=SOURCE))


@pytest.fixture
def source_copy(tmp_path) -> Path:
    """A writable copy of source/ to break or edit."""
    dest = tmp_path / "source"
    shutil.copytree(SOURCE, dest)
    return dest


@pytest.fixture
def editor(tmp_path):
    """An editor on a copy of source/ in a git repository, on a free port."""
    from helpers import running_editor

    repo = tmp_path / "repo"
    shutil.copytree(SOURCE, repo / "source")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "start")
    with running_editor(repo / "source") as url:
        yield url, repo


@pytest.fixture
def preview_server(source_copy):
    """`guidebook preview` on a copy of source/, on a free port: (its address, the Preview, the copy)."""
    from guidebook.pipeline import Options
    from guidebook.serve.preview import Preview, make_server

    preview = Preview(Options(source=source_copy))
    srv = make_server(preview, "127.0.0.1", 0)
    threads = [threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True),
               threading.Thread(target=preview.watch, daemon=True)]
    for t in threads:
        t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", preview, source_copy
    preview.stop()
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def site(built) -> Path:
    """The web edition of the shared full build."""
    return built[0] / "site"


def pytest_collection_modifyitems(config, items):
    """Mark every test with its folder's tier; render and browser tests are also `slow`."""
    for item in items:
        tier = next((t for t in TIERS if f"{os.sep}tests{os.sep}{t}{os.sep}" in str(item.path)), None)
        if tier is None:
            raise pytest.UsageError(f"{item.nodeid}: a test belongs in tests/unit, tests/render or tests/browser")
        item.add_marker(getattr(pytest.mark, tier))
        if tier != "unit":
            item.add_marker(pytest.mark.slow)
