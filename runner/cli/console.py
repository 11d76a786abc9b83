"""The console every command writes its lines to: stderr, with secrets masked on the way out."""

from __future__ import annotations

import sys

from rich.console import Console

from runner.redact import RedactingStream

# Off a terminal (pipes, CI logs) rich would assume 80 columns and fold the tables; logs can be wider.
stderr = Console(file=RedactingStream(sys.stderr), highlight=False, soft_wrap=True,  # type: ignore[arg-type]
                 width=None if sys.stderr.isatty() else 160)
