"""Every number in a config is finite.

YAML 1.2 has ``.nan`` and ``.inf``, ``1e309`` overflows to infinity, and an integer may have hundreds of digits.
JSON Schema cannot refuse them (NaN compares false with every bound, so it satisfies ``minimum`` and
``exclusiveMinimum`` alike), and the runtime would turn them into a backoff that never ends or an internal
error. This rule covers every number of the document, whatever key it is under.
"""

from __future__ import annotations

import math
from typing import Any

from runner.config.yaml12 import SourceMap, json_pointer
from runner.diagnostics import Diagnostic

CODE = "not-finite"


def non_finite_numbers(data: Any, source_map: SourceMap) -> list[Diagnostic]:
    """A located error for every number in ``data`` that is NaN, infinite, or too large for a float."""
    problems: list[Diagnostic] = []
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while pending:  # a loop, not recursion: the document may be deep
        path, value = pending.pop()
        if isinstance(value, dict):
            pending.extend((path + (key,), item) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend((path + (index,), item) for index, item in enumerate(value))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            why = _why_not_finite(value)
            if why:
                problems.append(source_map.diagnostic(json_pointer(path), CODE, f"{why}: numbers must be finite"))
    return sorted(problems)


def _why_not_finite(number: int | float) -> str | None:
    try:
        as_float = float(number)
    except OverflowError:
        return "too large (more than 1.8e308)"
    if math.isnan(as_float):
        return "not a number (.nan)"
    if math.isinf(as_float):
        return "infinite (.inf, or a number beyond 1.8e308)" if as_float > 0 else \
            "infinite (-.inf, or a number below -1.8e308)"
    return None
