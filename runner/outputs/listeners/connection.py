"""One listener: a WebSocket that carries one language's captions and, as the page asked, its audio.

The page names its audio with ``audio=`` on the socket's URL:
- ``mse`` (the default): the language's AAC stream as fragmented MP4 in binary frames, for Media Source
  Extensions. A frame is a 24-byte header (little-endian: kind u8 (0 the init segment, 1 media), three
  reserved bytes, sequence u32, the first block's start on the output clock in seconds f64, the wall clock
  when it was encoded in ms since the epoch f64, for measuring delivery), then the boxes. Blocks that were
  waiting go out as one frame;
- ``plain``: no audio here. The page plays ``/audio/<lang>.aac?listener=<id>`` in an ``<audio>`` element
  (no MSE: iPhones); when that stream starts, an ``audio-start`` message says where on the output clock;
- ``none``: captions only (a quiet hall, the hard of hearing).

Text frames, JSON: ``hello`` (language, title, listener id, the output clock ``now``), ``caption`` (utterance,
sentence, text, ``start`` and, once known, ``end`` on the output clock; a caption comes again when its end is
known; ``spoken: false`` for text whose speech was dropped), ``retract`` (that sentence's audio is void),
``transcript`` (the speaker's own words), ``skipped`` (this listener fell behind and was moved to the live
edge), ``end`` (the broadcast is over and all its audio sent). Positions are seconds on the output clock,
which is also the media time of the fMP4 stream: a page shows a caption when its audio plays.
The page sends nothing that matters: what it sends is read and dropped, and a binary or oversized message
closes the socket. A listener that stops reading never holds more than its subscription's bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections import deque
from collections.abc import Awaitable
from typing import Any, Literal

from aiohttp import WSMsgType, web

from runner.outputs.listeners.stream import LanguageStream, StreamTap
from runner.runtime.broadcast import Caption, Ended, LanguageTimeline, Retraction, Subscription

HEADER = struct.Struct("<B3xIdd")
INIT, MEDIA = 0, 1
SEND_TIMEOUT = 5.0  # a listener whose socket takes longer than this to accept a frame has stalled: let it go
AudioMode = Literal["mse", "plain", "none"]


class UtteranceNumbers:
    """The page keys captions by a number, one per utterance id: given in order of first sight, so that
    simultaneous mode's ids (``u0003.2``, merged ``u0003.2+u0003.3+u0004.1``) need no parsing and never
    collide. Only the recent ones are remembered: a caption and its end are sent close together."""

    KEEP = 1024

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._next = 1

    def __call__(self, utterance: str) -> int:
        number = self._numbers.get(utterance)
        if number is None:
            number = self._numbers[utterance] = self._next
            self._next = self._next % 0xFFFFFFFF + 1
            if len(self._numbers) > self.KEEP:
                del self._numbers[next(iter(self._numbers))]
        return number


class ListenerConnection:
    def __init__(self, ws: web.WebSocketResponse, timeline: LanguageTimeline, stream: LanguageStream,
                 audio: AudioMode, hello: dict[str, Any], transcript: LanguageTimeline | None) -> None:
        self.ws = ws
        self.timeline = timeline
        self.stream = stream
        self.audio = audio
        self.hello = hello
        self.transcript = transcript
        self.number = UtteranceNumbers()
        self.outbox: deque[dict[str, Any]] = deque()  # messages from elsewhere (the plain audio stream)
        # One event for everything this listener may be sent (captions, words, audio, the outbox) and for the
        # page leaving: each wake-up costs one task switch, not a task per queue (3,200 listeners x 4 blocks a
        # second made that the runner's whole core).
        self._wake = asyncio.Event()
        self._sequence = 0
        self._sent_init = b""

    def audio_started(self, position: float) -> None:
        """The page's plain ``<audio>`` stream starts at ``position`` on the output clock."""
        self.outbox.append({"type": "audio-start", "position": round(position, 3)})
        self._wake.set()

    async def run(self) -> None:
        """Send until the broadcast ends, the page goes away, or its socket stalls."""
        captions = self.timeline.subscribe(audio=False, ready=self._wake)
        words = self.transcript.subscribe(audio=False, ready=self._wake) if self.transcript is not None else None
        tap = self.stream.join(self._wake) if self.audio == "mse" else None
        reader = asyncio.create_task(self._read())
        reader.add_done_callback(lambda _: self._wake.set())
        skipped, captions_over = 0, False
        try:
            await self._send(self.ws.send_json({**self.hello, "now": round(self.timeline.clock(), 3)}))
            while True:
                ready = await self._ready(captions, words, tap, reader)
                if ready is None:
                    break  # the page went away
                if captions.skipped + (tap.skipped if tap else 0) != skipped:
                    skipped = captions.skipped + (tap.skipped if tap else 0)
                    await self._send(self.ws.send_json({"type": "skipped"}))
                if ready is tap and tap is not None:
                    if tap.blocks:
                        await self._send_audio(tap)
                    elif captions_over:
                        break
                    else:
                        tap = None  # the audio failed: captions go on
                elif ready is words and words is not None:
                    item = words.pop()
                    if isinstance(item, Caption) and item.end is not None:  # once, when it is final
                        await self._send(self.ws.send_json({"type": "transcript", "text": item.text,
                                                            "utterance": self.number(item.utterance)}))
                elif ready is self.outbox:
                    await self._send(self.ws.send_json(self.outbox.popleft()))
                elif not captions_over:
                    captions_over = await self._deliver(captions)
                    if captions_over and (tap is None or (tap.ended and not tap.blocks)):
                        break
            if captions_over:
                await self._send(self.ws.send_json({"type": "end"}))
        except (ConnectionError, TimeoutError, RuntimeError):
            pass  # the page went away, or stalled: it reconnects at the live edge if it still wants to
        finally:
            captions.close()
            if words is not None:
                words.close()
            if tap is not None:
                tap.close()
            reader.cancel()
            await asyncio.wait({reader})
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def _ready(self, captions: Subscription, words: Subscription | None, tap: StreamTap | None,
                     reader: asyncio.Task[None]) -> object | None:
        """What has something to send (audio first); None when the page left."""
        while not reader.done():
            if tap is not None and (tap.blocks or tap.ended):
                return tap
            if self.outbox:
                return self.outbox
            if captions.queue:
                return captions
            if words is not None and words.queue:
                return words
            self._wake.clear()  # nothing can come between the checks above and this: no await between
            await self._wake.wait()
        return None

    async def _send_audio(self, tap: StreamTap) -> None:
        blocks = tap.take()
        init = self.stream.init
        if init and init != self._sent_init:  # first, and again after the encoder started anew
            self._sent_init = init
            await self._send(self.ws.send_bytes(HEADER.pack(INIT, self._next(), blocks[0].start, 0.0) + init))
        header = HEADER.pack(MEDIA, self._next(), blocks[0].start, blocks[-1].made_at * 1000)
        await self._send(self.ws.send_bytes(header + b"".join(b.fragment for b in blocks)))

    def _next(self) -> int:
        self._sequence = (self._sequence + 1) & 0xFFFFFFFF
        return self._sequence

    async def _deliver(self, captions: Subscription) -> bool:
        """Send the next caption item; True when the broadcast is over."""
        item = captions.pop()
        if isinstance(item, Caption):
            await self._send(self.ws.send_json({
                "type": "caption", "utterance": self.number(item.utterance), "sentence": item.sentence,
                "text": item.text, "start": round(item.start, 3),
                **({"end": round(item.end, 3)} if item.end is not None else {}),
                **({} if item.spoken else {"spoken": False})}))
        elif isinstance(item, Retraction):
            await self._send(self.ws.send_json({"type": "retract", "utterance": self.number(item.utterance),
                                                "sentence": item.sentence}))
        elif isinstance(item, Ended):
            return True
        return False

    async def _send(self, sending: Awaitable[None]) -> None:
        await asyncio.wait_for(sending, SEND_TIMEOUT)

    async def _read(self) -> None:
        """Drain what the page sends; end on close, a binary message or a protocol error (too big, malformed)."""
        async for message in self.ws:
            if message.type in (WSMsgType.BINARY, WSMsgType.ERROR):
                return
