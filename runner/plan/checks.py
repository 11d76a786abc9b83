"""Phase 2, plan: the checks that need more than the schema. Pure: no network, no devices, nothing started.

Checks: sample rate allowed for the format; unique target languages; unique output paths; sinks that fit the
audio format; the source recording exists; each engine is available and accepts its part of the config
(language pair served, voice exists for the engine and language).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from runner.config.load import Loaded
from runner.config.model import FileSource, PipelineConfig, SinkConfig, user_path
from runner.diagnostics import Diagnostic
from runner.engines.base import EngineRequest, Problem, SpeechToText
from runner.engines.registry import Kind, family_of, family_unavailable, lookup
from runner.errors import PolyglotError
from runner.formats import SAMPLE_RATES

AUDIO_SINKS = {"wav", "audio_file", "speaker"}
PCM_ONLY_SINKS = {"wav", "speaker"}


def plan(loaded: Loaded, *, input_override: Path | None = None, output_dir: Path = Path(".")) -> list[Diagnostic]:
    """Every semantic problem of a schema-valid config, located."""
    config = loaded.config
    assert config is not None
    problems = [
        *_formats(config),
        *_unique_languages(config),
        *_unique_paths(config, output_dir),
        *_outputs_not_inputs(config, input_override, output_dir),
        *_sinks_fit(config),
        *_source(config, input_override),
        *_engines(config),
    ]
    return sorted(loaded.source_map.diagnostic(p.pointer, p.code, p.message, severity=p.severity)
                  for p in problems)


def sink_path(sink: SinkConfig, output_dir: Path) -> Path | None:
    """Where a sink writes: relative paths land under ``output_dir``; '-' is standard output."""
    if sink.path is None or sink.path == "-":
        return None
    path = user_path(sink.path)
    return path if path.is_absolute() else output_dir / path


def event_log_path(config: PipelineConfig, output_dir: Path) -> Path | None:
    if config.event_log is None or config.event_log == "-":
        return None
    path = user_path(config.event_log)
    return path if path.is_absolute() else output_dir / path


def _formats(config: PipelineConfig) -> Iterable[Problem]:
    for t in config.targets:
        if t.sample_rate is not None and t.sample_rate not in SAMPLE_RATES[t.format]:
            allowed = ", ".join(str(r) for r in SAMPLE_RATES[t.format])
            yield Problem(f"{t.pointer}/sample_rate", f"{t.sample_rate} Hz is not available for {t.format} "
                          f"(allowed: {allowed})", code="sample-rate")


def _unique_languages(config: PipelineConfig) -> Iterable[Problem]:
    seen: dict[str, int] = {}
    for t in config.targets:
        key = t.language.lower()
        if key in seen:
            yield Problem(f"{t.pointer}/language", f"target language {t.language} is already used by "
                          f"targets[{seen[key]}]; each language is one target", code="duplicate-target")
        else:
            seen[key] = t.index


def output_paths(config: PipelineConfig, output_dir: Path) -> list[tuple[Path, str]]:
    """Every file the run writes, with the JSON pointer of the config value that names it."""
    outputs: list[tuple[Path, str]] = []
    for sink in config.transcript_sinks + tuple(s for t in config.targets for s in t.sinks):
        path = sink_path(sink, output_dir)
        if path is not None:
            outputs.append((path, f"{sink.pointer}/path"))
    log = event_log_path(config, output_dir)
    if log is not None:
        outputs.append((log, "/event_log"))
    return outputs


def input_paths(config: PipelineConfig, input_override: Path | None) -> list[tuple[Path, str]]:
    """Every file the run reads, with what it is to the run."""
    inputs = [(config.file, "the pipeline config")]
    if input_override is not None:
        inputs.append((input_override, "the source recording (--input)"))
    elif isinstance(config.source, FileSource):
        inputs.append((config.source.path, "the source recording"))
    inputs += [(Path(path), f"lexicon '{name}'") for name, path in config.lexicons.items()]
    for kind, request in engine_requests(config):
        try:
            engine = lookup(kind, request.choice.provider).engine
        except PolyglotError:
            continue  # reported by _engines
        inputs += [(path, f"a file of the {request.choice.provider} engine") for path in engine.input_files(request)]
    return inputs


def _unique_paths(config: PipelineConfig, output_dir: Path) -> Iterable[Problem]:
    outputs = [(path.resolve(), pointer) for path, pointer in output_paths(config, output_dir)]
    counts = Counter(p for p, _ in outputs)
    first: dict[Path, str] = {}
    for path, pointer in outputs:
        if counts[path] > 1:
            if path in first:
                yield Problem(pointer, f"{path} is also written by {first[path]}; every output needs its own "
                              f"path", code="duplicate-path")
            else:
                first[path] = pointer.removesuffix("/path")


def _outputs_not_inputs(config: PipelineConfig, input_override: Path | None, output_dir: Path) -> Iterable[Problem]:
    """An output that is one of the run's inputs (by any path: symlinks, hard links, --output-dir) would be
    emptied before it is read."""
    inputs = [(path.resolve(), what) for path, what in input_paths(config, input_override)]
    for path, pointer in output_paths(config, output_dir):
        resolved = path.resolve()
        for source, what in inputs:
            if resolved == source or _same_file(resolved, source):
                yield Problem(pointer, f"{path} is {what}: writing it would destroy it; choose another path",
                              code="output-is-input")
                break


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except (OSError, ValueError):
        return False


def _sinks_fit(config: PipelineConfig) -> Iterable[Problem]:
    for sink in config.transcript_sinks:
        if sink.type in AUDIO_SINKS:
            yield Problem(f"{sink.pointer}/type", f"transcript sinks take text (srt, vtt, jsonl), not {sink.type}",
                          code="sink")
    for t in config.targets:
        for sink in t.sinks:
            if sink.type in PCM_ONLY_SINKS and t.format != "pcm":
                yield Problem(f"{sink.pointer}/type", f"a {sink.type} sink needs pcm audio but this target "
                              f"produces {t.format}; use audio_file", code="sink")


def _source(config: PipelineConfig, input_override: Path | None) -> Iterable[Problem]:
    if input_override is not None or not isinstance(config.source, FileSource):
        return
    path = config.source.path
    try:
        if path.is_dir():
            yield Problem("/source/path", f"{path} is a directory, not a recording", code="input")
        elif not path.exists():
            yield Problem("/source/path", f"no such recording: {path}", code="input")
    except OSError as exc:  # e.g. a name too long for the file system
        yield Problem("/source/path", f"cannot use {path}: {exc.strerror or exc}", code="input")


def engine_requests(config: PipelineConfig) -> list[tuple[Kind, EngineRequest]]:
    """Every engine the config asks for, with what it is asked to do."""
    stt = EngineRequest(config, config.speech_to_text)
    requests: list[tuple[Kind, EngineRequest]] = [("speech_to_text", stt)]
    heard = heard_languages(stt)
    for t in config.targets:
        requests.append(("translation", EngineRequest(config, t.translation, t, heard)))
        requests.append(("text_to_speech", EngineRequest(config, t.text_to_speech, t)))
    return requests


def heard_languages(stt: EngineRequest) -> tuple[str, ...]:
    """The languages the speech-to-text engine may hear (the speaker's, or those it identifies among)."""
    try:
        engine = lookup("speech_to_text", stt.choice.provider).engine
    except PolyglotError:
        return (stt.source_language,)
    assert issubclass(engine, SpeechToText)
    return engine.languages(stt)


def _engines(config: PipelineConfig) -> Iterable[Problem]:
    requests = engine_requests(config)
    missing: dict[str, list[tuple[str, str]]] = {}  # family (or provider) -> [(provider, pointer)]
    for kind, request in requests:
        provider = request.choice.provider
        try:
            spec = lookup(kind, provider)
        except PolyglotError as exc:
            family = family_of(provider)
            missing.setdefault(family or provider, []).append((provider, f"{request.choice.pointer}/provider"))
            if family is None and len(missing[provider]) == 1:
                yield Problem(f"{request.choice.pointer}/provider", str(exc), code="engine-unavailable")
            continue
        try:
            yield from spec.engine.check(request)
        except PolyglotError as exc:
            yield Problem(f"{request.choice.pointer}/provider", str(exc), code="engine-unavailable")
    for family, uses in missing.items():
        if family_of(uses[0][0]) is not None:  # one line for a whole family that is not installed
            yield Problem(uses[0][1], family_unavailable(family, [p for p, _ in uses]), code="engine-unavailable")
