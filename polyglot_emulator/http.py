"""The emulator's transport: one TLS port speaking HTTP/2 (h2) and HTTP/1.1 (h11), chosen by ALPN.

The AWS streaming clients (awscrt) insist on HTTP/2 over TLS; boto3 speaks HTTP/1.1. Both reach the same
handlers through a small protocol-neutral :class:`Request`/:class:`Response` pair, so a service handler never
knows which protocol carried it. Responses stream (flow control respected on HTTP/2), and a handler can drop
the connection on purpose to emulate a network fault.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h11


@dataclass
class Request:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # lower-case names
    _body: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue, repr=False)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query)

    async def chunks(self) -> AsyncIterator[bytes]:
        while (chunk := await self._body.get()) is not None:
            yield chunk

    async def read(self) -> bytes:
        return b"".join([c async for c in self.chunks()])


class ConnectionDropped(Exception):
    """The peer went away while a handler was sending."""


class Response:
    """Streamed response. ``start`` once, ``send`` any number of times, then ``end`` (or ``drop``)."""

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        raise NotImplementedError

    async def send(self, data: bytes) -> None:
        raise NotImplementedError

    async def end(self) -> None:
        raise NotImplementedError

    async def drop(self) -> None:
        """Close the whole connection abruptly, mid-response: a network fault."""
        raise NotImplementedError

    async def respond(self, status: int, body: bytes, content_type: str = "application/json",
                      headers: list[tuple[str, str]] | None = None) -> None:
        await self.start(status, [("content-type", content_type), ("content-length", str(len(body))),
                                  *(headers or [])])
        if body:
            await self.send(body)
        await self.end()


Handler = Callable[[Request, Response], Awaitable[None]]


class Server:
    """A listening port and its live connections, which ``close`` ends."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None
        self.connections: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in list(self.connections):
            task.cancel()
        await asyncio.gather(*self.connections, return_exceptions=True)


async def _close(writer: asyncio.StreamWriter) -> None:
    """Close a connection and wait until it is closed (a TLS close takes a round trip), so that no transport
    outlives the server's event loop; a peer that does not answer is cut off."""
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 1.0)
    except (TimeoutError, ConnectionError, ssl.SSLError):
        writer.transport.abort()


async def serve(handler: Handler, host: str, port: int, ssl_context: ssl.SSLContext) -> Server:
    ssl_context.set_alpn_protocols(["h2", "http/1.1"])
    server = Server()

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        server.connections.add(task)
        ssl_object = writer.get_extra_info("ssl_object")
        protocol = ssl_object.selected_alpn_protocol() if ssl_object else None
        try:
            if protocol == "h2":
                await _H2Connection(reader, writer, handler).run()
            else:
                await _H11Connection(reader, writer, handler).run()
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Only Server.close cancels a connection; ending quietly keeps asyncio's stream callback from
            # logging the cancellation as an error. Nothing awaits this task's result.
            pass
        finally:
            server.connections.discard(task)
            await _close(writer)

    server.server = await asyncio.start_server(on_connection, host, port, ssl=ssl_context)
    return server


class _H2Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handler: Handler) -> None:
        self.reader = reader
        self.writer = writer
        self.handler = handler
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        self.requests: dict[int, Request] = {}
        self.window_open: dict[int, asyncio.Event] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.closed = False

    async def run(self) -> None:
        self.conn.initiate_connection()
        await self.flush()
        try:
            while not self.closed and (data := await self.reader.read(65536)):
                try:
                    events = self.conn.receive_data(data)
                except h2.exceptions.ProtocolError:
                    break
                for event in events:
                    self.on_event(event)
                await self.flush()
        finally:
            self.closed = True
            for request in self.requests.values():
                request._body.put_nowait(None)
            for waiter in self.window_open.values():
                waiter.set()
            for task in self.tasks:
                task.cancel()

    def on_event(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.RequestReceived):
            headers = {str(k).lower(): str(v) for k, v in event.headers}
            request = Request(headers.get(":method", "GET"), headers.get(":path", "/"), headers)
            self.requests[event.stream_id] = request
            self.window_open[event.stream_id] = asyncio.Event()
            task = asyncio.create_task(self.handle(event.stream_id, request))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        elif isinstance(event, h2.events.DataReceived):
            self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if event.stream_id in self.requests and event.data:  # an empty frame (END_STREAM's) is no body
                self.requests[event.stream_id]._body.put_nowait(event.data)
        elif isinstance(event, h2.events.StreamEnded | h2.events.StreamReset):
            if event.stream_id in self.requests:
                self.requests[event.stream_id]._body.put_nowait(None)
        elif isinstance(event, h2.events.WindowUpdated):
            targets = self.window_open.values() if event.stream_id == 0 else \
                [self.window_open[event.stream_id]] if event.stream_id in self.window_open else []
            for waiter in targets:
                waiter.set()
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.closed = True

    async def handle(self, stream_id: int, request: Request) -> None:
        response = _H2Response(self, stream_id)
        try:
            await self.handler(request, response)
        except ConnectionDropped:
            pass
        finally:
            self.requests.pop(stream_id, None)
            self.window_open.pop(stream_id, None)

    async def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.writer.write(data)
            await self.writer.drain()


