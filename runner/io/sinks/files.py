"""Audio file sinks: WAV (PCM, header kept valid after every utterance) and raw encoded audio (mp3, ogg)."""

from __future__ import annotations

from typing import BinaryIO

import numpy as np
import soundfile

from runner.errors import SinkError
from runner.events import AudioEvent, Event, SpokenEvent
from runner.io.sinks.base import Sink, sink

SFC_SET_UPDATE_HEADER_AUTO = 0x1061  # libsndfile: rewrite the header after every write (a seek, not an fsync)


@sink("wav")
class WavSink(Sink):
    """PCM audio in a WAV file whose header libsndfile keeps current after every write: the file is valid at
    any moment, even if the process dies, without an fsync per utterance (which blocked the event loop for
    about a millisecond each)."""

    _file: soundfile.SoundFile | None = None

    async def open(self) -> None:
        assert self.path is not None and self.context.audio is not None
        self._make_parent()
        fmt = self.context.audio
        try:
            self._file = soundfile.SoundFile(str(self.path), "w", fmt.sample_rate, fmt.channels, "PCM_16",
                                             format="WAV")
        except (soundfile.LibsndfileError, RuntimeError, OSError) as exc:
            raise SinkError(f"{self.describe()}: cannot create: {exc}") from exc
        soundfile._snd.sf_command(self._file._file, SFC_SET_UPDATE_HEADER_AUTO, soundfile._ffi.NULL, 1)

    async def write(self, event: Event) -> None:
        if self._file is not None and isinstance(event, AudioEvent):
            self._file.write(np.frombuffer(event.data, dtype="<i2"))

    async def close(self) -> None:
        if self._file is not None:
            f, self._file = self._file, None
            f.close()


@sink("audio_file")
class AudioFileSink(Sink):
    """The audio bytes exactly as the engine produced them (mp3 and ogg streams concatenate validly)."""

    _file: BinaryIO | None = None

    async def open(self) -> None:
        assert self.path is not None
        self._make_parent()
        try:
            self._file = open(self.path, "wb")
        except OSError as exc:
            raise SinkError(f"{self.describe()}: cannot create: {exc.strerror}") from exc

    async def write(self, event: Event) -> None:
        if self._file is None:
            return
        if isinstance(event, AudioEvent):
            self._file.write(event.data)
        elif isinstance(event, SpokenEvent):
            self._file.flush()

    async def close(self) -> None:
        if self._file is not None:
            f, self._file = self._file, None
            f.close()
