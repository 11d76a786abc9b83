"""One target's stage: take utterances from its lane, translate, synthesize sentence by sentence, write to
its sinks.

Errors stay here. Transient ones (throttling, service failures, dropped streams) are retried with backoff, the
translation as a whole and the speech sentence by sentence (a sentence cut after part of its audio is spoken
again from its start); when the retries run out the utterance is lost and reported with its id. So is an
utterance whose request the service refused for what it carried (RejectedRequest: too long, malformed): the
next one may succeed. Any other permanent error (access denied, no such voice) marks the target failed and
abandons its lane, so the fan-out and the other targets never wait for it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from runner.config.model import TargetConfig
from runner.engines.base import Synthesizer, Translator
from runner.engines.languages import same_language
from runner.errors import EngineError, PermanentEngineError, RejectedRequest
from runner.events import AudioEvent, AudioRetractedEvent, SpokenEvent, TranslationEvent, Utterance
from runner.io.audio import encoded_duration
from runner.io.edge_silence import EdgeSilence
from runner.io.sinks import SinkGroup
from runner.retry import RetryPolicy, retrying
from runner.runtime.lag import LagControl
from runner.runtime.lanes import Lane
from runner.runtime.router import Router
from runner.runtime.simultaneous import catch_up
from runner.text import fit, sentences


@dataclass
class TargetStage:
    config: TargetConfig
    translator: Translator
    synthesizer: Synthesizer
    sinks: SinkGroup
    lane: Lane[Utterance]
    router: Router
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    in_flight: Utterance | None = None
    lag: LagControl | None = None  # mode simultaneous: speak just in time, faster, merged, or drop
    back_to_back: bool = False  # segments follow each other closely: trim the engine's padding around them

    @property
    def label(self) -> str:
        return self.config.label

    def oldest_pending(self) -> Utterance | None:
        return self.in_flight or self.lane.peek()

    def pending(self) -> int:
        return len(self.unfinished())

    def unfinished(self) -> list[str]:
        """Ids of the utterances not yet spoken: the one in flight, then the queued ones."""
        queued = [u.id for u in self.lane.items()]
        return ([self.in_flight.id] if self.in_flight else []) + queued

    def track(self) -> None:
        self.router.status.track_queue(self.label, len(self.lane), self.oldest_pending())

    async def run(self) -> None:
        while True:
            if self.lag is not None:
                await asyncio.sleep(self.lag.due_in())  # what comes meanwhile waits, to be merged or dropped
            utterance = await self.lane.get()
            if utterance is None:
                break
            if self.lag is not None:
                utterance = await catch_up(self, self.lag, utterance)
            self.in_flight = utterance
            self.track()
            try:
                await self._speak(utterance)
            except RejectedRequest as exc:
                await self.router.notice(self.label, "error", "engine-error", f"{self.label}: {utterance.id} "
                                         f"not spoken, its request was refused: {exc}", self.sinks, utterance.id)
            except PermanentEngineError as exc:
                await self._fail(utterance, exc)
                break
            except EngineError as exc:
                await self.router.notice(self.label, "error", "engine-error", f"{self.label}: {exc}", self.sinks,
                                         utterance.id)
            finally:
                self.in_flight = None
                self.track()
                await self._relay_notices(utterance)

    async def _speak(self, utterance: Utterance) -> None:
        clock = self.router.clock

        async def announce(stage: str, retry: int, delay: float, error: EngineError) -> None:
            await self.router.notice(self.label, "warning", "retry", f"{self.label}: {stage} failed ({error}); "
                                     f"retry {retry} of {self.retry.attempts - 1} in {delay:.2f}s", self.sinks,
                                     utterance.id)

        if utterance.language and same_language(utterance.language, self.config.language):
            text = utterance.text  # the speaker switched to this target's language: nothing to translate
        else:
            source = utterance.language or None
            text = await retrying(lambda: self.translator.translate(utterance.text, source), self.retry,
                                  lambda n, d, e: announce("translation", n, d, e))
        await self.router.emit(TranslationEvent(scope=self.label, at=clock(), utterance=utterance, text=text),
                               self.sinks)
        if not text.strip():
            return
        fmt = self.synthesizer.output
        total = 0
        sized = fmt.seconds(0) is not None  # pcm, mu-law, a-law: the size says the duration; mp3, ogg: decode
        encoded: list[bytes] = []  # each sentence's mp3/ogg stream, to tell their duration at the end
        first_at: float | None = None

        async def speak(index: int, sentence: str) -> None:
            nonlocal total
            written = 0
            stream = bytearray()
            trim = EdgeSilence(fmt.sample_rate) if self.back_to_back and fmt.encoding == "pcm" \
                and fmt.channels == 1 else None

            async def send(chunk: bytes) -> None:
                nonlocal total, first_at, written
                now = clock()
                if first_at is None:
                    first_at = now
                await self.router.emit(AudioEvent(scope=self.label, at=now, utterance=utterance, data=chunk,
                                                  format=fmt, first=total == 0, sentence=index), self.sinks)
                total += len(chunk)
                written += len(chunk)
                if not sized:
                    stream.extend(chunk)

            try:
                # a sentence over the engine's request limit goes as pieces, one request each, spoken in turn
                for piece in fit(sentence, self.synthesizer.fits, self.config.language):
                    async for chunk in self.synthesizer.synthesize(piece):
                        if trim is not None:
                            chunk = trim.feed(chunk)
                        if chunk:
                            await send(chunk)
                        # Let the other lanes run between chunks: an engine with audio ready (no I/O to wait
                        # for) would otherwise keep the event loop for its whole utterance while the others wait.
                        await asyncio.sleep(0)
                if trim is not None and (tail := trim.end()):
                    await send(tail)
            except EngineError:
                if written:  # the sentence is spoken again from its start (or lost): its fragment is void
                    total -= written
                    await self.router.emit(AudioRetractedEvent(scope=self.label, at=clock(), utterance=utterance,
                                                               sentence=index), self.sinks)
                raise
            if stream:
                encoded.append(bytes(stream))

        for index, sentence in enumerate(sentences(text, self.config.language)):
            await retrying(lambda i=index, s=sentence: speak(i, s), self.retry,  # type: ignore[misc]
                           lambda n, d, e: announce("speech", n, d, e))
        seconds = fmt.seconds(total) if sized else await asyncio.to_thread(encoded_duration, encoded)
        await self.router.emit(SpokenEvent(scope=self.label, at=clock(), utterance=utterance, bytes=total,
                                           seconds=seconds, first_audio_at=first_at), self.sinks)

    async def _relay_notices(self, utterance: Utterance) -> None:
        """What the engines had to say while working on this utterance (streams reopened, task states)."""
        for engine in (self.translator, self.synthesizer):
            for code, message in engine.drain_notices():
                await self.router.notice(self.label, "info", code, f"{self.label}: {message}", self.sinks,
                                         utterance.id)

    async def _fail(self, utterance: Utterance, exc: Exception) -> None:
        lost = self.lane.abandon()
        await self.router.notice(self.label, "error", "engine-error", f"{self.label}: {exc}", self.sinks,
                                 utterance.id)
        await self.router.notice(self.label, "error", "target-failed",
                                 f"{self.label} stopped after a permanent error: {exc}"
                                 + (f" ({len(lost)} queued utterance(s) not spoken)" if lost else ""), self.sinks)
