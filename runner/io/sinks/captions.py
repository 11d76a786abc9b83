"""Caption sinks: SRT and WebVTT, one cue per utterance, timed by the speech in the source (session-relative).

Each cue is appended with one write as soon as its text is known, so the file is complete and valid at any
moment; a cue that does not fit on the disk is rolled back whole.
Target sinks caption the translation; transcript sinks caption the final transcript.
"""

from __future__ import annotations

import textwrap
from datetime import timedelta

import srt
import webvtt
from webvtt.vtt import WebVTTCueBlock

from runner.events import Event, TranscriptEvent, TranslationEvent
from runner.io.outputs import OutputFile
from runner.io.sinks.base import PathOptions, Sink
from runner.registry import register
from runner.vtt import cue_lines

LINE_LENGTH = 42  # the usual broadcast subtitle limit
MIN_CUE_SECONDS = 0.5


class CaptionSink(Sink):
    accepts = frozenset({"text"})
    _file: OutputFile | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.count = 0
        self._last_end = 0.0

    async def open(self) -> None:
        file = self._output()
        file.open()
        self._file = file
        file.append(self.header().encode())

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
        lines = textwrap.wrap(text, LINE_LENGTH) or [text]
        self._file.append(self.cue(self.count + 1, start, end, lines).encode())  # the whole cue, or none of it
        self.count += 1
        self._last_end = end

    async def close(self) -> None:
        if self._file is not None:
            f, self._file = self._file, None
            f.close()

    def header(self) -> str:
        return ""

    def cue(self, index: int, start: float, end: float, lines: list[str]) -> str:
        raise NotImplementedError


@register("sink", "srt", options=PathOptions, summary="captions of each utterance as SubRip (.srt)")
class SrtSink(CaptionSink):
    def cue(self, index: int, start: float, end: float, lines: list[str]) -> str:
        return srt.Subtitle(index=index, start=timedelta(seconds=start), end=timedelta(seconds=end),
                            content="\n".join(lines)).to_srt()


@register("sink", "vtt", options=PathOptions, summary="captions of each utterance as WebVTT")
class VttSink(CaptionSink):
    def header(self) -> str:
        return "WEBVTT\n"

    def cue(self, index: int, start: float, end: float, lines: list[str]) -> str:
        caption = webvtt.Caption(start=_vtt_time(start), end=_vtt_time(end), text=cue_lines(lines),
                                 identifier=str(index))
        return "\n".join(WebVTTCueBlock.format_lines(caption)) + "\n"


def _vtt_time(seconds: float) -> str:
    return str(webvtt.models.Timestamp.from_seconds(round(seconds, 3)))
