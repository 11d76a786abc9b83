"""The `fake` engines (``provider: fake``), for tests, rehearsals and benchmarks: no models, no network, and on
demand latency, failures and hangs. Selected like any other engine."""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import AsyncGenerator, AsyncIterator, Hashable
from dataclasses import dataclass
from typing import Self

import numpy as np

from runner.engines.base import EngineRequest, SpeechToText, Synthesizer, Translator
from runner.errors import PermanentEngineError, RejectedRequest, TransientEngineError
from runner.formats import default_sample_rate
from runner.frames import AudioFormat, AudioFrame, Transcript
from runner.options import option
from runner.registry import register

FRAME_SECONDS = 0.03
PARTIAL_INTERVAL = 0.25  # with words_per_second: a partial at least this often (stream time) during a burst


@dataclass(frozen=True)
class ScriptedOptions:
    """Deterministic speech-to-text for tests and dry runs: each burst of sound becomes the next scripted line."""

    script: tuple[str, ...] = option((), doc="Transcripts to emit, one per burst of sound; after the last, "
                                     "'utterance N'.")
    threshold: float = option(0.02, doc="RMS level above which a 30 ms frame is sound.", exclusiveMinimum=0,
                              maximum=1)
    silence: float = option(0.3, doc="Seconds of quiet that end an utterance.", minimum=0.03)
    fail_after: float | None = option(None, doc="Seconds of audio after which the first stream fails with a "
                                      "transient error (a dropped connection); the streams after it do not.",
                                      minimum=0)
    hang_after: float | None = option(None, doc="Seconds of audio after which a stream stops reading and never "
                                      "answers again (a stuck connection): it waits until cancelled.", minimum=0)
    words_per_second: float | None = option(None, doc="Partials reveal the line word by word at this rate "
                                            "from the burst's onset, as a recognizer hearing speech would (and again "
                                            "every quarter second); unset: one '…' partial per burst.",
                                            exclusiveMinimum=0)
    realtime_factor: float | None = option(None, doc="Seconds it takes to hear each second of audio (a busy "
                                           "machine): above 1 it falls ever further behind a live speaker.",
                                           minimum=0)
    lighter_factor: float | None = option(None, doc="The realtime_factor it switches to, for the rest of the run, "
                                          "when told to shed load (a lighter model).", minimum=0)


@register("speech_to_text", "fake", family="fake", options=ScriptedOptions,
          summary="each burst of sound becomes the next scripted line")
