"""The awscrt HTTP/2 transport of the smithy-based streaming clients, with three changes: a response stream that
the connection cut short ends with an error instead of looking like a clean end, and every client uses the
process's awscrt event loop group instead of starting one of its own (SharedCRTEventLoop), and event streams are
read without smithy's per-read protocol checks (EventBytesReader).

smithy-http's ``AWSCRTHTTPResponse.chunks`` stops at the first empty read, whether awscrt completed the
stream normally or because the connection was lost. An event stream then just ends, and a Transcribe session
whose audio had all been handed to awscrt (a file read faster than real time) would take a dropped
connection for the service's normal end of stream and lose every utterance it had not answered yet. Here the
end of the body says why it ended, and raises awscrt's error when the connection failed.

Written against smithy-http 0.6 (pinned in pyproject.toml); ``tests/aws/test_transport.py`` fails if a new
version changes what this relies on.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncGenerator, AsyncIterable
from concurrent.futures import Future, InvalidStateError
from inspect import isasyncgen
from types import TracebackType
from typing import Any, cast

from awscrt.io import ClientBootstrap
from smithy_core.aio.types import AsyncBytesReader
from smithy_http.aio.crt import AWSCRTHTTPClient, AWSCRTHTTPResponse, _AWSCRTEventLoop


class CheckedCRTResponse(AWSCRTHTTPResponse):
    def __init__(self, *, status: int, fields: Any, stream: Any) -> None:
        super().__init__(status=status, fields=fields, stream=stream)
        self._crt_stream = stream

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        async for chunk in super().chunks():
            yield chunk
        error = stream_error(self._crt_stream)
        if error is not None:
            raise error


class SharedCRTEventLoop(_AWSCRTEventLoop):
    """awscrt's process-wide event loop group and host resolver, for every client.

    smithy gives each client an event loop thread of its own (with its epoll and eventfd descriptors), which lives
    until the client object is collected. A stream stopped by a cancellation is referenced by the exception's
    traceback (through the frame that used it) until the next full garbage collection, and so were its thread
    and descriptors; every Transcribe stream (one per reconnect) and every target's Polly stream had one."""

    def _initialize_default_loop(self) -> ClientBootstrap:
        return ClientBootstrap.get_or_create_static_default()


class CheckedCRTClient(AWSCRTHTTPClient):
    def __init__(self) -> None:
        super().__init__(eventloop=SharedCRTEventLoop())

    async def _await_response(self, stream: Any) -> AWSCRTHTTPResponse:
        response = await super()._await_response(stream)
        return CheckedCRTResponse(status=response.status, fields=response.fields, stream=stream)


def stream_error(stream: Any) -> BaseException | None:
    """Why awscrt stopped giving a response's body, if not because the service finished it.

    The body ends when the service ends its side of the stream (HTTP/2 END_STREAM: a clean end, even while
    our request body is still open) or when awscrt completes the stream, which it does with an error when the
    connection is lost. Both are awscrt's concurrent futures, already resolved here: nothing is awaited (an
    awaited awscrt future that gets cancelled breaks awscrt)."""
    remote_end: Future[None] | None = getattr(stream, "_remote_completion_future", None)
    completion: Future[int] | None = getattr(stream, "_completion_future", None)
    if remote_end is not None and remote_end.done() and not remote_end.cancelled():
        return None
    if completion is not None and completion.done() and not completion.cancelled():
        return completion.exception()
    return None



class EventBytesReader(AsyncBytesReader):
    """smithy's reader of a response body, for event streams: the decoder reads each event in four pieces, and
    smithy's ``read`` asks two ``runtime_checkable`` protocols what its source is on every one of them (about
    30 µs of CPU per event, a sixth of the runner's CPU per target at 32 languages). A body from our
    transport is always an async generator, so that answer is taken once; any other source reads as before."""

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self._generator = isasyncgen(self._data)

    async def read(self, size: int = -1) -> bytes:
        if not self._generator or self._closed:
            return await super().read(size)
        return await self._read_from_iterable(cast(AsyncIterable[bytes], self._data), size)


def read_event_streams_directly() -> None:
    """Make smithy's event-stream receivers read through EventBytesReader (idempotent)."""
    from smithy_aws_core.aio import protocols

    protocols.AsyncBytesReader = EventBytesReader  # type: ignore[misc]


def ignore_cancelled_future_errors() -> None:
    """awscrt resolves its futures from its own thread without checking whether they were cancelled, so a
    task cancelled while it waited on one (a run cut at its drain deadline, a second Ctrl-C, asyncio.run's
    teardown) makes awscrt print "Exception ignored ... InvalidStateError: CANCELLED" later. Nothing is lost:
    the waiter is gone. Known upstream (aws/aws-sdk-python#13, awslabs/aws-crt-python#700); until it is
    fixed, that one message is dropped and every other unraisable exception still reaches the previous hook."""
    previous = sys.unraisablehook
    if getattr(previous, "polyglot_filter", False):
        return

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, InvalidStateError) and _raised_in_awscrt(unraisable.exc_traceback):
            return
        previous(unraisable)

    hook.polyglot_filter = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


def _raised_in_awscrt(tb: TracebackType | None) -> bool:
    while tb is not None:
        if f"awscrt{os.sep}aio{os.sep}" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False


async def close_input(stream: Any, timeout: float = 2.0) -> None:
    """End a duplex stream's input (the client's end of stream) without ever waiting past ``timeout``.

    smithy's close first flushes the request body, which waits forever once the connection is gone, and a
    cancelled flush waits again in its own ``finally``: ``wait_for`` cannot bound it (its one cancellation is
    spent, and the caller hangs). The close runs as a task of its own instead, cancelled until it ends."""
    closing = asyncio.ensure_future(stream.input_stream.close())
    await asyncio.wait({closing}, timeout=timeout)
    await cancel_and_wait(closing)


async def cancel_and_wait(task: asyncio.Future[Any], attempts: int = 3, grace: float = 0.5) -> None:
    """Cancel ``task`` until it ends (a coroutine may await again in a ``finally`` after the first
    cancellation), waiting ``grace`` seconds each time; give up after ``attempts``. Never raises what the task
    raised, and never swallows the caller's own cancellation."""
    for _ in range(attempts):
        if task.done():
            break
        task.cancel()
        await asyncio.wait({task}, timeout=grace)
    if task.done() and not task.cancelled():
        task.exception()  # seen: a failure while closing is not the caller's concern
