"""The session's broadcast outputs: the per-language timelines they read, and their lifecycle (start before
audio flows, finish after the last speech within the drain deadline, close whatever happened)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from runner.config.model import ComponentChoice, PipelineConfig
from runner.errors import PolyglotError, SinkError
from runner.outputs.base import Output, OutputContext
from runner.runtime.broadcast import Broadcast

if TYPE_CHECKING:
    from runner.runtime.router import Router
    from runner.runtime.status import SessionStatus

FINISH_SECONDS = 15.0  # at most this long to deliver what is left after a run's natural end
CLOSE_SECONDS = 5.0


class BroadcastOutputs:
    def __init__(self, config: PipelineConfig, outputs: list[tuple[Any, ComponentChoice]], router: Router,
                 status: SessionStatus, clock: Callable[[], float], live: bool,
                 settled: Callable[[], float] | None = None) -> None:
        self.broadcast = Broadcast(clock, live, config.language, settled=settled)
        for t in config.targets:
            self.broadcast.add(t.label, t.language)
        self.broadcast.on_listeners = status.track_listeners
        router.observers.append(self.broadcast.observe)
        self.outputs: list[Output] = [cls(OutputContext(choice, config, self.broadcast, router))
                                      for cls, choice in outputs]
        self._started: list[Output] = []

    def __bool__(self) -> bool:
        return bool(self.outputs)

    async def start(self) -> None:
        for output in self.outputs:
            self._started.append(output)
            try:
                await output.start()
            except PolyglotError:
                raise
            except OSError as exc:  # a port in use, a folder that cannot be made
                raise SinkError(f"{output.describe()}: cannot start: {exc.strerror or exc}") from exc

    def announce(self) -> list[str]:
        return [line for output in self._started for line in output.announce()]

    async def finish(self, seconds: float | None) -> None:
        """The last speech is placed: let every output deliver what is left, within ``seconds``."""
        self.broadcast.end()
        if not self._started:
            return
        finishing = [asyncio.ensure_future(o.finish()) for o in self._started]
        if seconds is None:  # a natural end: what is left is delivered, as long as real-time outputs need
            seconds = max(FINISH_SECONDS, *(o.finish_seconds() for o in self._started))
        done, pending = await asyncio.wait(finishing, timeout=seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*finishing, return_exceptions=True)

    async def aclose(self) -> None:
        for output in reversed(self._started):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(output.aclose(), CLOSE_SECONDS)
        self._started.clear()
