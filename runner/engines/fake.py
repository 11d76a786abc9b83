"""Deterministic engines for tests, rehearsals and benchmarks: no models, no network, adjustable latency
and failures. Selected like any other engine (``provider: fake``)."""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Self

import numpy as np

from runner.engines.base import EngineRequest, SpeechToText, Synthesizer, Translator
from runner.engines.registry import register
from runner.errors import PermanentEngineError, TransientEngineError
from runner.formats import default_sample_rate
from runner.frames import AudioFormat, AudioFrame, Transcript

FRAME_SECONDS = 0.03


@register("speech_to_text", "fake", family="fake", summary="each burst of sound becomes the next scripted line")
class ScriptedRecognizer(SpeechToText):
    input_rate = 16000

    def __init__(self, script: list[str], threshold: float, silence: float,
                 memory: dict[str, int] | None = None) -> None:
        self.script = script
        self.threshold = threshold
        self.silence = silence
        # Which line each burst of sound was given, by its audio (zero samples at the edges stripped, so where the
        # framing falls does not matter). Shared between streams (the emulator's Transcribe), it makes the same
        # audio sent again after a reconnect come out as the same line, as real recognition would.
        self.memory = memory if memory is not None else {}

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        o = request.choice
        return cls(list(o.get("script", [])), float(o.get("threshold", 0.02)), float(o.get("silence", 0.3)))

    def _line(self, burst: bytearray | None = None) -> str:
        index = len(self.memory)
        if burst is not None:
            samples = np.frombuffer(bytes(burst), dtype="<i2")
            nonzero = np.flatnonzero(samples)
            key = hashlib.sha1(samples[nonzero[0]:nonzero[-1] + 1].tobytes() if nonzero.size else b"").hexdigest()
            index = self.memory.setdefault(key, len(self.memory))
        return self.script[index] if index < len(self.script) else f"utterance {index + 1}"

    async def transcribe(self, frames: AsyncIterator[AudioFrame]) -> AsyncGenerator[Transcript, None]:
        seq, start, quiet, position = 0, None, 0.0, 0.0
        pending = b""
        burst = bytearray()
        previous = b""  # the chunk before the onset: a burst may begin in it below the threshold
        frame_bytes = int(self.input_rate * FRAME_SECONDS) * 2
        async for frame in frames:
            pending += frame.pcm
            if start is None and position == 0.0:
                position = frame.start
            while len(pending) >= frame_bytes:
                chunk, pending = pending[:frame_bytes], pending[frame_bytes:]
                samples = np.frombuffer(chunk, dtype="<i2").astype(np.float32) / 32768.0
                loud = math.sqrt(float(np.mean(samples * samples))) > self.threshold
                position += FRAME_SECONDS
                if start is None and loud:
                    burst += previous
                if start is not None or loud:
                    burst += chunk
                previous = chunk
                if loud:
                    if start is None:
                        start = position - FRAME_SECONDS
                        yield Transcript(seq, "…", False, round(start, 3), round(position, 3))
                    quiet = 0.0
                elif start is not None:
                    quiet += FRAME_SECONDS
                    if quiet >= self.silence:
                        yield Transcript(seq, self._line(burst), True, round(start, 3), round(position - quiet, 3))
                        seq, start = seq + 1, None
                        burst.clear()
        if start is not None:
            yield Transcript(seq, self._line(burst), True, round(start, 3), round(position - quiet, 3))


class _Burst:
    """Fails the first ``n`` calls: a throttling burst."""

    def __init__(self, n: int) -> None:
        self.left = n

    def check(self, what: str) -> None:
        if self.left > 0:
            self.left -= 1
            raise TransientEngineError(f"{what} throttled (fail_first)")


def _raise_if_listed(text: str, transient: list[str], permanent: list[str], what: str) -> None:
    for needle in permanent:
        if needle in text:
            raise PermanentEngineError(f"{what} refused {text!r} (fatal_on {needle!r})")
    for needle in transient:
        if needle in text:
            raise TransientEngineError(f"{what} failed on {text!r} (fail_on {needle!r})")


@register("translation", "fake", family="fake", summary="echoes the text with a prefix; latency and failures")
class EchoTranslator(Translator):
    def __init__(self, prefix: str, latency: float, fail_on: list[str], fatal_on: list[str],
                 fail_first: int = 0) -> None:
        self.prefix = prefix
        self.burst = _Burst(fail_first)
        self.latency = latency
        self.fail_on = fail_on
        self.fatal_on = fatal_on
        self.requests: list[str] = []

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        o = request.choice
        assert request.target is not None
        prefix = o.get("prefix", f"[{request.target.language}] ")
        return cls(prefix, float(o.get("latency", 0)), list(o.get("fail_on", [])), list(o.get("fatal_on", [])),
                   int(o.get("fail_first", 0)))

    async def translate(self, text: str, source: str | None = None) -> str:
        self.requests.append(text)
        if self.latency:
            await asyncio.sleep(self.latency)
        self.burst.check("fake translation")
        _raise_if_listed(text, self.fail_on, self.fatal_on, "fake translation")
        return f"{self.prefix}{text}"


@register("text_to_speech", "fake", family="fake", summary="a tone as long as the text; latency and failures")
class ToneSynthesizer(Synthesizer):
    CHUNK_SECONDS = 0.1

    def __init__(self, output: AudioFormat, latency: float, chunk_delay: float, seconds_per_character: float,
                 fail_on: list[str], fatal_on: list[str], fail_first: int = 0) -> None:
        self.output = output
        self.burst = _Burst(fail_first)
        self.latency = latency
        self.chunk_delay = chunk_delay
        self.seconds_per_character = seconds_per_character
        self.fail_on = fail_on
        self.fatal_on = fatal_on

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        o = request.choice
        t = request.target
        assert t is not None
        rate = t.sample_rate or default_sample_rate(t.format, t.engine)
        return cls(AudioFormat("pcm", rate), float(o.get("latency", 0)), float(o.get("chunk_delay", 0)),
                   float(o.get("seconds_per_character", 0.06)), list(o.get("fail_on", [])),
                   list(o.get("fatal_on", [])), int(o.get("fail_first", 0)))

    async def synthesize(self, text: str) -> AsyncGenerator[bytes, None]:
        if self.latency:
            await asyncio.sleep(self.latency)
        self.burst.check("fake text-to-speech")
        _raise_if_listed(text, self.fail_on, self.fatal_on, "fake text-to-speech")
        rate = self.output.sample_rate
        total = max(1, int(len(text) * self.seconds_per_character * rate))
        step = int(rate * self.CHUNK_SECONDS)
        for offset in range(0, total, step):
            n = min(step, total - offset)
            t = (np.arange(offset, offset + n) / rate).astype(np.float32)
            yield (np.sin(2 * np.pi * 440.0 * t) * 0.3 * 32767).astype("<i2").tobytes()
            if self.chunk_delay and offset + n < total:
                await asyncio.sleep(self.chunk_delay)
