"""``polyglot run``: build the pipeline, run the session under signal handling and a status view."""

from __future__ import annotations

import asyncio
import signal
import sys

from runner.cli.console import stderr
from runner.cli.display import Announcements, EventLines, LiveStatus, summary
from runner.plan.plan import Plan
from runner.runtime.build import build
from runner.runtime.router import Observer
from runner.runtime.session import Session
from runner.runtime.status import SessionStatus

EXIT_TARGET_FAILED = 1
EXIT_INTERRUPTED = 130


def run_pipeline(plan: Plan, *, quiet: bool) -> int:
    pipeline = build(plan)
    live = not quiet and stderr.is_terminal
    observers: list[Observer] = [Announcements(stderr, qr=stderr.is_terminal)]
    if not (quiet or live):
        observers.append(EventLines(stderr))
    session = Session(pipeline, observers=observers)
    status = asyncio.run(_run(session, live))
    stderr.print(summary(status))
    if not status.ok:
        return EXIT_TARGET_FAILED
    return EXIT_INTERRUPTED if status.interrupted else 0


async def _run(session: Session, live: bool) -> SessionStatus:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    hard_stop = asyncio.Event()

    def on_interrupt() -> None:
        if stop.is_set():
            hard_stop.set()
            return
        stop.set()
        stderr.print(f"stopping: finishing queued speech within {session.pipeline.config.drain_timeout:g}s "
                     f"(Ctrl-C again to stop now)", markup=False)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_interrupt)
    try:
        if live:
            with LiveStatus(stderr, session.status, session.clock):
                return await session.run(stop, hard_stop)
        return await session.run(stop, hard_stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        sys.stdout.flush()
