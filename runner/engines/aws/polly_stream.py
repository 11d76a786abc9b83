"""Polly's ``StartSpeechSynthesisStream`` (generative voices), via ``aws-sdk-polly``: one stream per sentence.

A stream marks the end of its audio in one way only: ``StreamClosedEvent``, after the client's
``CloseStreamEvent``. So each sentence goes out as a flushed ``TextEvent`` followed by ``CloseStreamEvent`` on a
stream of its own, and its audio is complete when that stream says it is closed: a pause in the audio (service
jitter) never ends a sentence early, and no audio is ever taken for the next sentence's. A stream that ends any
other way (an exception event, a lost connection, no event for ``timeout`` seconds) fails the sentence, which the
target speaks again from its start or reports lost.

So that a sentence does not wait for its stream to open, the next sentence's stream (the spare) is opened while
this one speaks, and kept open with the keep-alive Polly documents (a whitespace ``TextEvent``, within its 5 s
inbound-event timeout) for ``idle_close`` seconds; unused by then, it is closed and the next sentence opens its
own. A spare the service ended meanwhile is replaced quietly. ``StreamClosedEvent.RequestCharacters`` is added up
in ``request_characters``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from runner.engines.aws.context import AwsContext
from runner.engines.aws.errors import POLLY_STREAM, from_polly_stream, from_smithy
from runner.engines.aws.polly_batch import SpeechRequest
from runner.engines.aws.transport import close_input
from runner.errors import TransientEngineError

SERVICE = POLLY_STREAM
CONNECT_TIMEOUT = 15.0
KEEPALIVE = 2.0  # seconds between keep-alive events on a spare stream: Polly ends one idle for 5 s
_CLOSED = object()


@dataclass(frozen=True)
class StreamRequest(SpeechRequest):
    """A SynthesizeSpeech request's fields, and how long a spare stream waits for its sentence."""

    idle_close: float = 8.0


@dataclass
class _Stream:
    """One open stream: its input, and what its reader has seen so far."""

    stream: Any
    events: asyncio.Queue[object]
    reader: asyncio.Task[None]
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)  # keep-alives and the sentence, never at once
    taken: bool = False  # used for a sentence, or being closed: no longer a spare
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # tells its keeper it was taken

    def take(self) -> None:
        self.taken = True
        self.wake.set()

    def stale(self) -> bool:
        """It ended, or said something (an error), before it was used."""
        return self.reader.done() or not self.events.empty()


