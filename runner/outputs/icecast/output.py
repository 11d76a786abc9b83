"""``icecast``: every target language as its own mount on an Icecast server, a live stream any player opens.

The output pushes (it is the server's source client); listeners, relays and directory listings are the
server's business. Each mount is a runner.outputs.icecast.mount.MountStream; the codecs run in this output's
own small thread pool, so that many languages never block the event loop nor take the engines' threads.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp

from runner.config.model import ComponentChoice, PipelineConfig, TargetConfig
from runner.engines.base import Problem
from runner.engines.languages import autonym, display_name
from runner.errors import SinkError
from runner.outputs.base import Output
from runner.outputs.icecast import options as icecast_options
from runner.outputs.icecast.encoder import CONTENT_TYPES
from runner.outputs.icecast.mount import MountSpec, MountStream
from runner.outputs.icecast.options import IcecastOptions
from runner.outputs.icecast.source import SourceConnection, SourceRefused, SourceUnreachable
from runner.redact import redact
from runner.registry import register

DEFAULT_NAME = "{title} - {name}"
DEFAULT_DESCRIPTION = "{english} ({language}), live translation"
ENCODER_THREADS = 2  # Opus/MP3 at speech rates is ~1 % of a core per language: two threads serve dozens


@register("output", "icecast", options=IcecastOptions,
          summary="each language as its own mount on an Icecast server (Ogg/Opus or MP3)")
class IcecastOutput(Output):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options: IcecastOptions = self.context.options
        redact.add(self.options.password)  # never in a message, whatever a server or library echoes
        self.mounts: list[MountStream] = []
        self._http: aiohttp.ClientSession | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @classmethod
    def check(cls, config: ComponentChoice, pipeline: PipelineConfig) -> Iterable[Problem]:
        return icecast_options.check(config, pipeline)

    @classmethod
    def outline(cls, config: ComponentChoice, pipeline: PipelineConfig) -> tuple[str, list[str]]:
        o: IcecastOptions = config.options
        label = f"icecast {o.server} ({o.format}, {o.kbps} kbps, {o.rate} Hz{', public' if o.public else ''})"
        try:
            return label, [f"{t.label} -> {o.server}{o.mount_of(t)}" for t in pipeline.targets]
        except (KeyError, ValueError, IndexError):  # a mount pattern the plan reports as invalid
            return label, []

    def describe(self) -> str:
        return f"icecast {self.options.server} ({self.options.format}, {self.options.kbps} kbps)"

    async def start(self) -> None:
        self._executor = ThreadPoolExecutor(ENCODER_THREADS, thread_name_prefix="icecast-encoder")
        self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=True))
        for target in self.context.pipeline.targets:
            spec = self._spec(target)
            self.mounts.append(MountStream(spec, self.context.broadcast, self._connector(spec),
                                           self._reporter(target.label), self._executor))
        results = await asyncio.gather(*(m.start() for m in self.mounts), return_exceptions=True)
        failures = [(m, r) for m, r in zip(self.mounts, results, strict=True) if isinstance(r, BaseException)]
        for _, failure in failures:
            if not isinstance(failure, SourceRefused | SourceUnreachable):
                raise failure
        if failures:
            mount, first = failures[0]
            more = f" (and {len(failures) - 1} more mount(s))" if len(failures) > 1 else ""
            verb = "refused the source" if isinstance(first, SourceRefused) else "cannot be reached"
            raise SinkError(f"icecast {mount.url}: the server {verb}: {first}{more}")
        self._tasks = [asyncio.create_task(self._stream(m), name=f"icecast {m.spec.mount}") for m in self.mounts]

    async def _stream(self, mount: MountStream) -> None:
        """One mount until the end; a failure of its own (a bug, a codec error) is reported, not swallowed."""
        try:
            await mount.run()
        except Exception as exc:  # noqa: BLE001 - the run goes on without this stream, and says so
            await self.context.router.notice(mount.spec.label, "error", "icecast-failed",
                                             f"{mount.url}: the stream stopped: {type(exc).__name__}: {exc}")

    def announce(self) -> list[str]:
        return [f"icecast: {m.url} ({m.spec.label})" for m in self.mounts]

    async def finish(self) -> None:
        """Each mount streams what is left of its speech, in real time, then ends its stream."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def finish_seconds(self) -> float:
        """Listeners hear the rest in real time: as long as the mount furthest behind has left, and a breath."""
        return max((m.left_to_play() for m in self.mounts), default=0.0) + 2.0

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for mount in self.mounts:
            if mount.connection is not None:
                with contextlib.suppress(Exception):
                    await mount.connection.close()
        if self._http is not None:
            http, self._http = self._http, None
            await http.close()
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=False, cancel_futures=True)

    # -- each language -------------------------------------------------------------------------------------
    def _spec(self, target: TargetConfig) -> MountSpec:
        o = self.options
        fields = {"title": self.context.pipeline.display_name, "label": target.label, "language": target.language,
                  "name": autonym(target.language), "english": display_name(target.language)}
        name = (o.name or DEFAULT_NAME).format(**fields)
        description = (o.description or DEFAULT_DESCRIPTION).format(**fields)
        mount = o.mount_of(target)
        headers = {
            "Content-Type": CONTENT_TYPES[o.format],
            "ice-name": name,
            "ice-description": description,
            "ice-public": "1" if o.public else "0",
            "ice-bitrate": str(o.kbps),
            "ice-audio-info": f"samplerate={o.rate};channels=1;bitrate={o.kbps}",
        }
        tags = {"LANGUAGE": target.language, "TITLE": name, "DESCRIPTION": description}
        return MountSpec(target.label, mount, o.format, o.rate, o.kbps, headers, tags, name,
                         o.server + mount)

    def _connector(self, spec: MountSpec) -> Any:
        def connect() -> SourceConnection:
            assert self._http is not None
            return SourceConnection(self._http, self.options.server, spec.mount, self.options.user,
                                    self.options.password, spec.headers)
        return connect

    def _reporter(self, label: str) -> Any:
        async def report(level: str, code: str, message: str) -> None:
            await self.context.router.notice(label, level, code, message)
        return report
