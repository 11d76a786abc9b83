"""The emulator's transport (polyglot_emulator/http.py) on its own: one TLS port, HTTP/2 or HTTP/1.1 by ALPN, the
same handler behind both, request bodies streamed as they arrive, responses that respect HTTP/2 flow control, and
connections cut on purpose."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from pathlib import Path

import h11
import pytest

from polyglot_emulator import tls
from polyglot_emulator.http import Handler, Request, Response, serve
from tests.emulator.wire import H2Client, H11Client, header, open_tls


def served(handler: Handler, test: Callable[[int, Path], Awaitable[None]], folder: Path) -> None:
    """Serve ``handler`` on a free port and run ``test(port, ca_file)`` against it, in one event loop."""
    ca = tls.TestCA(folder)

    async def main() -> None:
        server = await serve(handler, "127.0.0.1", 0, ca.server_context())
        try:
            await asyncio.wait_for(test(server.port, ca.ca_file), 20)
        finally:
            await server.close()

    asyncio.run(main())


async def echo(request: Request, response: Response) -> None:
    body = await request.read()
    await response.respond(200, json.dumps({
        "method": request.method, "path": request.path, "query": request.query,
        "header": request.headers.get("x-test"), "body": body.decode()}).encode())


@pytest.mark.parametrize("offered, chosen", [(["h2", "http/1.1"], "h2"), (["http/1.1"], "http/1.1"),
                                             (None, None)])
def test_alpn_chooses_the_protocol_and_the_same_handler_answers(tmp_path, offered, chosen):
    expected = {"method": "POST", "path": "/v1/speech", "query": {"a": ["1"]}, "header": "yes", "body": "hello"}

    async def test(port: int, ca_file: Path) -> None:
        _, writer, protocol = await open_tls(port, ca_file, offered)
        writer.close()
        assert protocol == chosen  # no ALPN at all: HTTP/1.1, as boto3 (urllib3) connects
        if chosen == "h2":
            client = await H2Client.connect(port, ca_file)
            stream_id = await client.request("POST", "/v1/speech?a=1", {"x-test": "yes"}, b"hello")
            await client.until(lambda: client.streams[stream_id].ended)
            stream = client.streams[stream_id]
            assert stream.status == 200 and json.loads(stream.body) == expected
            await client.close()
        else:
            h1 = await H11Client.connect(port, ca_file, offered)
            response, body = await h1.request("POST", "/v1/speech?a=1", {"x-test": "yes"}, b"hello")
            assert response.status_code == 200 and json.loads(body) == expected
            await h1.close()

    served(echo, test, tmp_path)


def test_http11_streams_a_response_of_unknown_length_and_keeps_the_connection(tmp_path):
    async def parts(request: Request, response: Response) -> None:
        await request.read()
        await response.start(200, [("content-type", "application/octet-stream")])
        for part in (b"one ", b"two ", request.path.encode()):
            await response.send(part)
        await response.end()

    async def test(port: int, ca_file: Path) -> None:
        client = await H11Client.connect(port, ca_file)
        first, body = await client.request("GET", "/first")
        assert header(first, "transfer-encoding") == "chunked" and body == b"one two /first"
        _, body = await client.request("GET", "/second")  # the same connection, kept alive
        assert body == b"one two /second"
        await client.close()

    served(parts, test, tmp_path)


def test_http2_request_body_reaches_the_handler_as_it_arrives(tmp_path):
    """Event streams are duplex: the handler answers each chunk while the client's body is still open."""

    async def counter(request: Request, response: Response) -> None:
        await response.start(200, [("content-type", "text/plain")])
        async for chunk in request.chunks():
            await response.send(b"got %d;" % len(chunk))
        await response.end()

    async def test(port: int, ca_file: Path) -> None:
        client = await H2Client.connect(port, ca_file)
        stream_id = await client.request("POST", "/stream", end=False)
        stream = client.streams[stream_id]
        for n, size in enumerate((3, 5, 7), start=1):
            await client.send(stream_id, b"x" * size)
            await client.until(lambda n=n: stream.body.count(b";") == n)  # answered before the body ends
        await client.end(stream_id)
        await client.until(lambda: stream.ended)
        assert bytes(stream.body) == b"got 3;got 5;got 7;"
        await client.close()

    served(counter, test, tmp_path)


def test_http2_response_waits_for_the_client_window(tmp_path):
    """A large response never overruns the client's flow-control window (h2 would refuse it): it waits for the
    client to give credit back, and arrives whole."""
    big = random.Random(7).randbytes(1 << 20)
    sent_all = asyncio.Event()

    async def large(request: Request, response: Response) -> None:
        await response.start(200, [("content-type", "application/octet-stream")])
        await response.send(big)
        sent_all.set()
        await response.end()

    async def test(port: int, ca_file: Path) -> None:
        client = await H2Client.connect(port, ca_file, window=16384)
        client.auto_acknowledge = False
        stream_id = await client.request("GET", "/large")
        stream = client.streams[stream_id]
        await client.quiet(0.3)
        assert len(stream.body) == 16384 and not sent_all.is_set()  # one window, then the server waits
        client.auto_acknowledge = True
        client.acknowledge(stream_id)
        await client.flush()
        await client.until(lambda: stream.ended)
        assert bytes(stream.body) == big and sent_all.is_set()
        await client.close()

    served(large, test, tmp_path)


async def cut_after_a_part(request: Request, response: Response) -> None:
    await response.start(200, [("content-type", "application/octet-stream"), ("content-length", "5000")])
    await response.send(b"x" * 1000)
    await response.drop()


def test_http2_drop_cuts_the_whole_connection_mid_response(tmp_path):
    async def test(port: int, ca_file: Path) -> None:
        client = await H2Client.connect(port, ca_file)
        stream_id = await client.request("GET", "/cut")
        await client.until(lambda: False)  # until the connection is gone
        stream = client.streams[stream_id]
        assert client.closed and not client.terminated  # no GOAWAY: cut, not closed politely
        assert len(stream.body) == 1000 and not stream.ended
        again = await H2Client.connect(port, ca_file)  # the server itself goes on
        await again.close()

    served(cut_after_a_part, test, tmp_path)


def test_http11_drop_cuts_the_response_short(tmp_path):
    async def test(port: int, ca_file: Path) -> None:
        client = await H11Client.connect(port, ca_file)
        with pytest.raises(h11.RemoteProtocolError, match="without sending complete message body"):
            await client.request("GET", "/cut")
        await client.close()

    served(cut_after_a_part, test, tmp_path)
