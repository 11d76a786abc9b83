"""A recording as the source: any format libsndfile reads (WAV of any rate, width and channel count, FLAC,
OGG), in real time or as fast as the engines go."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import soundfile

from runner.config.model import FileSource, SourceConfig
from runner.errors import InputError
from runner.frames import AudioFrame
from runner.io.audio import Conformer
from runner.io.sources.base import AudioSource, source

BLOCK_SECONDS = 0.1


def open_audio(path: Path) -> soundfile.SoundFile:
    """Open a recording or raise InputError saying what is wrong with it."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not an audio file")
    if not path.exists():
        raise InputError(f"{path}: no such audio file")
    try:
        audio = soundfile.SoundFile(str(path))
    except (soundfile.LibsndfileError, RuntimeError, OSError) as exc:
        detail = str(exc).split(": ", 1)[-1] if ": " in str(exc) else str(exc)
        raise InputError(f"{path}: not a readable audio file ({detail})") from exc
    if audio.frames == 0:
        audio.close()
        raise InputError(f"{path}: the recording holds no audio")
    return audio


class FileAudioSource(AudioSource):
    def __init__(self, path: Path, realtime: bool, rate: int, channels: int = 1) -> None:
        super().__init__(rate, channels)
        self.path = path
        self.realtime = realtime
        self._stopped = False

    def describe(self) -> str:
        return f"file {self.path} ({'real time' if self.realtime else 'as fast as possible'})"

    @property
    def paced(self) -> bool:
        return self.realtime

    async def check(self) -> None:
        await asyncio.to_thread(lambda: open_audio(self.path).close())

    def stop(self) -> None:
        self._stopped = True

    async def frames(self) -> AsyncIterator[AudioFrame]:
        audio = await asyncio.to_thread(open_audio, self.path)
        loop = asyncio.get_running_loop()
        conformer = Conformer(audio.samplerate, self.rate, self.channels)
        frame_bytes = 2 * self.channels
        block = max(1, int(audio.samplerate * BLOCK_SECONDS))
        sent = 0  # samples at self.rate already yielded
        began = loop.time()
        try:
            while not self._stopped:
                try:
                    data = await asyncio.to_thread(audio.read, block, "float32", True)
                except (soundfile.LibsndfileError, RuntimeError) as exc:
                    raise InputError(f"{self.path}: unreadable at {sent / self.rate:.1f}s ({exc})") from exc
                last = len(data) < block
                pcm = conformer.push(data, last=last)
                if pcm:
                    start = sent / self.rate
                    if self.realtime:
                        # Pace by the audio clock: frame n goes out when its audio would have been captured.
                        delay = began + start + len(pcm) / frame_bytes / self.rate - loop.time()
                        if delay > 0:
                            await asyncio.sleep(delay)
                    yield AudioFrame(pcm, self.rate, self.channels, start)
                    sent += len(pcm) // frame_bytes
                if last:
                    break
        finally:
            audio.close()


@source("file")
def _create(config: SourceConfig, rate: int, channels: int) -> AudioSource:
    assert isinstance(config, FileSource)
    return FileAudioSource(config.path, config.realtime, rate, channels)
