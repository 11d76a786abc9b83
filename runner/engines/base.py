"""The three engine interfaces. Each is tiny: one streaming method, ``start`` and ``aclose``.

Engines know nothing of queues, fan-out, retries or sinks; stages wrap them. An engine is used as an async
context manager: ``start`` warms it up (loads a model, spawns a process, opens a connection) and raises
:class:`~runner.errors.EngineUnavailable` when it cannot; ``aclose`` releases everything.

Each engine class also checks a config before anything is built (``check``: no network, no processes
started) and builds itself from it (``create``); it registers itself, with its options, in
:mod:`runner.registry`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from runner.frames import AudioFormat, AudioFrame, Transcript

if TYPE_CHECKING:
    from runner.config.model import AwsConfig, EngineChoice, PipelineConfig, TargetConfig


@dataclass(frozen=True)
class Problem:
    """A config problem an engine found, at a JSON pointer of the config."""

    pointer: str
    message: str
    code: str = "engine"
    severity: str = "error"


@dataclass(frozen=True)
class EngineRequest:
    """What an engine is given to check or build itself."""

    pipeline: PipelineConfig
    choice: EngineChoice
    target: TargetConfig | None = None  # None for speech-to-text
    heard: tuple[str, ...] = ()  # for translators: every language speech-to-text may hear (see languages())

    @property
    def options(self) -> Any:
        """The engine's options dataclass (its ``options`` in the registry), the target's overrides merged in."""
        return self.choice.options

    @property
    def source_language(self) -> str:
        return self.pipeline.language

    @property
    def source_languages(self) -> tuple[str, ...]:
        """The languages a translator may be asked to translate from: the speaker's, or every language the
        speech-to-text engine may identify."""
        return self.heard or (self.pipeline.language,)


class Engine(ABC):
    provider: ClassVar[str]
    _notices: list[tuple[str, str]]

    def notice(self, code: str, message: str) -> None:
        """Tell the session something worth logging (a stream reopened, a task's status); see drain_notices."""
        if not hasattr(self, "_notices"):
            self._notices = []
        self._notices.append((code, message))

    def drain_notices(self) -> list[tuple[str, str]]:
        notices, self._notices = getattr(self, "_notices", []), []
        return notices

    def metrics(self) -> dict[str, float]:
        """Counters worth reporting at the end of a session (e.g. characters billed)."""
        return {}

    @classmethod
    def check(cls, request: EngineRequest) -> Iterable[Problem]:
        """Problems with this config for this engine (languages, voices, formats). Pure."""
        return ()

    @classmethod
    async def verify(cls, request: EngineRequest) -> list[Problem]:
        """Checks that need the service (does the voice exist, does it speak this language with this engine).
        Run by ``polyglot validate --online`` and before every run; may raise PolyglotError when unreachable."""
        return []

    @classmethod
    def input_files(cls, request: EngineRequest) -> list[Path]:
        """Files of the user's this engine reads (models, dictionaries): no output may overwrite them."""
        return []

    @classmethod
    @abstractmethod
    def create(cls, request: EngineRequest) -> Self: ...

    async def start(self) -> None:
        """Warm up; raise EngineUnavailable if the engine cannot run here."""

    async def aclose(self) -> None:
        """Release processes, threads and connections. Safe to call twice."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class SpeechToText(Engine):
    """Audio frames in, partial and final transcripts out."""

    input_rate: int = 16000
    input_channels: int = 1
    max_stream_seconds: float | None = None  # streams longer than this are replaced at an utterance boundary

    @abstractmethod
    def transcribe(self, frames: AsyncIterator[AudioFrame]) -> AsyncGenerator[Transcript, None]:
        """Consume ``frames`` until they end; yield transcripts; finish after the last final."""

    def keep_up(self, behind: float, limit: float) -> str | None:
        """Called as a live speaker's audio arrives: speech-to-text is ``behind`` seconds behind the speaker
        (``limit``: the run's max_transcript_lag). An engine that can do less work to keep up does, and goes back
        to full work once it has caught up; it says what it changed (reported), None when nothing changed."""
        return None

    @classmethod
    def languages(cls, request: EngineRequest) -> tuple[str, ...]:
        """The languages its transcripts may be in: the speaker's, unless it identifies the language (then a
        transcript says which in ``Transcript.language``)."""
        return (request.source_language,)


class Translator(Engine):
    """Text in one language to text in the target language it was created for."""

    @abstractmethod
    async def translate(self, text: str, source: str | None = None) -> str:
        """``text`` in the target language. ``source``: the language it is in, when speech-to-text identified
        it (one of the request's ``source_languages``); None is the speaker's language."""

    def sharing_key(self) -> Hashable | None:
        """Equal keys promise equal output for equal input (same service and options, same language as the
        engine spells it: es-ES and es-US are both Amazon Translate's "es"). Targets whose translators have
        equal keys share one translation per utterance. None: never shared."""
        return None


@dataclass(frozen=True)
class VoiceQuery:
    """Which voices to list (``polyglot voices``)."""

    language: str | None = None
    engine: str | None = None  # a voice engine (Polly's standard, neural...)
    aws: AwsConfig | None = None  # the account to ask, for engines that ask a service


@dataclass(frozen=True)
class Voice:
    id: str  # what a target's ``voice`` names
    name: str
    languages: tuple[str, ...]  # the first is its own
    gender: str = ""
    engines: tuple[str, ...] = ()


class Synthesizer(Engine):
    """Text to audio in ``output`` format, streamed in chunks as the engine produces them."""

    output: AudioFormat
    # Speaking rate, 1 = the voice's own; simultaneous mode raises it to catch up. Engines that cannot change it
    # say so with supports_rate = False (and ignore it).
    rate: float = 1.0
    supports_rate: ClassVar[bool] = False

    @classmethod
    async def voices(cls, query: VoiceQuery) -> list[Voice] | None:
        """The voices it has (``polyglot voices``); None when it cannot list them."""
        return None

    def fits(self, text: str) -> bool:
        """Whether ``text`` fits in one request (a service's documented limit); the stage cuts longer sentences
        at clauses, then words, and speaks the pieces in turn."""
        return True

    @abstractmethod
    def synthesize(self, text: str) -> AsyncGenerator[bytes, None]: ...
