"""The online tier of checks: what only the service can answer (voices, engines, languages it supports).

Pure checks stay in :mod:`runner.plan.checks`; these run before every ``polyglot run`` and with
``polyglot validate --online``.
"""

from __future__ import annotations

import asyncio

from runner.config.load import Loaded
from runner.diagnostics import Diagnostic
from runner.engines.base import Problem
from runner.engines.registry import lookup
from runner.plan.checks import engine_requests


async def verify(loaded: Loaded) -> list[Diagnostic]:
    """Problems the services report for this config. Raises PolyglotError if a service cannot be asked."""
    config = loaded.config
    assert config is not None
    jobs = [lookup(kind, request.choice.provider).engine.verify(request)
            for kind, request in engine_requests(config)]
    results: list[list[Problem]] = await asyncio.gather(*jobs)
    seen: set[tuple[str, str]] = set()
    out = []
    for problem in (p for problems in results for p in problems):
        if (problem.pointer, problem.message) not in seen:
            seen.add((problem.pointer, problem.message))
            out.append(loaded.source_map.diagnostic(problem.pointer, problem.code, problem.message,
                                                    severity=problem.severity))
    return sorted(out)