class ScriptedRecognizer(SpeechToText):
    input_rate = 16000

    def __init__(self, script: list[str], threshold: float, silence: float, memory: dict[str, int] | None = None,
                 *, fail_after: float | None = None, hang_after: float | None = None,
                 words_per_second: float | None = None, realtime_factor: float | None = None,
                 lighter_factor: float | None = None) -> None:
        self.script = script
        self.realtime_factor = realtime_factor
        self.factors = (realtime_factor, lighter_factor)  # (normal, shedding load: the rest of the run)
        self.words_per_second = words_per_second
        self.threshold = threshold
        self.silence = silence
        self.fail_after = fail_after
        self.hang_after = hang_after
        self.stream_starts: list[float] = []  # where each stream's audio began (a replay begins before the cut)
        # Which line each burst of sound was given, by its audio (zero samples at the edges stripped, so where the
        # framing falls does not matter). Shared between streams (the emulator's Transcribe), it makes the same
        # audio sent again after a reconnect come out as the same line, as real recognition would.
        self.memory = memory if memory is not None else {}

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        o: ScriptedOptions = request.options
        return cls(list(o.script), o.threshold, o.silence, fail_after=o.fail_after, hang_after=o.hang_after,
                   words_per_second=o.words_per_second, realtime_factor=o.realtime_factor,
                   lighter_factor=o.lighter_factor)

    def keep_up(self, behind: float, limit: float) -> str | None:
        normal, lighter = self.factors
        if lighter is not None and self.realtime_factor == normal and behind > limit:
            self.realtime_factor = lighter
            return f"lighter (realtime_factor {lighter:g})"
        return None

    def _line(self, burst: bytearray, *, whole: bool = True) -> str:
        """The line of a burst of sound: the one it was given before, else the next. A burst cut short by the end
        of its stream (``whole`` false) is not remembered: its audio is not the utterance's, which comes whole
        in the next stream (a replay) and must get the same line."""
        samples = np.frombuffer(bytes(burst), dtype="<i2")
        nonzero = np.flatnonzero(samples)
        key = hashlib.sha1(samples[nonzero[0]:nonzero[-1] + 1].tobytes() if nonzero.size else b"").hexdigest()
        index = self.memory.get(key, len(self.memory))
        if whole:
            self.memory[key] = index
        return self.script[index] if index < len(self.script) else f"utterance {index + 1}"

    def _expected_line(self) -> str:
        """The line the burst being heard will get, before its audio is whole: the next one (a burst cut by the
        end of its stream was not remembered, so its replay gets this same line)."""
        index = len(self.memory)
        return self.script[index] if index < len(self.script) else f"utterance {index + 1}"

    def _partial(self, seq: int, start: float, sound_end: float, position: float) -> tuple[Transcript, int]:
        """With words_per_second: the partial at ``position``, with the words said by ``sound_end`` (the burst's
        sound so far; a pause adds none), and how many words it has."""
        words = self._expected_line().split()
        said = min(len(words), 1 + int((sound_end - start) * (self.words_per_second or 0.0)))
        return Transcript(seq, " ".join(words[:said]), False, round(start, 3), round(position, 3)), said

    async def transcribe(self, frames: AsyncIterator[AudioFrame]) -> AsyncGenerator[Transcript, None]:
        seq, start, quiet, position = 0, None, 0.0, 0.0
        last_partial, shown = 0.0, 0  # with words_per_second: when the last partial was sent, and its words
        pending = b""
        burst = bytearray()
        previous = b""  # the chunk before the onset: a burst may begin in it below the threshold
        frame_bytes = int(self.input_rate * FRAME_SECONDS) * 2
        stream = len(self.stream_starts)
        async for frame in frames:
            if len(self.stream_starts) == stream:
                self.stream_starts.append(frame.start)
            heard = frame.end + 1e-6  # frame times add up with rounding errors
            if self.fail_after is not None and stream == 0 and heard >= self.fail_after:
                raise TransientEngineError("fake speech-to-text: connection lost (fail_after)")
            if self.hang_after is not None and heard >= self.hang_after:
                await hang()
            if self.realtime_factor:
                await asyncio.sleep(frame.duration * self.realtime_factor)
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
                        last_partial, shown = position, 0
                        if self.words_per_second is None:
                            yield Transcript(seq, "…", False, round(start, 3), round(position, 3))
                    quiet = 0.0
                elif start is not None:
                    quiet += FRAME_SECONDS
                    if quiet >= self.silence:
                        yield Transcript(seq, self._line(burst), True, round(start, 3), round(position - quiet, 3))
                        seq, start = seq + 1, None
                        burst.clear()
                if start is not None and self.words_per_second is not None:
                    partial, said = self._partial(seq, start, position - quiet, position)
                    if said > shown or position - last_partial >= PARTIAL_INTERVAL - 1e-6:
                        yield partial
                        last_partial, shown = position, said
        if start is not None:  # the stream ended during a burst
            yield Transcript(seq, self._line(burst, whole=False), True, round(start, 3), round(position - quiet, 3))


async def hang() -> None:
    """Wait until cancelled: a request that a service never answers."""
    await asyncio.get_running_loop().create_future()


@dataclass(frozen=True)
class FaultOptions:
    """Which requests of a fake translator or synthesizer fail or hang (matched on the text it is given)."""

    fail_on: tuple[str, ...] = option((), doc="Texts containing one of these fail with a transient error.")
    fatal_on: tuple[str, ...] = option((), doc="Texts containing one of these fail with a permanent error.")
    reject_on: tuple[str, ...] = option((), doc="Texts containing one of these are refused as that request's fault "
                                        "(too long, malformed): it costs the utterance, not the target.")
    fail_first: int = option(0, doc="The first N requests fail with a transient error (throttling bursts).",
                             minimum=0)
    hang_on: tuple[str, ...] = option((), doc="Texts containing one of these never finish, until cancelled (a "
                                      "hung service): no translation comes; speech stops after its first chunk.")


