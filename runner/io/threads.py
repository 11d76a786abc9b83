"""Blocking reads on daemon threads of their own, so that a read that never returns cannot hold a run.

``asyncio.to_thread`` runs on the loop's default executor, whose threads the interpreter joins at exit: a
``read`` that never returns (a FIFO with no writer, a hung network mount) then keeps the process alive after
every task was cancelled, whatever signal it gets. Work started here runs on a daemon thread instead: the
awaiting task can be cancelled or stopped at any moment, and a thread stuck in the kernel is abandoned.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_END = object()


async def call[R](work: Callable[[], R], name: str) -> R:
    """``work()`` on a daemon thread; cancelling the caller abandons it."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[R] = loop.create_future()

    def settle(result: R | None, error: BaseException | None) -> None:
        if done.cancelled():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result = work()
        except BaseException as exc:  # handed to the awaiting task, raised there
            _post(loop, settle, None, exc)
        else:
            _post(loop, settle, result, None)

    threading.Thread(target=run, name=name, daemon=True).start()
    return await done


class ThreadedIterator(Generic[T]):
    """The items of a blocking iterator, produced on a daemon thread at most ``depth`` ahead of the consumer.
    ``close()`` (from the event loop) ends the iteration at once, even while the thread is stuck."""

    def __init__(self, produce: Callable[[], Iterator[T]], name: str, depth: int = 4) -> None:
        self._produce = produce
        self._name = name
        self._slots = threading.Semaphore(depth)
        self._closed = threading.Event()
        self._items: asyncio.Queue[object] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _run(self) -> None:
        assert self._loop is not None and self._items is not None
        loop, items = self._loop, self._items
        try:
            for item in self._produce():
                self._slots.acquire()
                if self._closed.is_set():
                    return
                _post(loop, items.put_nowait, item)
            _post(loop, items.put_nowait, _END)
        except BaseException as exc:
            if not self._closed.is_set():
                _post(loop, items.put_nowait, exc)

    def close(self) -> None:
        """No more items: the consumer's iteration ends; the thread stops at its next item (or is abandoned)."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._slots.release()  # a producer waiting for room wakes up and sees the close
        if self._items is not None:
            self._items.put_nowait(_END)

    async def __aiter__(self) -> AsyncIterator[T]:
        self._loop = asyncio.get_running_loop()
        self._items = asyncio.Queue()
        threading.Thread(target=self._run, name=self._name, daemon=True).start()
        try:
            while not self._closed.is_set():
                item = await self._items.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                self._slots.release()
                yield item  # type: ignore[misc]
        finally:
            self.close()


def _post(loop: asyncio.AbstractEventLoop, callback: Callable[..., object], *args: object) -> None:
    """Hand a result to the event loop, unless the loop is gone (an abandoned thread outlived the run)."""
    try:
        loop.call_soon_threadsafe(callback, *args)
    except RuntimeError:
        pass
