"""The plan's checks against this machine: files that must exist or must not be written, and what each
engine needs here (installed language pairs, voices, model files). Nothing is started, no network is used.

``polyglot validate`` and ``graph`` run them after the pure checks; ``run`` does too, before it builds.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from runner.diagnostics import Diagnostic
from runner.engines.base import Problem
from runner.errors import PolyglotError
from runner.plan.plan import Plan


def check_environment(plan: Plan) -> list[Diagnostic]:
    problems = [*_source(plan), *_outputs_not_inputs(plan), *_engines(plan)]
    return plan.located(problems)


def _source(plan: Plan) -> Iterable[Problem]:
    source = plan.config.source
    path = getattr(source.options, "path", None)
    if source.type != "file" or path is None or source.origin:  # --input was checked by the command line
        return
    recording = Path(path)
    try:
        if recording.is_dir():
            yield Problem("/source/path", f"{recording} is a directory, not a recording", code="input")
        elif not recording.exists():
            yield Problem("/source/path", f"no such recording: {recording}", code="input")
    except OSError as exc:  # e.g. a name too long for the file system
        yield Problem("/source/path", f"cannot use {recording}: {exc.strerror or exc}", code="input")


def _outputs_not_inputs(plan: Plan) -> Iterable[Problem]:
    """An output that is one of the run's inputs (by any path: symlinks, hard links, --output-dir) would be
    emptied before it is read."""
    inputs = [(_resolved(path), what) for path, what in plan.inputs]
    for path, pointer in plan.output_files():
        resolved = _resolved(path)
        for source, what in inputs:
            if resolved == source or _same_file(resolved, source):
                yield Problem(pointer, f"{path} is {what}: writing it would destroy it; choose another path",
                              code="output-is-input")
                break


def _engines(plan: Plan) -> Iterable[Problem]:
    for spec in plan.engines():
        if spec.component is None:
            continue  # reported by the pure checks
        try:
            yield from spec.component.cls.check(spec.request)
        except PolyglotError as exc:
            yield Problem(f"{spec.request.choice.pointer}/provider", str(exc), code="engine-unavailable")


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, ValueError):
        return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except (OSError, ValueError):
        return False
