"""One long-lived Polly ``StartSpeechSynthesisStream`` per target (generative voices), via ``aws-sdk-polly``.

Each utterance goes out as a ``TextEvent`` with ``FlushStreamConfiguration(force=True)``; its ``AudioEvent``s are
passed on as they arrive. The stream does not mark where one flush's audio ends, so an utterance's audio is
taken as complete when the stream has been quiet for ``gap`` seconds after its last chunk (Polly sends a
flush's audio in one burst); utterances are sent one at a time, so audio is never attributed to the wrong one
at the start. Exception events become errors for this target; the stream is then reopened for the next
utterance. ``StreamClosedEvent.RequestCharacters`` is added up in ``request_characters``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any

from runner.engines.aws.context import AwsContext
from runner.engines.aws.errors import POLLY_STREAM, from_polly_stream, from_smithy
from runner.engines.aws.polly_batch import SpeechRequest
from runner.engines.aws.transport import close_input
from runner.errors import TransientEngineError

SERVICE = POLLY_STREAM
CONNECT_TIMEOUT = 15.0
_CLOSED = object()


@dataclass(frozen=True)
class StreamRequest(SpeechRequest):
    """A SynthesizeSpeech request's fields, and how the stream finds the end of a sentence and idles."""

    gap: float = 0.35
    idle_close: float = 8.0


