"""Load, plan and check a config as every command does: the plan (when the config loads) and every
diagnostic, pure checks, then this machine, then (online) the services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from runner.cli.console import stderr
from runner.config.load import Loaded, load
from runner.config.overrides import Overrides
from runner.diagnostics import Diagnostic, errors_in
from runner.errors import EX_CONFIG, EX_UNAVAILABLE, ConfigError, NotInstalledHere
from runner.plan.environment import check_environment
from runner.plan.plan import Plan, plan
from runner.plan.verify import verify


@dataclass
class Checked:
    loaded: Loaded
    plan: Plan | None  # None when the config did not load
    diagnostics: list[Diagnostic]


def check_config(file: Path, overrides: Overrides | None = None, *, online: bool = False) -> Checked:
    """Every diagnostic of one config: the plan's checks, this machine's, and (online) the services'."""
    loaded = load(file, overrides=overrides)
    diagnostics = list(loaded.diagnostics)
    planned = None
    if loaded.ok:
        planned = plan(loaded)
        diagnostics += planned.diagnostics + check_environment(planned)  # every problem at once
        if online and not errors_in(diagnostics):
            diagnostics += asyncio.run(verify(planned))
    return Checked(loaded, planned, sorted(diagnostics))


def exit_code(diagnostics: list[Diagnostic]) -> int:
    """0 when there is no error; 69 when every error is an engine not installed here (the config is fine, the
    machine lacks an extra or a package); 78 otherwise."""
    errors = errors_in(diagnostics)
    if not errors:
        return 0
    return EX_UNAVAILABLE if all(d.code == "engine-unavailable" for d in errors) else EX_CONFIG


def require_valid(file: Path, overrides: Overrides | None = None, *, online: bool = False) -> Checked:
    """A valid config and its plan (its warnings printed), or ConfigError with every problem."""
    checked = check_config(file, overrides, online=online)
    if errors_in(checked.diagnostics) or checked.plan is None:
        if exit_code(checked.diagnostics) == EX_UNAVAILABLE:
            raise NotInstalledHere(checked.diagnostics)
        raise ConfigError(checked.diagnostics)
    for d in checked.diagnostics:
        stderr.print(d.format(), markup=False, style="yellow")
    return checked


def require_plan(file: Path, overrides: Overrides | None = None, *, online: bool = False) -> Plan:
    planned = require_valid(file, overrides, online=online).plan
    assert planned is not None
    return planned
