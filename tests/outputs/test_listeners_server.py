"""The listener page's server, driven as listeners (and people poking at it) would: a real run on the fake
engines, real HTTP and WebSocket clients on loopback."""

from __future__ import annotations

import asyncio
import json
import resource
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from runner.events import AudioEvent, Event, HealthEvent, SessionEvent, SpokenEvent, TranslationEvent, Utterance
from runner.frames import AudioFormat
from runner.outputs.base import OutputContext
from runner.outputs.listeners.connection import UtteranceNumbers
from runner.outputs.listeners.server import ListenerPage
from runner.runtime.broadcast import MAX_BEHIND_SECONDS, Broadcast, Chunk
from runner.runtime.build import build
from runner.runtime.router import Router
from runner.runtime.session import Session
from runner.runtime.status import SessionStatus
from runner.testing.recordings import tone_bursts
from runner.testing.sessions import planned

CONFIG = """\
version: 1
name: Sunday service
language: en-US
source: {{type: file, path: {rec}, realtime: true}}
speech_to_text: {{provider: fake, script: ["good morning everyone. welcome", "second line", "third line"]}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, seconds_per_character: {per_character}}}
runtime: {{health_interval: 0.3}}
outputs:
  - {{type: listeners, port: 0{extra}}}
targets:
  - {{language: es-ES, sinks: [{{type: srt, path: es.srt}}]}}
  - {{language: de-DE}}
"""

Client = Callable[[str, aiohttp.ClientSession], Awaitable[Any]]


def run_with_clients(tmp_path: Path, write_config, client: Client, *, bursts: int = 3, extra: str = "",
                     stop_after: float | None = None, realtime: bool = True,
                     per_character: float = 0.02) -> tuple[Any, SessionStatus, list[Event]]:
    """Run the broadcast; once the page is up, run ``client(url, session)`` beside it (and Ctrl-C the run
    ``stop_after`` seconds later). Returns what the client returned, how the run ended, and its events."""
    rec = tone_bursts(tmp_path / "in.wav", [0.4] * bursts, gap=0.4)
    text = CONFIG.format(rec=rec, extra=extra, per_character=per_character)
    config = planned(_write(tmp_path, write_config, text), output_dir=tmp_path, realtime=realtime)
    events: list[Event] = []
    url: asyncio.Future[str] | None = None

    def observe(event: Event) -> None:
        events.append(event)
        if isinstance(event, SessionEvent) and event.state == "started" and url is not None and not url.done():
            url.set_result(event.detail["listen"][0].split(": ", 1)[1])

    async def main() -> tuple[Any, SessionStatus]:
        nonlocal url
        url = asyncio.get_running_loop().create_future()
        stop, hard_stop = asyncio.Event(), asyncio.Event()
        running = asyncio.create_task(Session(build(config), observers=[observe]).run(stop, hard_stop))
        async with aiohttp.ClientSession() as http:
            if stop_after is not None:
                asyncio.get_running_loop().call_later(stop_after, stop.set)
            result = await client(await asyncio.wait_for(url, 20), http)
            status = await asyncio.wait_for(running, 60)
        return result, status

    result, status = asyncio.run(main())
    return result, status, events


def _write(tmp_path: Path, write_config, text: str) -> Path:
    return write_config(text)


async def listen(url: str, http: aiohttp.ClientSession, lang: str = "es-ES") -> dict[str, Any]:
    """One listener until the end of the broadcast: what it was told, and the audio it got."""
    got: dict[str, Any] = {"text": [], "frames": 0, "bytes": 0, "utterances": set(), "lags": []}
    async with http.ws_connect(f"{url}ws?lang={lang}") as ws:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                got["text"].append(json.loads(message.data))
            elif message.type == aiohttp.WSMsgType.BINARY:
                utterance, sentence, _, position, clock, placed = struct.unpack("<IHHIIQ", message.data[:24])
                got["frames"] += 1
                got["bytes"] += len(message.data) - 24
                got["lags"].append(time.time() - placed / 1000)
                got["utterances"].add(utterance)
    return got


def test_a_listener_hears_its_language_and_reads_it_then_the_end(tmp_path, write_config):
    got, status, events = run_with_clients(tmp_path, write_config, listen)
    kinds = [m["type"] for m in got["text"]]
    assert kinds[0] == "hello" and kinds[-1] == "end"
    assert got["text"][0] | {"title": None} == {"type": "hello", "language": "es-ES", "name": "Español",
                                                "rate": 16000, "title": None}
    captions = [m["text"] for m in got["text"] if m["type"] == "caption"]
    assert captions == ["[es-ES] good morning everyone.", "welcome", "[es-ES] second line", "[es-ES] third line"]
    assert [m["text"] for m in got["text"] if m["type"] == "transcript"] == [
        "good morning everyone. welcome", "second line", "third line"]
    assert got["utterances"] == {1, 2, 3} and got["bytes"] > 16000 * 2  # over a second of speech
    assert 0 <= max(got["lags"]) < 0.3  # from placed on the timeline to received by the listener
    assert status.ok and status.peak_listeners["es-ES"] == 1
    health = [e for e in events if isinstance(e, HealthEvent)]
    assert any(h.targets["es-ES"].get("listeners") == 1 for h in health)


