"""One language's audio stream for the listener page: its timeline read in real time (runner.runtime.pacing),
encoded once (runner.outputs.listeners.aac) and handed to every listener of that language.

The stream runs only while someone listens: it starts at the live edge with the first listener and stops
with the last, so a language nobody chose costs nothing. Each listener has a tap, a bounded queue of blocks:
one whose connection stops taking them loses what it had not taken (counted in ``skipped``) and goes on at
the live edge, so a slow phone never holds more than MAX_PENDING_SECONDS of audio in the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from concurrent.futures import Executor

from runner.outputs.listeners.aac import Block, drop_encoder, encode_block
from runner.runtime.broadcast import Broadcast
from runner.runtime.pacing import paced_spans

BLOCK_SECONDS = 0.25  # one fragment: what a listener waits for at least, and a send per listener
MAX_BLOCK_SECONDS = 1.0
AHEAD_SECONDS = 0.5  # a recording read in real time may run this far ahead: the page buffers it
TAIL_SECONDS = 1.0  # silence after the last speech, so that every player plays it out
MAX_PENDING_SECONDS = 3.0

log = logging.getLogger(__name__)


class StreamTap:
    """One listener's blocks, not sent yet."""

    def __init__(self, stream: LanguageStream, ready: asyncio.Event | None = None) -> None:
        self.stream = stream
        self.blocks: deque[Block] = deque()
        self.skipped = 0
        self.ended = False
        self._ready = ready if ready is not None else asyncio.Event()

    def push(self, block: Block) -> None:
        if self.blocks and block.end - self.blocks[0].start > MAX_PENDING_SECONDS:
            self.blocks.clear()  # the listener stopped taking them: on at the live edge
            self.skipped += 1
        self.blocks.append(block)
        self._ready.set()

    def end(self) -> None:
        self.ended = True
        self._ready.set()

    async def wait(self) -> None:
        """Until there is a block to take, or the stream is over."""
        while not self.blocks and not self.ended:
            self._ready.clear()
            await self._ready.wait()

    def take(self) -> list[Block]:
        blocks = list(self.blocks)
        self.blocks.clear()
        return blocks

    def close(self) -> None:
        self.stream.leave(self)


class LanguageStream:
    def __init__(self, broadcast: Broadcast, label: str, executor: Executor) -> None:
        self.broadcast = broadcast
        self.timeline = broadcast.timelines[label]
        self.executor = executor
        self.init = b""  # the current encoder's init segment (fMP4 ftyp + moov)
        self.taps: set[StreamTap] = set()
        self.ended = False
        self.position = 0.0  # where the stream is on the output clock
        self._task: asyncio.Task[None] | None = None
        self._runs = itertools.count(1)

    def join(self, ready: asyncio.Event | None = None) -> StreamTap:
        """A tap on this stream from the live edge; ``ready`` is set whenever it has a block (or ends)."""
        tap = StreamTap(self, ready)
        self.taps.add(tap)
        if self.ended:
            tap.end()
        elif self._task is None:
            self._task = asyncio.create_task(self._run())
        return tap

    def leave(self, tap: StreamTap) -> None:
        self.taps.discard(tap)
        if not self.taps and self._task is not None:
            self._task.cancel()  # nobody listens: stop encoding (the next listener starts at the live edge)
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        name = f"{self.timeline.label}/{next(self._runs)}"  # a new encoder each time the stream starts
        try:
            async for start, end in paced_spans(self.broadcast, self.timeline, self.broadcast.settled_until(),
                                                ahead=AHEAD_SECONDS, tail=TAIL_SECONDS, block=BLOCK_SECONDS,
                                                max_block=MAX_BLOCK_SECONDS):
                pcm = self.timeline.read(start, end)
                block = await loop.run_in_executor(self.executor, encode_block, name, pcm, start, end)
                self.init, self.position = block.init, end
                if block.fragment:
                    for tap in self.taps:
                        tap.push(block)
        except asyncio.CancelledError:
            self.init = b""
            self._forget(name)
            raise
        except Exception:  # a codec failure ends this language's audio, never the run: captions go on
            log.exception("listener audio of %s failed", self.timeline.label)
        self.ended = True
        self._task = None
        self._forget(name)
        for tap in self.taps:
            tap.end()

    def left_to_play(self) -> float:
        """Seconds of the broadcast this stream has yet to send, in real time (0 when it is not running)."""
        if self._task is None:
            return 0.0
        return max(0.0, self.timeline.last_end - self.position) + TAIL_SECONDS + AHEAD_SECONDS

    def _forget(self, name: str) -> None:
        with contextlib.suppress(RuntimeError):  # the executor is shutting down: its process goes with it
            self.executor.submit(drop_encoder, name)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
