"""mode: simultaneous in the session: transcripts become segments (runner.runtime.segmenter) that go down the
lanes like utterances, and each target's lag control (runner.runtime.lag) decides, as a segment is taken from its
lane, whether to speak faster, merge or drop.

A segment is an :class:`Utterance` whose id is its utterance's and its part, ``u0003.2``; merged segments join
their ids with '+'. Transcript sinks still receive the final transcripts, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from runner.config.model import PipelineConfig, TargetConfig
from runner.events import SpokenEvent, TranslationEvent, Utterance
from runner.frames import Transcript
from runner.runtime.lag import LagControl, LagSettings, merged
from runner.runtime.segmenter import Segmenter, SegmenterSettings

if TYPE_CHECKING:
    from runner.events import Event
    from runner.runtime.target import TargetStage


class SegmentFeed:
    """Turns the speaker's transcripts into what the lanes receive: in simultaneous mode the segments ready to
    speak (from partials and finals), in final mode each final whole."""

    def __init__(self, config: PipelineConfig, clock: Callable[[], float],
                 said_at: Callable[[float], float | None]) -> None:
        s = config.simultaneous
        self.segmenter = Segmenter(SegmenterSettings(s.min_words, s.pause, s.agreement, s.max_words)) \
            if config.mode == "simultaneous" else None
        self.clock = clock
        self.said_at = said_at  # when the speaker said the audio at a stream time (None: a recording read fast)

    def utterances(self, t: Transcript, uid: str, language: str) -> list[Utterance]:
        if self.segmenter is None:
            if not t.final or not t.text.strip():
                return []
            return [Utterance(uid, t.seq, t.text, t.start, t.end, self.clock(), language, self.said_at(t.end))]
        now = self.clock()
        out = []
        for segment in self.segmenter.feed(t):
            # A live source delivers audio as it is said (a recording read fast has no such clock: its segments
            # count from now).
            said = self.said_at(segment.end)
            said = now if said is None else min(now, said)
            out.append(Utterance(f"{uid}.{segment.part}", t.seq, segment.text, segment.start, segment.end, now,
                                 language, said))
        return out


def lag_control(config: PipelineConfig, target: TargetConfig, clock: Callable[[], float],
                paced: bool) -> LagControl | None:
    """A target's lag control: simultaneous mode with a source that runs in real time (against a recording read
    faster, lag means nothing)."""
    if config.mode != "simultaneous" or not paced:
        return None
    max_lag, hard_lag = config.lag_bounds(target)
    return LagControl(LagSettings(max_lag, hard_lag, config.simultaneous.max_rate), clock)


def observe_spoken(stage: TargetStage, control: LagControl) -> Callable[[Event], None]:
    """A router observer: each utterance the stage has spoken moves its playout on, and its lag into the status."""

    def observe(event: Event) -> None:
        if isinstance(event, SpokenEvent) and event.scope == stage.label:
            lag = control.spoken(event.utterance, event.first_audio_at, event.seconds)
            stage.router.status.targets[stage.label].speech_lag = lag

    return observe


async def catch_up(stage: TargetStage, control: LagControl, head: Utterance) -> Utterance:
    """Take the segment at the head of the lane (and, to merge or drop, those queued behind it); what to speak."""
    router, label = stage.router, stage.label
    was_fast = control.rate > 1.0
    decision = control.decide(head, stage.lane.items())
    stage.lane.take(len(decision.dropped) + len(decision.speak) - 1)
    stage.synthesizer.rate = decision.rate if stage.synthesizer.supports_rate else 1.0
    max_lag = control.settings.max_lag
    if decision.dropped:
        ids = ", ".join(u.id for u in decision.dropped)
        for u in decision.dropped:
            await router.notice(label, "warning", "dropped", f"{label}: lag {decision.projected:.1f}s past "
                                f"hard_lag {control.settings.hard_lag:g}s; segment {u.id} not spoken (captioned)",
                                stage.sinks, u.id)
        await _caption_only(stage, merged(decision.dropped), ids)
    if len({u.seq for u in decision.speak}) > 1:  # (the segments of one sentence always go together)
        await router.notice(label, "info", "merged", f"{label}: lag over max_lag {max_lag:g}s; "
                            f"{len(decision.speak)} segments spoken as one", stage.sinks, decision.speak[0].id)
    if decision.rate > 1.0 and not was_fast:
        await router.notice(label, "info", "catching-up", f"{label}: lag growing ({decision.projected:.1f}s "
                            f"expected, max_lag {max_lag:g}s); speaking at {decision.rate:.0%}", stage.sinks, head.id)
    elif decision.rate == 1.0 and was_fast:
        await router.notice(label, "info", "caught-up", f"{label}: lag {decision.projected:.1f}s expected, within "
                            f"max_lag {max_lag:g}s; normal rate again", stage.sinks, head.id)
    return merged(decision.speak)


async def _caption_only(stage: TargetStage, utterance: Utterance, ids: str) -> None:
    """Dropped speech still gets its caption: translated (one request for all of it), not spoken."""
    try:
        text = await stage.translator.translate(utterance.text, utterance.language or None)
    except Exception as exc:  # the caption of speech already dropped: worth a notice, not the target
        await stage.router.notice(stage.label, "warning", "engine-error", f"{stage.label}: caption of dropped "
                                  f"segments {ids} not translated: {exc}", stage.sinks, utterance.id)
        return
    await stage.router.emit(TranslationEvent(scope=stage.label, at=stage.router.clock(), utterance=utterance,
                                             text=text, spoken=False), stage.sinks)
