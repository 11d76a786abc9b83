"""The session's live counters, kept from the events it emits; the CLI renders them, tests read them.

Latencies are measured from the speech when the source is live (``Utterance.said_at``: when the speaker said the
last word), else from the final transcript (a recording read fast has no speaker clock)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runner.events import Event, NoticeEvent, SessionEvent, SpokenEvent, TranscriptEvent, TranslationEvent, Utterance


@dataclass
class TargetStatus:
    label: str
    language_name: str
    spoken: int = 0
    dropped: int = 0
    errors: int = 0
    sink_errors: int = 0
    retries: int = 0
    failed: str | None = None
    audio_seconds: float = 0.0
    last_text: str = ""
    first_audio_latencies: list[float] = field(default_factory=list)  # from the speech (see the module's doc)
    last_error: str = ""
    queued: int = 0
    metrics: dict[str, float] = field(default_factory=dict)  # engine counters, e.g. Polly characters billed
    oldest_pending: float | None = None  # final_at of the oldest utterance not yet spoken
    speech_lag: float | None = None  # mode simultaneous: from words said to their translation heard (the last)
    last_spoken: str = ""  # the utterance whose speech came last (simultaneous mode speaks one in several parts)
    # A live source: from the speaker's last word to the listener hearing the translation begin, audio being
    # played in real time one utterance after the other (a speaker, a broadcast) from when it is written.
    heard_latencies: list[float] = field(default_factory=list)
    playout_end: float = 0.0

    def count_spoken(self, utterance_id: str) -> None:
        """Each utterance counts once, though simultaneous mode speaks it in segments (``u0003.1``, ``u0003.2``)
        or merges segments of several (``u0003.3+u0004.1``): a target speaks them in order."""
        for part in utterance_id.split("+"):
            utterance = part.split(".")[0]
            if utterance != self.last_spoken:
                self.spoken += 1
                self.last_spoken = utterance

    def heard(self, event: SpokenEvent) -> None:
        if event.first_audio_at is None or event.utterance.said_at is None:
            return
        start = max(event.first_audio_at, self.playout_end)
        self.playout_end = start + (event.seconds or 0.0)
        self.heard_latencies.append(start - event.utterance.said_at)

    def lag(self, now: float) -> float:
        waiting = 0.0 if self.oldest_pending is None else max(0.0, now - self.oldest_pending)
        return waiting if self.speech_lag is None else max(waiting, self.speech_lag)

    def latency(self, quantile: float) -> float | None:
        """First-audio latency at ``quantile`` (0.5 = median, 1 = max), nearest rank."""
        return _quantile(self.first_audio_latencies, quantile)

    def heard_latency(self, quantile: float) -> float | None:
        return _quantile(self.heard_latencies, quantile)

    @property
    def ok(self) -> bool:
        return self.failed is None and self.errors == 0 and self.sink_errors == 0


@dataclass
class SessionStatus:
    name: str
    targets: dict[str, TargetStatus]
    state: str = "starting"
    utterances: int = 0
    partial: str = ""
    last_final: str = ""
    stream_seconds: float = 0.0
    elapsed: float = 0.0
    source_errors: list[str] = field(default_factory=list)
    sink_errors: list[str] = field(default_factory=list)  # transcript sinks and the event log
    reconnects: int = 0
    rotations: int = 0
    interrupted: bool = False
    unfinished: dict[str, int] = field(default_factory=dict)  # target -> utterances cut by the drain deadline
    listeners: dict[str, int] = field(default_factory=dict)  # target -> listeners of the page now
    peak_listeners: dict[str, int] = field(default_factory=dict)
    # A live source (runner.runtime.transcript_lag): from the speaker's last word to each final transcript, and
    # how far behind the speaker speech-to-text is now (None: not measured) with the audio waiting for it.
    transcript_lags: list[float] = field(default_factory=list)
    stt_behind: float | None = None
    stt_backlog: float = 0.0

    def observe(self, event: Event) -> None:
        self.elapsed = max(self.elapsed, event.at)
        target = self.targets.get(event.scope)
        if isinstance(event, TranscriptEvent):
            self.stream_seconds = max(self.stream_seconds, event.end)
            if event.final:
                self.partial = ""
                if event.text:
                    self.utterances += 1
                    self.last_final = event.text
            else:
                self.partial = event.text
        elif isinstance(event, TranslationEvent) and target:
            target.last_text = event.text
        elif isinstance(event, SpokenEvent) and target:
            target.count_spoken(event.utterance.id)
            target.audio_seconds += event.seconds or 0.0
            if event.first_audio_at is not None:
                target.first_audio_latencies.append(event.first_audio_at - _said_at(event.utterance))
                target.heard(event)
        elif isinstance(event, NoticeEvent):
            self._notice(event, target)
        elif isinstance(event, SessionEvent):
            self.state = event.state

    def _notice(self, event: NoticeEvent, target: TargetStatus | None) -> None:
        if target is None:
            if event.code == "reconnect":
                self.reconnects += 1
            elif event.code == "rotate":
                self.rotations += 1
            elif event.code == "sink-failed":
                self.sink_errors.append(event.message)
            elif event.level == "error":
                self.source_errors.append(event.message)
            return
        if event.code == "dropped":
            target.dropped += 1
        elif event.code == "retry":
            target.retries += 1
        elif event.code == "sink-failed":
            target.sink_errors += 1
            target.last_error = event.message
        elif event.code == "target-failed":
            target.failed = event.message
        elif event.level == "error":
            target.errors += 1
            target.last_error = event.message

    def track_listeners(self, label: str, count: int) -> None:
        self.listeners[label] = count
        self.peak_listeners[label] = max(count, self.peak_listeners.get(label, 0))

    def transcript_lag(self, lag: float) -> None:
        self.transcript_lags.append(lag)

    def speech_to_text_behind(self, behind: float, backlog: float) -> None:
        self.stt_behind, self.stt_backlog = behind, backlog

    def transcript_latency(self, quantile: float) -> float | None:
        """Speaker-to-final lag at ``quantile``, nearest rank (None: not measured)."""
        return _quantile(self.transcript_lags, quantile)

    def source_progress(self, end: float) -> None:
        """The source has delivered audio up to ``end`` (stream seconds), heard as speech or not."""
        self.stream_seconds = max(self.stream_seconds, end)

    def track_queue(self, label: str, queued: int, oldest: Utterance | None) -> None:
        target = self.targets[label]
        target.queued = queued
        target.oldest_pending = _said_at(oldest) if oldest is not None else None

    def health(self, now: float) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        targets = {label: {"queued": t.queued, "lag": round(t.lag(now), 3), "spoken": t.spoken,
                           "dropped": t.dropped, "retries": t.retries, "errors": t.errors + t.sink_errors,
                           "failed": t.failed is not None} for label, t in self.targets.items()}
        for label, count in self.listeners.items():
            targets[label]["listeners"] = count
        stt: dict[str, Any] = {"utterances": self.utterances, "reconnects": self.reconnects,
                               "rotations": self.rotations, "stream_seconds": round(self.stream_seconds, 3)}
        if self.stt_behind is not None:  # seconds behind the speaker now, audio waiting, the worst final
            stt |= {"lag": round(self.stt_behind, 3), "backlog": round(self.stt_backlog, 3),
                    "max_final_lag": round(max(self.transcript_lags, default=0.0), 3)}
        return targets, stt

    @property
    def ok(self) -> bool:
        return not self.source_errors and not self.sink_errors and all(t.ok for t in self.targets.values()) \
            and not self.unfinished


def _said_at(utterance: Utterance) -> float:
    return utterance.said_at if utterance.said_at is not None else utterance.final_at


def _quantile(values: list[float], quantile: float) -> float | None:
    xs = sorted(values)
    return xs[min(len(xs) - 1, round(quantile * (len(xs) - 1)))] if xs else None
