"""The online tier of checks: what only the service can answer (voices, engines, languages it supports).

Pure checks stay in runner.plan.checks, checks of this machine in runner.plan.environment; these run before
every ``polyglot run`` and with ``polyglot validate --online``.
"""

from __future__ import annotations

import asyncio

from runner.diagnostics import Diagnostic
from runner.engines.base import Problem
from runner.plan.plan import Plan


async def verify(plan: Plan) -> list[Diagnostic]:
    """Problems the services report for this config. Raises PolyglotError if a service cannot be asked."""
    jobs = [spec.component.cls.verify(spec.request) for spec in plan.engines() if spec.component is not None]
    results: list[list[Problem]] = await asyncio.gather(*jobs)
    seen: set[tuple[str, str]] = set()
    unique = []
    for problem in (p for problems in results for p in problems):
        if (problem.pointer, problem.message) not in seen:
            seen.add((problem.pointer, problem.message))
            unique.append(problem)
    return sorted(plan.located(unique))
