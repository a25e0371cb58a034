"""Scheduling stage: render independent documents in forked worker processes (both cores).

Workers are forked after the session is loaded, so they inherit the parsed templates, stylesheets
and fonts instead of loading them again; they are recycled after a few tasks to bound memory.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from typing import Any, Callable

_SESSION: Any = None  # set in the parent before forking; read by the workers
TASKS_PER_WORKER = 8
HEARTBEAT_SECONDS = 5.0


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


def _run(task: tuple[Callable, tuple]) -> Any:
    fn, args = task
    return fn(_SESSION, *args)


def run_all(session, tasks: list[tuple[Callable, tuple]], progress: Callable[[str], None] = lambda m: None) -> list:
    """Run fn(session, *args) for every task; results in task order. Serial with one worker."""
    global _SESSION
    n = min(workers(), len(tasks))
    if n <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        out = []
        for i, (fn, args) in enumerate(tasks, 1):
            out.append(fn(session, *args))
            progress(f"rendering: {i}/{len(tasks)} tasks done")
        return out
    _SESSION = session
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(processes=n, maxtasksperchild=TASKS_PER_WORKER, initializer=_quiet_worker) as pool:
            results = []
            pending = pool.imap(_run, tasks, chunksize=1)
            started = time.monotonic()
            while len(results) < len(tasks):
                try:  # a sign of life every few seconds while a long document (the guide) is laid out
                    res = pending.next(timeout=HEARTBEAT_SECONDS)
                except multiprocessing.TimeoutError:
                    progress(f"rendering: {len(results)}/{len(tasks)} tasks done, still working "
                             f"({time.monotonic() - started:.0f} s)")
                    continue
                results.append(res)
                progress(f"rendering: {len(results)}/{len(tasks)} tasks done")
            return results
    finally:
        _SESSION = None