def test_what_the_server_refuses(tmp_path, write_config):
    async def probe(url: str, http: aiohttp.ClientSession) -> dict[str, int]:
        out = {}
        for name, path in (("unknown language", "ws?lang=xx-XX"), ("traversal", "static/../server.py"),
                           ("encoded traversal", "static/%2e%2e/server.py"), ("config", "pipeline.yaml"),
                           ("anything", "etc/passwd"), ("ws without upgrade", "ws?lang=es-ES")):
            async with http.get(url + path) as r:
                out[name] = r.status
                body = await r.text()
                assert "Traceback" not in body and str(tmp_path) not in body
        async with http.post(url + "api/broadcast", data=b"x" * 100_000) as r:
            out["oversized"] = r.status
        async with http.ws_connect(f"{url}ws?lang=es-ES") as ws:
            await ws.send_bytes(b"\x00" * 10)  # a page never sends audio
            closed = await ws.receive(timeout=5)
            while closed.type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                closed = await ws.receive(timeout=5)
            out["binary from the page"] = closed.type
        async with http.ws_connect(f"{url}ws?lang=es-ES") as ws:
            await ws.send_str("{not json at all")  # read and dropped: the stream goes on
            out["malformed text"] = (await ws.receive_json(timeout=5))["type"] == "hello"
        return out

    out, status, _ = run_with_clients(tmp_path, write_config, probe)
    assert out["unknown language"] == 404
    assert out["traversal"] == out["encoded traversal"] == out["config"] == out["anything"] == 404
    assert out["ws without upgrade"] == 400
    assert out["oversized"] in (405, 413)
    assert out["binary from the page"] in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert out["malformed text"] is True
    assert status.ok  # nothing listeners did changed how the run ended


def test_a_private_broadcast_needs_its_key(tmp_path, write_config):
    async def probe(url: str, http: aiohttp.ClientSession) -> dict[str, Any]:
        base = url.split("?")[0]
        out = {"link has the key": "key=s3cret-listen" in url}
        for name, path in (("api", "api/broadcast"), ("ws", "ws?lang=es-ES"), ("wrong key", "api/broadcast?key=x")):
            async with http.get(base + path) as r:
                out[name] = r.status
        async with http.get(base + "api/broadcast?key=s3cret-listen") as r:
            out["right key"] = r.status
        async with http.get(base) as r:
            out["page"] = r.status  # the page itself is public; it asks for the key in its link
        return out

    out, _, _ = run_with_clients(tmp_path, write_config, probe, extra=", key: s3cret-listen")
    assert out == {"link has the key": True, "api": 403, "ws": 403, "wrong key": 403, "right key": 200, "page": 200}


def test_the_listener_after_max_is_turned_away_politely(tmp_path, write_config):
    async def probe(url: str, http: aiohttp.ClientSession) -> dict[str, Any]:
        first = await http.ws_connect(f"{url}ws?lang=es-ES")
        second = await http.ws_connect(f"{url}ws?lang=de-DE")
        try:
            async with http.get(f"{url}ws?lang=es-ES", headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                                                 "Sec-WebSocket-Version": "13",
                                                                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}) as r:
                refused = (r.status, await r.json())
            async with http.get(f"{url}api/broadcast") as r:
                full = (await r.json())["full"]
        finally:
            await first.close()
            await second.close()
        return refused, full

    (status_code, body), full = run_with_clients(tmp_path, write_config, probe, extra=", max_listeners: 2")[0]
    assert status_code == 503 and "full" in body["error"] and full is True


