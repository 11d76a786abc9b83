"""A language's timeline read as a continuous stream, in real time: what Icecast mounts and the listener page's
audio are made of.

Each span read is settled on the output clock (no speech can still be placed before its end) and at most
``ahead`` seconds ahead of the wall clock since the stream started: the far end plays it in real time. A
recording read faster than real time (``--fast``) is still streamed in real time: the stream falls behind the
run, and once it is more than MAX_BEHIND_SECONDS behind the newest speech it skips to the live edge (the
``on_skip`` callback reports it), since the timeline keeps only HISTORY_SECONDS of audio. After the broadcast
ends the stream runs ``tail`` seconds past the last speech, then stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from runner.runtime.broadcast import HISTORY_SECONDS, Broadcast

MAX_BEHIND_SECONDS = HISTORY_SECONDS / 2

OnSkip = Callable[[float, float], Awaitable[None]]  # (from, to) on the output clock


async def paced_spans(broadcast: Broadcast, start: float, *, ahead: float, tail: float, block: float,
                      max_block: float, on_skip: OnSkip | None = None) -> AsyncIterator[tuple[float, float]]:
    """(start, end) spans of the output clock that join without a gap, each at least ``block`` long (but the
    last), as they become due."""
    loop = asyncio.get_running_loop()
    position = start
    started, origin = loop.time(), position
    while True:
        settled = broadcast.settled_until()
        if broadcast.last_end - position > MAX_BEHIND_SECONDS and settled > position + ahead:
            # The timeline is about to forget what this stream has yet to play (--fast): go to the edge.
            skipped_from, position = position, settled - ahead
            origin += position - skipped_from  # the same pace on: a skip is no burst to the listeners
            if on_skip is not None:
                await on_skip(skipped_from, position)
        paced = min(origin + loop.time() - started + ahead, position + max_block)
        over = broadcast.ended
        if over:  # all is settled: the last speech, then the tail of silence
            end = broadcast.last_end + tail
            if position >= end:
                return
            upto = min(paced, end)
        else:
            upto = min(paced, settled)
        if upto - position < (block if not over else 1e-3):
            await asyncio.sleep(block / 2)
            continue
        yield position, upto
        position = upto
