"""Audio file sinks: WAV (PCM, header kept valid after every utterance) and raw encoded audio (mp3, ogg)."""

from __future__ import annotations

from typing import BinaryIO

import numpy as np
import soundfile

from runner.errors import SinkError
from runner.events import AudioEvent, Event, SpokenEvent
from runner.io.sinks.base import Sink, sink


@sink("wav")
class WavSink(Sink):
    """PCM audio in a WAV file. The header is rewritten after each utterance, so the file is always playable."""

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

    async def write(self, event: Event) -> None:
        if self._file is None:
            return
        if isinstance(event, AudioEvent):
            self._file.write(np.frombuffer(event.data, dtype="<i2"))
        elif isinstance(event, SpokenEvent):
            self._file.flush()

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
