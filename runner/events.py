"""What the session reports while it runs: the events sinks, the event log and the status receive.

An :class:`Utterance` is one final transcript; it carries its id and timestamps through every stage. ``start``
and ``end`` are stream seconds (position in the audio, what captions use); ``final_at`` and every event's ``at``
are session seconds (the wall clock since the session started, what latency is measured in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from runner.frames import AudioFormat

SOURCE_SCOPE = "source"
SESSION_SCOPE = "session"


@dataclass(frozen=True, slots=True)
class Utterance:
    id: str
    seq: int
    text: str
    start: float
    end: float
    final_at: float
    language: str = ""  # the language it was heard in: the speaker's, or the one speech-to-text identified
    # simultaneous mode: session seconds at which its last word was said (from the source's position); its
    # lag is measured from there
    said_at: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    scope: str  # "source", "session", or a target's label (its language)
    at: float

    kind: str = field(default="event", init=False)

    def record(self) -> dict[str, Any]:
        """The JSON object written to event logs."""
        return {"event": self.kind, "scope": self.scope, "at": round(self.at, 4)}


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptEvent(Event):
    utterance_id: str
    text: str
    final: bool
    start: float
    end: float
    language: str | None = None  # when speech-to-text identified it
    kind: str = field(default="transcript", init=False)

    def record(self) -> dict[str, Any]:
        rec = {**Event.record(self), "utterance": self.utterance_id, "final": self.final, "text": self.text,
               "start": self.start, "end": self.end}
        if self.language:
            rec["language"] = self.language
        return rec


@dataclass(frozen=True, slots=True, kw_only=True)
class TranslationEvent(Event):
    utterance: Utterance
    text: str
    spoken: bool = True  # False: a caption only (simultaneous mode dropped its speech to catch up)
    kind: str = field(default="translation", init=False)

    def record(self) -> dict[str, Any]:
        u = self.utterance
        return {**Event.record(self), "utterance": u.id, "source_text": u.text, "text": self.text,
                "start": u.start, "end": u.end, "latency": round(self.at - u.final_at, 4),
                **({} if self.spoken else {"spoken": False})}


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioEvent(Event):
    """One chunk of synthesized audio, as the engine produced it. Not written to event logs (see SpokenEvent)."""

    utterance: Utterance
    data: bytes
    format: AudioFormat
    first: bool
    sentence: int = 0  # which sentence of the utterance's translation this audio speaks
    kind: str = field(default="audio", init=False)

    def record(self) -> dict[str, Any]:
        return {**Event.record(self), "utterance": self.utterance.id, "bytes": len(self.data)}


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioRetractedEvent(Event):
    """The audio of one sentence written so far is void: its synthesis failed part-way and the sentence is spoken
    again from its start. Sinks that can take audio back (files) cut it out; what a speaker played stays played."""

    utterance: Utterance
    sentence: int
    kind: str = field(default="audio-retracted", init=False)

    def record(self) -> dict[str, Any]:
        return {**Event.record(self), "utterance": self.utterance.id, "sentence": self.sentence}


@dataclass(frozen=True, slots=True, kw_only=True)
class SpokenEvent(Event):
    """An utterance was fully synthesized and written to a target's sinks."""

    utterance: Utterance
    bytes: int
    seconds: float | None
    first_audio_at: float | None
    kind: str = field(default="spoken", init=False)

    def record(self) -> dict[str, Any]:
        first = None if self.first_audio_at is None else round(self.first_audio_at - self.utterance.final_at, 4)
        rec = {**Event.record(self), "utterance": self.utterance.id, "bytes": self.bytes,
               "audio_seconds": None if self.seconds is None else round(self.seconds, 3),
               "first_audio_latency": first, "latency": round(self.at - self.utterance.final_at, 4)}
        said = self.utterance.said_at
        if said is not None and self.first_audio_at is not None:  # a live source: from the speaker's last word
            rec["speech_latency"] = round(self.first_audio_at - said, 4)
        return rec


Level = Literal["info", "warning", "error"]


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeEvent(Event):
    """Something worth telling: an error on a target or sink, a dropped utterance, a drain that timed out."""

    level: Level
    code: str
    message: str
    utterance_id: str | None = None
    kind: str = field(default="notice", init=False)

    def record(self) -> dict[str, Any]:
        rec = {**Event.record(self), "level": self.level, "code": self.code, "message": self.message}
        if self.utterance_id:
            rec["utterance"] = self.utterance_id
        return rec


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthEvent(Event):
    """A periodic snapshot for monitoring long runs: per target queue, lag and trouble; speech-to-text
    reconnects."""

    targets: dict[str, dict[str, Any]]
    speech_to_text: dict[str, Any]
    kind: str = field(default="health", init=False)

    def record(self) -> dict[str, Any]:
        return {**Event.record(self), "targets": self.targets, "speech_to_text": self.speech_to_text}


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionEvent(Event):
    state: Literal["started", "draining", "ended"]
    detail: dict[str, Any] = field(default_factory=dict)
    kind: str = field(default="session", init=False)

    def record(self) -> dict[str, Any]:
        return {**Event.record(self), "state": self.state, **self.detail}
