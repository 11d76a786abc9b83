"""A bounded lane: the queue in front of one target, with an explicit overflow policy.

- ``drop-oldest``: a full lane forgets its oldest utterance to take the new one (a live target stays current);
- ``drop-newest``: a full lane refuses the new utterance;
- ``block``: the producer waits for room (nothing is lost, but a slow target holds back speech-to-text).

One producer (the fan-out), one consumer (the target's stage).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

T = TypeVar("T")
OVERFLOW_POLICIES = ("drop-oldest", "drop-newest", "block")


class Lane(Generic[T]):
    def __init__(self, size: int, overflow: str) -> None:
        if overflow not in OVERFLOW_POLICIES:
            raise ValueError(f"unknown overflow policy {overflow!r}")
        self.size = size
        self.overflow = overflow
        self._items: deque[T] = deque()
        self._closed = False
        self._abandoned = False
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[T]:
        """What is queued, oldest first."""
        return list(self._items)

    def peek(self) -> T | None:
        return self._items[0] if self._items else None

    def offer(self, item: T) -> T | None:
        """Queue ``item`` without waiting. Returns the item that was dropped to respect the bound, if any."""
        if self._closed:
            raise RuntimeError("offer on a closed lane")
        if self._abandoned:
            return item
        dropped = None
        if len(self._items) >= self.size:
            if self.overflow == "drop-newest":
                return item
            dropped = self._items.popleft()  # drop-oldest (and block, when offered rather than put)
        self._items.append(item)
        self._update()
        return dropped

    async def put(self, item: T) -> T | None:
        """Queue ``item``; with the block policy, wait for room. Returns what was dropped, if anything."""
        if self.overflow == "block":
            while len(self._items) >= self.size and not self._abandoned and not self._closed:
                await self._writable.wait()
        return self.offer(item)

    def take(self, count: int) -> list[T]:
        """Remove and return up to ``count`` of the oldest queued items (the consumer merges or drops them)."""
        taken = [self._items.popleft() for _ in range(min(count, len(self._items)))]
        self._update()
        return taken

    def close(self) -> None:
        """No more items will come; the consumer drains what is queued, then its iteration ends."""
        self._closed = True
        self._update()

    def abandon(self) -> list[T]:
        """The consumer is gone for good: return what was queued; further offers are refused."""
        self._abandoned = True
        left = list(self._items)
        self._items.clear()
        self._update()
        return left

    async def get(self) -> T | None:
        """The next item, or None once the lane is closed and empty."""
        while not self._items:
            if self._closed or self._abandoned:
                return None
            await self._readable.wait()
        item = self._items.popleft()
        self._update()
        return item

    async def __aiter__(self) -> AsyncIterator[T]:
        while (item := await self.get()) is not None:
            yield item

    def _update(self) -> None:
        if self._items or self._closed or self._abandoned:
            self._readable.set()
        else:
            self._readable.clear()
        if len(self._items) < self.size or self._abandoned or self._closed:
            self._writable.set()
        else:
            self._writable.clear()
