"""Environment interpolation inside one YAML scalar, after parsing.

Forms (as in POSIX shells and Docker Compose)::

    ${VAR}              value of VAR; an error if VAR is not set
    ${VAR:-default}     default if VAR is unset or empty   (${VAR-default}: only if unset)
    ${VAR:?message}     an error with message if VAR is unset or empty   (${VAR?message}: only if unset)
    $$                  a literal $

Defaults may themselves contain ``${...}``. Interpolation happens per scalar after parsing, so a value can never
inject YAML structure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_NESTING = 16  # ${A:-${B:-...}}: defaults are expanded recursively, so their nesting is bounded


class InterpolationError(ValueError):
    """A ``${...}`` expression could not be resolved; the message says which and why."""


@dataclass(frozen=True)
class Interpolated:
    text: str
    changed: bool
    variables: tuple[str, ...]


def interpolate(text: str, env: Mapping[str, str], _nesting: int = 0) -> Interpolated:
    """Substitute every ``${...}`` in ``text``. Raises :class:`InterpolationError` on the first bad one."""
    if _nesting > MAX_NESTING:
        raise InterpolationError(f"defaults nested more than {MAX_NESTING} levels deep")
    out: list[str] = []
    used: list[str] = []
    i = 0
    changed = False
    while i < len(text):
        ch = text[i]
        if ch != "$":
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if nxt == "$":
            out.append("$")
            changed = True
            i += 2
            continue
        if nxt != "{":
            out.append("$")  # a lone $ is literal text, e.g. a price
            i += 1
            continue
        end = _matching_brace(text, i + 1)
        out.append(_expand(text[i + 2:end], env, used, _nesting))
        changed = True
        i = end + 1
    return Interpolated("".join(out), changed, tuple(used))


def _matching_brace(text: str, open_at: int) -> int:
    depth = 0
    for j in range(open_at, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    raise InterpolationError(f"unterminated '${{' in {text!r}")


def _expand(expr: str, env: Mapping[str, str], used: list[str], nesting: int) -> str:
    match = _NAME.match(expr)
    if not match:
        raise InterpolationError(f"invalid variable name in '${{{expr}}}'")
    name = match.group(0)
    used.append(name)
    rest = expr[match.end():]
    value = env.get(name)
    if not rest:
        if value is None:
            raise InterpolationError(
                f"environment variable {name} is not set (use ${{{name}:-default}} to give a default)")
        return value
    for op in (":-", "-", ":?", "?"):
        if rest.startswith(op):
            arg = rest[len(op):]
            missing = value is None or (op.startswith(":") and value == "")
            if not missing:
                return value  # type: ignore[return-value]
            if op.endswith("-"):
                return interpolate(arg, env, nesting + 1).text
            raise InterpolationError(f"{name}: {interpolate(arg, env, nesting + 1).text or 'required but not set'}")
    raise InterpolationError(f"invalid expression '${{{expr}}}' (expected ${{{name}}}, ${{{name}:-default}} "
                             f"or ${{{name}:?message}})")
