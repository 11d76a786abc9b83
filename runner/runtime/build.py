"""Phase 3, build: create every component a plan names. Nothing is started or opened here.

Health checks that need more than the plan run here: the output folder must be usable, and no output may be
one of the run's inputs (by file identity, whatever the plan saw).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runner import registry
from runner.config.model import ComponentChoice, PipelineConfig, TargetConfig
from runner.engines.base import SpeechToText, Synthesizer, Translator
from runner.errors import SinkError
from runner.frames import AudioFormat
from runner.io.outputs import FileId, file_ids
from runner.io.sinks import Sink, SinkContext
from runner.io.sources import AudioSource
from runner.plan.plan import EngineSpec, Plan, SinkSpec
from runner.runtime.sharing import share


@dataclass
class TargetParts:
    config: TargetConfig
    translator: Translator
    synthesizer: Synthesizer
    sinks: list[Sink]


@dataclass
class Pipeline:
    config: PipelineConfig
    source: AudioSource
    stt: SpeechToText
    targets: list[TargetParts]
    transcript_sinks: list[Sink]
    event_log: Sink | None
    outputs: list[tuple[Any, ComponentChoice]] = field(default_factory=list)  # (Output class, its config):
    #                                   built by the session, which owns what they read (the broadcast, the router)


def build(plan: Plan) -> Pipeline:
    assert plan.ok, "build needs a plan without errors"
    config = plan.config
    output_dir = config.output_dir
    if output_dir.exists() and not output_dir.is_dir():
        raise SinkError(f"--output-dir {output_dir} is a file, not a folder: no output could be created there")
    stt = _engine(plan.speech_to_text)
    assert isinstance(stt, SpeechToText)
    source_class = registry.lookup("source", config.source.type).cls
    source = source_class.create(config.source.options, stt.input_rate, stt.input_channels)
    inputs = file_ids(path for path, _ in plan.inputs)  # never written, whatever the plan saw
    translators = [_engine(t.translation) for t in plan.targets]
    targets = []
    for t, translator in zip(plan.targets, share(translators), strict=True):
        synthesizer = _engine(t.text_to_speech)
        assert isinstance(synthesizer, Synthesizer) and isinstance(translator, Translator)
        targets.append(TargetParts(t.config, translator, synthesizer,
                                   [_sink(s, synthesizer.output, inputs) for s in t.sinks]))
    transcript = [_sink(s, None, inputs) for s in plan.transcript_sinks]
    event_log = _sink(plan.event_log, None, inputs) if plan.event_log else None
    outputs = [(registry.lookup("output", o.config.type).cls, o.config) for o in plan.outputs]
    return Pipeline(config, source, stt, targets, transcript, event_log, outputs)


def _engine(spec: EngineSpec) -> Any:
    assert spec.component is not None
    return spec.component.cls.create(spec.request)


def _sink(spec: SinkSpec, audio: AudioFormat | None, inputs: frozenset[FileId]) -> Sink:
    sink_class = registry.lookup("sink", spec.config.type).cls
    sink: Sink = sink_class(SinkContext(spec.config, spec.path, spec.scope, audio, inputs))
    return sink
