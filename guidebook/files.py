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


class _signals:
    """Within the block, SIGINT and SIGTERM go to `handler` (in the main thread: signals only reach it);
    the previous handlers come back afterwards (main() also runs inside the test process)."""

    def __init__(self, handler):
        self.handler = handler
        self.saved: dict[int, object] = {}

    def __enter__(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.saved[sig] = signal.signal(sig, self.handler)
        return self

    def __exit__(self, *exc):
        import signal

        for sig, handler in self.saved.items():
            signal.signal(sig, handler)
        return False


def interrupts_raised() -> _signals:
    """Within the block, SIGINT and SIGTERM raise Interrupted in this (the main) process."""
    return _signals(_interrupt)


class deferred_signals(_signals):
    """Hold SIGINT and SIGTERM back while outputs are committed, so an interrupted build leaves either the
    old set of outputs or the new one with its manifest, never a mixture; raised when the block ends."""

    def __init__(self):
        self.pending: list[int] = []
        super().__init__(lambda signum, frame: self.pending.append(signum))

    def __exit__(self, *exc):
        super().__exit__(*exc)
        if self.pending and exc[0] is None:
            raise Interrupted(self.pending[0])
        return False


def folder_files(folder: Path) -> list[Path]:
    """The files of a layout (or catalogue) folder, sorted. Hidden entries, caches and a build's output
    folder placed inside it (one holding a manifest.json or the build lock) are not part of it: otherwise
    every build would change its own inputs and render everything again, endlessly in the preview."""
    out: list[Path] = []
    for root, dirs, files in os.walk(folder):
        if root != str(folder) and ({"manifest.json", ".guidebook.lock"} & set(files)):
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        out += [Path(root) / f for f in sorted(files) if not f.startswith(".")]
    real = Path(folder).resolve()
    return [p for p in out if p.resolve().is_relative_to(real)]  # links that leave it are not its files


def confined(path: Path, folders) -> Path:
    """`path`, if it really lies in one of the layout folders: a symbolic link that leads out of them
    (to /etc/passwd, to the user's home) would print that file into a document, so it is refused."""
    real = Path(path).resolve()
    for folder in folders:
        if real.is_relative_to(Path(folder).resolve()):
            return Path(path)
    raise GuidebookError(f"{path}: symbolic link leads outside the layout folders; refusing to read it")
