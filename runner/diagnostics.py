"""Located, compiler-style diagnostics: ``file:line:col: error[code] /json/pointer: message``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal

from runner.redact import redact

Severity = Literal["error", "warning"]

# Control characters and line separators, as repr() escapes them: a diagnostic stays one line whatever the file
# names and values it quotes, and a file name cannot send escape sequences to the terminal.
_ESCAPES = {c: repr(chr(c))[1:-1] for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029)}


@dataclass(frozen=True, order=True)
class Diagnostic:
    # Field order is the sort order: by file, then position, then path.
    file: str
    line: int
    column: int
    path: str
    code: str
    message: str
    severity: Severity = field(default="error", compare=False)

    def format(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        path = f" {self.path}:" if self.path else ""
        return redact(f"{where}: {self.severity}[{self.code}]{path} {self.message}").translate(_ESCAPES)

    def to_dict(self) -> dict[str, object]:
        return {k: redact(v) if isinstance(v, str) else v for k, v in asdict(self).items()}


def errors_in(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]


def render_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(d.format() for d in sorted(diagnostics))


def render_json(results: dict[str, list[Diagnostic]]) -> str:
    """JSON for ``validate --format json``: one entry per file with its verdict and diagnostics."""
    files = [
        {
            "file": name,
            "valid": not errors_in(diags),
            "diagnostics": [d.to_dict() for d in sorted(diags)],
        }
        for name, diags in results.items()
    ]
    return json.dumps({"valid": all(f["valid"] for f in files), "files": files}, indent=2, ensure_ascii=False)
