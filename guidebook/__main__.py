"""Entry point for `python -m guidebook` and the `guidebook` command.

Ctrl-C or SIGTERM while the interpreter is still loading the command (typer, the package: 0.2-1 s on a busy
machine) ends it as the command itself would, with one line and the conventional exit code, not with a
traceback from the middle of an import. The command installs its own handling once it runs.
"""

import os
import signal
import sys


def _while_loading(signum, frame) -> None:
    sys.stderr.write("interrupted\n" if signum == signal.SIGINT else "terminated\n")
    sys.stderr.flush()
    os._exit(130 if signum == signal.SIGINT else 143)


def entry() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # a signal the caller ignores stays ignored
            signal.signal(signum, _while_loading)
    from guidebook.cli import run

    run()


if __name__ == "__main__":
    entry()
