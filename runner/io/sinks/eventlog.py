"""JSONL event log: one JSON object per line for every event of its scope (audio chunks summarized)."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from runner.errors import SinkError
from runner.events import AudioEvent, Event
from runner.io.sinks.base import Sink, sink
from runner.redact import masked


@sink("jsonl")
class JsonlSink(Sink):
    _file: TextIO | None = None

    def describe(self) -> str:
        return "jsonl (stdout)" if self._to_stdout else super().describe()

    @property
    def _to_stdout(self) -> bool:
        return self.context.config.path == "-"

    async def open(self) -> None:
        if self._to_stdout:
            self._file = sys.stdout
            return
        assert self.path is not None
        self._make_parent()
        try:
            self._file = open(self.path, "w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise SinkError(f"{self.describe()}: cannot create: {exc.strerror}") from exc

    async def write(self, event: Event) -> None:
        if self._file is None or isinstance(event, AudioEvent):
            return  # per-chunk audio would drown the log; SpokenEvent summarizes it
        self._file.write(json.dumps(masked(event.record()), ensure_ascii=False) + "\n")
        self._file.flush()

    async def close(self) -> None:
        if self._file is not None and not self._to_stdout:
            self._file.close()
        self._file = None
