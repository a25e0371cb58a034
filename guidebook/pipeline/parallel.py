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
import multiprocessing.connection
import os
import signal
import time
from typing import Any, Callable

TASKS_PER_WORKER = 8
HEARTBEAT_SECONDS = 5.0

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


class _Worker:
    """A forked worker process and the pipe its tasks and results travel on.

    The context (the loaded session) is an argument of the process, inherited by the fork: it is never
    pickled, and no global holds it. A task goes down the pipe as (number, function, arguments), which
    pickle (functions by name, numbers, guesses); its result or its exception comes back the same way.
    After TASKS_PER_WORKER tasks the worker says so with its last result and ends (status 0), bounding
    its memory; the parent starts another when there is work left."""

    def __init__(self, ctx, context: Any):
        self.conn, theirs = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(context, theirs, TASKS_PER_WORKER), daemon=True)
        self.process.start()
        theirs.close()
        self.task: int | None = None  # the task it holds

    def give(self, i: int, task: Task) -> None:
        self.conn.send((i, task[0], task[1]))  # (fn, args), or a builders.Task that also names its owner
        self.task = i

    def dead(self) -> str | None:
        """Why the process ended while it held a task (killed, out of memory, a native crash), or None."""
        code = self.process.exitcode
        if code is None or (code == 0 and self.task is None):
            return None
        how = f"was killed by signal {-code}" if code < 0 else f"ended with status {code}"
        return how + (" (the system may have run out of memory)" if code == -9 else "")

    def stop(self, kill: bool = False) -> None:
        if kill and self.process.exitcode is None:
            self.process.terminate()  # SIGTERM: the default action, no traceback (see _quiet_worker)
        elif not kill:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.process.join()
        self.conn.close()


def _serve(context: Any, conn, tasks: int) -> None:
    """A worker's life: up to `tasks` tasks, each fn(context, *args); then it ends."""
    _quiet_worker()
    for done in range(1, tasks + 1):
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        i, fn, args = job
        try:
            reply = (i, fn(context, *args), None, done == tasks)
        except Exception as exc:  # noqa: BLE001 (sent to the parent, which raises it)
            reply = (i, None, exc, done == tasks)
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 (a result or an exception that does not pickle)
            conn.send((i, None, RuntimeError(f"{type(exc).__name__}: {exc}"), done == tasks))


def _failed(why: str) -> Exception:
    from guidebook.diagnostics import GuidebookError

    return GuidebookError(f"a rendering worker process {why}; nothing was written")


def run_all(context, tasks: list[Task], progress: Callable[[str], None] = lambda m: None,
            then: Then | None = None, n: int | None = None) -> list:
    """Run fn(context, *args) for every task, and for every task `then` adds, on `n` processes (as many
    as the machine's cores by default); results in task order (added tasks after the given ones, in the
    order they were added). Serial, in this process, with one."""
    tasks = list(tasks)
    waiting = collections.deque(range(len(tasks)))
    results: dict[int, Any] = {}

    def arrived(i: int, res: Any) -> None:
        results[i] = res
        progress(f"rendering: {len(results)}/{len(tasks)} tasks done")
        added = then(tasks[i], res) if then else []
        tasks.extend(added)
        waiting.extendleft(reversed(range(len(tasks) - len(added), len(tasks))))

    n = min(workers() if n is None else n, len(tasks))
    with _frozen_session():
        if n <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            while waiting:
                i = waiting.popleft()
                arrived(i, tasks[i][0](context, *tasks[i][1]))
        else:
            _run_forked(context, tasks, waiting, arrived, n, lambda: len(results), progress)
    return [results[i] for i in range(len(tasks))]


def _run_forked(context, tasks: list, waiting: collections.deque, arrived: Callable, n: int,
                count: Callable[[], int], progress: Callable[[str], None]) -> None:
    """Hand the waiting tasks to n forked workers, one task per idle worker, until none is left."""
    ctx = multiprocessing.get_context("fork")
    pool: list[_Worker] = []
    ok = False
    try:
        started = last_word = time.monotonic()
        while waiting or any(w.task is not None for w in pool):
            for w in [w for w in pool if w.task is None and w.process.exitcode is not None]:
                pool.remove(w)  # retired after its tasks, or ended while idle
                w.stop()
            while len(pool) < n and waiting:
                pool.append(_Worker(ctx, context))
            for w in pool:
                if w.task is None and waiting:
                    i = waiting.popleft()
                    w.give(i, tasks[i])
            busy = [w for w in pool if w.task is not None]
            # a result, or a worker's end, wakes the parent at once; the timeout is for the signs of life
            ready = multiprocessing.connection.wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                                                    timeout=HEARTBEAT_SECONDS)
            for w in busy:
                if w.conn in ready:
                    try:
                        i, res, error, retiring = w.conn.recv()
                    except EOFError:  # it ended without an answer: killed, or it crashed
                        w.process.join()
                        raise _failed(w.dead() or "ended without an answer") from None
                    w.task = None
                    last_word = time.monotonic()
                    if error is not None:
                        raise error
                    if retiring:
                        w.process.join()
                    arrived(i, res)
                elif w.process.sentinel in ready and (why := w.dead()):
                    raise _failed(why)
            if time.monotonic() - last_word >= HEARTBEAT_SECONDS:
                # a sign of life every few seconds while a long document (the guide) is laid out
                last_word = time.monotonic()
                progress(f"rendering: {count()}/{len(tasks)} tasks done, still working ({last_word - started:.0f} s)")
        ok = True
    finally:
        for w in pool:
            w.stop(kill=not ok)
