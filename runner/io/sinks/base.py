"""Sinks: where a target's (or the transcript's) output goes. A sink type registers itself (runner.registry,
kind "sink") with its options class; a sink reads them from ``context.config.options``.

A sink takes the events it understands and ignores the rest. Failures become :class:`SinkError`; the
:class:`SinkGroup` of a target reports each failing sink once and keeps feeding the others.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from runner.config.model import SinkConfig
from runner.errors import DeviceError, SinkError
from runner.events import Event
from runner.frames import AudioFormat
from runner.io.outputs import FileId, OutputBusy, OutputFile
from runner.options import Path_, option


@dataclass(frozen=True)
class SinkContext:
    config: SinkConfig
    path: Path | None  # resolved against --output-dir
    scope: str  # "source" for transcript sinks, else the target's label
    audio: AudioFormat | None  # the target's audio format; None for transcript sinks
    inputs: frozenset[FileId] = frozenset()  # the run's input files: never to be written


class Sink(ABC):
    type_name: ClassVar[str]
    # What it takes, declared for the plan's checks (which never name a sink type): "text" (transcripts,
    # translations, captions: a transcript sink must take it), "audio" (speech in whatever format the target's
    # voice produces), "pcm" (speech as 16-bit PCM only: a target that produces mp3 or ogg cannot feed it).
    accepts: ClassVar[frozenset[str]] = frozenset({"text", "audio"})

    def __init__(self, context: SinkContext) -> None:
        self.context = context
        self.path = context.path

    def describe(self) -> str:
        return f"{self.type_name} {self.path}" if self.path else self.type_name

    @classmethod
    def planned(cls, options: object, path: Path | None) -> str:
        """Where it writes, as ``polyglot graph`` shows it before anything is opened."""
        return str(path) if path is not None else "stdout"

    async def open(self) -> None:
        """Create files, open devices. Raise SinkError if that cannot be done."""

    @abstractmethod
    async def write(self, event: Event) -> None: ...

    async def close(self) -> None:
        """Finish the output so it is valid (headers, last cue) and release it. Safe to call twice."""

    def _output(self) -> OutputFile:
        """This sink's file: locked, never an input, written a whole record at a time (see runner.io.outputs)."""
        assert self.path is not None
        return OutputFile(self.path, self.describe(), self.context.inputs)


@dataclass(frozen=True)
class PathOptions:
    path: Path_ = option(doc="The file it writes; relative paths land in the output folder (-o).")


Report = Callable[[Sink, Exception], Awaitable[None]]


class SinkGroup:
    """The sinks of one scope. A sink that fails is reported once, then left out; the others go on."""

    def __init__(self, sinks: list[Sink], on_failure: Report) -> None:
        self.sinks = sinks
        self.failed: dict[Sink, str] = {}
        self.device_failures: set[Sink] = set()  # failed because an audio device is missing or broke
        self._on_failure = on_failure

    async def open(self) -> None:
        """Open every sink; one that cannot be opened (unwritable path, missing device) is reported and left
        out, and the others go on."""
        for s in self.sinks:
            try:
                await s.open()
            except OutputBusy:
                raise  # another run writes it: this run must not start at all
            except Exception as exc:
                await self._fail(s, exc)

    async def write(self, event: Event) -> None:
        for s in self.sinks:
            if s in self.failed:
                continue
            try:
                await s.write(event)
            except Exception as exc:  # any failure of one sink, even a bug, must not stop the others
                await self._fail(s, exc)

    async def close(self) -> None:
        for s in self.sinks:
            try:
                await s.close()
            except Exception as exc:
                if s not in self.failed:
                    await self._fail(s, exc)

    async def _fail(self, s: Sink, exc: Exception) -> None:
        if isinstance(exc, DeviceError) or isinstance(exc.__cause__, DeviceError):
            self.device_failures.add(s)
        if isinstance(exc, SinkError):
            message = str(exc)
        elif isinstance(exc, OSError):
            message = f"{s.describe()}: {exc.strerror or exc}"
        else:
            message = f"{s.describe()}: {type(exc).__name__}: {exc}"
        self.failed[s] = message
        await self._on_failure(s, SinkError(message))
