"""The plan's pure checks: what the schema cannot say, decided from the config alone. No files, devices,
network or processes (those are runner.plan.environment and runner.plan.verify).

Checks: sample rate allowed for the format; unique target languages; unique output paths; sinks that fit the
audio format; every component registered and its family installed; target keys the text-to-speech engine reads;
outputs' own checks, and no port, folder or bucket prefix claimed by two outputs.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from runner import registry
from runner.config.model import PipelineConfig
from runner.config.simultaneous import SimultaneousConfig
from runner.engines.base import Problem
from runner.formats import SAMPLE_RATES
from runner.outputs.base import Claim

if TYPE_CHECKING:
    from runner.plan.plan import Plan



def pure_checks(plan: Plan) -> Iterable[Problem]:
    config = plan.config
    yield from _formats(config)
    yield from _unique_languages(config)
    yield from _unique_paths(plan)
    yield from _sinks_fit(config)
    yield from _engines(plan)
    yield from _target_fields(plan)
    yield from _outputs(plan)
    yield from _simultaneous(config)


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


def _unique_paths(plan: Plan) -> Iterable[Problem]:
    """Two outputs named alike (after -o and '..'); the same file reached by links is the environment's check."""
    outputs = [(Path(os.path.abspath(path)), pointer) for path, pointer in plan.output_files()]
    counts = Counter(p for p, _ in outputs)
    first: dict[Path, str] = {}
    for path, pointer in outputs:
        if counts[path] > 1:
            if path in first:
                yield Problem(pointer, f"{path} is also written by {first[path]}; every output needs its own "
                              f"path", code="duplicate-path")
            else:
                first[path] = pointer.removesuffix("/path")


def _accepts(sink_type: str) -> frozenset[str] | None:
    """What a sink type declares it takes (None: not registered, which _engines-like checks report)."""
    component = registry.find("sink", sink_type)
    return component.cls.accepts if component is not None else None


def _sinks_taking(ability: str) -> str:
    return ", ".join(c.name for c in registry.available("sink") if ability in c.cls.accepts)


def _sinks_fit(config: PipelineConfig) -> Iterable[Problem]:
    for sink in config.transcript_sinks:
        accepts = _accepts(sink.type)
        if accepts is not None and "text" not in accepts:
            yield Problem(f"{sink.pointer}/type", f"transcript sinks take text ({_sinks_taking('text')}), not "
                          f"{sink.type}", code="sink")
    for t in config.targets:
        for sink in t.sinks:
            accepts = _accepts(sink.type)
            if accepts is not None and t.format != "pcm" and "pcm" in accepts and "audio" not in accepts:
                yield Problem(f"{sink.pointer}/type", f"a {sink.type} sink needs pcm audio but this target "
                              f"produces {t.format}; use one that takes it as it is ({_sinks_taking('audio')})",
                              code="sink")


def _engines(plan: Plan) -> Iterable[Problem]:
    """Every engine registered, and its family installed: one line per family that is not (naming its extra)."""
    missing: dict[str, list[tuple[str, str]]] = {}  # family -> [(provider, pointer)]
    for spec in plan.engines():
        pointer = f"{spec.request.choice.pointer}/provider"
        if spec.component is None:
            yield Problem(pointer, registry.unknown(spec.kind, spec.request.choice.provider),
                          code="engine-unavailable")
        elif registry.not_installed(spec.component.family, [spec.component.name]):
            missing.setdefault(spec.component.family, []).append((spec.component.name, pointer))
    for family, uses in missing.items():
        reason = registry.not_installed(family, [provider for provider, _ in uses])
        assert reason is not None
        yield Problem(uses[0][1], reason, code="engine-unavailable")


def _target_fields(plan: Plan) -> Iterable[Problem]:
    """A target key only some text-to-speech engines read (Polly's engine, lexicons), set for one that does not:
    a warning, since the config is still valid for the engine it may be switched back to."""
    declared: dict[str, str] = {}
    for c in registry.available("text_to_speech"):
        if c.target_fields is not None:
            declared.update({name: c.name for name in c.target_fields.__dataclass_fields__})
    for t in plan.targets:
        component = t.text_to_speech.component
        own = set(component.target_fields.__dataclass_fields__) if component and component.target_fields else set()
        for key in t.config.fields:
            if key in declared and key not in own:
                yield Problem(f"{t.config.pointer}/{key}", f"{key} is read by {declared[key]}; "
                              f"{t.text_to_speech.request.choice.provider} ignores it", code=key,
                              severity="warning")


def _outputs(plan: Plan) -> Iterable[Problem]:
    for spec in plan.outputs:
        if spec.component is not None:
            yield from spec.component.cls.check(spec.config, plan.config)
    yield from _claims(plan)


def _claims(plan: Plan) -> Iterable[Problem]:
    """Two outputs holding one port, folder or bucket prefix: the second would fail at start (or overwrite the
    first's files), blaming another run."""
    held: list[Claim] = []
    for spec in plan.outputs:
        if spec.component is None:
            continue
        for claim in spec.component.cls.claims(spec.config, plan.config):
            other = next((c for c in held if c.collides(claim)), None)
            if other is not None:
                yield Problem(claim.pointer, f"{claim.resource} is also claimed by {other.pointer}; each output "
                              "needs its own", code="claimed")
            held.append(claim)


def _simultaneous(config: PipelineConfig) -> Iterable[Problem]:
    """Lag bounds in order; simultaneous settings where they do something."""
    if config.mode != "simultaneous":
        if config.simultaneous != SimultaneousConfig():
            yield Problem("/simultaneous", "has no effect unless mode: simultaneous", code="mode",
                          severity="warning")
        for t in config.targets:
            for key in ("max_lag", "hard_lag"):
                if getattr(t, key) is not None:
                    yield Problem(f"{t.pointer}/{key}", "has no effect unless mode: simultaneous", code="mode",
                                  severity="warning")
        return
    for t in config.targets:
        max_lag, hard_lag = config.lag_bounds(t)
        if hard_lag <= max_lag:
            where = f"{t.pointer}/hard_lag" if t.hard_lag is not None else (
                f"{t.pointer}/max_lag" if t.max_lag is not None else "/simultaneous/hard_lag")
            yield Problem(where, f"hard_lag ({hard_lag:g}s) must be more than max_lag ({max_lag:g}s) for "
                          f"{t.label}: speech is dropped only after speaking faster and merging failed", code="lag")
    if config.source.type == "file" and not getattr(config.source.options, "realtime", True):
        yield Problem("/source/realtime", "mode: simultaneous controls lag against real time; a recording read "
                      "faster is segmented, but its lag is not controlled", code="mode", severity="warning")
