"""Audio sources made in memory: a synthetic speaker (an hour of speech needs no file), a recording that stalls
(a stuck device), and a paced pattern of tone and silence."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import soundfile

from runner.frames import AudioFrame
from runner.io.sources.base import AudioSource

RATE = 16000
FRAME = 1600  # 100 ms


def tone(seconds: float, frequency: float, *, start: int = 0, level: float = 0.3) -> np.ndarray:
    """``seconds`` of a sine at ``frequency`` as 16-bit samples at RATE, from sample ``start`` of the wave."""
    t = np.arange(start, start + int(seconds * RATE)) / RATE
    return (level * np.sin(2 * math.pi * frequency * t) * 32767).astype("<i2")


class SyntheticSpeaker(AudioSource):
    """``utterances`` bursts of sound, each different (its own pitch and length), separated by pauses: speech as
    the scripted recognizer hears it, generated on the fly."""

    def __init__(self, utterances: int, burst: float = 1.5, pause: float = 3.5, speed: float = 0.0) -> None:
        super().__init__(RATE)
        self.utterances = utterances
        self.burst = burst
        self.pause = pause
        self.speed = speed  # times real time; 0: as fast as it is read
        self._stopped = False

    @property
    def seconds(self) -> float:
        return self.utterances * (self.burst + self.pause)

    def starts(self) -> list[float]:
        return [i * (self.burst + self.pause) + self.pause / 2 for i in range(self.utterances)]

    def describe(self) -> str:
        return f"synthetic speaker, {self.utterances} utterances ({self.seconds / 60:.0f} min)"

    def stop(self) -> None:
        self._stopped = True

    def _utterance(self, i: int) -> np.ndarray:
        return tone(self.burst + 0.001 * (i // 40), 250 + 8 * (i % 40))

    async def frames(self) -> AsyncIterator[AudioFrame]:
        loop = asyncio.get_running_loop()
        began = loop.time()
        position = 0
        silence = np.zeros(int(self.pause / 2 * RATE), dtype="<i2")
        for i in range(self.utterances):
            if self._stopped:
                break
            block = np.concatenate([silence, self._utterance(i), silence])
            for offset in range(0, len(block), FRAME):
                chunk = block[offset:offset + FRAME]
                start = position / RATE
                if self.speed:
                    await asyncio.sleep(max(0.0, began + start / self.speed - loop.time()))
                else:
                    await asyncio.sleep(0)
                yield AudioFrame(chunk.tobytes(), RATE, 1, start)
                position += len(chunk)


class StallingSource(AudioSource):
    """A recording (16 kHz mono) that stops delivering audio for ``stall`` seconds after ``at`` seconds: a stuck
    device."""

    def __init__(self, path: Path, at: float, stall: float) -> None:
        super().__init__(RATE)
        self.data, _ = soundfile.read(str(path), dtype="int16")
        self.at, self.stall = at, stall

    def describe(self) -> str:
        return "stalling test source"

    def stop(self) -> None:
        pass

    async def frames(self) -> AsyncIterator[AudioFrame]:
        stalled = False
        for i in range(0, len(self.data), FRAME):
            start = i / RATE
            if start >= self.at and not stalled:
                stalled = True
                await asyncio.sleep(self.stall)
            yield AudioFrame(self.data[i:i + FRAME].tobytes(), RATE, 1, start)
            await asyncio.sleep(0)


async def tone_pattern(pattern: list[tuple[float, bool]]) -> AsyncIterator[AudioFrame]:
    """A live source's frames: (seconds, loud) stretches of a 440 Hz tone or silence in 100 ms frames, each
    handed over after the event loop had a turn."""
    position = 0.0
    for seconds, loud in pattern:
        for _ in range(round(seconds * 10)):
            samples = tone(FRAME / RATE, 440) if loud else np.zeros(FRAME, dtype="<i2")
            frame = AudioFrame(samples.tobytes(), RATE, 1, position)
            position = frame.end
            yield frame
            await asyncio.sleep(0)
