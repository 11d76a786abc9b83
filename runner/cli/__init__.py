"""The ``polyglot`` command. Every failure a user can cause ends as one line on stderr and an exit code."""

from __future__ import annotations

import os
import signal
import sys
import traceback
from types import FrameType

from runner.cli.console import stderr
from runner.errors import EX_SOFTWARE, ConfigError, PolyglotError
from runner.redact import redact


class Terminated(BaseException):
    """SIGTERM before a run installs its own handler: stop as Ctrl-C does (exit 130). Not a KeyboardInterrupt:
    one that ends a string ``exec`` (dataclasses make their methods so, at import) marks the interpreter, and
    under ``python -m`` it then dies by SIGINT whatever exit code we give (CPython's unhandled_keyboard_interrupt
    flag)."""


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def main() -> None:
    signal.signal(signal.SIGTERM, _terminated)  # first: a service manager may stop us while we still start
    try:
        from runner.cli.app import app

        app()
    except ConfigError as exc:
        for d in exc.diagnostics:  # already compiler-style lines
            stderr.print(d.format(), markup=False)
        sys.exit(exc.exit_code)
    except PolyglotError as exc:
        for line in redact(str(exc)).splitlines() or [type(exc).__name__]:
            stderr.print(f"polyglot: error: {line}", markup=False)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, Terminated):
        stderr.print("polyglot: interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("POLYGLOT_DEBUG"):
            traceback.print_exc()
        stderr.print(f"polyglot: internal error: {type(exc).__name__}: {redact(str(exc))} "
                     f"(set POLYGLOT_DEBUG=1 for the traceback)", markup=False)
        sys.exit(EX_SOFTWARE)
