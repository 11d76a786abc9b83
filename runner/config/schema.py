"""The pipeline JSON Schema (``schemas/pipeline.schema.json``) and located validation against it."""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from runner.config.yaml12 import SourceMap, json_pointer
from runner.diagnostics import Diagnostic

SCHEMA_FILE = "pipeline.schema.json"
NUL_FREE = "^[^\\u0000]*$"  # the schema's pattern for text that reaches file names and C libraries


def schema_text() -> str:
    """The schema as shipped: from the source checkout, else from the installed wheel."""
    checkout = Path(__file__).resolve().parents[2] / "schemas" / SCHEMA_FILE
    if checkout.is_file():
        return checkout.read_text(encoding="utf-8")
    return (resources.files("runner") / "_schemas" / SCHEMA_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def pipeline_schema() -> dict[str, Any]:
    return json.loads(schema_text())


@lru_cache(maxsize=8)
def _validator(definition: str | None) -> Draft202012Validator:
    schema = pipeline_schema()
    if definition is not None:
        # Validate against one definition while keeping $refs resolvable against the whole document.
        schema = {**schema, "$ref": f"#/$defs/{definition}"}
        schema = {k: v for k, v in schema.items() if k in ("$schema", "$id", "$defs", "$ref")}
    return Draft202012Validator(schema)


def validate(data: Any, source_map: SourceMap, *, definition: str | None = None,
             at: tuple[str | int, ...] = ()) -> list[Diagnostic]:
    """Every schema violation of ``data`` as a located diagnostic (``at`` prefixes paths of a sub-document)."""
    found: dict[tuple[str, str], Diagnostic] = {}
    for error in _validator(definition).iter_errors(data):
        for diagnostic in _to_diagnostics(error, source_map, at):
            found.setdefault((diagnostic.path, diagnostic.message), diagnostic)
    # A value of the wrong type fails its other keywords too (enum, minimum...): report the type alone.
    mistyped = {d.path for d in found.values() if d.code == "type"}
    return sorted(d for d in found.values() if d.code == "type" or d.path not in mistyped)


def _to_diagnostics(error: ValidationError, source_map: SourceMap,
                    at: tuple[str | int, ...]) -> list[Diagnostic]:
    path = at + tuple(error.absolute_path)
    pointer = json_pointer(path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        out = []
        for key in unknown:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else f"; expected one of: {', '.join(allowed)}"
            key_pointer = json_pointer(path + (key,))
            out.append(source_map.diagnostic(key_pointer, "unknown-key", f"unknown key '{key}'{suggestion}",
                                             key=True))
        return out
    return [source_map.diagnostic(pointer, str(error.validator), _message(error))]


def _message(error: ValidationError) -> str:
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    if error.validator in ("oneOf", "anyOf"):
        kinds = sorted({str(s.get("type")) for s in error.validator_value if isinstance(s, dict)})
        return f"{error.instance!r} must be one of these types: {', '.join(kinds)}"
    if error.validator == "pattern" and error.validator_value == NUL_FREE:
        return "contains a NUL character (\\0), which no file name, device, voice or model name can hold"
    if error.validator == "pattern" and isinstance(error.validator_value, str):
        return f"{error.instance!r} does not match the expected form {error.validator_value}"
    return error.message
