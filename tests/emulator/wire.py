"""Minimal HTTP/2 and HTTP/1.1 clients over TLS, for testing the emulator's wire behaviour from the outside:
the ALPN protocol chosen, every frame received, and flow control left in the test's hands."""

from __future__ import annotations

import asyncio
import datetime
import io
import json
import ssl
import struct
from dataclasses import dataclass, field
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import h2.settings
import h11
from smithy_aws_event_stream.events import Event, EventMessage

# What a TLS peer that goes away without closing looks like to the reader.
CUT = (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError)


async def open_tls(port: int, ca_file: Path, alpn: list[str] | None) \
        -> tuple[asyncio.StreamReader, asyncio.StreamWriter, str | None]:
    context = ssl.create_default_context(cafile=str(ca_file))
    if alpn is not None:
        context.set_alpn_protocols(alpn)
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="localhost")
    ssl_object = writer.get_extra_info("ssl_object")
    return reader, writer, ssl_object.selected_alpn_protocol()


@dataclass
class H2Stream:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    unacknowledged: int = 0  # flow-controlled bytes received and not yet given back to the server
    ended: bool = False


class H2Client:
    """An HTTP/2 client that acknowledges received data only when told to (``auto_acknowledge``)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, window: int | None) -> None:
        self.reader = reader
        self.writer = writer
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        if window is not None:
            self.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window})
        self.streams: dict[int, H2Stream] = {}
        self.auto_acknowledge = True
        self.closed = False  # the server closed the connection (EOF, reset)
        self.terminated = False  # the server said goodbye (GOAWAY)

    @classmethod
    async def connect(cls, port: int, ca_file: Path, window: int | None = None) -> H2Client:
        reader, writer, protocol = await open_tls(port, ca_file, ["h2", "http/1.1"])
        assert protocol == "h2"
        client = cls(reader, writer, window)
        await client.flush()
        return client

    async def flush(self) -> None:
        if data := self.conn.data_to_send():
            self.writer.write(data)
            await self.writer.drain()

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"",
                      end: bool = True) -> int:
        stream_id = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream_id, [(":method", method), (":path", path), (":scheme", "https"),
                                           (":authority", "localhost"), *(headers or {}).items()],
                               end_stream=end and not body)
        self.streams[stream_id] = H2Stream()
        if body:
            self.conn.send_data(stream_id, body, end_stream=end)
        await self.flush()
        return stream_id

    async def send(self, stream_id: int, data: bytes, end: bool = False) -> None:
        self.conn.send_data(stream_id, data, end_stream=end)
        await self.flush()

    async def end(self, stream_id: int) -> None:
        self.conn.end_stream(stream_id)
        await self.flush()

    def acknowledge(self, stream_id: int) -> None:
        """Give the server credit for what was received (sent with the next flush)."""
        stream = self.streams[stream_id]
        self.conn.acknowledge_received_data(stream.unacknowledged, stream_id)
        stream.unacknowledged = 0

    async def receive(self, timeout: float = 5.0) -> bool:
        """Read what the server sent within ``timeout``; False when nothing came (or the connection is gone)."""
        try:
            data = await asyncio.wait_for(self.reader.read(65536), timeout)
        except TimeoutError:
            return False
        except CUT:
            data = b""
        if not data:
            self.closed = True
            return False
        for event in self.conn.receive_data(data):
            stream = self.streams.get(getattr(event, "stream_id", 0) or 0)
            if isinstance(event, h2.events.ResponseReceived) and stream is not None:
                stream.headers = {str(k): str(v) for k, v in event.headers}
                stream.status = int(stream.headers[":status"])
            elif isinstance(event, h2.events.DataReceived) and stream is not None:
                stream.body += event.data
                stream.unacknowledged += event.flow_controlled_length
                if self.auto_acknowledge:
                    self.acknowledge(event.stream_id)
            elif isinstance(event, h2.events.StreamEnded) and stream is not None:
                stream.ended = True
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.terminated = True
        await self.flush()
        return True

    async def until(self, condition: object, timeout: float = 10.0) -> None:
        """Receive until ``condition()`` holds or the connection closes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition() and not self.closed:  # type: ignore[operator]
            if loop.time() > deadline:
                raise TimeoutError("the server did not answer in time")
            await self.receive(max(deadline - loop.time(), 0.01))

    async def quiet(self, seconds: float = 0.3) -> None:
        """Receive until the server sends nothing for ``seconds``."""
        while await self.receive(seconds):
            pass

    async def close(self) -> None:
        await close_writer(self.writer)


class H11Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.conn = h11.Connection(h11.CLIENT)

    @classmethod
    async def connect(cls, port: int, ca_file: Path, alpn: list[str] | None = None) -> H11Client:
        reader, writer, protocol = await open_tls(port, ca_file, alpn)
        assert protocol in (None, "http/1.1")
        return cls(reader, writer)

    async def request(self, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b"") \
            -> tuple[h11.Response, bytes]:
        """One request and its whole response; h11.RemoteProtocolError if the server cuts the response."""
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
        all_headers = {"host": "localhost", "content-length": str(len(body)), **(headers or {})}
        data = self.conn.send(h11.Request(method=method, target=target, headers=list(all_headers.items())))
        data += (self.conn.send(h11.Data(data=body)) or b"") if body else b""
        data += self.conn.send(h11.EndOfMessage()) or b""
        self.writer.write(data)
        await self.writer.drain()
        response: h11.Response | None = None
        received = bytearray()
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                try:
                    chunk = await asyncio.wait_for(self.reader.read(65536), 5)
                except CUT:
                    chunk = b""
                self.conn.receive_data(chunk)
            elif isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                received += event.data
            elif isinstance(event, h11.EndOfMessage):
                assert response is not None
                return response, bytes(received)

    async def close(self) -> None:
        await close_writer(self.writer)


async def close_writer(writer: asyncio.StreamWriter) -> None:
    """Close a connection without waiting more than a second for the server's side (it may be cut already)."""
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 1)
    except (TimeoutError, *CUT):
        pass


def header(response: h11.Response, name: str) -> str | None:
    for key, value in response.headers:
        if key.decode().lower() == name:
            return value.decode()
    return None


def envelope(payload: bytes) -> bytes:
    """How the AWS SDKs send each client event: inside an envelope that carries the chunk's SigV4 signature
    (the emulator, like a test double of the service, does not check it)."""
    return EventMessage(headers={":date": datetime.datetime.now(datetime.UTC), ":chunk-signature": b"\x5a" * 32},
                        payload=payload).encode()


def signed(message: EventMessage) -> bytes:
    return envelope(message.encode())


def end_of_stream() -> bytes:
    """The SDKs' last frame: an envelope with nothing in it."""
    return envelope(b"")


def json_event(event_type: str, body: object) -> EventMessage:
    return EventMessage(headers={":message-type": "event", ":event-type": event_type,
                                 ":content-type": "application/json"}, payload=json.dumps(body).encode())


def event_messages(data: bytes | bytearray) -> tuple[list[EventMessage], bytes]:
    """The whole event-stream messages in ``data`` (checksums verified by the SDKs' decoder), and what is left."""
    messages = []
    data = bytes(data)
    while len(data) >= 4 and len(data) >= struct.unpack(">I", data[:4])[0]:
        total = struct.unpack(">I", data[:4])[0]
        decoded = Event.decode(io.BytesIO(data[:total]))
        assert decoded is not None
        messages.append(decoded.message)
        data = data[total:]
    return messages, data
