"""Typed, defaulted view of a schema-valid pipeline config. Built only from data the schema has accepted."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from runner.config.schema import pipeline_schema
from runner.retry import RetryPolicy

DeviceRef = str | int


def default_provider(definition: str) -> str:
    """The provider a stage uses when the config names none: the schema's own default."""
    return str(pipeline_schema()["$defs"][definition]["properties"]["provider"]["default"])


@dataclass(frozen=True)
class FileSource:
    path: Path
    realtime: bool = True
    type: str = "file"


@dataclass(frozen=True)
class MicrophoneSource:
    device: DeviceRef = "default"
    sample_rate: int = 16000
    channels: int = 1
    type: str = "microphone"


SourceConfig = FileSource | MicrophoneSource


@dataclass(frozen=True)
class EngineChoice:
    """A stage's provider and its options, with target overrides already merged in."""

    provider: str
    options: Mapping[str, Any]
    pointer: str  # JSON pointer of the (innermost) config object, for located errors

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass(frozen=True)
class SinkConfig:
    type: str
    pointer: str
    path: str | None = None
    device: DeviceRef = "default"


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
    engine: str = "standard"
    lexicons: tuple[str, ...] = ()
    format: str = "pcm"
    sample_rate: int | None = None
    queue: QueueConfig = QueueConfig()
    sinks: tuple[SinkConfig, ...] = ()

    @property
    def pointer(self) -> str:
        return f"/targets/{self.index}"

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
    aws: AwsConfig = AwsConfig()
    lexicons: Mapping[str, str] = field(default_factory=dict)
    secrets: frozenset[str] = frozenset()  # JSON pointers of values taken from the environment

    @property
    def display_name(self) -> str:
        return self.name or self.file.stem


def build(data: Mapping[str, Any], file: Path, interpolated: set[str]) -> PipelineConfig:
    """Turn schema-valid ``data`` into a :class:`PipelineConfig` (defaults applied, overrides merged)."""
    base_dir = file.parent
    source_data = data["source"]
    source: SourceConfig
    if source_data["type"] == "file":
        source = FileSource(path=_resolve(base_dir, source_data["path"]), realtime=source_data.get("realtime", True))
    else:
        source = MicrophoneSource(device=source_data.get("device", "default"),
                                  sample_rate=source_data.get("sample_rate", 16000),
                                  channels=source_data.get("channels", 1))
    runtime = data.get("runtime", {})
    default_queue = _queue(runtime.get("queue", {}), QueueConfig())
    top_translation = data.get("translation", {})
    top_tts = data.get("text_to_speech", {})
    targets = tuple(
        _target(i, t, top_translation, top_tts, default_queue) for i, t in enumerate(data["targets"])
    )
    aws = data.get("aws", {})
    return PipelineConfig(
        file=file,
        name=data.get("name", ""),
        language=data["language"],
        source=source,
        speech_to_text=_choice(data.get("speech_to_text", {}), {}, "speechToTextOptions", "/speech_to_text"),
        targets=targets,
        transcript_sinks=_sinks(data.get("transcript", {}).get("sinks", []), "/transcript/sinks"),
        event_log=data.get("event_log"),
        drain_timeout=float(runtime.get("drain_timeout", 30.0)),
        retry=RetryPolicy(**runtime.get("retry", {})),
        health_interval=float(runtime.get("health_interval", 10.0)),
        aws=AwsConfig(region=aws.get("region"), profile=aws.get("profile")),
        lexicons=MappingProxyType({k: str(_resolve(base_dir, v)) for k, v in data.get("lexicons", {}).items()}),
        secrets=frozenset(interpolated),
    )


def merged_options(top: Mapping[str, Any], override: Mapping[str, Any], definition: str) -> dict[str, Any]:
    """A target's stage options: the pipeline's, overridden key by key by the target's.

    When the target switches provider, the pipeline's options (meant for another provider) are not inherited.
    """
    top_provider = top.get("provider", default_provider(definition))
    provider = override.get("provider", top_provider)
    inherited = {k: v for k, v in top.items() if k != "provider"} if provider == top_provider else {}
    return {**inherited, **{k: v for k, v in override.items() if k != "provider"}, "provider": provider}


def _choice(top: Mapping[str, Any], override: Mapping[str, Any], definition: str, pointer: str) -> EngineChoice:
    merged = merged_options(top, override, definition)
    provider = merged.pop("provider")
    return EngineChoice(provider=provider, options=MappingProxyType(merged), pointer=pointer)


def _target(index: int, t: Mapping[str, Any], top_translation: Mapping[str, Any], top_tts: Mapping[str, Any],
            default_queue: QueueConfig) -> TargetConfig:
    pointer = f"/targets/{index}"
    return TargetConfig(
        index=index,
        language=t["language"],
        voice=t.get("voice"),
        engine=t.get("engine", "standard"),
        lexicons=tuple(t.get("lexicons", ())),
        format=t.get("format", "pcm"),
        sample_rate=t.get("sample_rate"),
        translation=_choice(top_translation, t.get("translation", {}), "translationOptions",
                            f"{pointer}/translation" if "translation" in t else "/translation"),
        text_to_speech=_choice(top_tts, t.get("text_to_speech", {}), "ttsOptions",
                               f"{pointer}/text_to_speech" if "text_to_speech" in t else "/text_to_speech"),
        queue=_queue(t.get("queue", {}), default_queue),
        sinks=_sinks(t.get("sinks", []), f"{pointer}/sinks"),
    )


def _queue(data: Mapping[str, Any], base: QueueConfig) -> QueueConfig:
    return QueueConfig(size=data.get("size", base.size), overflow=data.get("overflow", base.overflow))


def _sinks(items: list[Mapping[str, Any]], pointer: str) -> tuple[SinkConfig, ...]:
    return tuple(
        SinkConfig(type=s["type"], path=s.get("path"), device=s.get("device", "default"), pointer=f"{pointer}/{i}")
        for i, s in enumerate(items)
    )


def user_path(path: str) -> Path:
    """``path`` with ``~`` and ``~user`` expanded as a shell does: an unknown user (or no home) leaves it as
    written, where ``Path.expanduser`` would raise."""
    return Path(os.path.expanduser(path))


def _resolve(base_dir: Path, path: str) -> Path:
    p = user_path(path)
    return p if p.is_absolute() else base_dir / p
