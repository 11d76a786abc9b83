"""Caption sinks: SRT and WebVTT, one cue per utterance, timed by the speech in the source (session-relative).

Each cue is appended and flushed as soon as its text is known, so the file is complete and valid at any moment.
Target sinks caption the translation; transcript sinks caption the final transcript.
"""

from __future__ import annotations

import textwrap
from datetime import timedelta
from typing import TextIO

import srt
import webvtt
from webvtt.vtt import WebVTTCueBlock

from runner.errors import SinkError
from runner.events import Event, TranscriptEvent, TranslationEvent
from runner.io.sinks.base import Sink, sink

LINE_LENGTH = 42  # the usual broadcast subtitle limit
MIN_CUE_SECONDS = 0.5


class CaptionSink(Sink):
    _file: TextIO | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.count = 0
        self._last_end = 0.0

    async def open(self) -> None:
        assert self.path is not None
        self._make_parent()
        try:
            self._file = open(self.path, "w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise SinkError(f"{self.describe()}: cannot create: {exc.strerror}") from exc
        self._file.write(self.header())
        self._file.flush()

    async def write(self, event: Event) -> None:
        if self._file is None:
            return
        if isinstance(event, TranslationEvent):
            text, start, end = event.text, event.utterance.start, event.utterance.end
        elif isinstance(event, TranscriptEvent) and event.final:
            text, start, end = event.text, event.start, event.end
        else:
            return
        if not text.strip():
            return
        start = max(start, self._last_end)  # cues never overlap, even if timings do
        end = max(end, start + MIN_CUE_SECONDS)
        self._last_end = end
        self.count += 1
        lines = textwrap.wrap(text, LINE_LENGTH) or [text]
        self._file.write(self.cue(self.count, start, end, lines))
        self._file.flush()

    async def close(self) -> None:
        if self._file is not None:
            f, self._file = self._file, None
            f.close()

    def header(self) -> str:
        return ""

    def cue(self, index: int, start: float, end: float, lines: list[str]) -> str:
        raise NotImplementedError


@sink("srt")
class SrtSink(CaptionSink):
    def cue(self, index: int, start: float, end: float, lines: list[str]) -> str:
        return srt.Subtitle(index=index, start=timedelta(seconds=start), end=timedelta(seconds=end),
                            content="\n".join(lines)).to_srt()


@sink("vtt")
class VttSink(CaptionSink):
    def header(self) -> str:
        return "WEBVTT\n"

    def cue(self, index: int, start: float, end: float, lines: list[str]) -> str:
        caption = webvtt.Caption(start=_vtt_time(start), end=_vtt_time(end), text=lines, identifier=str(index))
        return "\n".join(WebVTTCueBlock.format_lines(caption)) + "\n"


def _vtt_time(seconds: float) -> str:
    return str(webvtt.models.Timestamp.from_seconds(round(seconds, 3)))
