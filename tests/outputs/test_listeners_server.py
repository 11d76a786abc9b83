"""The listener page's server, driven as listeners (and people poking at it) would: a real run on the fake
engines, real HTTP and WebSocket clients on loopback."""

from __future__ import annotations

import asyncio
import io
import json
import os
import resource
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import av
import numpy as np

from runner.events import AudioEvent, Event, HealthEvent, SessionEvent, SpokenEvent, TranslationEvent, Utterance
from runner.frames import AudioFormat
from runner.outputs.base import OutputContext
from runner.outputs.listeners.aac import Block
from runner.outputs.listeners.connection import HEADER, MEDIA, UtteranceNumbers
from runner.outputs.listeners.server import ListenerPage
from runner.outputs.listeners.stream import BLOCK_SECONDS, MAX_PENDING_SECONDS, LanguageStream, StreamTap
from runner.runtime.broadcast import Broadcast
from runner.runtime.build import build
from runner.runtime.router import Router
from runner.runtime.session import Session
from runner.runtime.status import SessionStatus
from tests.support.recordings import tone_bursts
from tests.support.sessions import planned

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


async def listen(url: str, http: aiohttp.ClientSession, lang: str = "es-ES", audio: str = "mse") -> dict[str, Any]:
    """One listener until the end of the broadcast: what it was told, and the audio it got (decoded)."""
    got: dict[str, Any] = {"text": [], "frames": 0, "bytes": 0, "utterances": set(), "lags": []}
    media = bytearray()
    async with http.ws_connect(f"{url}ws?lang={lang}&audio={audio}") as ws:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                got["text"].append(json.loads(message.data))
                if got["text"][-1]["type"] == "caption":
                    got["utterances"].add(got["text"][-1]["utterance"])
            elif message.type == aiohttp.WSMsgType.BINARY:
                kind, _, _, made_at = HEADER.unpack(message.data[:24])
                got["frames"] += 1
                got["bytes"] += len(message.data) - 24
                media += message.data[24:]
                if kind == MEDIA:
                    got["lags"].append(time.time() - made_at / 1000)
    got["pcm"] = decode(bytes(media))
    return got


def decode(media: bytes) -> np.ndarray:
    """The fMP4 stream as a browser's MSE would play it: float samples at 16 kHz."""
    if not media:
        return np.zeros(0, dtype=np.float32)
    with av.open(io.BytesIO(media)) as container:
        return np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])


