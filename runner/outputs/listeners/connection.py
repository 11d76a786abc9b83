"""One listener: a WebSocket that carries one language's speech and captions as they are placed on its
timeline, from the live edge on.

Frames, server to page:
- binary: a 24-byte header (little-endian: utterance number u32, sentence u16, reserved u16, the audio's
  position on the output clock in ms u32, the output clock as it is sent in ms u32, the wall clock when the
  audio was placed in ms since the epoch u64, for measuring delivery) then 16-bit mono PCM at the timeline's
  rate; chunks of one sentence that were waiting go out as one frame. The two clock times let the page tell a
  listener who fell behind (playing audio far older than the clock) from speech that is simply long (placed
  ahead of the clock), and catch up only the first;
- text, JSON: ``hello`` (language, rate, title), ``caption`` (utterance, sentence, text; ``spoken: false`` for
  text whose speech was dropped: shown at once, no audio follows), ``retract`` (drop what
  is not played yet of that sentence), ``transcript`` (the speaker's own words), ``skipped`` (this listener fell
  behind and was moved to the live edge), ``end`` (the broadcast is over).
The page sends nothing that matters: what it sends is read and dropped, and a binary or oversized message
closes the socket. A listener that stops reading never holds more than its subscription's bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Awaitable
from typing import Any

from aiohttp import WSMsgType, web

from runner.runtime.broadcast import Caption, Chunk, Ended, Item, LanguageTimeline, Retraction, Subscription

HEADER = struct.Struct("<IHHIIQ")
SEND_TIMEOUT = 5.0  # a listener whose socket takes longer than this to accept a frame has stalled: let it go


class UtteranceNumbers:
    """The page keys audio and captions by a number, one per utterance id: given in order of first sight, so
    that simultaneous mode's ids (``u0003.2``, merged ``u0003.2+u0003.3+u0004.1``) need no parsing and never
    collide. Only the recent ones are remembered: a caption and its audio are sent close together."""

    KEEP = 1024

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._next = 1

    def __call__(self, utterance: str) -> int:
        number = self._numbers.get(utterance)
        if number is None:
            number = self._numbers[utterance] = self._next
            self._next = self._next % 0xFFFFFFFF + 1  # the header's u32
            if len(self._numbers) > self.KEEP:
                del self._numbers[next(iter(self._numbers))]
        return number


class ListenerConnection:
    def __init__(self, ws: web.WebSocketResponse, timeline: LanguageTimeline, hello: dict[str, Any],
                 transcript: LanguageTimeline | None) -> None:
        self.ws = ws
        self.timeline = timeline
        self.hello = hello
        self.transcript = transcript
        self.number = UtteranceNumbers()  # the ids the page keys audio and captions by

    async def run(self) -> None:
        """Send until the broadcast ends, the page goes away, or its socket stalls."""
        speech = self.timeline.subscribe()
        words = self.transcript.subscribe() if self.transcript is not None else None
        reader = asyncio.create_task(self._read())
        skipped = 0
        try:
            await self._send(self.ws.send_json(self.hello))
            while True:
                ready = await self._ready(speech, words, reader)
                if ready is None:
                    break  # the page went away
                if speech.skipped != skipped:
                    skipped = speech.skipped
                    await self._send(self.ws.send_json({"type": "skipped"}))
                if ready is words:
                    item = words.pop()
                    if isinstance(item, Caption):
                        await self._send(self.ws.send_json({"type": "transcript", "text": item.text,
                                                            "utterance": self.number(item.utterance)}))
                elif not await self._deliver(speech):
                    break  # the broadcast is over
        except (ConnectionError, TimeoutError, RuntimeError):
            pass  # the page went away, or stalled: it reconnects at the live edge if it still wants to
        finally:
            speech.close()
            if words is not None:
                words.close()
            reader.cancel()
            await asyncio.wait({reader})
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def _ready(self, speech: Subscription, words: Subscription | None,
                     reader: asyncio.Task[None]) -> Subscription | None:
        """The subscription with something to send (speech first); None when the page left."""
        while not reader.done():
            if speech.queue:
                return speech
            if words is not None and words.queue:
                return words
            waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(speech.wait()), reader}
            if words is not None:
                waits.add(asyncio.ensure_future(words.wait()))
            _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for task in pending - {reader}:
                task.cancel()
        return None

    async def _deliver(self, speech: Subscription) -> bool:
        """Send the next speech item; False when the broadcast is over."""
        item: Item = speech.pop()
        if isinstance(item, Chunk):
            pcm = [item.pcm]
            while speech.queue and _same_sentence(speech.queue[0], item):
                pcm.append(speech.pop().pcm)  # type: ignore[union-attr]
            header = HEADER.pack(self.number(item.utterance), item.sentence, 0, _ms(item.position),
                                 _ms(self.timeline.clock()), round(item.placed_at * 1000))
            await self._send(self.ws.send_bytes(header + b"".join(pcm)))
        elif isinstance(item, Caption):
            await self._send(self.ws.send_json({"type": "caption", "utterance": self.number(item.utterance),
                                                "sentence": item.sentence, "text": item.text,
                                                **({} if item.spoken else {"spoken": False})}))
        elif isinstance(item, Retraction):
            await self._send(self.ws.send_json({"type": "retract", "utterance": self.number(item.utterance),
                                                "sentence": item.sentence}))
        elif isinstance(item, Ended):
            await self._send(self.ws.send_json({"type": "end"}))
            return False
        return True

    async def _send(self, sending: Awaitable[None]) -> None:
        await asyncio.wait_for(sending, SEND_TIMEOUT)

    async def _read(self) -> None:
        """Drain what the page sends; end on close, a binary message or a protocol error (too big, malformed)."""
        async for message in self.ws:
            if message.type in (WSMsgType.BINARY, WSMsgType.ERROR):
                return


def _ms(seconds: float) -> int:
    return max(0, min(2**32 - 1, round(seconds * 1000)))


def _same_sentence(item: Item, chunk: Chunk) -> bool:
    return isinstance(item, Chunk) and item.utterance == chunk.utterance and item.sentence == chunk.sentence
