"""A recording as the source: any format libsndfile reads (WAV of any rate, width and channel count, FLAC,
OGG), in real time or as fast as the engines go. A FIFO works too (another program writing a WAV stream).

Every open and read runs on a daemon thread of its own (runner.io.threads): a FIFO with no writer, or a
read that hangs, never keeps Ctrl-C or SIGTERM from stopping the run.
"""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from runner.errors import InputError
from runner.frames import AudioFrame
from runner.io import threads
from runner.io.audio import Conformer
from runner.io.sources.base import AudioSource
from runner.options import Path_, option
from runner.registry import register

BLOCK_SECONDS = 0.1
MIN_SAMPLE_RATE = 1000  # below this a header is damaged, not a recording: 30 s at 1 Hz would last 133 hours
MAX_SAMPLE_RATE = 768_000


def open_audio(path: Path) -> soundfile.SoundFile:
    """Open a recording or raise InputError saying what is wrong with it. Blocks: call it on a thread."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not an audio file")
    if not path.exists():
        raise InputError(f"{path}: no such audio file")
    try:
        audio = soundfile.SoundFile(str(path))
    except (soundfile.LibsndfileError, RuntimeError, OSError) as exc:
        detail = str(exc).split(": ", 1)[-1] if ": " in str(exc) else str(exc)
        raise InputError(f"{path}: not a readable audio file ({detail})") from exc
    if not MIN_SAMPLE_RATE <= audio.samplerate <= MAX_SAMPLE_RATE:
        audio.close()
        raise InputError(f"{path}: its header says {audio.samplerate} Hz, which no recording has (expected "
                         f"{MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz): the file is damaged")
    if audio.frames == 0:
        audio.close()
        raise InputError(f"{path}: the recording holds no audio")
    return audio


def is_stream(path: Path) -> bool:
    """A FIFO or a device: opening it may wait for a writer, and it can be read only once."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


@dataclass(frozen=True)
class FileSourceOptions:
    path: Path_ = option(doc="A WAV (or any libsndfile format) recording, any rate and channel count; or a FIFO "
                         "another program writes a WAV stream into.")
    realtime: bool = option(True, doc="Play the file at its own pace (true) or as fast as the engines go (false).")
    loop: bool = option(False, doc="Play it again and again, until Ctrl-C (rehearsals, demos of the listener "
                        "page); a FIFO cannot loop.")


@register("source", "file", options=FileSourceOptions, summary="a recording, in real time or as fast as possible")
class FileAudioSource(AudioSource):
    @classmethod
    def create(cls, options: FileSourceOptions, rate: int, channels: int) -> FileAudioSource:
        return cls(Path(options.path), options.realtime, rate, channels, loop=options.loop)

    @classmethod
    def label(cls, options: FileSourceOptions) -> str:
        looped = ", looped" if options.loop else ""
        return f"file {options.path} ({'real time' if options.realtime else 'as fast as possible'}{looped})"

    def __init__(self, path: Path, realtime: bool, rate: int, channels: int = 1, loop: bool = False) -> None:
        super().__init__(rate, channels)
        self.path = path
        self.realtime = realtime
        self.loop = loop
        self._stopped = False
        self._reader: threads.ThreadedIterator[bytes] | None = None

    def describe(self) -> str:
        return f"file {self.path} ({'real time' if self.realtime else 'as fast as possible'})"

    @property
    def paced(self) -> bool:
        return self.realtime

    async def check(self) -> None:
        if is_stream(self.path):
            return  # opening a FIFO to look at it would take the writer's stream: it is checked when read
        await threads.call(lambda: open_audio(self.path).close(), name=f"check {self.path.name}")

    def stop(self) -> None:
        self._stopped = True
        if self._reader is not None:
            self._reader.close()  # ends a read in progress at once, even one that waits for a writer

    def _blocks(self) -> Iterator[bytes]:
        """The recording as PCM at the engine's rate and channels, a block at a time. Runs on the reader's
        thread: opening, reading, resampling."""
        audio = open_audio(self.path)
        try:
            conformer = Conformer(audio.samplerate, self.rate, self.channels)
            block = max(1, int(audio.samplerate * BLOCK_SECONDS))
            position = 0.0
            while not self._stopped:
                try:
                    data: np.ndarray = audio.read(block, "float32", True)
                except (soundfile.LibsndfileError, RuntimeError) as exc:
                    raise InputError(f"{self.path}: unreadable at {position:.1f}s ({exc})") from exc
                last = len(data) < block
                if last and self.loop and not is_stream(self.path):
                    audio.seek(0)  # and on: the resampler carries over, so the joint is seamless
                    last = False
                pcm = conformer.push(data, last=last)
                position += len(data) / audio.samplerate
                if pcm:
                    yield pcm
                if last:
                    return
        finally:
            audio.close()

    async def frames(self) -> AsyncIterator[AudioFrame]:
        loop = asyncio.get_running_loop()
        frame_bytes = 2 * self.channels
        sent = 0  # samples at self.rate already yielded
        began = loop.time()
        self._reader = threads.ThreadedIterator(self._blocks, name=f"read {self.path.name}")
        if self._stopped:
            return
        async for pcm in self._reader:
            start = sent / self.rate
            if self.realtime:
                # Pace by the audio clock: frame n goes out when its audio would have been captured.
                delay = began + start + len(pcm) / frame_bytes / self.rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            if self._stopped:
                return
            yield AudioFrame(pcm, self.rate, self.channels, start)
            sent += len(pcm) // frame_bytes