def test_a_listener_hears_its_language_and_reads_it_then_the_end(tmp_path, write_config):
    got, status, events = run_with_clients(tmp_path, write_config, listen)
    kinds = [m["type"] for m in got["text"]]
    assert kinds[0] == "hello" and kinds[-1] == "end"
    hello = got["text"][0]
    assert {k: hello[k] for k in ("type", "language", "name", "rate")} == {
        "type": "hello", "language": "es-ES", "name": "Español", "rate": 16000}
    assert hello["now"] >= 0 and hello["listener"]
    captions = [m["text"] for m in got["text"] if m["type"] == "caption" and "end" not in m]
    assert captions == ["[es-ES] good morning everyone.", "welcome", "[es-ES] second line", "[es-ES] third line"]
    assert all(m["end"] > m["start"] for m in got["text"] if m["type"] == "caption" and "end" in m)
    assert [m["text"] for m in got["text"] if m["type"] == "transcript"] == [
        "good morning everyone. welcome", "second line", "third line"]
    assert got["utterances"] == {1, 2, 3}
    pcm = got["pcm"]
    assert len(pcm) > 16000 * 2  # a continuous stream, silence between the speech
    loud = np.sqrt(np.mean(pcm[: len(pcm) // 1600 * 1600].reshape(-1, 1600) ** 2, axis=1)) > 0.02
    assert 0.2 < loud.mean() < 0.95  # speech and the silence around it, both heard
    assert got["bytes"] * 8 / (len(pcm) / 16000) < 32_000  # bits per second of audio, framing included
    assert 0 <= max(got["lags"]) < 0.3  # from encoded to received by the listener
    assert status.ok and status.peak_listeners["es-ES"] == 1
    health = [e for e in events if isinstance(e, HealthEvent)]
    assert any(h.targets["es-ES"].get("listeners") == 1 for h in health)


def test_captions_only_and_the_plain_stream(tmp_path, write_config):
    """A captions-only listener gets no audio; a page without MSE gets the same AAC as ADTS over HTTP, told
    where on the clock it starts, and only while it holds a socket."""
    async def probe(url: str, http: aiohttp.ClientSession) -> dict[str, Any]:
        quiet = asyncio.create_task(listen(url, http, audio="none"))
        out: dict[str, Any] = {}
        async with http.get(f"{url}audio/es-ES.aac?listener=nobody-at-all") as r:
            out["stranger"] = r.status
        async with http.ws_connect(f"{url}ws?lang=es-ES&audio=plain&listener=page-one-1234") as ws:
            async with http.get(f"{url}audio/es-ES.aac?listener=page-one-1234") as r:
                out["type"] = r.headers["Content-Type"]
                adts = await r.content.read(4000)
            while True:
                message = await ws.receive_json(timeout=10)
                if message["type"] == "audio-start":
                    out["start"] = message["position"]
                    break
        out["adts"] = adts
        out["quiet"] = await quiet
        return out

    out, status, _ = run_with_clients(tmp_path, write_config, probe, bursts=8)
    assert out["stranger"] == 404 and out["type"] == "audio/aac" and out["start"] >= 0
    assert out["adts"][:2] == b"\xff\xf1"  # ADTS sync word, MPEG-4 AAC
    with av.open(io.BytesIO(out["adts"]), format="aac") as container:
        assert container.streams.audio[0].codec_context.name == "aac"
    quiet = out["quiet"]
    assert quiet["bytes"] == 0 and len(quiet["utterances"]) >= 3 and quiet["text"][-1]["type"] == "end"


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
    """Two listeners of a language spoken without a pause for twelve seconds: one reads, one stops reading (a
    locked phone: its socket's buffers fill). The one who reads hears all of it, in real time; the server never
    keeps more than MAX_PENDING_SECONDS for the stalled one (what it missed is dropped); memory stays flat."""
    rec = tone_bursts(tmp_path / "in.wav", [0.4], gap=0.4)
    plan = planned(write_config(CONFIG.format(rec=rec, extra="", per_character=0.02)), output_dir=tmp_path)
    pipeline = plan.config
    seconds, chunk = 12, 0.5

    async def main() -> tuple[dict[str, Any], int, int, float]:
        loop = asyncio.get_running_loop()
        origin = loop.time()
        cast = Broadcast(lambda: loop.time() - origin, live=True, source_language="en-US")
        cast.add("es-ES", "es-ES")
        page = ListenerPage(OutputContext(pipeline.outputs[0], pipeline, cast,
                                          Router(SessionStatus("t", {}), cast.clock)))
        await page.start()
        url = page.url
        try:
            async with aiohttp.ClientSession() as http, \
                    aiohttp.ClientSession(connector=aiohttp.TCPConnector(socket_factory=small_window)) as locked:
                stalled = await locked.ws_connect(f"{url}ws?lang=es-ES")
                stalled._response.connection.transport.pause_reading()
                reading = asyncio.create_task(listen(url, http))
                await asyncio.sleep(0.3)
                before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                t = np.arange(int(16000 * chunk)) / 16000
                pcm = (np.sin(2 * np.pi * 300 * t) * 9000).astype("<i2").tobytes()
                held = 0.0  # the most audio the server ever kept for one listener
                for n in range(int(seconds / chunk)):
                    speak_pcm(cast, f"u{n + 1:04d}", pcm)
                    await asyncio.sleep(chunk)
                    taps = page.streams["es-ES"].taps
                    held = max([held, *((t.blocks[-1].end - t.blocks[0].start) for t in taps if t.blocks)])
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
        return got, late, grown, held

    got, late, grown, held = asyncio.run(main())
    assert held <= MAX_PENDING_SECONDS + BLOCK_SECONDS
    pcm = got["pcm"][: len(got["pcm"]) // 1600 * 1600].reshape(-1, 1600)
    loud = np.sqrt(np.mean(pcm**2, axis=1)) > 0.1  # 100 ms windows of the tone
    assert loud.sum() / 10 > seconds - 1.0  # the reader heard (nearly) all of the speech
    assert late <= got["bytes"]  # (at ~28 kbit/s the kernel's socket buffers hold minutes of it)
    assert grown < 60_000  # KiB


def test_a_tap_that_is_not_taken_from_keeps_only_the_latest_seconds():
    cast = Broadcast(Clock(), live=True, source_language="en-US")
    cast.add("es", "es")
    tap = StreamTap(LanguageStream(cast, "es", executor=None))  # type: ignore[arg-type]
    for n in range(40):  # ten seconds of blocks nobody takes
        tap.push(Block(n * 0.25, (n + 1) * 0.25, b"moof", (b"aac",)))
    assert tap.skipped >= 2 and tap.blocks[-1].end - tap.blocks[0].start <= MAX_PENDING_SECONDS + BLOCK_SECONDS
    assert tap.take()[-1].start == 9.75  # what is kept is the newest: the live edge


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


def test_only_what_the_run_published_is_served_under_hls_with_cors(tmp_path, write_config):
    """An HLS folder that already holds other files (a .env, a lock, a previous run's segments) shows none of
    them; what the run publishes is served with CORS headers, so another site's hls.js can play it."""
    folder = tmp_path / "hls"
    (folder / "es-ES").mkdir(parents=True)
    (folder / ".env").write_text("AWS_SECRET_ACCESS_KEY=hunter2\n")
    (folder / "notes.txt").write_text("private")
    stale = folder / "es-ES" / "99999.ts"  # a name this run could write, from a run an hour ago
    stale.write_bytes(b"old")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))

    async def fetch(url: str, http: aiohttp.ClientSession) -> dict[str, Any]:
        out: dict[str, Any] = {}
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the playlists appear with the first segment
            async with http.get(f"{url}hls/es-ES.m3u8", headers={"Origin": "https://church.example"}) as r:
                if r.status == 200:
                    out["playlist"] = (await r.text(), r.headers.get("Access-Control-Allow-Origin"))
                    break
            await asyncio.sleep(0.1)
        for name in (".env", "notes.txt", "es-ES/99999.ts", "../in.wav", "es-ES/../.env", ".polyglot-hls.lock",
                     "transcript.vtt.m3u8"):
            async with http.get(f"{url}hls/{name}") as r:
                out[name] = r.status
        async with http.options(f"{url}hls/master.m3u8", headers={"Origin": "https://church.example",
                                                                  "Access-Control-Request-Method": "GET"}) as r:
            out["preflight"] = (r.status, r.headers.get("Access-Control-Allow-Methods"))
        return out

    out, _, _ = run_with_clients(tmp_path, write_config, fetch, bursts=6,
                                 extra="}\n  - {type: hls, path: hls, segment_seconds: 1")
    text, origin = out["playlist"]
    assert text.startswith("#EXTM3U") and origin == "*" and out["transcript.vtt.m3u8"] == 200
    assert out[".env"] == out["notes.txt"] == out["es-ES/99999.ts"] == out["../in.wav"] == out["es-ES/../.env"] == 404
    assert out[".polyglot-hls.lock"] == 404
    assert out["preflight"] == (204, "GET, HEAD")


def test_hls_origins_limit_who_may_play_the_stream():
    from runner.outputs.listeners.hls_files import cors_headers

    allowed = ("https://church.example",)
    assert cors_headers("https://church.example", allowed) == {
        "Access-Control-Allow-Origin": "https://church.example", "Vary": "Origin"}
    assert cors_headers("https://evil.example", allowed) == {}
    assert cors_headers(None, ("*",)) == {"Access-Control-Allow-Origin": "*"}


def test_https_with_the_organisers_certificate(tmp_path, write_config):
    import ssl

    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)

    async def probe(url: str, http: aiohttp.ClientSession) -> dict[str, Any]:
        async with http.get(f"{url}api/broadcast", ssl=trusted) as r:
            about = await r.json()
        async with http.ws_connect(f"{url.replace('https', 'wss')}ws?lang=es-ES", ssl=trusted) as ws:
            hello = await ws.receive_json(timeout=5)
        try:
            async with http.get(f"{url}api/broadcast") as r:  # a client that does not trust it
                untrusted = r.status
        except aiohttp.ClientConnectorCertificateError:
            untrusted = "refused"
        return {"url": url, "title": about["title"], "hello": hello["type"], "untrusted": untrusted}

    out, status, _ = run_with_clients(tmp_path, write_config, probe,
                                      extra=f", tls_cert: {tmp_path / 'cert.pem'}, tls_key: {tmp_path / 'key.pem'}")
    assert out["url"].startswith("https://127.0.0.1:") and out["title"] == "Sunday service"
    assert out["hello"] == "hello" and out["untrusted"] == "refused" and status.ok


def test_tls_files_are_checked_before_the_run(tmp_path, write_config):
    from tests.support.cli import assert_no_traceback, polyglot

    (tmp_path / "cert.pem").write_text("not a certificate")
    (tmp_path / "key.pem").write_text("not a key")
    rec = tone_bursts(tmp_path / "in.wav", [0.4], gap=0.4)
    half = write_config(CONFIG.format(rec=rec, extra=", tls_cert: cert.pem", per_character=0.02))
    result = polyglot("validate", half)
    assert_no_traceback(result)
    assert result.returncode == 78 and "/outputs/0/tls_key: HTTPS needs both tls_cert and tls_key" in result.stdout
    broken = write_config(CONFIG.format(rec=rec, extra=", tls_cert: cert.pem, tls_key: key.pem",
                                        per_character=0.02))
    result = polyglot("validate", broken)
    assert_no_traceback(result)
    assert result.returncode == 78 and "/outputs/0/tls_cert:" in result.stdout
    assert "are not a PEM certificate (chain) and its private key" in result.stdout
    missing = write_config(CONFIG.format(rec=rec, extra=", tls_cert: nowhere.pem, tls_key: key.pem",
                                         per_character=0.02))
    result = polyglot("validate", missing)
    assert result.returncode == 78 and "nowhere.pem does not exist" in result.stdout, result.stdout


def test_the_offline_broadcasts_network_example_is_a_valid_output(tmp_path):
    """pipelines/offline-broadcast.yaml shows, in a comment, the listeners output for phones: it must work as
    written when a user pastes it in place of the page's output."""
    from tests.support.cli import assert_no_traceback, polyglot

    source = Path(__file__).parents[2] / "pipelines" / "offline-broadcast.yaml"
    text = source.read_text()
    example = next(line for line in text.splitlines() if "host: 0.0.0.0" in line).lstrip("# ").strip()
    pasted = text.replace("  - type: listeners\n    port: 8080\n", f"  {example}\n")
    assert pasted != text and example.startswith("- {type: listeners")
    config = source.parent / f".pasted-{os.getpid()}.yaml"  # beside it: its recording path is relative
    config.write_text(pasted.replace("    title: Sense and Sensibility, read aloud\n", ""))
    try:
        result = polyglot("validate", config, env={"LISTEN_KEY": "a-long-enough-key"})
    finally:
        config.unlink()
    assert_no_traceback(result)
    assert result.returncode == 0, result.stdout + result.stderr


def test_language_links_and_their_qr_codes_for_seat_cards(tmp_path, write_config):
    async def nothing(url: str, http: aiohttp.ClientSession) -> str:
        return url

    url, _, events = run_with_clients(tmp_path, write_config, nothing,
                                      extra=", language_links: true, key: 'a+b/c=d+e/f=='")
    started = next(e for e in events if isinstance(e, SessionEvent) and e.state == "started")
    lines = started.detail["listen"]
    assert url.endswith("/?key=a%2Bb%2Fc%3Dd%2Be%2Ff%3D%3D")  # encoded: a raw + reads as a space
    assert [line.split(": ", 1)[0] for line in lines[:3]] == ["listeners", "listeners (es-ES)", "listeners (de-DE)"]
    assert lines[1].endswith("/?lang=es-ES&key=a%2Bb%2Fc%3Dd%2Be%2Ff%3D%3D")
    svg = (tmp_path / "listeners-qr" / "es-ES.svg").read_text()
    assert svg.startswith("<?xml") and "<svg" in svg and (tmp_path / "listeners-qr" / "de-DE.svg").exists()


def test_the_run_waits_for_listeners_to_hear_speech_placed_far_ahead(tmp_path, write_config):
    """Speech synthesized faster than real time sits ahead of the clock; the page plays it in real time, so at
    the end of a run the outputs get as long as that takes, not the usual 15 s."""
    rec = tone_bursts(tmp_path / "in.wav", [0.4], gap=0.4)
    pipeline = planned(write_config(CONFIG.format(rec=rec, extra="", per_character=0.02)),
                       output_dir=tmp_path).config

    async def main() -> tuple[float, float]:
        clock = Clock()
        cast = Broadcast(clock, live=True, source_language="en-US")
        cast.add("es-ES", "es-ES")
        cast.add("de-DE", "de-DE")
        page = ListenerPage(OutputContext(pipeline.outputs[0], pipeline, cast,
                                          Router(SessionStatus("t", {}), clock)))
        await page.start()
        try:
            idle = page.finish_seconds()
            tap = page.streams["es-ES"].join()  # someone listens
            speak_pcm(cast, "u0001", b"\x00\x01" * 16000 * 40)  # 40 s of speech, placed at once
            await asyncio.sleep(0.5)
            busy = page.finish_seconds()
            tap.close()
        finally:
            await page.aclose()
        return idle, busy

    idle, busy = asyncio.run(main())
    assert idle < 5 and busy > 40
