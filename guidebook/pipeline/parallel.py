"""Scheduling stage: render independent documents in forked worker processes (both cores).

Workers are forked after the session is loaded, so they inherit the parsed templates, stylesheets
and fonts instead of loading them again; they are recycled after a few tasks to bound memory.

The parent hands out one task per idle worker, so work that becomes possible only when other tasks
are done (joining the handouts once every handout is written, joining the guide once its parts are
laid out) goes ahead of the queue and runs beside the rest instead of after it.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import multiprocessing
import multiprocessing.pool
import os
import queue
import signal
import time
from typing import Any, Callable

_SESSION: Any = None  # set in the parent before forking; read by the workers
TASKS_PER_WORKER = 8
HEARTBEAT_SECONDS = 5.0
POLL_SECONDS = 0.5  # how often the main process looks for a worker that died while it waits

Task = tuple[Callable, tuple]
# then(task, result): called in the parent as each task's result arrives; the tasks it returns are run
# next, before the tasks still waiting
Then = Callable[[Task, Any], list[Task]]


def workers() -> int:
    env = os.environ.get("GUIDEBOOK_WORKERS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover
        return max(1, os.cpu_count() or 1)


def _quiet_worker() -> None:
    """Workers leave interrupts to the parent: Ctrl-C reaches the whole process group, and the parent
    then ends the pool (SIGTERM, default action), so no worker prints a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def _frozen_session():
    """The loaded session (fonts, stylesheets, templates, the document) frozen while rendering: the
    garbage collector's full passes walk every object of the process, and with the session in it they
    were 9 % of the rendering CPU (0.64 s of 7.5 s for the 54 handouts, 0.85 s of 6.8 s for the guide,
    most of it in 7-9 full passes); frozen, about half. Workers forked meanwhile (the pool recycles them)
    inherit the frozen state, and its memory pages stay shared with the parent. Higher collection
    thresholds were measured too: no less time, 30-60 MB more memory."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _Recording:
    """The fork context, keeping every worker process the pool starts. The pool forgets a worker once
    it has ended; its exit status tells a worker retired after TASKS_PER_WORKER tasks (0) from one
    that died while it held a task."""

    def __init__(self, ctx):
        self._ctx = ctx
        self.started: list = []

    def Process(self, *args, **kwargs):  # noqa: N802 (the name multiprocessing.pool.Pool calls)
        process = self._ctx.Process(*args, **kwargs)
        self.started.append(process)
        return process

    def __getattr__(self, name):
        return getattr(self._ctx, name)


def _check_workers(started: list) -> None:
    """Fail if a worker process died (killed, out of memory, a crash in a native library): the pool
    would start another one and wait for the lost task forever."""
    from guidebook.diagnostics import GuidebookError

    dead = [p for p in started if p.exitcode not in (None, 0)]
    if dead:
        code = dead[0].exitcode
        how = f"was killed by signal {-code}" if code < 0 else f"ended with status {code}"
        hint = " (the system may have run out of memory)" if code == -9 else ""
        raise GuidebookError(f"a rendering worker process {how}{hint}; nothing was written")


def _run(task: Task) -> Any:
    fn, args = task[0], task[1]  # (fn, args), or a builders.Task that also names its owner
    return fn(_SESSION, *args)


def run_all(session, tasks: list[Task], progress: Callable[[str], None] = lambda m: None,
            then: Then | None = None) -> list:
    """Run fn(session, *args) for every task, and for every task `then` adds; results in task order
    (added tasks after the given ones, in the order they were added). Serial with one worker."""
    global _SESSION
    tasks = list(tasks)
    waiting = collections.deque(range(len(tasks)))
    results: dict[int, Any] = {}

    def arrived(i: int, res: Any) -> None:
        results[i] = res
        progress(f"rendering: {len(results)}/{len(tasks)} tasks done")
        added = then(tasks[i], res) if then else []
        tasks.extend(added)
        waiting.extendleft(reversed(range(len(tasks) - len(added), len(tasks))))

    n = min(workers(), len(tasks))
    if n <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        with _frozen_session():
            while waiting:
                i = waiting.popleft()
                arrived(i, tasks[i][0](session, *tasks[i][1]))
        return [results[i] for i in range(len(tasks))]
    _SESSION = session
    try:
        ctx = multiprocessing.get_context("fork")
        done: queue.Queue = queue.Queue()
        recording = _Recording(ctx)
        with _frozen_session(), multiprocessing.pool.Pool(n, _quiet_worker, (), TASKS_PER_WORKER,
                                                          context=recording) as pool:
            busy = 0
            started = last_word = time.monotonic()
            while waiting or busy:
                while waiting and busy < n:
                    i = waiting.popleft()
                    pool.apply_async(_run, (tasks[i],), callback=lambda r, i=i: done.put((i, r, None)),
                                     error_callback=lambda e, i=i: done.put((i, None, e)))
                    busy += 1
                try:
                    i, res, error = done.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    _check_workers(recording.started)
                    if time.monotonic() - last_word >= HEARTBEAT_SECONDS:
                        # a sign of life every few seconds while a long document (the guide) is laid out
                        last_word = time.monotonic()
                        progress(f"rendering: {len(results)}/{len(tasks)} tasks done, still working "
                                 f"({last_word - started:.0f} s)")
                    continue
                busy -= 1
                last_word = time.monotonic()
                if error is not None:
                    raise error
                arrived(i, res)
            return [results[i] for i in range(len(tasks))]
    finally:
        _SESSION = None
