"""Phase 2, plan: what a loaded config will build, resolved once, and every problem with it, located.

A :class:`Plan` is the resolved config (command-line overrides applied at load), the components it names
(looked up in the registry, with the requests each engine is built from), where every output goes, what the run
reads, and the diagnostics. ``build(plan)`` and ``stage_graph(plan)`` read it and decide nothing again.

Planning is pure (runner.plan.checks); what looks at this machine (files, installed engines and voices) is
runner.plan.environment, and what asks a service is runner.plan.verify.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from runner import registry
from runner.config.load import Loaded
from runner.config.model import ComponentChoice, PipelineConfig, SinkConfig, TargetConfig, user_path
from runner.config.yaml12 import SourceMap
from runner.diagnostics import Diagnostic, errors_in
from runner.engines.base import EngineRequest, Problem, SpeechToText
from runner.errors import PolyglotError
from runner.options import parse
from runner.registry import Component, Kind


@dataclass(frozen=True)
class EngineSpec:
    """An engine to build: its component (None when it is not available) and what it is asked to do."""

    kind: Kind
    component: Component | None
    request: EngineRequest


@dataclass(frozen=True)
class SinkSpec:
    config: SinkConfig
    path: Path | None  # the file it writes, resolved against the output folder; None: stdout or a device
    scope: str  # "source" (transcript sinks), "session" (the event log) or the target's label


@dataclass(frozen=True)
class TargetSpec:
    config: TargetConfig
    translation: EngineSpec
    text_to_speech: EngineSpec
    sinks: tuple[SinkSpec, ...]


@dataclass(frozen=True)
class OutputSpec:
    """A broadcast output to build: its config and its component (None when the type is not registered)."""

    config: ComponentChoice
    component: Component | None


@dataclass(frozen=True)
class Plan:
    config: PipelineConfig
    source_map: SourceMap
    speech_to_text: EngineSpec
    targets: tuple[TargetSpec, ...]
    transcript_sinks: tuple[SinkSpec, ...]
    event_log: SinkSpec | None
    inputs: tuple[tuple[Path, str], ...]  # every file the run reads, with what it is to the run
    outputs: tuple[OutputSpec, ...] = ()  # broadcast outputs (listener page, HLS, Icecast)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def source(self) -> ComponentChoice:
        """The source the run reads (the configured one, or --input's recording)."""
        return self.config.source

    @property
    def ok(self) -> bool:
        return not errors_in(self.diagnostics)

    def engines(self) -> list[EngineSpec]:
        return [self.speech_to_text, *(e for t in self.targets for e in (t.translation, t.text_to_speech))]

    def sinks(self) -> list[SinkSpec]:
        logs = [self.event_log] if self.event_log else []
        return [*logs, *self.transcript_sinks, *(s for t in self.targets for s in t.sinks)]

    def output_files(self) -> list[tuple[Path, str]]:
        """Every file the run writes, with the JSON pointer of the config value that names it."""
        return [(s.path, s.config.pointer + ("/path" if s.scope != "session" else ""))
                for s in self.sinks() if s.path is not None]

    def with_diagnostics(self, more: list[Diagnostic]) -> Plan:
        return dataclasses.replace(self, diagnostics=sorted(self.diagnostics + more))

    def located(self, problems: list[Problem]) -> list[Diagnostic]:
        return [self.source_map.diagnostic(p.pointer, p.code, p.message, severity=p.severity) for p in problems]


def plan(loaded: Loaded) -> Plan:
    """The plan of a schema-valid config, with every problem the pure checks find."""
    from runner.glossary.plan_checks import glossary_checks
    from runner.plan.checks import pure_checks

    config = loaded.config
    assert config is not None
    stt = _engine("speech_to_text", EngineRequest(config, config.speech_to_text))
    heard = heard_languages(stt)
    targets = tuple(
        TargetSpec(t, _engine("translation", EngineRequest(config, t.translation, t, heard)),
                   _engine("text_to_speech", EngineRequest(config, t.text_to_speech, t)),
                   tuple(_sink(s, config.output_dir, t.label) for s in t.sinks))
        for t in config.targets
    )
    outputs = tuple(OutputSpec(o, _component("output", o.type)) for o in config.outputs)
    planned = Plan(config, loaded.source_map, stt, targets,
                   tuple(_sink(s, config.output_dir, "source") for s in config.transcript_sinks),
                   _event_log(config), tuple(_inputs(config, stt, targets)), outputs)
    return planned.with_diagnostics(planned.located(list(pure_checks(planned))) + glossary_checks(config))


def heard_languages(stt: EngineSpec) -> tuple[str, ...]:
    """The languages speech-to-text may hear (the speaker's, or those it identifies among)."""
    if stt.component is None:
        return (stt.request.source_language,)
    engine = stt.component.cls
    assert issubclass(engine, SpeechToText)
    return engine.languages(stt.request)


def output_path(path: str | None, output_dir: Path) -> Path | None:
    """Where an output goes: relative paths land in the output folder; '-' (stdout) and None are no file."""
    if path is None or path == "-":
        return None
    resolved = user_path(path)
    return resolved if resolved.is_absolute() else output_dir / resolved


def _engine(kind: Kind, request: EngineRequest) -> EngineSpec:
    return EngineSpec(kind, _component(kind, request.choice.provider), request)


def _component(kind: Kind, name: str) -> Component | None:
    try:
        return registry.lookup(kind, name)
    except PolyglotError:
        return None  # reported by the checks


def _sink(config: SinkConfig, output_dir: Path, scope: str) -> SinkSpec:
    return SinkSpec(config, output_path(config.path, output_dir), scope)


def _event_log(config: PipelineConfig) -> SinkSpec | None:
    if not config.event_log:
        return None
    options = parse(registry.lookup("sink", "jsonl").options, {"path": config.event_log})
    return SinkSpec(SinkConfig("jsonl", options, "/event_log", {"path": config.event_log}),
                    output_path(config.event_log, config.output_dir), "session")


def _inputs(config: PipelineConfig, stt: EngineSpec, targets: tuple[TargetSpec, ...]) -> list[tuple[Path, str]]:
    inputs = [(config.file, "the pipeline config")]
    source_path = getattr(config.source.options, "path", None)
    if config.source.type == "file" and source_path:
        via = f" ({config.source.origin})" if config.source.origin else ""
        inputs.append((Path(source_path), f"the source recording{via}"))
    inputs += [(Path(path), f"lexicon '{name}'") for name, path in config.lexicons.items()]
    if config.glossary is not None and config.glossary.file is not None:
        inputs.append((config.glossary.file, "the glossary"))
    for spec in (stt, *(e for t in targets for e in (t.translation, t.text_to_speech))):
        if spec.component is not None:
            what = f"a file of the {spec.request.choice.provider} engine"
            inputs += [(path, what) for path in spec.component.cls.input_files(spec.request)]
    return inputs