def test_a_listener_who_stops_reading_does_not_grow_memory_or_slow_the_others(tmp_path, write_config):
    """Two listeners of a page whose timeline gets six minutes of speech at thirty times real time: one reads,
    one stops reading (a locked phone: its socket's buffers fill). The one who reads hears everything; the
    stalled one is moved to the live edge (what it missed is dropped, not kept for it); memory stays flat."""
    rec = tone_bursts(tmp_path / "in.wav", [0.4], gap=0.4)
    plan = planned(write_config(CONFIG.format(rec=rec, extra="", per_character=0.02)), output_dir=tmp_path)
    pipeline = plan.config
    minutes, chunk = 6, 0.5  # 11.5 MB of speech, more than the buffers of both sockets hold; 0.5 s a chunk

    async def main() -> tuple[int, int, int, int]:
        clock = Clock()
        cast = Broadcast(clock, live=True, source_language="en-US")
        cast.add("es-ES", "es-ES")
        page = ListenerPage(OutputContext(pipeline.outputs[0], pipeline, cast,
                                          Router(SessionStatus("t", {}), clock)))
        await page.start()
        url = page.url
        try:
            async with aiohttp.ClientSession() as http, \
                    aiohttp.ClientSession(connector=aiohttp.TCPConnector(socket_factory=small_window)) as locked:
                stalled = await locked.ws_connect(f"{url}ws?lang=es-ES")
                stalled._response.connection.transport.pause_reading()
                reading = asyncio.create_task(listen(url, http))
                await asyncio.sleep(0.2)
                before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                pcm = b"\x01\x02" * int(16000 * chunk)
                held = 0  # the most speech the server ever kept for one listener
                for n in range(int(minutes * 60 / chunk)):
                    clock.now = n * chunk
                    speak_pcm(cast, f"u{n + 1:04d}", pcm)
                    await asyncio.sleep(chunk / 30)
                    held = max([held, *(sum(len(i.pcm) for i in sub.queue if isinstance(i, Chunk))
                                        for sub in cast.timelines["es-ES"]._subscribers)])
                cast.end()
                got = await asyncio.wait_for(reading, 30)
                grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
                stalled._response.connection.transport.resume_reading()
                late = 0
                async for message in stalled:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        late += len(message.data) - 24
        finally:
            await page.aclose()
        return got["bytes"], len(got["utterances"]), late, grown, held

    got, utterances, late, grown, held = asyncio.run(main())
    assert held <= (MAX_BEHIND_SECONDS + chunk) * 16000 * 2
    assert utterances == minutes * 60 / chunk and got == minutes * 60 * 16000 * 2
    assert late < got / 2  # the stalled page lost what it did not read (kernel buffers hold ~3 MB)
    assert grown < 60_000  # KiB


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def small_window(addr_info: Any) -> socket.socket:
    """A phone's socket that stopped reading: tiny buffers, so the server meets back-pressure soon."""
    sock = socket.socket(addr_info[0], addr_info[1], addr_info[2])
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return sock


def speak_pcm(cast: Broadcast, uid: str, pcm: bytes) -> None:
    u = Utterance(uid, 0, "x", 0.0, 0.0, 0.0)
    cast.observe(TranslationEvent(scope="es-ES", at=0.0, utterance=u, text="Una frase."))
    cast.observe(AudioEvent(scope="es-ES", at=0.0, utterance=u, data=pcm, format=AudioFormat("pcm", 16000),
                            first=True))
    cast.observe(SpokenEvent(scope="es-ES", at=0.0, utterance=u, bytes=len(pcm), seconds=None,
                             first_audio_at=None))


def test_on_ctrl_c_listeners_get_what_was_heard_then_the_end(tmp_path, write_config):
    got, status, events = run_with_clients(tmp_path, write_config, listen, bursts=10, stop_after=2.5)
    assert status.interrupted and status.ok
    heard = {int(e.utterance_id[1:]) for e in events if type(e).__name__ == "TranscriptEvent" and e.final}
    assert 1 <= len(heard) < 10
    assert got["utterances"] == heard  # all that was heard reached the listener before the end
    assert got["text"][-1]["type"] == "end"


def test_the_page_serves_the_runs_hls_stream_too(tmp_path, write_config):
    async def fetch(url: str, http: aiohttp.ClientSession) -> tuple[int, str]:
        deadline = time.monotonic() + 20
        while True:  # the master playlist appears with the first segment
            async with http.get(f"{url}hls/master.m3u8") as response:
                if response.status == 200 or time.monotonic() > deadline:
                    return response.status, await response.text()
            await asyncio.sleep(0.1)

    (status, text), run, events = run_with_clients(  # live: the page is up for the whole broadcast (~5 s)
        tmp_path, write_config, fetch, extra="}\n  - {type: hls, segment_seconds: 1", bursts=6)
    assert status == 200 and text.startswith("#EXTM3U") and 'LANGUAGE="de-DE"' in text
    started = next(e for e in events if isinstance(e, SessionEvent) and e.state == "started")
    assert any(line.endswith("/hls/master.m3u8") and line.startswith("hls: http://") for line in
               started.detail["listen"])


def test_utterance_ids_become_distinct_numbers_that_fit_the_header():
    number = UtteranceNumbers()
    ids = ["u0003.21", "u0032.1", "u0001.1+u0001.2+u0002.1+u0003.1+u0004.1", "u0003.21", "u0042"]
    numbers = [number(i) for i in ids]
    assert numbers[0] == numbers[3] and len(set(numbers)) == 4  # the same id, the same number; others differ
    struct.pack("<I", max(numbers))  # a merged id of many segments still fits the u32 (parsing its digits did not)
