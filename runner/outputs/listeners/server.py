"""``listeners``: a live page served by the run itself. Each listener picks a language, hears its speech and
reads its captions (and, if they like, the speaker's own words); switching language takes effect at once.

The server (aiohttp, on the session's event loop) serves exactly: the page and its assets (files in this
package), ``/overlay`` (captions alone, for a projector or OBS), ``/api/broadcast`` (the title and the
languages), ``/ws`` (a language's live captions and audio, runner.outputs.listeners.connection),
``/audio/<lang>.aac`` (the same audio for a plain ``<audio>`` element) and, on a public page, what the run's HLS
output published under ``/hls/``. Nothing else: no config, paths, environment or secrets. With a ``key``, the
API and the streams need it (the printed link carries it); ``max_listeners`` turns the next one away with 503.

Audio is AAC, encoded once per language while anyone listens (runner.outputs.listeners.stream) and played
by a media element: no secure context needed (a phone opening http://192.168.x.y works), it keeps playing
with the screen locked, and it is ~28 kbit/s per listener. HTTPS with the organiser's certificate is an
option (tls_cert, tls_key). docs/listeners.md has the figures and the reasons.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import multiprocessing
import re
import secrets
import socket
import ssl
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

from aiohttp import web

from runner.config.model import ComponentChoice, PipelineConfig
from runner.engines.base import Problem
from runner.engines.languages import autonym, base_language, display_name
from runner.options import CString, option
from runner.outputs.base import Output
from runner.outputs.listeners.aac import drop_encoder
from runner.outputs.listeners.connection import SEND_TIMEOUT, AudioMode, ListenerConnection
from runner.outputs.listeners.hls_files import CONTENT_TYPES, PublishedHls, cors_headers
from runner.outputs.listeners.stream import LanguageStream
from runner.outputs.listeners.tls import load_context
from runner.registry import register
from runner.runtime.broadcast import RATE

STATIC = Path(__file__).with_name("static")
MAX_REQUEST_BYTES = 4096  # the page sends nothing bigger
AUDIO_MODES = ("mse", "plain", "none")
LISTENER_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
PLAIN_WAIT_SECONDS = 3.0  # a page asks for its plain audio as it opens its socket: wait this long for it
PLAIN_GRACE_SECONDS = 10.0  # a plain audio stream outlives its page's socket this long (a reconnect)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; "
                               "style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class ListenersOptions:
    """A live page served by the run: each listener picks a language, hears it and reads its captions."""

    port: int = option(8080, doc="TCP port of the page (0: any free port).", minimum=0, maximum=65535)
    host: str = option("127.0.0.1", doc="Address to listen on: 127.0.0.1 is this machine only; 0.0.0.0 serves "
                       "the network (phones in the room).", minLength=1, pattern="^[^\\u0000]*$")
    title: str | None = option(None, doc="The page's title (default: the pipeline's name).", minLength=1)
    key: CString | None = option(None, doc="An access key for a private broadcast: the link the run prints "
                                 "carries it (write ${LISTEN_KEY} to keep it out of the config).", minLength=8,
                                 secret=True)
    max_listeners: int = option(1000, doc="Listeners at once; the next one is told the broadcast is full.",
                                minimum=1)
    transcript: bool = option(True, doc="Offer the speaker's own words on the page too.")
    tls_cert: str | None = option(None, doc="HTTPS: a PEM certificate (chain) file the listeners' phones trust "
                                  "(relative to the config file); with tls_key.", minLength=1)
    tls_key: str | None = option(None, doc="HTTPS: the certificate's PEM private key file; with tls_cert.",
                                 minLength=1)
    hls_origins: tuple[str, ...] = option(("*",), doc="Web origins whose pages may play the /hls/ stream "
                                          "(CORS), e.g. https://church.example; '*' is any.")
    language_links: bool = option(False, doc="Also print a link per language (?lang=) and write a QR code "
                                  "for each (listeners-qr/<language>.svg in the output folder), for seat cards.")


@register("output", "listeners", options=ListenersOptions,
          summary="a live page: each listener picks a language, hears it and reads its captions")
class ListenerPage(Output):
    listens = True  # its host:port is claimed: two pages on one port are a config error (runner.plan.checks)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options: ListenersOptions = self.context.options
        self.port = self.options.port
        self.connections: set[asyncio.Task[Any]] = set()
        self.listeners: dict[str, ListenerConnection] = {}  # by the id its hello gave the page
        self.streams: dict[str, LanguageStream] = {}
        self._runner: web.AppRunner | None = None
        self._executor: ProcessPoolExecutor | None = None
        self._tls: ssl.SSLContext | None = None
        self._ids = itertools.count(1)
        self._plain_starts: dict[str, tuple[str, float]] = {}  # listener id: (language, where its stream began)
        self.hls: PublishedHls | None = None  # the HLS output's files, served under /hls/

    @classmethod
    def check(cls, config: ComponentChoice, pipeline: PipelineConfig) -> Iterable[Problem]:
        options: ListenersOptions = config.options
        if options.host not in ("127.0.0.1", "localhost", "::1") and not options.key:
            yield Problem(f"{config.pointer}/host", f"the page is served to the network ({options.host}) without "
                          "an access key: anyone who can reach this machine can listen (set key: ${LISTEN_KEY} "
                          "for a private broadcast)", code="listeners", severity="warning")
        if bool(options.tls_cert) != bool(options.tls_key):
            missing = "tls_key" if options.tls_cert else "tls_cert"
            yield Problem(f"{config.pointer}/{missing}", f"HTTPS needs both tls_cert and tls_key: {missing} is "
                          "missing", code="listeners")
        elif options.tls_cert and options.tls_key:
            cert, key = tls_files(options, pipeline)
            try:
                load_context(cert, key)
            except ValueError as exc:
                field = "tls_key" if "key file" in str(exc) else "tls_cert"
                yield Problem(f"{config.pointer}/{field}", str(exc), code="listeners")

    @classmethod
    def outline(cls, config: ComponentChoice, pipeline: PipelineConfig) -> tuple[str, list[str]]:
        return f"listeners page on {config.options.host}:{config.options.port}", []

    def describe(self) -> str:
        return f"listeners page on {self.options.host}:{self.options.port}"

    async def start(self) -> None:
        pipeline, options = self.context.pipeline, self.options
        if options.tls_cert and options.tls_key:
            self._tls = load_context(*tls_files(options, pipeline))
        self._executor = await encoding_process()
        self.streams = {label: LanguageStream(self.context.broadcast, label, self._executor)
                        for label in self.context.broadcast.timelines}
        app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[self._headers])
        app.router.add_get("/", self._page("index.html"))
        app.router.add_get("/overlay", self._page("overlay.html"))
        app.router.add_get("/api/broadcast", self._guarded(self._about))
        app.router.add_get("/ws", self._guarded(self._listen))
        app.router.add_get("/audio/{label}.aac", self._guarded(self._plain_audio))
        app.router.add_static("/static/", STATIC, follow_symlinks=False, show_index=False)
        folder = None if options.key else hls_folder(pipeline)
        if folder is not None:  # a public page also serves the run's HLS stream (a private one cannot: players
            # do not carry its key)
            from runner.outputs.hls.output import TRANSCRIPT

            labels = [*self.context.broadcast.timelines, TRANSCRIPT]
            self.hls = PublishedHls(folder, labels, since=time.time() - 1.0)
            app.router.add_get("/hls/{name:.+}", self._hls_file)
            app.router.add_route("OPTIONS", "/hls/{name:.+}", self._hls_preflight)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, options.host, options.port, reuse_address=True, ssl_context=self._tls)
        await site.start()
        self.port = self._runner.addresses[0][1] if self._runner.addresses else options.port
        if options.language_links:
            write_qr_codes(self.language_links(), pipeline.output_dir / "listeners-qr")

    def announce(self) -> list[str]:
        lines = [f"listeners: {self.url}"]
        if self.options.language_links:
            lines += [f"listeners ({label}): {url}" for label, url in self.language_links().items()]
        if self.hls is not None:
            lines.append(f"hls: {self._base()}/hls/master.m3u8")
        return lines

    @property
    def url(self) -> str:
        """The page's link, as a phone opens it (the LAN address when serving the network), key and all."""
        query = urlencode({"key": self.options.key}) if self.options.key else ""
        return f"{self._base()}/" + (f"?{query}" if query else "")

    def language_links(self) -> dict[str, str]:
        """A link per language: it opens the page listening to that language."""
        key = {"key": self.options.key} if self.options.key else {}
        return {label: f"{self._base()}/?{urlencode({'lang': label, **key})}"
                for label in self.context.broadcast.timelines}

    def _base(self) -> str:
        host = self.options.host
        shown = lan_address() if host in ("0.0.0.0", "::") else host
        return f"{'https' if self._tls else 'http'}://{_bracketed(shown)}:{self.port}"

    async def finish(self) -> None:
        """Listeners get what is left, then the end of the broadcast (Broadcast.end has been called)."""
        if self.connections:
            await asyncio.wait(self.connections)

    def finish_seconds(self) -> float:
        """Listeners hear the rest in real time: as long as the stream furthest behind has left, and a breath."""
        return max((s.left_to_play() for s in self.streams.values()), default=0.0) + 2.0

    async def aclose(self) -> None:
        for task in self.connections:
            task.cancel()
        if self.connections:
            await asyncio.wait(self.connections)
        for stream in self.streams.values():
            await stream.aclose()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=False, cancel_futures=True)

    # -- requests ------------------------------------------------------------------------------------------
    @web.middleware
    async def _headers(self, request: web.Request,
                       handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        response = await handler(request)
        if not response.prepared:
            response.headers.update(SECURITY_HEADERS)
        return response

    def _guarded(self, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) \
            -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def guarded(request: web.Request) -> web.StreamResponse:
            if self.options.key and not hmac.compare_digest(request.query.get("key", "").encode(),
                                                            self.options.key.encode()):
                return web.json_response({"error": "this broadcast needs its access key"}, status=403)
            return await handler(request)

        return guarded

    def _page(self, name: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def page(request: web.Request) -> web.StreamResponse:
            return web.FileResponse(STATIC / name)

        return page

    async def _about(self, request: web.Request) -> web.StreamResponse:
        pipeline = self.context.pipeline
        base_languages = Counter(base_language(t.language) for t in pipeline.targets)
        return web.json_response({
            "title": self.options.title or pipeline.display_name,
            "source": {"code": pipeline.language, "name": autonym(pipeline.language)},
            "languages": [{"code": t.label, "lang": t.language, "name": autonym(
                t.language, with_region=base_languages[base_language(t.language)] > 1),
                "english": display_name(t.language)} for t in pipeline.targets],
            "transcript": self.options.transcript,
            "rate": RATE,
            "full": len(self.connections) >= self.options.max_listeners,
        })

    async def _listen(self, request: web.Request) -> web.StreamResponse:
        label = request.query.get("lang", "")
        timeline = self.context.broadcast.timelines.get(label)
        if timeline is None:
            return web.json_response({"error": "no such language in this broadcast"}, status=404)
        audio = request.query.get("audio", "mse")
        if audio not in AUDIO_MODES:
            return web.json_response({"error": f"audio is one of {', '.join(AUDIO_MODES)}"}, status=400)
        if len(self.connections) >= self.options.max_listeners:
            return web.json_response({"error": "this broadcast is full; try again in a moment"}, status=503)
        ws = web.WebSocketResponse(heartbeat=15.0, max_msg_size=MAX_REQUEST_BYTES, compress=False)
        if not ws.can_prepare(request).ok:
            return web.json_response({"error": "a WebSocket is expected here"}, status=400)
        await ws.prepare(request)
        # The page names itself, so that its plain <audio> stream can be asked for within the listener's tap
        # (before this socket is open) and survive a reconnect.
        listener = request.query.get("listener", "")
        if not LISTENER_ID.fullmatch(listener) or listener in self.listeners:
            listener = f"{next(self._ids)}-{secrets.token_urlsafe(8)}"
        hello: dict[str, Any] = {"type": "hello", "language": timeline.label, "name": autonym(timeline.language),
                                 "rate": RATE, "title": self.options.title or self.context.pipeline.display_name,
                                 "listener": listener}
        if (start := self._plain_starts.get(listener)) is not None and start[0] == label:
            hello["audio_start"] = round(start[1], 3)
        transcript = self.context.broadcast.source if self.options.transcript else None
        connection = ListenerConnection(ws, timeline, self.streams[label], cast(AudioMode, audio), hello,
                                        transcript)
        task = asyncio.create_task(connection.run())
        self.connections.add(task)
        self.listeners[listener] = connection
        task.add_done_callback(self.connections.discard)
        try:
            await task
        finally:
            self.listeners.pop(listener, None)
        return ws

    async def _plain_audio(self, request: web.Request) -> web.StreamResponse:
        """A language's audio as one endless ADTS stream, for a page's ``<audio>`` element (no MSE): only for a
        page that holds a socket (its ``listener`` id), which learns where on the clock the stream starts."""
        label, listener = request.match_info["label"], request.query.get("listener", "")
        if label not in self.streams or not LISTENER_ID.fullmatch(listener) or \
                not await self._present(listener, PLAIN_WAIT_SECONDS):
            return web.json_response({"error": "open the page first: this stream belongs to a listener"},
                                     status=404)
        response = web.StreamResponse(headers={**SECURITY_HEADERS, "Content-Type": "audio/aac"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        tap = self.streams[label].join()
        self._plain_starts.pop(listener, None)
        try:
            while (not tap.ended or tap.blocks) and await self._present(listener, PLAIN_GRACE_SECONDS):
                await tap.wait()
                blocks = tap.take()
                if not blocks:
                    continue
                if listener not in self._plain_starts:
                    self._plain_starts[listener] = (label, blocks[0].start)
                    if (connection := self.listeners.get(listener)) is not None:
                        connection.audio_started(blocks[0].start)
                await asyncio.wait_for(response.write(b"".join(b.adts for b in blocks)), SEND_TIMEOUT)
        except (ConnectionError, TimeoutError, RuntimeError):
            pass  # the page went away or stalled: it asks again
        finally:
            tap.close()
            self._plain_starts.pop(listener, None)
        return response

    async def _present(self, listener: str, seconds: float) -> bool:
        """Whether the page that named itself ``listener`` holds a socket, or gets one within ``seconds``."""
        for _ in range(int(seconds / 0.25)):
            if listener in self.listeners:
                return True
            await asyncio.sleep(0.25)
        return listener in self.listeners

    async def _hls_file(self, request: web.Request) -> web.StreamResponse:
        assert self.hls is not None
        cors = cors_headers(request.headers.get("Origin"), self.options.hls_origins)
        path = self.hls.find(request.match_info["name"])
        if path is None:
            return web.json_response({"error": "not found"}, status=404, headers=cors)
        return web.FileResponse(path, headers={**cors, "Content-Type": CONTENT_TYPES[path.suffix]})

    async def _hls_preflight(self, request: web.Request) -> web.StreamResponse:
        cors = cors_headers(request.headers.get("Origin"), self.options.hls_origins)
        if cors:
            cors.update({"Access-Control-Allow-Methods": "GET, HEAD", "Access-Control-Allow-Headers": "Range",
                         "Access-Control-Max-Age": "600"})
        return web.Response(status=204, headers=cors)


async def encoding_process() -> ProcessPoolExecutor:
    """The process the languages' audio is encoded in (FFmpeg holds the GIL: in a thread it would slow the
    run), started and warmed up before audio flows. Spawned, not forked: the run has threads of its own."""
    executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    await asyncio.get_running_loop().run_in_executor(executor, drop_encoder, "")  # imports PyAV there
    return executor


def tls_files(options: ListenersOptions, pipeline: PipelineConfig) -> tuple[Path, Path]:
    """The certificate and key files, relative to the config file."""
    assert options.tls_cert and options.tls_key
    base = pipeline.file.parent
    return base / Path(options.tls_cert).expanduser(), base / Path(options.tls_key).expanduser()


def write_qr_codes(links: dict[str, str], folder: Path) -> None:
    """A QR code per language, as SVG (prints sharp at any size), for seat cards."""
    import segno

    folder.mkdir(parents=True, exist_ok=True)
    for label, url in links.items():
        segno.make(url, error="m").save(str(folder / f"{label}.svg"), scale=8, border=2)


def hls_folder(pipeline: PipelineConfig) -> Path | None:
    """The folder the pipeline's HLS output writes, if it has one that writes a folder."""
    from runner.outputs.hls.options import folder_of
    from runner.plan.plan import output_path

    for output in pipeline.outputs:
        if output.type == "hls" and (folder := folder_of(output.options)):
            return output_path(folder, pipeline.output_dir)
    return None


def lan_address() -> str:
    """This machine's address on its network, for a link phones can open (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
