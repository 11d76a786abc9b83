"""A whole session run in-process (load, plan, build, run), and what it emitted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from runner.config.load import Loaded, load
from runner.config.overrides import Overrides
from runner.diagnostics import Diagnostic
from runner.events import AudioEvent, Event, SpokenEvent, TranscriptEvent, TranslationEvent
from runner.io.sources.base import AudioSource
from runner.plan.environment import check_environment
from runner.plan.plan import Plan, plan
from runner.runtime.build import Pipeline, build
from runner.runtime.session import Session
from runner.runtime.status import SessionStatus

# Called with every event, and the session's stop and hard-stop events: a test stops the run at a moment it picks.
When = Callable[[Event, asyncio.Event, asyncio.Event], None]
# Given the events so far, whether the moment to interrupt a run has come (asked every 10 ms).
Moment = Callable[[list[Event]], bool]


@dataclass
class Run:
    status: SessionStatus
    events: list[Event] = field(default_factory=list)

    def finals(self) -> list[TranscriptEvent]:
        return [e for e in self.events if isinstance(e, TranscriptEvent) and e.final and e.text]

    def spoken(self, scope: str) -> list[str]:
        return [e.utterance.id for e in self.events if isinstance(e, SpokenEvent) and e.scope == scope]

    def translations(self, scope: str) -> list[str]:
        return [e.text for e in self.events if isinstance(e, TranslationEvent) and e.scope == scope]

    def of(self, kind: type, scope: str | None = None) -> list:
        return [e for e in self.events if isinstance(e, kind) and (scope is None or e.scope == scope)]


def diagnostics_of(loaded: Loaded) -> list[Diagnostic]:
    """What validate reports for a loaded config: the plan's checks, then this machine's."""
    planned = plan(loaded)
    return sorted(planned.diagnostics + check_environment(planned))


def planned(config: Path, **overrides: object) -> Plan:
    """The plan of a valid config file, with command-line ``overrides`` (input, output_dir, realtime...)."""
    loaded = load(config, overrides=Overrides(**overrides))  # type: ignore[arg-type]
    assert loaded.ok, loaded.diagnostics
    result = plan(loaded)
    problems = [d for d in diagnostics_of(loaded) if d.severity == "error"]
    assert not problems, problems
    return result


def pipeline_for(config: Path, output_dir: Path, source: AudioSource | None = None) -> Pipeline:
    """The built pipeline of a valid config file, writing into ``output_dir``; ``source`` replaces its source
    (one made in memory: tests.support.sources)."""
    pipeline = build(planned(config, output_dir=output_dir))
    if source is not None:
        pipeline.source = source
    return pipeline


def run_session(config: Path, output_dir: Path, *, source: AudioSource | None = None, when: When | None = None) \
        -> Run:
    """Run a config to its end in a new event loop; ``when`` sees every event and may stop the run."""
    pipeline = pipeline_for(config, output_dir, source)
    events: list[Event] = []

    async def main() -> SessionStatus:
        stop, hard_stop = asyncio.Event(), asyncio.Event()

        def observe(event: Event) -> None:
            events.append(event)
            if when is not None:
                when(event, stop, hard_stop)

        return await Session(pipeline, observers=[observe]).run(stop, hard_stop)

    status = asyncio.run(main())
    return Run(status, events)


async def interrupt(pipeline: Pipeline, moment: Moment, how: Literal["cancel", "hard-stop"], *,
                    wait: float = 20.0, stop_within: float = 5.0) -> list[Event]:
    """Run ``pipeline`` in this event loop until ``moment`` comes, then stop it at once: cancel the task that runs
    Session.run, or set its hard stop (a second Ctrl-C). The moment is asked at every event (the run is stopped
    right there, before it goes on) and every 10 ms, from 10 ms after the run began (for moments that are not
    events: ``lambda events: not events`` is while it starts). The events the run emitted. Fails if the run
    ends before the moment (or ``wait`` seconds pass), or does not stop within ``stop_within`` seconds."""
    loop = asyncio.get_running_loop()
    events: list[Event] = []
    stop, hard_stop = asyncio.Event(), asyncio.Event()
    reached = False

    def check() -> None:
        nonlocal reached
        if not reached and moment(events):
            reached = True
            if how == "cancel":
                run.cancel()
            else:
                hard_stop.set()

    def observe(event: Event) -> None:
        events.append(event)
        check()

    run = asyncio.create_task(Session(pipeline, observers=[observe]).run(stop, hard_stop), name="session")
    deadline = loop.time() + wait
    while not reached:
        if run.done():
            run.result()  # its error, if it failed
            raise AssertionError("the run ended before the moment came")
        if loop.time() > deadline:
            run.cancel()
            raise AssertionError(f"the moment did not come within {wait:g}s")
        await asyncio.sleep(0.01)
        check()
    done, _ = await asyncio.wait({run}, timeout=stop_within)
    assert done, f"the run did not stop within {stop_within:g}s ({how})"
    if how == "cancel":
        assert run.cancelled(), "the run swallowed its cancellation"
    else:
        run.result()
    return events


def speaking(scope: str) -> Moment:
    """The moment a target is speaking: audio of an utterance has reached its sinks, and not all of it yet."""

    def moment(events: list[Event]) -> bool:
        started = {e.utterance.id for e in events if isinstance(e, AudioEvent) and e.scope == scope}
        done = {e.utterance.id for e in events if isinstance(e, SpokenEvent) and e.scope == scope}
        return bool(started - done)

    return moment


def hearing(events: list[Event]) -> bool:
    """The moment speech-to-text is in the middle of an utterance: a partial transcript, no final yet."""
    partials = {e.utterance_id for e in events if isinstance(e, TranscriptEvent) and not e.final}
    finals = {e.utterance_id for e in events if isinstance(e, TranscriptEvent) and e.final}
    return bool(partials - finals)


def fake_pipeline(recording: Path, targets: str, *, realtime: bool = False, extra: str = "") -> str:
    """A config on the fake engines reading ``recording``, with the ``targets`` block given (YAML) and
    ``extra`` top-level keys."""
    return f"""\
version: 1
name: fake
language: en-US
source: {{type: file, path: {recording}, realtime: {str(realtime).lower()}}}
speech_to_text: {{provider: fake, script: [one, two, three, four, five, six, seven, eight]}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, seconds_per_character: 0.02}}
{extra}
targets:
{targets}"""