class Faults:
    """A fake engine's failures and hangs, as its FaultOptions say."""

    def __init__(self, options: FaultOptions, what: str) -> None:
        self.options = options
        self.what = what
        self.throttled = options.fail_first  # requests still to fail: a throttling burst

    def check(self, text: str) -> None:
        """Raise the error this request is due, if any."""
        if self.throttled > 0:
            self.throttled -= 1
            raise TransientEngineError(f"{self.what} throttled (fail_first)")
        for needle in self.options.fatal_on:
            if needle in text:
                raise PermanentEngineError(f"{self.what} refused {text!r} (fatal_on {needle!r})")
        for needle in self.options.reject_on:
            if needle in text:
                raise RejectedRequest(f"{self.what} rejected {text!r} (reject_on {needle!r})")
        for needle in self.options.fail_on:
            if needle in text:
                raise TransientEngineError(f"{self.what} failed on {text!r} (fail_on {needle!r})")

    def hangs(self, text: str) -> bool:
        return any(needle in text for needle in self.options.hang_on)


@dataclass(frozen=True)
class EchoOptions(FaultOptions):
    """Echo translation for tests and dry runs: the prefix, then the source text."""

    latency: float = option(0.0, doc="Seconds each translation takes.", minimum=0)
    start_latency: float = option(0.0, doc="Seconds starting takes (a service slow to connect).", minimum=0)
    prefix: str | None = option(None, doc="Prepended to the echoed text; default is the target language in "
                                "brackets.")


@register("translation", "fake", family="fake", options=EchoOptions,
          summary="echoes the text with a prefix; latency, failures and hangs")
class EchoTranslator(Translator):
    def __init__(self, prefix: str, latency: float = 0.0, faults: FaultOptions = FaultOptions(),
                 start_latency: float = 0.0, sharing: Hashable | None = None) -> None:
        self.prefix = prefix
        self.latency = latency
        self.start_latency = start_latency
        self.faults = Faults(faults, "fake translation")
        self.sharing = sharing  # built in code only: equal keys make targets share one translation
        self.requests: list[str] = []
        self.starts = self.closes = 0

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        o: EchoOptions = request.options
        assert request.target is not None
        prefix = f"[{request.target.language}] " if o.prefix is None else o.prefix
        return cls(prefix, o.latency, o, o.start_latency)

    def sharing_key(self) -> Hashable | None:
        return self.sharing

    async def start(self) -> None:
        self.starts += 1
        await asyncio.sleep(self.start_latency)

    async def aclose(self) -> None:
        self.closes += 1

    async def translate(self, text: str, source: str | None = None) -> str:
        self.requests.append(text)
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.faults.hangs(text):
            await hang()
        self.faults.check(text)
        return f"{self.prefix}{text}"


@dataclass(frozen=True)
class ToneOptions(FaultOptions):
    """A tone for each text, for tests and dry runs, with adjustable latency."""

    latency: float = option(0.0, doc="Seconds before the first audio chunk.", minimum=0)
    chunk_delay: float = option(0.0, doc="Seconds between audio chunks.", minimum=0)
    seconds_per_character: float = option(0.06, doc="How long the tone lasts per character of text.", minimum=0)


@register("text_to_speech", "fake", family="fake", options=ToneOptions,
          summary="a tone as long as the text; latency, failures and hangs")
class ToneSynthesizer(Synthesizer):
    supports_rate = True
    CHUNK_SECONDS = 0.1

    def __init__(self, output: AudioFormat, latency: float = 0.0, chunk_delay: float = 0.0,
                 seconds_per_character: float = 0.06, faults: FaultOptions = FaultOptions()) -> None:
        self.output = output
        self.latency = latency
        self.chunk_delay = chunk_delay
        self.seconds_per_character = seconds_per_character
        self.faults = Faults(faults, "fake text-to-speech")

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        o: ToneOptions = request.options
        t = request.target
        assert t is not None
        rate = t.sample_rate or default_sample_rate(t.format, t.engine)
        return cls(AudioFormat("pcm", rate), o.latency, o.chunk_delay, o.seconds_per_character, o)

    async def synthesize(self, text: str) -> AsyncGenerator[bytes, None]:
        if self.latency:
            await asyncio.sleep(self.latency)
        self.faults.check(text)
        rate = self.output.sample_rate
        total = max(1, int(len(text) * self.seconds_per_character / self.rate * rate))
        step = int(rate * self.CHUNK_SECONDS)
        for offset in range(0, total, step):
            n = min(step, total - offset)
            t = (np.arange(offset, offset + n) / rate).astype(np.float32)
            yield (np.sin(2 * np.pi * 440.0 * t) * 0.3 * 32767).astype("<i2").tobytes()
            if self.faults.hangs(text):
                await hang()  # a stream stalled mid-sentence
            if self.chunk_delay and offset + n < total:
                await asyncio.sleep(self.chunk_delay)
