"""JSON Schema patterns with the meaning the schema gives them (ECMA-262): ``$`` is the end of the text.

Python's ``re`` lets ``$`` match before a final newline too, so with jsonschema's default ``pattern`` a value
such as ``"es\\n"`` (what a YAML ``>`` block gives) passes ``^[a-z]{2}$`` and reaches file names, headers and
services. Each unescaped ``$`` outside a character class is read as ``\\Z`` instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]" or out[-1] == "["  # "[]...]" keeps its first "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            out.append(r"\Z")
            continue
        out.append(char)
    return re.compile("".join(out))


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not compile_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})
