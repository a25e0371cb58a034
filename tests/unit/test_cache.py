"""Incremental builds: nothing changed writes nothing; each kind of edit re-renders what it affects."""
import json
import re

import pytest


def test_the_synthetic_province_catalogue_is_valid(tmp_path):
    from guidebook.catalogue import load_catalogue
    from helpers.synthetic import make_catalogue

    cat = load_catalogue(make_catalogue(tmp_path / "province", 300))
    assert len(cat.items) == 300 and [it.number for it in cat.items] == list(range(1, 301))
    assert not cat.report.errors and not cat.report.warnings


def test_an_option_added_later_is_part_of_every_key():
    """Keys take every option except those declared as choosing outputs, so a new option cannot be
    forgotten in a key."""
    import dataclasses

    from guidebook.pipeline import NOT_RENDERING, OUTPUTS, Options, key_options

    opts = Options()
    keyed = json.loads(key_options(opts))
    assert set(keyed) | NOT_RENDERING == {f.name for f in dataclasses.fields(Options)}
    assert key_options(dataclasses.replace(opts, strict=False)) != key_options(opts)

    @dataclasses.dataclass
    class Later(Options):
        paper_white: bool = False

    assert json.loads(key_options(Later()))["paper_white"] == "False"
    assert len({d.path for d in OUTPUTS}) == len(OUTPUTS)


def _sleep(session, seconds):
    import time

    time.sleep(seconds)
    return seconds


def _started(session, seconds):
    import time

    start = time.monotonic()
    time.sleep(seconds)
    return start


@pytest.mark.parametrize("workers", ["1", "2"])
def test_work_that_becomes_possible_runs_before_the_waiting_tasks(monkeypatch, workers):
    """A join added when what it joins is done (`then`) goes ahead of the tasks still waiting, so it
    runs beside them, not after them; results come in task order, added tasks last."""
    from guidebook.pipeline import parallel

    monkeypatch.setenv("GUIDEBOOK_WORKERS", workers)
    tasks = [(_started, (0.6,)), (_started, (0.0,)), (_started, (0.2,)), (_started, (0.2,))]
    join = (_started, (0.01,))
    seen = []

    def then(task, res):
        seen.append(task)
        return [join] if task is tasks[1] else []

    starts = parallel.run_all(None, tasks, then=then)
    assert len(starts) == 5 and sorted(map(id, seen)) == sorted(map(id, [*tasks, join]))
    assert starts[4] < starts[2] < starts[3]  # the join started before the tasks that were waiting
    assert starts[1] <= starts[4]  # (tasks 0 and 1 start together, in either order)


def _frozen(session, _):
    import gc

    return gc.get_freeze_count()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_loaded_session_is_frozen_while_rendering_and_only_then(monkeypatch, workers):
    """The garbage collector does not walk the loaded session during rendering (gc.freeze), in the
    workers and in a serial build; afterwards the main process collects as before."""
    import gc

    from guidebook.pipeline import parallel

    monkeypatch.setenv("GUIDEBOOK_WORKERS", workers)
    assert gc.get_freeze_count() == 0
    loaded = [object() for _ in range(1000)]  # stands in for the session: tracked containers
    loaded = [[x] for x in loaded]
    counts = parallel.run_all(loaded, [(_frozen, (0,)), (_frozen, (1,))])
    assert all(c >= 1000 for c in counts), counts
    assert gc.get_freeze_count() == 0


def _die(session, how):
    import os
    import signal
    import time

    if how == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    elif how == "exit":
        os._exit(3)
    time.sleep(0.2)
    return how


@pytest.mark.parametrize("how, said", [("killed", "was killed by signal 9 (the system may have run out of memory)"),
                                       ("exit", "ended with status 3")])
def test_a_worker_that_dies_fails_the_build_instead_of_hanging_it(monkeypatch, how, said):
    """A worker killed mid-task (the out-of-memory killer, a crash in a native library) loses its task;
    the pool would wait for it forever. The build stops within a second and says why."""
    import time

    from guidebook.diagnostics import GuidebookError
    from guidebook.pipeline import parallel

    monkeypatch.setenv("GUIDEBOOK_WORKERS", "2")
    started = time.monotonic()
    with pytest.raises(GuidebookError, match="rendering worker process " + re.escape(said)):
        parallel.run_all(None, [(_die, ("ok",)), (_die, (how,)), (_die, ("ok",))])
    assert time.monotonic() - started < 5


def test_workers_retired_after_their_tasks_are_not_taken_for_dead(monkeypatch):
    from guidebook.pipeline import parallel

    monkeypatch.setenv("GUIDEBOOK_WORKERS", "2")
    monkeypatch.setattr(parallel, "TASKS_PER_WORKER", 1)  # every worker ends (status 0) after one task
    assert parallel.run_all(None, [(_die, (str(n),)) for n in range(6)]) == [str(n) for n in range(6)]


def test_long_work_shows_signs_of_life(monkeypatch):
    """While a long document is laid out, progress says so every few seconds instead of going quiet."""
    from guidebook.pipeline import parallel

    monkeypatch.setattr(parallel, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setenv("GUIDEBOOK_WORKERS", "2")
    messages: list[str] = []
    results = parallel.run_all(None, [(_sleep, (1.0,)), (_sleep, (0,))], messages.append)
    assert results == [1.0, 0]
    assert any("still working" in m for m in messages) and messages[-1] == "rendering: 2/2 tasks done"
