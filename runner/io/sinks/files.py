"""Audio file sinks: WAV (PCM, header kept valid after every write) and raw encoded audio (mp3, ogg).

Both can take back the audio of a sentence whose synthesis failed part-way (AudioRetractedEvent): the file is
cut back to where that sentence began, so a retried sentence is heard once, whole.
"""

from __future__ import annotations

import numpy as np
import soundfile

from runner.errors import SinkError
from runner.events import AudioEvent, AudioRetractedEvent, Event
from runner.io.outputs import OutputFile
from runner.io.sinks.base import PathOptions, Sink
from runner.registry import register

SFC_SET_UPDATE_HEADER_AUTO = 0x1061  # libsndfile: rewrite the header after every write (a seek, not an fsync)


class _SentenceMarks:
    """Where the sentence being written began (in the sink's own unit: frames or bytes)."""

    def __init__(self) -> None:
        self.current: tuple[str, int] | None = None
        self.start = 0

    def audio(self, event: AudioEvent, position: int) -> None:
        key = (event.utterance.id, event.sentence)
        if key != self.current:
            self.current, self.start = key, position

    def retracted(self, event: AudioRetractedEvent) -> int | None:
        """Where to cut back to, if the retracted sentence is the one this sink was writing."""
        if (event.utterance.id, event.sentence) != self.current:
            return None
        self.current = None
        return self.start


@register("sink", "wav", options=PathOptions, summary="the speech as a WAV file, valid at every moment")
class WavSink(Sink):
    accepts = frozenset({"pcm"})
    """PCM audio in a WAV file whose header libsndfile keeps current after every write: the file is valid at
    any moment, even if the process dies, without an fsync per utterance (which blocked the event loop for
    about a millisecond each)."""

    _output_file: OutputFile | None = None
    _file: soundfile.SoundFile | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.frames = 0
        self._marks = _SentenceMarks()

    async def open(self) -> None:
        assert self.context.audio is not None
        output = self._output()
        fd = output.open()
        fmt = self.context.audio
        try:
            self._file = soundfile.SoundFile(fd, "w", fmt.sample_rate, fmt.channels, "PCM_16", format="WAV",
                                             closefd=False)
        except (soundfile.LibsndfileError, RuntimeError, OSError) as exc:
            output.close()
            raise SinkError(f"{self.describe()}: cannot create: {exc}") from exc
        soundfile._snd.sf_command(self._file._file, SFC_SET_UPDATE_HEADER_AUTO, soundfile._ffi.NULL, 1)
        self._output_file = output

    async def write(self, event: Event) -> None:
        if self._file is None:
            return
        if isinstance(event, AudioEvent):
            self._marks.audio(event, self.frames)
            samples = np.frombuffer(event.data, dtype="<i2")
            try:
                self._file.write(samples)
            except (soundfile.LibsndfileError, RuntimeError, OSError) as exc:
                self._cut(self.frames)  # no half-written block: the file ends with the last whole write
                raise SinkError(f"{self.describe()}: cannot write ({exc})") from exc
            self.frames += len(samples) // (self.context.audio.channels if self.context.audio else 1)
        elif isinstance(event, AudioRetractedEvent) and (start := self._marks.retracted(event)) is not None:
            self._cut(start)

    def _cut(self, frames: int) -> None:
        assert self._file is not None
        try:
            self._file.truncate(frames)
        except (soundfile.LibsndfileError, RuntimeError, OSError):
            return
        self.frames = frames

    async def close(self) -> None:
        if self._file is not None:
            f, self._file = self._file, None
            f.close()
        if self._output_file is not None:
            output, self._output_file = self._output_file, None
            output.close()


@register("sink", "audio_file", options=PathOptions, summary="the speech as the engine encoded it (mp3, ogg)")
class AudioFileSink(Sink):
    accepts = frozenset({"audio"})
    """The audio bytes exactly as the engine produced them (mp3 and ogg streams concatenate validly)."""

    _file: OutputFile | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._marks = _SentenceMarks()

    async def open(self) -> None:
        file = self._output()
        file.open()
        self._file = file

    async def write(self, event: Event) -> None:
        if self._file is None:
            return
        if isinstance(event, AudioEvent):
            self._marks.audio(event, self._file.size)
            self._file.append(event.data)
        elif isinstance(event, AudioRetractedEvent) and (start := self._marks.retracted(event)) is not None:
            self._file.truncate(start)

    async def close(self) -> None:
        if self._file is not None:
            f, self._file = self._file, None
            f.close()
