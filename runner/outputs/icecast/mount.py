"""One language's mount: its timeline read as a continuous stream (speech where it was placed, silence
between), encoded, paced in real time and sent to the server; reconnected when the server drops it.

Pacing (runner.runtime.pacing): the stream sends what is settled on the output clock, at most AHEAD_SECONDS
ahead of the wall clock since the connection started: Icecast relays bytes as they come, and a listener's
player plays them in real time; a run read faster than real time skips to the live edge (reported).

Outages: audio is never buffered for a server that is away. The stream resumes at the live edge of a new
connection, and the span that was not streamed is reported as a notice (``icecast-gap``, a warning); a
server still away when the broadcast ends is an error (``icecast-lost``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from runner.outputs.icecast.encoder import Format, StreamEncoder
from runner.outputs.icecast.source import SourceConnection, SourceRefused, SourceUnreachable
from runner.retry import RetryPolicy
from runner.runtime.broadcast import Broadcast, LanguageTimeline
from runner.runtime.pacing import paced_spans

AHEAD_SECONDS = 1.5  # sent ahead of real time: the server and players buffer it, nothing more
BLOCK_SECONDS = 0.1  # the least audio worth encoding and sending at once
MAX_BLOCK_SECONDS = 1.0
# The stream goes on a while after the last speech: a server that loses its source stops relaying at once, so
# the source stays until its listeners have had everything: what was sent ahead, then a breath, and for MP3
# the block Icecast collects before relaying (4 KB; a second at 32 kbps).
TAIL_SECONDS = AHEAD_SECONDS + 0.5
ICECAST_MP3_BLOCK_BYTES = 2 * 4096
STALL_SECONDS = 10.0  # the server took nothing for this long: treat the connection as lost
RECONNECT = RetryPolicy(attempts=1, initial_backoff=0.5, max_backoff=5.0)  # only its backoff is used

# (level, code, message): a notice in the target's scope
Report = Callable[[str, str, str], Awaitable[None]]


@dataclass(frozen=True)
class MountSpec:
    label: str
    mount: str
    format: Format
    sample_rate: int
    kbps: int
    headers: dict[str, str]  # Content-Type and ice-* (name, description, public, audio info)
    tags: dict[str, str]  # in the stream (Ogg: OpusTags)
    title: str  # the title before the first caption (MP3)
    url: str  # the mount's address on the server (for messages: no credentials in it)


@dataclass
class _Body:
    """What one connection's request body shares with the code that watches the connection."""

    ended: asyncio.Event = field(default_factory=asyncio.Event)  # it sent the stream's last bytes
    abandoned: bool = False  # the connection is gone: stop
    waiting_since: float | None = None  # when it last handed bytes over that were not taken yet


