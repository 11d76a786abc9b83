"""Phase 1, load: file -> YAML -> environment -> schema -> :class:`PipelineConfig`, every problem located."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.bounded_read import TooLarge, read_at_most
from runner.config import model, schema
from runner.config.envsubst import InterpolationError, interpolate
from runner.config.finite import non_finite_numbers
from runner.config.overrides import Overrides
from runner.config.yaml12 import SourceMap, parse
from runner.diagnostics import Diagnostic, errors_in
from runner.glossary.load import from_config
from runner.redact import SECRET_NAME, redact

MAX_CONFIG_BYTES = 1 << 20


@dataclass
class Loaded:
    file: str
    config: model.PipelineConfig | None
    source_map: SourceMap
    diagnostics: list[Diagnostic] = field(default_factory=list)
    data: Any = None  # the document after interpolation, as loaded (for `polyglot config`)

    @property
    def ok(self) -> bool:
        return self.config is not None and not errors_in(self.diagnostics)


def load(path: str | Path, env: Mapping[str, str] | None = None, overrides: Overrides | None = None) -> Loaded:
    """Load and schema-check one pipeline file, and apply the command line's ``overrides`` to it. Never raises
    for bad input."""
    name = str(path)
    text, problem = _read_text(Path(path), name)
    if problem:
        return Loaded(name, None, SourceMap(name), [problem])
    return loads(text, name, _anchor(Path(path)), env, overrides)


def _anchor(path: Path) -> Path:
    """What a config's relative input paths are relative to: its folder, or for a pipe (<(cat x.yaml) is
    /dev/fd/63) or a device, which has no folder of its own, the current directory."""
    return path if path.is_file() else Path.cwd() / path.name


def loads(text: str, name: str, path: Path, env: Mapping[str, str] | None = None,
          overrides: Overrides | None = None) -> Loaded:
    """Load and schema-check pipeline text (``path`` anchors its relative input paths). Never raises."""
    env = os.environ if env is None else env
    env_problems: list[Diagnostic] = []

    def rewrite(value: str, where: tuple[int, int]) -> tuple[str, bool] | None:
        try:
            result = interpolate(value, env)
        except InterpolationError as exc:
            env_problems.append(Diagnostic(name, where[0], where[1], "", "env", str(exc)))
            return None
        if any(SECRET_NAME.search(v) for v in result.variables):
            redact.add(result.text)  # a value built from a secret is itself secret
            redact.add_from_environment(env, result.variables)
        return result.text, result.changed

    doc = parse(text, name, rewrite)
    diagnostics = doc.problems + [_with_path(d, doc.source_map) for d in env_problems]
    if doc.data is None:
        if not diagnostics:
            diagnostics.append(Diagnostic(name, 1, 1, "", "empty", "the file holds no YAML document"))
        return Loaded(name, None, doc.source_map, sorted(diagnostics))
    if not isinstance(doc.data, dict):
        kind = type(doc.data).__name__
        diagnostics.append(doc.source_map.diagnostic("", "type", f"the top level must be a mapping, not a {kind}"))
        return Loaded(name, None, doc.source_map, diagnostics)

    diagnostics += non_finite_numbers(doc.data, doc.source_map)
    diagnostics += schema.validate(doc.data, doc.source_map)
    diagnostics += _check_target_overrides(doc.data, doc.source_map, diagnostics)
    diagnostics.sort()
    if errors_in(diagnostics):
        return Loaded(name, None, doc.source_map, diagnostics)
    glossary = from_config(doc.data.get("glossary"), doc.source_map, path.parent, doc.data["language"])
    if glossary.diagnostics:
        return Loaded(name, None, doc.source_map, sorted(diagnostics + glossary.diagnostics))
    config = (overrides or Overrides()).apply(model.build(doc.data, path, doc.interpolated, glossary.glossary))
    return Loaded(name, config, doc.source_map, diagnostics, doc.data)


def _read_text(path: Path, name: str) -> tuple[str, Diagnostic | None]:
    def problem(code: str, message: str) -> tuple[str, Diagnostic]:
        return "", Diagnostic(name, 0, 0, "", code, message)

    try:
        if path.is_dir():
            return problem("io", "is a directory, not a pipeline file")
        if not path.exists():
            return problem("io", "no such file")
        raw = read_at_most(path, MAX_CONFIG_BYTES)
    except TooLarge as exc:
        return problem("too-large", f"{exc}, too much for a pipeline config")
    except OSError as exc:
        return problem("io", f"cannot read: {exc.strerror or exc}")
    if not raw.strip():
        return problem("empty", "the file is empty")
    if b"\x00" in raw:
        return problem("binary", "is a binary file, not YAML")
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return problem("encoding", f"is not UTF-8 text (byte {exc.start})")


def _with_path(d: Diagnostic, source_map: SourceMap) -> Diagnostic:
    """Give an environment problem the JSON pointer of the value at its position."""
    return Diagnostic(d.file, d.line, d.column, source_map.pointer_at(d.line, d.column), d.code, d.message)


def _check_target_overrides(data: dict[str, Any], source_map: SourceMap,
                            known: list[Diagnostic]) -> list[Diagnostic]:
    """Check each target's merged stage options against the provider they end up with.

    The schema can check an override only loosely (it may omit the provider, which is inherited); the merged
    options are checked here, and only problems in keys the target itself sets are reported (the pipeline-level
    ones were reported already).
    """
    out: list[Diagnostic] = []
    targets = data.get("targets")
    if not isinstance(targets, list):
        return out
    already = {d.path for d in known}
    for i, target in enumerate(targets):
        if not isinstance(target, dict):
            continue
        for key in ("translation", "text_to_speech"):
            stage = schema.STAGES[key]  # type: ignore[index]
            override, top = target.get(key), data.get(key, {})
            if not isinstance(override, dict) or not isinstance(top, dict):
                continue
            merged = model.merged_options(top, override, stage.kind)
            for d in schema.validate(merged, source_map, definition=stage.definition, at=("targets", i, key)):
                inside = d.path.split("/")[4:5]
                if (not inside or inside[0] in override) and d.path not in already:
                    out.append(d)
    return out