class PollyStream:
    def __init__(self, context: AwsContext, request: StreamRequest) -> None:
        self.context = context
        self.request = request
        self.notice: Callable[[str, str], None] = lambda code, message: None  # the engine's, for the event log
        self.request_characters = 0
        self.streams_opened = 0
        self._client: Any = None
        self._lock = asyncio.Lock()  # one sentence at a time
        self._spare: asyncio.Task[_Stream] | None = None
        self._holding: asyncio.Task[None] | None = None

    async def start(self) -> None:
        from aws_sdk_polly.client import AsyncPollyClient
        from aws_sdk_polly.config import AsyncPollyConfig

        if self._client is None:
            config = await self.context.smithy_config(AsyncPollyConfig, self.request.endpoint_url)
            self._client = AsyncPollyClient(config=config)

    async def _open(self) -> _Stream:
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
        events: asyncio.Queue[object] = asyncio.Queue()
        self.streams_opened += 1
        return _Stream(stream, events, asyncio.create_task(self._read(output, events)))

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
        from aws_sdk_polly.models import (
            CloseStreamEvent,
            FlushStreamConfiguration,
            StartSpeechSynthesisStreamActionStreamCloseStreamEvent,
            StartSpeechSynthesisStreamActionStreamTextEvent,
        )
        from aws_sdk_polly.models import TextEvent as PollyTextEvent

        async with self._lock:
            stream = await self._take()
            self._open_spare()  # the next sentence's, while this one speaks
            try:
                async with stream.sending:
                    await stream.stream.input_stream.send(StartSpeechSynthesisStreamActionStreamTextEvent(
                        value=PollyTextEvent(text=text, text_type=text_type or self.request.text_type,
                                             flush_stream_configuration=FlushStreamConfiguration(force=True))))
                    await stream.stream.input_stream.send(
                        StartSpeechSynthesisStreamActionStreamCloseStreamEvent(value=CloseStreamEvent()))
            except Exception as exc:
                await self._end(stream)
                raise from_smithy(exc, SERVICE) from exc
            got_audio = False
            try:
                while True:
                    try:  # a stall, not the end: only StreamClosedEvent ends a sentence
                        item = await asyncio.wait_for(stream.events.get(), self.request.timeout)
                    except TimeoutError:
                        raise TransientEngineError(f"{SERVICE}: nothing from the stream for "
                                                   f"{self.request.timeout:g}s") from None
                    if item is _CLOSED:
                        break
                    if isinstance(item, Exception):
                        raise item
                    assert isinstance(item, bytes)
                    got_audio = True
                    yield item
            finally:
                await self._end(stream)
            if not got_audio:
                raise TransientEngineError(f"{SERVICE}: the stream closed without any audio")

    async def _take(self) -> _Stream:
        """The spare stream if it is still good, else a new one."""
        spare, self._spare = self._spare, None
        if spare is not None:
            try:
                stream = await spare
            except Exception:  # opening it failed: opening again says why, or succeeds
                stream = None
            if stream is not None and not stream.taken and not stream.stale():
                stream.take()
                return stream
            if stream is not None and not stream.taken:
                stream.take()
                await self._end(stream)
                self.notice("stream-reopened", "the spare Polly stream had ended while it waited; opened a new one")
        stream = await self._open()
        stream.take()
        return stream

    def _open_spare(self) -> None:
        self._spare = asyncio.create_task(self._open())
        self._holding = asyncio.create_task(self._hold(self._spare))

    async def _hold(self, spare: asyncio.Task[_Stream]) -> None:
        """Keep a spare stream open (keep-alive events) until a sentence takes it or ``idle_close`` passes."""
        from aws_sdk_polly.models import StartSpeechSynthesisStreamActionStreamTextEvent
        from aws_sdk_polly.models import TextEvent as PollyTextEvent

        try:
            stream = await spare
        except Exception:
            return  # the next sentence opens its own, and meets the error if it lasts
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.request.idle_close
        while (left := deadline - loop.time()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stream.wake.wait(), min(KEEPALIVE, left))
            if stream.taken or stream.stale():
                return
            if deadline - loop.time() > 0:
                async with stream.sending:
                    if stream.taken:
                        return
                    with contextlib.suppress(Exception):  # a failed keep-alive shows as a stale stream
                        await stream.stream.input_stream.send(StartSpeechSynthesisStreamActionStreamTextEvent(
                            value=PollyTextEvent(text=" ")))
        if stream.taken:
            return
        stream.take()
        if self._spare is spare:
            self._spare = None
        await self._close_politely(stream)
        self.notice("stream-idle-closed", f"closed the spare Polly stream after {self.request.idle_close:g}s "
                    "unused (the next sentence opens one)")

    async def _close_politely(self, stream: _Stream) -> None:
        """CloseStreamEvent, so that Polly reports the characters it billed, then the end of the stream."""
        from aws_sdk_polly.models import CloseStreamEvent, StartSpeechSynthesisStreamActionStreamCloseStreamEvent

        async with stream.sending:
            with contextlib.suppress(Exception):
                await stream.stream.input_stream.send(
                    StartSpeechSynthesisStreamActionStreamCloseStreamEvent(value=CloseStreamEvent()))
        await self._end(stream)

    async def _end(self, stream: _Stream) -> None:
        """Done with a stream (finished or broken): its input is closed and its reader left to finish by itself:
        cancelling it while awscrt still owes it a chunk makes awscrt fail on the cancelled future later, loudly."""
        await close_input(stream.stream)
        try:
            await asyncio.wait_for(asyncio.shield(stream.reader), 5)
        except TimeoutError:
            stream.reader.cancel()

    async def close(self) -> None:
        """Close the spare stream politely, and the client."""
        async with self._lock:
            spare, self._spare = self._spare, None
            stream = None
            if spare is not None:
                try:
                    stream = await spare
                except Exception:
                    stream = None
            mine = stream is not None and not stream.taken
            if stream is not None:
                stream.take()  # its keeper returns at once
            if self._holding is not None:
                await self._holding
                self._holding = None
            if mine:
                assert stream is not None
                await self._close_politely(stream)
            if self._client is not None:
                with contextlib.suppress(Exception):
                    await self._client.close()
                self._client = None