class MountStream:
    def __init__(self, spec: MountSpec, broadcast: Broadcast, connect: Callable[[], SourceConnection],
                 report: Report, executor: Executor) -> None:
        self.spec = spec
        self.broadcast = broadcast
        self.timeline: LanguageTimeline = broadcast.timelines[spec.label]
        self._connect = connect
        self._report = report
        self._executor = executor
        self.position = 0.0  # on the output clock: where the next read starts
        self.connection: SourceConnection | None = None
        self.reconnects = 0
        self.gaps: list[tuple[float, float]] = []
        self._current = _Body()
        self._titles = _Titles()
        block = ICECAST_MP3_BLOCK_BYTES * 8 / (spec.kbps * 1000) if spec.format == "mp3" else 0.0
        self._tail_seconds = TAIL_SECONDS + block

    @property
    def url(self) -> str:
        return self.spec.url

    async def start(self) -> None:
        """The first connection: raises SourceRefused or SourceUnreachable (the output cannot start)."""
        await self._open(self.broadcast.settled_until())

    async def run(self) -> None:
        """Stream until the broadcast is over, reconnecting as often as it takes."""
        while True:
            reason = await self._serve()
            if reason is None:
                return
            lost_at = self.position
            await self._report("warning", "icecast-disconnected",
                               f"{self.url}: the server dropped the stream at {lost_at:.1f}s ({reason}); reconnecting")
            if not await self._reconnect(lost_at):
                return

    async def _open(self, position: float) -> None:
        connection = self._connect()
        self.position = position
        self._current = body = _Body()
        await connection.open(self._body(body))
        self.connection = connection
        if self.spec.format == "mp3":
            self._titles.set(connection, self.spec.title)

    async def _serve(self) -> str | None:
        """Until the stream ends (None) or the connection is lost (why)."""
        connection, body = self.connection, self._current
        assert connection is not None
        closed = asyncio.ensure_future(connection.closed())
        ended = asyncio.ensure_future(body.ended.wait())
        loop = asyncio.get_running_loop()
        reason: str | None = "the server closed the connection"
        try:
            while True:
                done, _ = await asyncio.wait({closed, ended}, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
                if ended in done:  # the stream's last bytes are sent: closing the connection ends it
                    reason = None
                    break
                if closed in done:
                    if self.broadcast.ended and self.position >= self.timeline.last_end:
                        reason = None  # every bit of speech was sent; only the tail of silence was cut short
                    break
                if body.waiting_since is not None and loop.time() - body.waiting_since > STALL_SECONDS:
                    reason = f"the server took nothing for {STALL_SECONDS:g}s"
                    break
        finally:
            closed.cancel()
            ended.cancel()
            body.abandoned = True
            self.connection = None
            await self._titles.aclose()
            await connection.close()
        return reason

    async def _reconnect(self, lost_at: float) -> bool:
        """Connect again at the live edge; False if the broadcast ended first (reported as lost)."""
        attempt, why = 0, ""
        while not self.broadcast.ended:
            attempt += 1
            await asyncio.sleep(RECONNECT.backoff(min(attempt, 8)) + 0.1)
            if self.broadcast.ended:
                break
            edge = max(self.position, self.broadcast.settled_until())
            try:
                await self._open(edge)
            except (SourceRefused, SourceUnreachable) as exc:
                why = str(exc)
                continue
            self.reconnects += 1
            self.gaps.append((lost_at, edge))
            await self._report("warning", "icecast-gap",
                               f"{self.url}: not streamed from {lost_at:.1f}s to {edge:.1f}s (the server was away); "
                               f"resumed at the live edge after {attempt} attempt(s)")
            return True
        end = max(lost_at, self.broadcast.last_end)
        self.gaps.append((lost_at, end))
        await self._report("error", "icecast-lost", f"{self.url}: not streamed from {lost_at:.1f}s to the end "
                           f"({end:.1f}s): the server did not come back" + (f" ({why})" if why else ""))
        return False

    def left_to_play(self) -> float:
        """Seconds of this language's speech the stream has yet to send, in real time, with its tail."""
        return max(0.0, self.timeline.last_end - self.position) + self._tail_seconds + AHEAD_SECONDS

    async def _body(self, body: _Body) -> AsyncIterator[bytes]:
        """The request body of one connection: a new stream (headers and all), paced in real time."""
        spec = self.spec
        loop = asyncio.get_running_loop()
        encoder = StreamEncoder(spec.format, spec.sample_rate, spec.kbps, spec.tags)
        async for start, upto in paced_spans(self.broadcast, self.timeline, self.position, ahead=AHEAD_SECONDS,
                                             tail=self._tail_seconds, block=BLOCK_SECONDS,
                                             max_block=MAX_BLOCK_SECONDS, on_skip=self._skipped):
            if body.abandoned:
                break
            pcm = self.timeline.read(start, upto)
            data = await loop.run_in_executor(self._executor, encoder.encode, pcm)
            if body.abandoned:
                break
            if spec.format == "mp3":
                self._caption_titles(start, upto)
            self.position = upto
            if data:
                body.waiting_since = loop.time()
                yield data
                body.waiting_since = None
        if not body.abandoned:
            tail = await loop.run_in_executor(self._executor, encoder.close)
            if tail:
                yield tail
            body.ended.set()

    async def _skipped(self, skipped_from: float, to: float) -> None:
        self.position = to
        self.gaps.append((skipped_from, to))
        await self._report("warning", "icecast-skipped",
                           f"{self.url}: skipped from {skipped_from:.1f}s to {to:.1f}s: the "
                           "stream plays in real time and the run was that far ahead of it")

    def _caption_titles(self, start: float, end: float) -> None:
        """MP3 listeners see the sentence being sent as the stream's title."""
        starting = [c for c in self.timeline.captions_between(start, end) if start <= c.start < end]
        if starting and self.connection is not None:
            self._titles.set(self.connection, starting[-1].text)


class _Titles:
    """Title updates of one mount, one at a time, the latest wins (a slow server never queues them up)."""

    def __init__(self) -> None:
        self._next: tuple[SourceConnection, str] | None = None
        self._task: asyncio.Task[None] | None = None

    def set(self, connection: SourceConnection, title: str) -> None:
        self._next = (connection, title)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._send())

    async def _send(self) -> None:
        while self._next is not None:
            (connection, title), self._next = self._next, None
            await connection.update_title(title)

    async def aclose(self) -> None:
        self._next = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