class _H2Response(Response):
    def __init__(self, connection: _H2Connection, stream_id: int) -> None:
        self.c = connection
        self.stream_id = stream_id

    def _check(self) -> None:
        if self.c.closed:
            raise ConnectionDropped()

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        self._check()
        self.c.conn.send_headers(self.stream_id, [(":status", str(status)), *headers])
        await self.c.flush()

    async def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            self._check()
            window = min(self.c.conn.local_flow_control_window(self.stream_id), self.c.conn.max_outbound_frame_size)
            if window <= 0:
                waiter = self.c.window_open.get(self.stream_id)
                if waiter is None:
                    raise ConnectionDropped()
                waiter.clear()
                await waiter.wait()
                continue
            self.c.conn.send_data(self.stream_id, bytes(view[:window]))
            view = view[window:]
            await self.c.flush()

    async def end(self) -> None:
        self._check()
        try:
            self.c.conn.end_stream(self.stream_id)
        except h2.exceptions.StreamClosedError:
            return
        await self.c.flush()

    async def drop(self) -> None:
        self.c.closed = True
        transport = self.c.writer.transport
        transport.abort()
        raise ConnectionDropped()


class _H11Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handler: Handler) -> None:
        self.reader = reader
        self.writer = writer
        self.handler = handler
        self.conn = h11.Connection(h11.SERVER)

    async def next_event(self) -> h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]:
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                data = await self.reader.read(65536)
                self.conn.receive_data(data)
                if not data and self.conn.their_state is not h11.DONE:
                    return h11.ConnectionClosed()
                continue
            return event

    async def run(self) -> None:
        while True:
            try:
                event = await self.next_event()
            except h11.RemoteProtocolError:
                return
            if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                return
            if not isinstance(event, h11.Request):
                return
            headers = {k.decode().lower(): v.decode() for k, v in event.headers}
            request = Request(event.method.decode(), event.target.decode(), headers)
            if self.conn.they_are_waiting_for_100_continue:  # boto3's S3 PUT: no body until the server says so
                self.writer.write(self.conn.send(h11.InformationalResponse(status_code=100, headers=[])) or b"")
                await self.writer.drain()
            while True:
                body_event = await self.next_event()
                if isinstance(body_event, h11.Data):
                    request._body.put_nowait(bytes(body_event.data))
                elif isinstance(body_event, h11.EndOfMessage):
                    request._body.put_nowait(None)
                    break
                else:
                    return
            response = _H11Response(self)
            try:
                await self.handler(request, response)
            except ConnectionDropped:
                return
            if self.conn.our_state is not h11.DONE or self.conn.their_state is not h11.DONE:
                return
            self.conn.start_next_cycle()


class _H11Response(Response):
    def __init__(self, connection: _H11Connection) -> None:
        self.c = connection

    async def _write(self, event: h11.Event) -> None:
        data = self.c.conn.send(event)
        if data:
            self.c.writer.write(data)
            await self.c.writer.drain()

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        if not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers):
            headers = [*headers, ("transfer-encoding", "chunked")]
        await self._write(h11.Response(status_code=status, headers=headers))

    async def send(self, data: bytes) -> None:
        if data:
            await self._write(h11.Data(data=data))

    async def end(self) -> None:
        await self._write(h11.EndOfMessage())

    async def drop(self) -> None:
        self.c.writer.transport.abort()
        raise ConnectionDropped()
