"""Speech-to-text that survives: sessions that reconnect, rotate and replay, for any engine.

The source is read into a queue by its own task, so capture never waits for a reconnect. Audio sent to the
engine is kept until a final transcript covers it (the *committed* point), 15 s at most. When a session fails
with a transient error, or ends while the source goes on, a new one starts after a backoff and first receives
the audio since the committed point: an utterance cut by the failure is transcribed once, by the new session. A session
that has carried ``engine.max_stream_seconds`` of audio is replaced the same way at its next final, before the
service's own limit (Transcribe: 4 hours) cuts it mid-sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator

from runner.engines.base import SpeechToText
from runner.errors import EngineError, TransientEngineError
from runner.events import SOURCE_SCOPE
from runner.frames import AudioFrame, Transcript
from runner.retry import RetryPolicy
from runner.runtime.router import Router

LIVE_QUEUE_FRAMES = 2000  # source audio waiting for the engine: a minute of microphone buffers, more of a file
REPLAY_WINDOW_SECONDS = 15.0  # at most this much audio (the latest) is sent again after a reconnect: any
#                               utterance that has not ended, and never a whole long silence


class _SourceEnded(Exception):
    pass


class SpeechToTextStage:
    def __init__(self, engine: SpeechToText, retry: RetryPolicy, router: Router) -> None:
        self.engine = engine
        self.retry = retry
        self.router = router
        self.sessions = 0
        self._live: asyncio.Queue[AudioFrame | BaseException | None] = asyncio.Queue(LIVE_QUEUE_FRAMES)
        self._replay: deque[AudioFrame] = deque()
        self._replay_seconds = 0.0
        self._committed = 0.0
        self._source_done = False
        self._session_audio = 0.0

    async def transcripts(self, source: AsyncIterator[AudioFrame]) -> AsyncGenerator[Transcript, None]:
        pump = asyncio.create_task(self._pump(source), name="source")
        seq_base = 0
        failures = 0
        try:
            while True:
                self.sessions += 1
                self._session_audio = 0.0
                rotate = False
                next_base = seq_base  # a new session numbers from 0: continue after this one's last final
                results = self.engine.transcribe(self._session_frames())
                try:
                    async for t in results:
                        failures = 0  # progress: the next failure starts a fresh series of retries
                        yield Transcript(seq_base + t.seq, t.text, t.final, t.start, t.end)
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
                    failures += 1
                    if not exc.retryable or failures >= self.retry.attempts:
                        raise
                    delay = self.retry.backoff(failures)
                    await self.router.notice(SOURCE_SCOPE, "warning", "reconnect", f"speech-to-text: {exc}; "
                                             f"reconnecting in {delay:.2f}s (attempt {failures + 1} of "
                                             f"{self.retry.attempts}), replaying {self._uncommitted():.1f}s of audio")
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
            with contextlib.suppress(BaseException):
                await pump

    def _should_rotate(self) -> bool:
        limit = self.engine.max_stream_seconds
        return limit is not None and self._session_audio >= limit

    def _commit(self, end: float) -> None:
        """Forget the audio up to ``end`` (a final's end): it will never be sent again. A frame that straddles
        the point keeps only its part after it, so no tail of a finished utterance is heard twice."""
        self._committed = max(self._committed, end)
        while self._replay and self._replay[0].end <= self._committed + 1e-6:
            self._replay_seconds -= self._replay.popleft().duration
        if self._replay and self._replay[0].start < self._committed:
            head = self._replay[0]
            frame_bytes = 2 * head.channels
            cut = int(round((self._committed - head.start) * head.sample_rate)) * frame_bytes
            tail = AudioFrame(head.pcm[cut:], head.sample_rate, head.channels, self._committed)
            self._replay_seconds -= head.duration - tail.duration
            self._replay[0] = tail

    def _uncommitted(self) -> float:
        return max(0.0, self._replay_seconds)

    async def _pump(self, source: AsyncIterator[AudioFrame]) -> None:
        """The source, read as fast as it gives audio, whatever the engine is doing."""
        try:
            async for frame in source:
                await self._live.put(frame)
            await self._live.put(None)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # an unreadable source: handed to the engine's frames, raised there
            await self._live.put(exc)

    async def _session_frames(self) -> AsyncGenerator[AudioFrame, None]:
        """One session's audio: the uncommitted audio again, then the live source."""
        for frame in list(self._replay):
            self._session_audio += frame.duration
            yield frame
        while not self._source_done:
            item = await self._live.get()
            if item is None:
                self._source_done = True
                return
            if isinstance(item, BaseException):
                self._source_done = True
                raise item
            self._replay.append(item)
            self._replay_seconds += item.duration
            while self._replay_seconds > REPLAY_WINDOW_SECONDS:
                self._replay_seconds -= self._replay.popleft().duration
            self._session_audio += item.duration
            yield item
