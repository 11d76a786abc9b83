"""JSONL event log: one JSON object per line for every event of its scope (audio chunks summarized).

Each line is written whole with one write (rolled back if the disk fills in the middle of it), so a reader
never meets half a line. U+2028, U+2029 and NEL are escaped: JSON allows them raw, but readers that split on
every Unicode line break (Python's ``str.splitlines``) would cut a line in two.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from runner.events import AudioEvent, Event
from runner.io.outputs import OutputFile
from runner.io.sinks.base import Sink
from runner.options import Path_, option
from runner.redact import masked
from runner.registry import register

_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def json_line(record: object) -> str:
    """One JSON Lines line, secrets masked in its values before encoding."""
    return json.dumps(masked(record), ensure_ascii=False).translate(_LINE_BREAKS) + "\n"


@dataclass(frozen=True)
class JsonlOptions:
    path: Path_ = option(doc="A file, or - for standard output.")


@register("sink", "jsonl", options=JsonlOptions, summary="every event of its scope as JSON lines (or to stdout)")
class JsonlSink(Sink):
    _file: OutputFile | None = None
    _stdout = False

    def describe(self) -> str:
        return "jsonl (stdout)" if self._to_stdout else super().describe()

    @property
    def _to_stdout(self) -> bool:
        return self.context.config.path == "-"

    async def open(self) -> None:
        if self._to_stdout:
            self._stdout = True
            return
        file = self._output()
        file.open()
        self._file = file

    async def write(self, event: Event) -> None:
        if isinstance(event, AudioEvent):
            return  # per-chunk audio would drown the log; SpokenEvent summarizes it
        if self._file is not None:
            self._file.append(json_line(event.record()).encode())
        elif self._stdout:
            sys.stdout.write(json_line(event.record()))
            sys.stdout.flush()

    async def close(self) -> None:
        file, self._file = self._file, None
        self._stdout = False
        if file is not None:
            file.close()
