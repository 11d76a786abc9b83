"""Phase 3, build: create every component a planned config needs. Nothing is started or opened here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runner.config.model import FileSource, PipelineConfig, SinkConfig
from runner.engines.base import EngineRequest, SpeechToText, Synthesizer, Translator
from runner.engines.registry import lookup
from runner.frames import AudioFormat
from runner.io import sinks as sink_types
from runner.io import sources
from runner.io.outputs import FileId, file_ids
from runner.io.sinks import Sink, SinkContext
from runner.io.sources.file import FileAudioSource
from runner.plan.checks import event_log_path, heard_languages, input_paths, sink_path
from runner.runtime.sharing import share


@dataclass
class TargetParts:
    config_index: int
    translator: Translator
    synthesizer: Synthesizer
    sinks: list[Sink]


@dataclass
class Pipeline:
    config: PipelineConfig
    source: sources.AudioSource
    stt: SpeechToText
    targets: list[TargetParts]
    transcript_sinks: list[Sink]
    event_log: Sink | None


def build(config: PipelineConfig, *, input_override: Path | None = None, output_dir: Path = Path("."),
          realtime: bool | None = None) -> Pipeline:
    stt_request = EngineRequest(config, config.speech_to_text)
    stt = lookup("speech_to_text", config.speech_to_text.provider).engine.create(stt_request)
    heard = heard_languages(stt_request)
    assert isinstance(stt, SpeechToText)
    source = _source(config, stt.input_rate, stt.input_channels, input_override, realtime)
    inputs = file_ids(path for path, _ in input_paths(config, input_override))  # never written, whatever the plan
    translators = []
    for t in config.targets:
        translator = lookup("translation", t.translation.provider).engine.create(
            EngineRequest(config, t.translation, t, heard))
        assert isinstance(translator, Translator)
        translators.append(translator)
    targets = []
    for t, translator in zip(config.targets, share(translators), strict=True):
        synthesizer = lookup("text_to_speech", t.text_to_speech.provider).engine.create(
            EngineRequest(config, t.text_to_speech, t))
        assert isinstance(synthesizer, Synthesizer)
        targets.append(TargetParts(
            t.index, translator, synthesizer,
            [_sink(s, output_dir, t.label, synthesizer.output, inputs) for s in t.sinks],
        ))
    transcript = [_sink(s, output_dir, "source", None, inputs) for s in config.transcript_sinks]
    event_log = None
    if config.event_log:
        log_config = SinkConfig(type="jsonl", pointer="/event_log", path=config.event_log)
        event_log = sink_types.create(SinkContext(log_config, event_log_path(config, output_dir), "session", None,
                                                  inputs))
    return Pipeline(config, source, stt, targets, transcript, event_log)


def _source(config: PipelineConfig, rate: int, channels: int, input_override: Path | None,
            realtime: bool | None) -> sources.AudioSource:
    if input_override is not None:
        default_pace = config.source.realtime if isinstance(config.source, FileSource) else True
        return FileAudioSource(input_override, default_pace if realtime is None else realtime, rate, channels)
    if isinstance(config.source, FileSource) and realtime is not None:
        return FileAudioSource(config.source.path, realtime, rate, channels)
    return sources.create(config.source, rate, channels)


def _sink(config: SinkConfig, output_dir: Path, scope: str, audio: AudioFormat | None,
          inputs: frozenset[FileId]) -> Sink:
    return sink_types.create(SinkContext(config, sink_path(config, output_dir), scope, audio, inputs))
