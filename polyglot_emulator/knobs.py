"""What the emulator can be told to do besides behaving: latency, and faults injected per call.

Operations are named ``service.operation``: ``polly.stream``, ``polly.synthesize``, ``polly.task``,
``polly.voices``, ``transcribe.stream``, ``translate``. Faults queue per operation and each is used by one call,
in order (``repeat`` keeps a fault for every call). Tests set knobs directly; the ``polyglot emulator`` command
reads them from a YAML file.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from polyglot_emulator import errors

FaultKind = Literal["http", "exception", "drop", "throttle", "pause"]
PAUSABLE = ("polly.stream", "polly.synthesize", "polly.get_task")  # where an answer can stall part-way


@dataclass
class Latency:
    first_byte: float = 0.0  # before the response (or, on streams, before the first event after each input)
    per_chunk: float = 0.0  # between audio chunks


@dataclass
class Fault:
    """One injected failure.

    - ``http``: the request fails with ``error`` (the x-amzn-ErrorType; default the service's 500 error), with the
      HTTP status the service's model gives that error, before any event;
    - ``exception``: a stream sends the ``error`` exception event (with ``fields`` in its body) after ``after``
      output events, then closes; a synthesis task fails with ``message`` as its reason;
    - ``throttle``: the service's own throttling error (Polly ThrottlingException 400, Translate
      TooManyRequestsException 429, Transcribe LimitExceededException 429), as an HTTP error (request/response
      calls) or an exception event (streams);
    - ``drop``: the connection is cut after ``after`` output events;
    - ``pause``: the audio stalls for ``seconds`` after ``after`` output events, then goes on (service jitter);
      Polly streams and SynthesizeSpeech; GetSpeechSynthesisTask answers ``seconds`` late.

    ``error`` must be one the operation can send in its service's model (polyglot_emulator/errors.py).
    """

    kind: FaultKind
    error: str = ""
    message: str = "injected by the polyglot emulator"
    fields: dict[str, Any] = field(default_factory=dict)
    after: int = 0
    seconds: float = 0.0  # how long a pause lasts
    repeat: bool = False
    match: dict[str, str] = field(default_factory=dict)  # only calls with these attributes, e.g. {"voice": "Lucia"}


SETTINGS = ("transcribe_script", "transcribe_words_per_second", "translate_expansion", "transcribe_idle_timeout",
            "transcribe_max_stream_seconds", "polly_stream_idle_timeout", "polly_stream_max_seconds", "task_steps",
            "any_engine", "any_language")


@dataclass
class Knobs:
    latency: dict[str, Latency] = field(default_factory=dict)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    # None: real recognition (pocketsphinx, English); else one line per burst of sound. A line may start with its
    # language in brackets, "[fr-FR] bonjour à tous": language identification then finds that language (the line is
    # heard without the tag); a line without one is in the preferred language, or the first language option.
    transcribe_script: list[str] | None = None
    # With a script: partials reveal each line word by word at this rate (None: one "…" partial per line), with
    # per-item Stable flags when the client asks for partial results stabilization.
    transcribe_words_per_second: float | None = None
    # Benchmarks: every text is "translated" as itself lengthened by this factor (every few words said twice),
    # unmarked: a language whose speech runs longer than the speaker's.
    translate_expansion: float | None = None
    transcribe_idle_timeout: float = 15.0  # the service ends a stream that receives no audio for this long
    transcribe_max_stream_seconds: float = 4 * 3600.0  # and any stream after this much audio
    # Polly's documented stream limits: 5 s between inbound events (input-stream-inbound-event-timeout), and
    # 10 minutes in all (input-stream-timeout)
    polly_stream_idle_timeout: float = 5.0
    polly_stream_max_seconds: float = 600.0
    task_steps: int = 2  # GetSpeechSynthesisTask polls per state (scheduled, inProgress) before completing
    any_engine: bool = False  # benchmarks: every voice accepts every engine (so 32 languages can stream)
    # benchmarks: every voice also speaks every language Translate serves (DescribeVoices lists them as additional
    # languages), so a fan-out can go past the ~40 languages Polly voices; the audio stays in the voice's language
    any_language: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def latency_of(self, operation: str) -> Latency:
        return self.latency.get(operation, Latency())

    def set_latency(self, operation: str, first_byte: float = 0.0, per_chunk: float = 0.0) -> None:
        self.latency[operation] = Latency(first_byte, per_chunk)

    def inject(self, operation: str, fault: Fault) -> None:
        """Queue a fault; ValueError if the operation takes no faults or cannot send ``fault.error``."""
        if fault.kind not in ("http", "exception", "drop", "throttle", "pause"):
            raise ValueError(f"fault kind {fault.kind!r} is not one of http, exception, drop, throttle, pause")
        if fault.kind == "pause" and operation not in PAUSABLE:
            raise ValueError(f"a pause goes to {', '.join(PAUSABLE)}, not {operation}")
        faultable = [name for name, op in errors.OPERATIONS.items() if op.failure]
        if operation not in faultable:
            raise ValueError(f"no faults for {operation!r}: faults go to {', '.join(faultable)}")
        if fault.error:
            errors.declared(operation, fault.error)
        with self._lock:
            self.faults.setdefault(operation, deque()).append(fault)

    def take_fault(self, operation: str, **attributes: str) -> Fault | None:
        """The next fault queued for this operation whose ``match`` fits the call's attributes."""
        with self._lock:
            for fault in self.faults.get(operation, ()):
                if all(attributes.get(k) == v for k, v in fault.match.items()):
                    if not fault.repeat:
                        self.faults[operation].remove(fault)
                    return fault
            return None

    def reset(self) -> None:
        """Back to a well-behaved service with the defaults."""
        fresh = Knobs()
        with self._lock:
            for name in SETTINGS:
                setattr(self, name, getattr(fresh, name))
            self.faults.clear()
            self.latency.clear()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Knobs:
        knobs = cls()
        for op, spec in (data.get("latency") or {}).items():
            knobs.set_latency(op, float(spec.get("first_byte", 0)), float(spec.get("per_chunk", 0)))
        for op, faults in (data.get("faults") or {}).items():
            for spec in faults:
                knobs.inject(op, Fault(**spec))
        for key in SETTINGS:
            if key in data:
                setattr(knobs, key, data[key])
        return knobs
