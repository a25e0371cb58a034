"""Shared helpers: atomic writes, so a failed build never leaves a half-written file, and never replaces
a file the tool does not own."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

from guidebook.diagnostics import GuidebookError

# Temporaries are named .NAME.guidebook-PID-XXXX.tmp: only this tool's, and only those of a process that
# is gone, are ever removed (another running build's, or a user's own .tmp files, are left alone).
TEMP_MARK = "guidebook-"
_TEMP = re.compile(r"^\..+\.guidebook-(\d+)-[^/]*\.tmp$")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _umask()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename, with the mode the
    user's umask gives new files. A special file (a pipe, a terminal, /dev/null) is written into,
    never replaced."""
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise GuidebookError(f"cannot write {path}: it is a folder")
        try:
            with open(path, "wb") as fh:
                fh.write(data)
            return
        except OSError as exc:
            raise GuidebookError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{TEMP_MARK}{os.getpid()}-", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise GuidebookError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~UMASK)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise GuidebookError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def stale_temporaries(folder: Path) -> list[Path]:
    """This tool's temporaries under `folder` whose writing process no longer runs."""
    out = []
    if not folder.is_dir():
        return out
    for p in folder.rglob(f".*.{TEMP_MARK}*.tmp"):
        m = _TEMP.match(p.name)
        if not m or not p.is_file() or p.is_symlink():
            continue
        pid = int(m.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            out.append(p)
        except (PermissionError, OverflowError):
            continue
    return out


class Interrupted(BaseException):
    """Ctrl-C (SIGINT) or SIGTERM, raised in the main process so that the usual clean-up runs (temporaries,
    the output lock, the worker pool). Not a KeyboardInterrupt: click would turn that into a silent exit."""

    def __init__(self, signum: int):
        import signal

        super().__init__(signum)
        self.signum = signum
        self.code = 128 + signum
        self.message = "terminated" if signum == signal.SIGTERM else "interrupted"


def _interrupt(signum, frame):
    raise Interrupted(signum)


def handle_interrupts() -> None:
    """SIGINT and SIGTERM raise Interrupted in this (the main) process."""
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupt)


class deferred_signals:
    """Hold SIGINT and SIGTERM back while outputs are committed, so an interrupted build leaves either the
    old set of outputs or the new one with its manifest, never a mixture; raised when the block ends."""

    def __enter__(self):
        import signal
        import threading

        self.pending: list[int] = []
        self.saved: dict[int, object] = {}
        if threading.current_thread() is not threading.main_thread():
            return self  # signals only ever reach the main thread
        for sig in (signal.SIGINT, signal.SIGTERM):
            self.saved[sig] = signal.signal(sig, lambda signum, frame: self.pending.append(signum))
        return self

    def __exit__(self, *exc):
        import signal

        for sig, handler in self.saved.items():
            signal.signal(sig, handler)
        if self.pending and exc[0] is None:
            raise Interrupted(self.pending[0])
        return False