class PollyStream:
    def __init__(self, context: AwsContext, request: StreamRequest) -> None:
        self.context = context
        self.request = request
        self.notice: Callable[[str, str], None] = lambda code, message: None  # the engine's, for the event log
        self.request_characters = 0
        self.streams_opened = 0
        self._client: Any = None
        self._stream: Any = None
        self._events: asyncio.Queue[object] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._idle_timer: asyncio.TimerHandle | None = None

    async def start(self) -> None:
        from aws_sdk_polly.client import AsyncPollyClient
        from aws_sdk_polly.config import AsyncPollyConfig

        if self._client is None:
            config = await self.context.smithy_config(AsyncPollyConfig, self.request.endpoint_url)
            self._client = AsyncPollyClient(config=config)

    async def _open(self) -> None:
        from aws_sdk_polly.models import StartSpeechSynthesisStreamInput

        await self.start()
        r = self.request
        stream_input = StartSpeechSynthesisStreamInput(
            engine=r.engine, voice_id=r.voice, output_format=r.output_format, sample_rate=str(r.sample_rate),
            language_code=r.language_code, lexicon_names=list(r.lexicons) or None)
        try:
            stream = await asyncio.wait_for(self._client.start_speech_synthesis_stream(stream_input), CONNECT_TIMEOUT)
            _, output = await asyncio.wait_for(stream.await_output(), CONNECT_TIMEOUT)
        except TimeoutError as exc:
            raise TransientEngineError(f"{SERVICE}: no answer in {CONNECT_TIMEOUT:g}s") from exc
        except Exception as exc:
            raise from_polly_stream(exc) from exc
        self._stream = stream
        self._events = asyncio.Queue()
        self._reader = asyncio.create_task(self._read(output, self._events))
        self.streams_opened += 1

    async def _read(self, output: Any, events: asyncio.Queue[object]) -> None:
        """Everything the stream says, in order, onto ``events``; ends with _CLOSED or an exception."""
        closed = False
        try:
            async for event in output:
                value: Any = getattr(event, "value", None)
                kind = type(value).__name__
                if kind == "AudioEvent":
                    if value.audio_chunk:
                        events.put_nowait(bytes(value.audio_chunk))
                elif kind == "StreamClosedEvent":
                    closed = True
                    self.request_characters += int(value.request_characters or 0)
                elif isinstance(value, Exception):
                    events.put_nowait(from_polly_stream(value))
                    return
            events.put_nowait(_CLOSED if closed else TransientEngineError(
                f"{SERVICE}: connection lost (the stream ended without StreamClosedEvent)"))
        except Exception as exc:
            events.put_nowait(from_polly_stream(exc))

    async def synthesize(self, text: str, text_type: str | None = None) -> AsyncGenerator[bytes, None]:
        from aws_sdk_polly.models import FlushStreamConfiguration, StartSpeechSynthesisStreamActionStreamTextEvent
        from aws_sdk_polly.models import TextEvent as PollyTextEvent

        if self._idle_timer is not None:
            self._idle_timer.cancel()
        async with self._lock:  # one utterance at a time: its audio is what arrives before the next is sent
            if self._stream is not None and self._stale():
                await self._reset()  # ended while idle (Polly's inbound-event timeout): just open a new one
                self.notice("stream-reopened", "the Polly stream had ended while idle; opened a new one")
            if self._stream is None:
                await self._open()
            assert self._events is not None
            event = StartSpeechSynthesisStreamActionStreamTextEvent(value=PollyTextEvent(
                text=text, text_type=text_type or self.request.text_type,
                flush_stream_configuration=FlushStreamConfiguration(force=True)))
            try:
                await self._stream.input_stream.send(event)
            except Exception as exc:
                await self._reset()
                raise from_smithy(exc, SERVICE) from exc
            wait = self.request.timeout  # for the first chunk; then the quiet gap that ends the utterance
            got_audio = False
            while True:
                try:
                    item = await asyncio.wait_for(self._events.get(), wait)
                except TimeoutError:
                    if got_audio:
                        self._schedule_idle_close()
                        return
                    await self._reset()
                    raise TransientEngineError(f"{SERVICE}: no audio within {self.request.timeout:g}s") from None
                if isinstance(item, bytes):
                    got_audio = True
                    wait = self.request.gap
                    yield item
                    continue
                await self._reset()
                if isinstance(item, Exception):
                    raise item
                if not got_audio:
                    raise TransientEngineError(f"{SERVICE}: the stream closed before any audio")
                return

    def _stale(self) -> bool:
        """The stream ended (or reported an error) while no utterance was in flight."""
        return self._reader is None or self._reader.done() or (self._events is not None and not self._events.empty())

    def _schedule_idle_close(self) -> None:
        loop = asyncio.get_running_loop()
        self._idle_timer = loop.call_later(self.request.idle_close,
                                           lambda: loop.create_task(self._close_if_idle()))

    async def _close_if_idle(self) -> None:
        if self._lock.locked() or self._stream is None:
            return
        async with self._lock:
            await self._send_close()
            await self._reset()
        self.notice("stream-idle-closed", f"closed the Polly stream after {self.request.idle_close:g}s unused "
                    "(it reopens with the next sentence)")

    async def _send_close(self) -> None:
        from aws_sdk_polly.models import CloseStreamEvent, StartSpeechSynthesisStreamActionStreamCloseStreamEvent

        if self._stream is not None:
            with contextlib.suppress(Exception):
                await self._stream.input_stream.send(
                    StartSpeechSynthesisStreamActionStreamCloseStreamEvent(value=CloseStreamEvent()))

    async def _reset(self) -> None:
        """Forget the current stream (broken or done); the next utterance opens a new one.

        The input is closed and the reader left to finish by itself: cancelling it while awscrt still owes it a
        chunk makes awscrt fail on the cancelled future later, loudly."""
        stream, reader = self._stream, self._reader
        self._stream = self._reader = self._events = None
        if stream is not None:
            await close_input(stream)
        if reader is not None:
            try:
                await asyncio.wait_for(asyncio.shield(reader), 5)
            except TimeoutError:
                reader.cancel()

    async def close(self) -> None:
        """Close the stream politely (CloseStreamEvent) so Polly reports the characters it billed."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        async with self._lock:
            await self._send_close()
            await self._reset()
            if self._client is not None:
                with contextlib.suppress(Exception):
                    await self._client.close()
                self._client = None
