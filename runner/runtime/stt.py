"""Speech-to-text that survives: sessions that reconnect, rotate and replay, for any engine.

The source is read into a queue by its own task, so capture never waits for a reconnect. Audio sent to the
engine is kept until a final transcript covers it (the *committed* point). When a session fails with a
transient error, or ends while the source goes on, a new one starts after a backoff and first receives the
audio since the committed point: an utterance cut by the failure is transcribed once, by the new session. A
session that has carried ``engine.max_stream_seconds`` of audio is replaced the same way at its next final,
before the service's own limit (Transcribe: 4 hours) cuts it mid-sentence.

Two bounds keep this honest:

- A source that runs faster than real time (a file with ``realtime: false``) is not read further ahead of
  what the engine has answered for than ``READ_AHEAD_SECONDS``, so everything sent stays replayable; the
  bound is lifted while the engine says nothing at all (it is hearing silence, there is nothing to answer).
- At most ``MAX_REPLAY_SECONDS`` are kept for replay (a live source cannot be held back). Audio that had to
  be let go before a final covered it, and that a reconnect then needed, is reported as lost with its span.

With a live source, how far the engine runs behind the speaker is measured, warned of and acted on
(runner.runtime.transcript_lag).
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator

import numpy as np

from runner.engines.base import SpeechToText
from runner.errors import EngineError, TransientEngineError
from runner.events import SOURCE_SCOPE
from runner.frames import AudioFrame, Transcript
from runner.retry import Attempts, RetryPolicy
from runner.runtime.router import Router
from runner.runtime.transcript_lag import TranscriptLag

LIVE_QUEUE_FRAMES = 2000  # source audio waiting for the engine: a minute of microphone buffers, more of a file
MAX_REPLAY_SECONDS = 120.0  # audio since the last final kept for a reconnect (longer without a final is rare)
READ_AHEAD_SECONDS = 10.0  # a fast source is sent at most this far beyond the engine's last answer...
IDLE_RELEASE_SECONDS = 2.0  # ...unless the engine has been silent this long (it heard nothing to answer)
QUIET_RMS = 10 ** (-50 / 20)  # frames quieter than -50 dBFS hold no speech: not replayed, not reported lost
REPLAY_LEAD_SECONDS = 0.5  # quiet audio kept before the first sound of a replay, as the engine's context


class SpeechToTextStage:
    def __init__(self, engine: SpeechToText, retry: RetryPolicy, router: Router, max_lag: float = 5.0) -> None:
        self.engine = engine
        self.max_lag = max_lag
        self.lag: TranscriptLag | None = None  # with a live source
        self.retry = retry
        self.router = router
        self.sessions = 0
        self._live: asyncio.Queue[AudioFrame | BaseException | None] = asyncio.Queue(LIVE_QUEUE_FRAMES)
        self._replay: deque[tuple[AudioFrame, bool]] = deque()  # (frame, has sound) since the committed point
        self._replay_seconds = 0.0
        self._committed = 0.0
        self._source_done = False
        self._session_audio = 0.0
        self._paced = True
        self._sent_end = 0.0  # stream time up to which audio has been sent
        self._heard = 0.0  # stream time up to which the engine has answered (any transcript's end)
        self._progress = asyncio.Event()
        self._let_go: tuple[float, float] | None = None  # span of audio with sound dropped before a final

    async def transcripts(self, source: AsyncIterator[AudioFrame], *, paced: bool = True) \
            -> AsyncGenerator[Transcript, None]:
        """Transcripts of ``source`` across as many engine sessions as it takes. ``paced``: the source
        delivers audio no faster than real time (a microphone), so it is never held back."""
        self._paced = paced
        self.lag = TranscriptLag(self.engine, self.router, self.max_lag, self.router.clock) if paced else None
        pump = asyncio.create_task(self._pump(source), name="source")
        seq_base = 0
        attempts = Attempts(self.retry)
        try:
            while True:
                self.sessions += 1
                self._session_audio = 0.0
                rotate = False
                next_base = seq_base  # a new session numbers from 0: continue after this one's last final
                results = self.engine.transcribe(self._session_frames())
                try:
                    async for t in results:
                        attempts.succeeded()  # progress: the next failure starts a fresh series of retries
                        self._answered(t.end)
                        if t.final and self.lag is not None:
                            await self.lag.final(t.end)
                        yield Transcript(seq_base + t.seq, t.text, t.final, t.start, t.end, t.language, t.stable)
                        if t.final:
                            self._commit(t.end)
                            next_base = seq_base + t.seq + 1
                            if self._should_rotate():
                                rotate = True
                                break
                    if not rotate:
                        if self._source_done and self._live.empty():
                            return
                        raise TransientEngineError("the stream ended while audio was still coming")
                except EngineError as exc:
                    delay = attempts.failed(exc)
                    await self.router.notice(SOURCE_SCOPE, "warning", "reconnect", f"speech-to-text: {exc}; "
                                             f"reconnecting in {delay:.2f}s (attempt {attempts.failures + 1} of "
                                             f"{self.retry.attempts}), replaying {self._uncommitted():.1f}s of audio")
                    await self._report_let_go()
                    await asyncio.sleep(delay)
                finally:
                    await results.aclose()
                    seq_base = next_base  # a cut utterance keeps its number (and so its id) when replayed
                if rotate:
                    await self.router.notice(SOURCE_SCOPE, "info", "rotate", f"speech-to-text: stream rotated after "
                                             f"{self._session_audio:.0f}s of audio (limit "
                                             f"{self.engine.max_stream_seconds:g}s)")
        finally:
            pump.cancel()
            await asyncio.wait({pump})  # (not `await pump`: its CancelledError is not ours to swallow)

    def said_at(self, position: float) -> float | None:
        """Session seconds at which the speaker said the audio at ``position``; None for a recording read fast."""
        return self.lag.said_at(position) if self.lag is not None else None

    def _should_rotate(self) -> bool:
        limit = self.engine.max_stream_seconds
        return limit is not None and self._session_audio >= limit

    def _answered(self, end: float) -> None:
        self._heard = max(self._heard, end)
        self._progress.set()

    def _commit(self, end: float) -> None:
        """Forget the audio up to ``end`` (a final's end): it will never be sent again. A frame that straddles
        the point keeps only its part after it, so no tail of a finished utterance is heard twice."""
        self._committed = max(self._committed, end)
        while self._replay and self._replay[0][0].end <= self._committed + 1e-6:
            self._replay_seconds -= self._replay.popleft()[0].duration
        if self._replay and self._replay[0][0].start < self._committed:
            head, loud = self._replay[0]
            frame_bytes = 2 * head.channels
            cut = int(round((self._committed - head.start) * head.sample_rate)) * frame_bytes
            tail = AudioFrame(head.pcm[cut:], head.sample_rate, head.channels, self._committed)
            self._replay_seconds -= head.duration - tail.duration
            self._replay[0] = (tail, loud)
        if self._let_go is not None and self._let_go[1] <= self._committed + 1e-6:
            self._let_go = None  # a final covered it after all: nothing was lost

    def _uncommitted(self) -> float:
        return max(0.0, self._replay_seconds)

    def _keep(self, frame: AudioFrame) -> None:
        """Keep a frame for replay; past the bound, let the oldest go (remembering it if it held sound)."""
        self._replay.append((frame, _has_sound(frame)))
        self._replay_seconds += frame.duration
        while self._replay_seconds > MAX_REPLAY_SECONDS + 1e-6:
            oldest, loud = self._replay.popleft()
            self._replay_seconds -= oldest.duration
            if loud:
                start = oldest.start if self._let_go is None else self._let_go[0]
                self._let_go = (start, oldest.end)

    async def _report_let_go(self) -> None:
        if self._let_go is None:
            return
        start, end = self._let_go
        self._let_go = None
        await self.router.notice(SOURCE_SCOPE, "error", "audio-lost", f"speech-to-text: audio from {start:.1f}s "
                                 f"to {end:.1f}s was not acknowledged by a final within {MAX_REPLAY_SECONDS:g}s "
                                 "and could not be replayed after the reconnect: its speech is lost")

    async def _pump(self, source: AsyncIterator[AudioFrame]) -> None:
        """The source, read as fast as it gives audio, whatever the engine is doing."""
        try:
            async for frame in source:
                self.router.status.source_progress(frame.end)
                if self.lag is not None:
                    await self.lag.arrived(frame.end)
                await self._live.put(frame)
            await self._live.put(None)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an unreadable source: handed to the engine's frames, raised there
            await self._live.put(exc)

    def _replay_frames(self) -> list[AudioFrame]:
        """The audio to send again: since the committed point, without a long quiet stretch at its head."""
        frames = [f for f, _ in self._replay]
        first_sound = next((i for i, (_, loud) in enumerate(self._replay) if loud), len(frames))
        lead = 0.0
        begin = first_sound
        while begin > 0 and lead < REPLAY_LEAD_SECONDS:
            begin -= 1
            lead += frames[begin].duration
        return frames[begin:]

    async def _session_frames(self) -> AsyncGenerator[AudioFrame, None]:
        """One session's audio: the uncommitted audio again, then the live source."""
        for frame in self._replay_frames():
            self._session_audio += frame.duration
            yield frame
        while not self._source_done:
            await self._within_read_ahead()
            item = await self._live.get()
            if item is None:
                self._source_done = True
                return
            if isinstance(item, BaseException):
                self._source_done = True
                raise item
            self._keep(item)
            self._sent_end = item.end
            if self.lag is not None:
                self.lag.taken(item.end)
            self._session_audio += item.duration
            yield item

    async def _within_read_ahead(self) -> None:
        """Hold a fast source back until the engine has answered for all but READ_AHEAD_SECONDS of what it was
        sent, or has been silent for IDLE_RELEASE_SECONDS (then it heard nothing worth answering)."""
        if self._paced:
            return
        while self._sent_end - self._heard > READ_AHEAD_SECONDS:
            self._progress.clear()
            try:
                await asyncio.wait_for(self._progress.wait(), IDLE_RELEASE_SECONDS)
            except TimeoutError:
                self._heard = self._sent_end


def _has_sound(frame: AudioFrame) -> bool:
    samples = np.frombuffer(frame.pcm, dtype="<i2").astype(np.float32) / 32768.0
    return bool(samples.size) and math.sqrt(float(np.mean(samples * samples))) > QUIET_RMS
