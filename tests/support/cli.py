"""The ``polyglot`` command run in a subprocess, exactly as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def polyglot(*args: str | Path, cwd: Path | None = None, env: dict[str, str | None] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI in a subprocess. ``env`` values of None unset a variable."""
    merged = {**os.environ, "COLUMNS": "200", **(env or {})}
    full_env = {k: v for k, v in merged.items() if v is not None}
    return subprocess.run([sys.executable, "-m", "runner", *map(str, args)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
