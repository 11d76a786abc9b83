"""``listeners``: a live page served by the run itself. Each listener picks a language, hears its speech and
reads its captions (and, if they like, the speaker's own words); switching language takes effect at once.

The server (aiohttp, on the session's event loop) serves exactly: the page and its assets (files in this
package), ``/api/broadcast`` (the title and the languages) and ``/ws`` (a language's live stream,
runner.outputs.listeners.connection). Nothing else: no config, paths, environment or secrets. With a ``key``,
the API and the stream need it (the printed link carries it); ``max_listeners`` turns the next one away with
503. Audio goes over the WebSocket as 16-bit PCM to an AudioWorklet on the page: the lowest latency a phone
browser plays without a codec of its own, and simple to measure (docs/listeners.md has the figures and the
reasons against WebRTC).
"""

from __future__ import annotations

import asyncio
import hmac
import socket
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from runner.config.model import ComponentChoice, PipelineConfig
from runner.engines.base import Problem
from runner.engines.languages import autonym, base_language, display_name
from runner.options import CString, option
from runner.outputs.base import Output
from runner.outputs.listeners.connection import ListenerConnection
from runner.registry import register
from runner.runtime.broadcast import RATE

STATIC = Path(__file__).with_name("static")
MAX_REQUEST_BYTES = 4096  # the page sends nothing bigger
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


@register("output", "listeners", options=ListenersOptions,
          summary="a live page: each listener picks a language, hears it and reads its captions")
class ListenerPage(Output):
    listens = True  # its host:port is claimed: two pages on one port are a config error (runner.plan.checks)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options: ListenersOptions = self.context.options
        self.port = self.options.port
        self.connections: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self.hls: Path | None = None  # the HLS output's folder, served under /hls/

    @classmethod
    def check(cls, config: ComponentChoice, pipeline: PipelineConfig) -> Iterable[Problem]:
        options: ListenersOptions = config.options
        if options.host not in ("127.0.0.1", "localhost", "::1") and not options.key:
            yield Problem(f"{config.pointer}/host", f"the page is served to the network ({options.host}) without "
                          "an access key: anyone who can reach this machine can listen (set key: ${LISTEN_KEY} "
                          "for a private broadcast)", code="listeners", severity="warning")

    @classmethod
    def outline(cls, config: ComponentChoice, pipeline: PipelineConfig) -> tuple[str, list[str]]:
        return f"listeners page on {config.options.host}:{config.options.port}", []

    def describe(self) -> str:
        return f"listeners page on {self.options.host}:{self.options.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[self._headers])
        app.router.add_get("/", self._page)
        app.router.add_get("/api/broadcast", self._guarded(self._about))
        app.router.add_get("/ws", self._guarded(self._listen))
        app.router.add_static("/static/", STATIC, follow_symlinks=False, show_index=False)
        self.hls = None if self.options.key else hls_folder(self.context.pipeline)
        if self.hls is not None:  # a public page also serves the run's HLS stream (a private one cannot: players
            self.hls.mkdir(parents=True, exist_ok=True)  # do not carry its key)
            app.router.add_static("/hls/", self.hls, follow_symlinks=False, show_index=False)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.options.host, self.options.port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1] if self._runner.addresses else self.options.port

    def announce(self) -> list[str]:
        key = f"?key={self.options.key}" if self.options.key else ""
        host = self.options.host
        shown = lan_address() if host in ("0.0.0.0", "::") else host
        lines = [f"listeners: http://{_bracketed(shown)}:{self.port}/{key}"]
        if self.hls is not None:
            lines.append(f"hls: http://{_bracketed(shown)}:{self.port}/hls/master.m3u8")
        return lines

    @property
    def url(self) -> str:
        return self.announce()[0].removeprefix("listeners: ")

    async def finish(self) -> None:
        """Listeners get what is left, then the end of the broadcast (Broadcast.end has been called)."""
        if self.connections:
            await asyncio.wait(self.connections)

    async def aclose(self) -> None:
        for task in self.connections:
            task.cancel()
        if self.connections:
            await asyncio.wait(self.connections)
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

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

    async def _page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html")

    async def _about(self, request: web.Request) -> web.StreamResponse:
        pipeline = self.context.pipeline
        base_languages = Counter(base_language(t.language) for t in pipeline.targets)
        return web.json_response({
            "title": self.options.title or pipeline.display_name,
            "source": {"code": pipeline.language, "name": autonym(pipeline.language)},
            "languages": [{"code": t.label, "name": autonym(t.language, with_region=base_languages[base_language(
                t.language)] > 1), "english": display_name(t.language)} for t in pipeline.targets],
            "transcript": self.options.transcript,
            "rate": RATE,
            "full": len(self.connections) >= self.options.max_listeners,
        })

    async def _listen(self, request: web.Request) -> web.StreamResponse:
        timeline = self.context.broadcast.timelines.get(request.query.get("lang", ""))
        if timeline is None:
            return web.json_response({"error": "no such language in this broadcast"}, status=404)
        if len(self.connections) >= self.options.max_listeners:
            return web.json_response({"error": "this broadcast is full; try again in a moment"}, status=503)
        ws = web.WebSocketResponse(heartbeat=15.0, max_msg_size=MAX_REQUEST_BYTES, compress=False)
        if not ws.can_prepare(request).ok:
            return web.json_response({"error": "a WebSocket is expected here"}, status=400)
        await ws.prepare(request)
        hello = {"type": "hello", "language": timeline.label, "name": autonym(timeline.language), "rate": RATE,
                 "title": self.options.title or self.context.pipeline.display_name}
        transcript = self.context.broadcast.source if self.options.transcript else None
        task = asyncio.create_task(ListenerConnection(ws, timeline, hello, transcript).run())
        self.connections.add(task)
        task.add_done_callback(self.connections.discard)
        await task
        return ws


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
