"""A language's timeline read as a continuous stream, in real time: what Icecast mounts and the listener page's
audio are made of.

Each span read is settled on the output clock (no speech can still be placed before its end) and at most
``ahead`` seconds ahead of the wall clock since the stream started: the far end plays it in real time. A
recording read faster than real time (``--fast``) is still streamed in real time: the stream falls behind the
run, and once it is more than MAX_BEHIND_SECONDS behind the broadcast's clock it skips to the live edge (the
``on_skip`` callback reports it), since the timeline keeps only HISTORY_SECONDS of audio behind the clock. Speech
placed far ahead of the clock (a language whose voice speaks longer than the speaker) is not behind: it is kept,
and played out in real time, to the end. After the broadcast ends the stream runs ``tail`` seconds past its
own language's last speech, then stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from runner.runtime.broadcast import HISTORY_SECONDS, Broadcast, LanguageTimeline

MAX_BEHIND_SECONDS = HISTORY_SECONDS / 2
LEAST_SPAN = 1e-3  # once the broadcast is over, a span shorter than this is not worth reading

OnSkip = Callable[[float, float], Awaitable[None]]  # (from, to) on the output clock


async def paced_spans(broadcast: Broadcast, timeline: LanguageTimeline, start: float, *, ahead: float,
                      tail: float, block: float, max_block: float,
                      on_skip: OnSkip | None = None) -> AsyncIterator[tuple[float, float]]:
    """(start, end) spans of the output clock that join without a gap, each at least ``block`` long (but the
    last), as they become due; once the broadcast is over, up to ``tail`` past ``timeline``'s own last speech
    (a language done early does not wait in silence for the one that speaks longest)."""
    loop = asyncio.get_running_loop()
    position = start
    started, origin = loop.time(), position
    while True:
        settled = broadcast.settled_until()
        # Behind the clock, not behind the newest speech: after a live run ends a language may have a minute of
        # speech queued ahead of the clock, all of it still kept, and its listeners hear all of it.
        if broadcast.clock() - position > MAX_BEHIND_SECONDS and settled > position + ahead:
            # The timeline is about to forget what this stream has yet to play (--fast): go to the edge.
            skipped_from, position = position, min(settled, broadcast.clock()) - ahead
            origin += position - skipped_from  # the same pace on: a skip is no burst to the listeners
            if on_skip is not None:
                await on_skip(skipped_from, position)
        paced = min(origin + loop.time() - started + ahead, position + max_block)
        over = broadcast.ended
        if over:  # all is settled: the last speech, then the tail of silence
            end = timeline.last_end + tail
            if position >= end - LEAST_SPAN:  # (waiting for less than this to fall due never ended the stream)
                return
            upto = min(paced, end)
        else:
            upto = min(paced, settled)
        if upto - position < (block if not over else LEAST_SPAN):
            await asyncio.sleep(block / 2)
            continue
        yield position, upto
        position = upto
