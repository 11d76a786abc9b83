"""Where every event goes: its scope's sinks, the session's event log, the status, and any observer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from runner.events import Event, NoticeEvent
from runner.io.sinks import Sink, SinkGroup
from runner.redact import redact
from runner.runtime.status import SessionStatus

Observer = Callable[[Event], None]


class Router:
    def __init__(self, status: SessionStatus, clock: Callable[[], float]) -> None:
        self.status = status
        self.clock = clock
        self.event_log: SinkGroup | None = None
        self.observers: list[Observer] = []

    async def emit(self, event: Event, sinks: SinkGroup | None = None) -> None:
        self.status.observe(event)
        for observe in self.observers:
            observe(event)
        if sinks is not None:
            await sinks.write(event)
        if self.event_log is not None:
            await self.event_log.write(event)

    async def notice(self, scope: str, level: str, code: str, message: str, sinks: SinkGroup | None = None,
                     utterance_id: str | None = None) -> None:
        await self.emit(NoticeEvent(scope=scope, at=self.clock(), level=level, code=code,  # type: ignore[arg-type]
                                    message=redact(message), utterance_id=utterance_id), sinks)

    def sink_failure_reporter(self, scope: str) -> Callable[[Sink, Exception], Awaitable[None]]:
        """For a SinkGroup: report its failing sink once, in the scope it belongs to (never to itself)."""

        async def report(sink: Sink, exc: Exception) -> None:
            await self.notice(scope, "error", "sink-failed", str(exc))

        return report
