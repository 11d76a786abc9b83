"""Phase 4, run: start the built pipeline, supervise its tasks, drain to a deadline, always finish the files.

Shutdown goes in fixed steps: the source stops (end of file, or a stop request) -> speech-to-text emits its
last final and the lanes close -> each target speaks what is queued -> sinks finalize their files. After a stop
request the steps after the first must finish within ``drain_timeout``; then what is left is cancelled and
named. ``hard_stop`` (a second Ctrl-C) skips the wait. Files are closed in every case.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from runner.engines.base import Engine
from runner.engines.languages import display_name
from runner.errors import DeviceError, EngineUnavailable, PolyglotError, SinkError
from runner.events import SESSION_SCOPE, SOURCE_SCOPE, HealthEvent, SessionEvent, TranscriptEvent, Utterance
from runner.io.sinks import SinkGroup
from runner.runtime.build import Pipeline
from runner.runtime.lanes import Lane
from runner.runtime.outputs import BroadcastOutputs
from runner.runtime.router import Observer, Router
from runner.runtime.simultaneous import SegmentFeed, lag_control, observe_spoken
from runner.runtime.status import SessionStatus, TargetStatus
from runner.runtime.stt import SpeechToTextStage
from runner.runtime.target import TargetStage

ENGINE_CLOSE_TIMEOUT = 5.0


class Session:
    def __init__(self, pipeline: Pipeline, observers: list[Observer] | None = None) -> None:
        self.pipeline = pipeline
        config = pipeline.config
        self.status = SessionStatus(
            name=config.display_name,
            targets={t.label: TargetStatus(t.label, display_name(t.language)) for t in config.targets},
        )
        self._observers = observers or []
        self._started_at = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._hearing: str | None = None  # id of the utterance speech-to-text is hearing (partials, no final)
        self._heard_until = 0.0  # stream time where the last final transcript ended
        self._deadline: float | None = None  # loop time of the drain deadline, once a stop started the drain

    def clock(self) -> float:
        """Session seconds: wall time since the session started."""
        return (self._loop.time() - self._started_at) if self._loop else 0.0

    async def run(self, stop: asyncio.Event | None = None, hard_stop: asyncio.Event | None = None) -> SessionStatus:
        self._loop = loop = asyncio.get_running_loop()
        self._started_at = loop.time()
        # Blocking SDK calls (boto3 Translate and Polly, espeak, pocketsphinx) run on threads: enough of them that
        # every target can have its translation and its speech in flight at once (the default is cpu_count + 4).
        executor = ThreadPoolExecutor(max_workers=8 + 3 * len(self.pipeline.targets), thread_name_prefix="polyglot-io")
        loop.set_default_executor(executor)
        try:
            return await self._run(stop or asyncio.Event(), hard_stop or asyncio.Event())
        finally:
            # The threads are the run's and end with it (a call still blocking finishes first), however it ended;
            # the loop gets a default executor that has started no thread, for whatever it runs next.
            executor.shutdown(wait=False, cancel_futures=True)
            loop.set_default_executor(ThreadPoolExecutor())

    async def _run(self, stop: asyncio.Event, hard_stop: asyncio.Event) -> SessionStatus:
        p = self.pipeline
        router = Router(self.status, self.clock)
        router.observers.extend(self._observers)
        stages = []
        for parts in p.targets:
            target = parts.config
            sinks = SinkGroup(parts.sinks, router.sink_failure_reporter(target.label))
            lane: Lane[Utterance] = Lane(target.queue.size, target.queue.overflow)
            stage = TargetStage(target, parts.translator, parts.synthesizer, sinks, lane, router, p.config.retry,
                                lag=lag_control(p.config, target, self.clock, p.source.paced),
                                back_to_back=p.config.mode == "simultaneous")
            if stage.lag is not None:
                router.observers.append(observe_spoken(stage, stage.lag))
            stages.append(stage)
        transcript = SinkGroup(p.transcript_sinks, router.sink_failure_reporter(SOURCE_SCOPE))
        event_log = SinkGroup([p.event_log], router.sink_failure_reporter(SESSION_SCOPE)) if p.event_log else None
        groups = [g for g in (event_log, transcript, *(s.sinks for s in stages)) if g is not None]
        engines: list[tuple[str, Engine]] = [("speech-to-text", p.stt)]
        for stage in stages:
            engines += [(stage.label, stage.translator), (stage.label, stage.synthesizer)]
        opened: list[SinkGroup] = []
        outputs = BroadcastOutputs(p.config, p.outputs, router, self.status, self._output_clock(p.source.paced),
                                   p.source.paced, settled=lambda: self._settled(stages)) if p.outputs else None

        async def start() -> None:
            await p.source.check()
            await _start_all(engines)
            for group in groups:
                opened.append(group)
                await group.open()
            if outputs is not None:
                await outputs.start()
            else:
                _require_an_output(groups)

        try:
            if not await _unless_stopped(start(), stop, hard_stop):
                self.status.interrupted = True  # stopped while starting: nothing was heard, nothing is lost
                return self.status
            router.event_log = event_log
            started: dict[str, object] = {"pipeline": self.status.name, "source": p.source.describe()}
            if outputs is not None:
                started["listen"] = outputs.announce()
            await router.emit(SessionEvent(scope=SESSION_SCOPE, at=self.clock(), state="started", detail=started))
            await self._supervise(router, stages, transcript, stop, hard_stop)
            if outputs is not None:
                await outputs.finish(self._drain_left())
        finally:
            try:
                if outputs is not None:
                    await outputs.aclose()
                await _close_all([e for _, e in engines])  # before the files: streams report their billing
                for stage in stages:
                    self.status.targets[stage.label].metrics = {
                        **stage.translator.metrics(), **stage.synthesizer.metrics()}
                await router.emit(SessionEvent(scope=SESSION_SCOPE, at=self.clock(), state="ended", detail={
                    "utterances": self.status.utterances, "ok": self.status.ok,
                    "metrics": {label: t.metrics for label, t in self.status.targets.items() if t.metrics}}))
            finally:
                for group in reversed(opened):  # the event log closes last, so it hears every sink's close
                    await group.close()
        return self.status

    async def _supervise(self, router: Router, stages: list[TargetStage], transcript: SinkGroup,
                         stop: asyncio.Event, hard_stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        tasks = {asyncio.create_task(self._guard(router, SOURCE_SCOPE, self._transcribe(router, stages, transcript)),
                                     name="speech-to-text")}
        tasks |= {asyncio.create_task(self._guard(router, s.label, s.run(), on_crash=s.lane.abandon),
                                      name=f"target {s.label}") for s in stages}
        stop_wait = asyncio.create_task(stop.wait())
        hard_wait = asyncio.create_task(hard_stop.wait())
        health = asyncio.create_task(self._report_health(router), name="health")
        deadline: float | None = None
        self._deadline = None
        pending = set(tasks)
        try:
            while pending:
                timeout = None if deadline is None else max(0.0, deadline - loop.time())
                waiters = pending | {hard_wait} | ({stop_wait} if deadline is None else set())
                done, _ = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                pending -= done
                if stop_wait in done and deadline is None:
                    deadline = self._deadline = loop.time() + self.pipeline.config.drain_timeout
                    self.status.interrupted = True
                    self.pipeline.source.stop()
                    await router.emit(SessionEvent(scope=SESSION_SCOPE, at=self.clock(), state="draining",
                                                   detail={"deadline": self.pipeline.config.drain_timeout}))
                if pending and (hard_wait in done or (deadline is not None and loop.time() >= deadline)):
                    await self._cut(router, stages, pending, "second interrupt" if hard_wait in done else
                                    f"drain deadline of {self.pipeline.config.drain_timeout:g}s")
                    pending.clear()
        finally:
            # Cancelled from outside (the task running Session.run): the stages must end before the engines and
            # sinks they use are closed, and must not outlive the run.
            helpers = {stop_wait, hard_wait, health}
            for task in helpers | pending:
                task.cancel()
            await asyncio.wait(helpers | pending)
        targets, stt = self.status.health(self.clock())  # and a last snapshot, of how the run ended
        await router.emit(HealthEvent(scope=SESSION_SCOPE, at=self.clock(), targets=targets, speech_to_text=stt))

    def _drain_left(self) -> float | None:
        """Seconds left before the drain deadline, if a stop started one."""
        if self._deadline is None or self._loop is None:
            return None
        return max(0.0, self._deadline - self._loop.time())

    def _output_clock(self, paced: bool) -> Callable[[], float]:
        """The broadcast's clock: the wall clock for a live source; the source's own time for a recording read
        faster than real time."""
        return self.clock if paced else (lambda: self.status.stream_seconds)

    def _settled(self, stages: list[TargetStage]) -> float:
        """For a recording read fast: the earliest output time speech can still be placed at (no speech goes
        before the end of the utterance it speaks, nor before what was heard last)."""
        bounds = [self._heard_until]
        for stage in stages:
            oldest = stage.oldest_pending()
            if oldest is not None:
                bounds.append(oldest.end)
        return min(bounds)

    async def _report_health(self, router: Router) -> None:
        """A health event every ``health_interval`` seconds, for whoever watches the event log."""
        while True:
            await asyncio.sleep(self.pipeline.config.health_interval)
            targets, stt = self.status.health(self.clock())
            await router.emit(HealthEvent(scope=SESSION_SCOPE, at=self.clock(), targets=targets, speech_to_text=stt))

    async def _cut(self, router: Router, stages: list[TargetStage], pending: set[asyncio.Task[None]],
                   why: str) -> None:
        """Cancel what is still running, and say what it cost. What is lost is counted before the cancel: a
        cancelled target lets go of the utterance it was speaking."""
        self.pipeline.source.stop()
        lost = {stage.label: stage.unfinished() for stage in stages}
        cut_short = self._hearing if any(t.get_name() == "speech-to-text" for t in pending) else None
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if cut_short is not None:
            self.status.unfinished[SOURCE_SCOPE] = 1
            await router.notice(SOURCE_SCOPE, "error", "unfinished",
                                f"speech-to-text: utterance {cut_short} was cut before its final transcript ({why})")
        for stage in stages:
            ids = lost[stage.label]
            if ids:
                self.status.unfinished[stage.label] = len(ids)
                await router.notice(stage.label, "error", "unfinished",
                                    f"{stage.label}: {len(ids)} utterance(s) not spoken ({why}): {', '.join(ids)}",
                                    stage.sinks)
        running = ", ".join(sorted(t.get_name() for t in pending))
        await router.notice(SESSION_SCOPE, "warning", "cancelled", f"stopped at the {why}; cancelled: {running}")

    async def _transcribe(self, router: Router, stages: list[TargetStage], transcript: SinkGroup) -> None:
        p = self.pipeline
        ids: dict[int, str] = {}
        count = 0
        speech = SpeechToTextStage(p.stt, p.config.retry, router, p.config.max_transcript_lag)
        feed = SegmentFeed(p.config, self.clock, speech.said_at)
        try:
            transcripts_of_source = speech.transcripts(p.source.frames(), paced=p.source.paced)
            async with contextlib.aclosing(transcripts_of_source) as transcripts:
                async for t in transcripts:
                    if t.seq not in ids:
                        count += 1
                        ids = {t.seq: f"u{count:04d}"}  # only the current utterance needs remembering
                    uid = ids[t.seq]
                    self._hearing = None if t.final else uid
                    if t.final:
                        self._heard_until = max(self._heard_until, t.end)
                    await router.emit(TranscriptEvent(scope=SOURCE_SCOPE, at=self.clock(), utterance_id=uid,
                                                      text=t.text, final=t.final, start=t.start, end=t.end,
                                                      language=t.language), transcript)
                    for utterance in feed.utterances(t, uid, t.language or p.config.language):
                        await self._fan_out(router, stages, utterance)
        finally:
            for stage in stages:
                stage.lane.close()

    async def _fan_out(self, router: Router, stages: list[TargetStage], utterance: Utterance) -> None:
        for stage in stages:
            dropped = await stage.lane.put(utterance)
            stage.track()
            if dropped is not None and self.status.targets[stage.label].failed is None:
                await router.notice(stage.label, "warning", "dropped",
                                    f"{stage.label}: queue full ({stage.lane.size}, {stage.lane.overflow}); "
                                    f"utterance {dropped.id} not spoken", stage.sinks, dropped.id)

    async def _guard(self, router: Router, scope: str, work: Awaitable[None],
                     on_crash: Callable[[], Any] | None = None) -> None:
        """Run one task; report its failure in its scope instead of letting it tear down the session."""
        try:
            await work
        except asyncio.CancelledError:
            raise
        except PolyglotError as exc:
            await router.notice(scope, "error", "target-failed" if scope in self.status.targets else "failed",
                                str(exc))
        except Exception as exc:  # a bug in one stage must not take the others down
            await router.notice(scope, "error", "target-failed" if scope in self.status.targets else "internal",
                                f"internal error: {type(exc).__name__}: {exc}")
        finally:
            if on_crash is not None and scope in self.status.targets and self.status.targets[scope].failed:
                on_crash()


async def _unless_stopped(work: Coroutine[Any, Any, None], *stops: asyncio.Event) -> bool:
    """Run ``work`` unless one of ``stops`` is set first (then cancel it): False if it was stopped. Startup
    (opening a FIFO that has no writer yet, warming engines up) must not keep Ctrl-C or SIGTERM waiting."""
    task = asyncio.ensure_future(work)
    waiters = {asyncio.ensure_future(stop.wait()) for stop in stops}
    finished = False
    try:
        await asyncio.wait({task, *waiters}, return_when=asyncio.FIRST_COMPLETED)
        finished = task.done()
    finally:
        for waiter in waiters:
            waiter.cancel()
        if not finished:  # a stop came first, or the run itself is cancelled: the work must not go on without it
            task.cancel()
            await asyncio.wait({task})
    if finished:
        task.result()
    return finished


def _require_an_output(groups: list[SinkGroup]) -> None:
    """A run whose every output failed to open would do all its work for nothing: stop before audio flows."""
    sinks = [s for g in groups for s in g.sinks]
    if sinks and all(s in g.failed for g in groups for s in g.sinks):
        reasons = "; ".join(dict.fromkeys(m for g in groups for m in g.failed.values()))
        if all(s in g.device_failures for g in groups for s in g.sinks):
            raise DeviceError(f"no output could be opened: {reasons}")
        raise SinkError(f"no output could be created: {reasons}")


async def _start_all(engines: list[tuple[str, Engine]]) -> None:
    results = await asyncio.gather(*(engine.start() for _, engine in engines), return_exceptions=True)
    for (label, _), result in zip(engines, results, strict=False):
        if isinstance(result, PolyglotError):
            result.args = (f"{label}: {result}",)
            raise result
        if isinstance(result, BaseException):
            raise EngineUnavailable(f"{label}: {type(result).__name__}: {result}") from result


async def _close_all(engines: list[Engine]) -> None:
    async def close(engine: Engine) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(engine.aclose(), ENGINE_CLOSE_TIMEOUT)

    await asyncio.gather(*(close(e) for e in engines))
