"""Typed, defaulted view of a schema-valid pipeline config. Built only from data the schema has accepted."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from runner import registry
from runner.config.schema import STAGES
from runner.config.simultaneous import SimultaneousConfig
from runner.glossary.model import Glossary
from runner.options import parse, resolve_paths, secret_values
from runner.redact import redact
from runner.retry import RetryPolicy


@dataclass(frozen=True)
class ComponentChoice:
    """A component a config names (an engine's provider, a source's or sink's type) and its typed options, with
    a target's overrides merged in."""

    name: str
    options: Any  # the component's options dataclass (runner.options), defaults applied
    pointer: str  # JSON pointer of the (innermost) config object, for located errors
    raw: Mapping[str, Any] = field(default_factory=dict)  # the keys the config sets, as written
    origin: str = ""  # the command-line option that chose it instead of the config (--input), if one did

    @property
    def provider(self) -> str:
        return self.name

    @property
    def type(self) -> str:
        return self.name


EngineChoice = ComponentChoice
SourceConfig = ComponentChoice


@dataclass(frozen=True)
class SinkConfig(ComponentChoice):
    @property
    def path(self) -> str | None:
        """The file it writes ('-': standard output), for sinks that write one."""
        return getattr(self.options, "path", None)


@dataclass(frozen=True)
class QueueConfig:
    size: int = 64
    overflow: str = "drop-oldest"


@dataclass(frozen=True)
class TargetConfig:
    index: int
    language: str
    translation: EngineChoice
    text_to_speech: EngineChoice
    voice: str | None = None
    format: str = "pcm"
    sample_rate: int | None = None
    queue: QueueConfig = QueueConfig()
    sinks: tuple[SinkConfig, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)  # keys a text-to-speech engine declares (Polly's
    #                                                           engine, lexicons), as written
    max_lag: float | None = None  # mode simultaneous: this target's bounds (None: the pipeline's)
    hard_lag: float | None = None

    @property
    def pointer(self) -> str:
        return f"/targets/{self.index}"

    @property
    def engine(self) -> str:
        """The voice engine (Polly: standard, neural, long-form, generative)."""
        return str(self.fields.get("engine", "standard"))

    @property
    def lexicons(self) -> tuple[str, ...]:
        return tuple(self.fields.get("lexicons", ()))

    @property
    def label(self) -> str:
        """How errors and the status name this target."""
        return self.language


@dataclass(frozen=True)
class AwsConfig:
    region: str | None = None
    profile: str | None = None


@dataclass(frozen=True)
class PipelineConfig:
    file: Path
    language: str
    source: SourceConfig
    speech_to_text: EngineChoice
    targets: tuple[TargetConfig, ...]
    name: str = ""
    transcript_sinks: tuple[SinkConfig, ...] = ()
    event_log: str | None = None
    drain_timeout: float = 30.0
    retry: RetryPolicy = RetryPolicy()
    health_interval: float = 10.0
    max_transcript_lag: float = 5.0  # live source: seconds speech-to-text may run behind the speaker
    aws: AwsConfig = AwsConfig()
    lexicons: Mapping[str, str] = field(default_factory=dict)
    secrets: frozenset[str] = frozenset()  # JSON pointers of values taken from the environment
    output_dir: Path = Path(".")  # where relative sink paths land (-o; see runner.config.overrides)
    outputs: tuple[ComponentChoice, ...] = ()  # broadcast outputs (listener page, HLS, Icecast)
    glossary: Glossary | None = None  # names and terms every stage must get right (runner.glossary)
    mode: str = "final"  # or "simultaneous"
    simultaneous: SimultaneousConfig = SimultaneousConfig()

    @property
    def display_name(self) -> str:
        return self.name or self.file.stem

    def lag_bounds(self, target: TargetConfig) -> tuple[float, float]:
        """(max_lag, hard_lag) of a target: its own, else the pipeline's."""
        s = self.simultaneous
        return (s.max_lag if target.max_lag is None else target.max_lag,
                s.hard_lag if target.hard_lag is None else target.hard_lag)


GENERIC_TARGET_KEYS = {"language", "voice", "format", "sample_rate", "translation", "text_to_speech", "queue",
                       "sinks", "max_lag", "hard_lag"}


def build(data: Mapping[str, Any], file: Path, interpolated: set[str],
          glossary: Glossary | None = None) -> PipelineConfig:
    """Turn schema-valid ``data`` into a :class:`PipelineConfig` (defaults applied, overrides merged). Paths
    of inputs (the source, engines' model files, lexicons) are resolved against the config file's folder."""
    base_dir = file.parent
    runtime = data.get("runtime", {})
    default_queue = _queue(runtime.get("queue", {}), QueueConfig())
    top_translation = data.get("translation", {})
    top_tts = data.get("text_to_speech", {})
    targets = tuple(
        _target(i, t, top_translation, top_tts, default_queue, base_dir) for i, t in enumerate(data["targets"])
    )
    aws = data.get("aws", {})
    source = data["source"]
    return PipelineConfig(
        file=file,
        name=data.get("name", ""),
        language=data["language"],
        source=_component("source", source["type"], source, "/source", base_dir),
        speech_to_text=_choice("speech_to_text", data.get("speech_to_text", {}), {}, "/speech_to_text", base_dir),
        targets=targets,
        transcript_sinks=_sinks(data.get("transcript", {}).get("sinks", []), "/transcript/sinks"),
        event_log=data.get("event_log"),
        drain_timeout=float(runtime.get("drain_timeout", 30.0)),
        retry=RetryPolicy(**runtime.get("retry", {})),
        health_interval=float(runtime.get("health_interval", 10.0)),
        max_transcript_lag=float(runtime.get("max_transcript_lag", 5.0)),
        aws=AwsConfig(region=aws.get("region"), profile=aws.get("profile")),
        lexicons=MappingProxyType({k: str(_resolve(base_dir, v)) for k, v in data.get("lexicons", {}).items()}),
        secrets=frozenset(interpolated),
        outputs=tuple(_component("output", o["type"], o, f"/outputs/{i}", None)
                      for i, o in enumerate(data.get("outputs", []))),
        glossary=glossary,
        mode=data.get("mode", "final"),
        simultaneous=SimultaneousConfig(**data.get("simultaneous", {})),
    )


def default_provider(kind: registry.Kind) -> str:
    """The provider a stage uses when the config names none."""
    return STAGES[kind].default


def merged_options(top: Mapping[str, Any], override: Mapping[str, Any], kind: registry.Kind) -> dict[str, Any]:
    """A target's stage options: the pipeline's, overridden key by key by the target's.

    When the target switches provider, the pipeline's options (meant for another provider) are not inherited.
    """
    top_provider = top.get("provider", default_provider(kind))
    provider = override.get("provider", top_provider)
    inherited = {k: v for k, v in top.items() if k != "provider"} if provider == top_provider else {}
    return {**inherited, **{k: v for k, v in override.items() if k != "provider"}, "provider": provider}


def _choice(kind: registry.Kind, top: Mapping[str, Any], override: Mapping[str, Any], pointer: str,
            base_dir: Path) -> EngineChoice:
    merged = merged_options(top, override, kind)
    provider = merged.pop("provider")
    return _component(kind, provider, merged, pointer, base_dir)


def _component(kind: registry.Kind, name: str, data: Mapping[str, Any], pointer: str,
               base_dir: Path | None) -> ComponentChoice:
    """The typed options of a component; input paths resolved against ``base_dir`` (None: left as written)."""
    raw = {k: v for k, v in data.items() if k not in ("provider", "type")}
    options = parse(registry.lookup(kind, name).options, raw)
    for value in secret_values(options):  # a secret by its field, however it was written
        redact.add(value)
    if base_dir is not None:
        options = resolve_paths(options, lambda path: str(_resolve(base_dir, path)))
    cls = SinkConfig if kind == "sink" else ComponentChoice
    return cls(name, options, pointer, MappingProxyType(raw))


def _target(index: int, t: Mapping[str, Any], top_translation: Mapping[str, Any], top_tts: Mapping[str, Any],
            default_queue: QueueConfig, base_dir: Path) -> TargetConfig:
    pointer = f"/targets/{index}"
    return TargetConfig(
        index=index,
        language=t["language"],
        voice=t.get("voice"),
        format=t.get("format", "pcm"),
        sample_rate=t.get("sample_rate"),
        translation=_choice("translation", top_translation, t.get("translation", {}),
                            f"{pointer}/translation" if "translation" in t else "/translation", base_dir),
        text_to_speech=_choice("text_to_speech", top_tts, t.get("text_to_speech", {}),
                               f"{pointer}/text_to_speech" if "text_to_speech" in t else "/text_to_speech", base_dir),
        queue=_queue(t.get("queue", {}), default_queue),
        sinks=_sinks(t.get("sinks", []), f"{pointer}/sinks"),
        fields=MappingProxyType({k: v for k, v in t.items() if k not in GENERIC_TARGET_KEYS}),
        max_lag=t.get("max_lag"),
        hard_lag=t.get("hard_lag"),
    )


def _queue(data: Mapping[str, Any], base: QueueConfig) -> QueueConfig:
    return QueueConfig(size=data.get("size", base.size), overflow=data.get("overflow", base.overflow))


def _sinks(items: list[Mapping[str, Any]], pointer: str) -> tuple[SinkConfig, ...]:
    sinks = []
    for i, s in enumerate(items):
        sink = _component("sink", s["type"], s, f"{pointer}/{i}", None)  # resolved against -o, later
        assert isinstance(sink, SinkConfig)
        sinks.append(sink)
    return tuple(sinks)


def user_path(path: str) -> Path:
    """``path`` with ``~`` and ``~user`` expanded as a shell does: an unknown user (or no home) leaves it as
    written, where ``Path.expanduser`` would raise."""
    return Path(os.path.expanduser(path))


def _resolve(base_dir: Path, path: str) -> Path:
    p = user_path(path)
    return p if p.is_absolute() else base_dir / p
