"""Options of an engine, source or sink, declared once: a frozen dataclass next to the component's code.

The declaration is the single source of the option's default (the dataclass default), its documentation and
constraints (``option(...)``), the JSON Schema branch the pipeline schema is generated from (``schema_of``)
and the typed value the component is built from (``parse``)::

    @dataclass(frozen=True)
    class PocketsphinxOptions:
        vad_mode: int = option(0, doc="Voice activity detection aggressiveness, 0 to 3.", minimum=0, maximum=3)
        model: Path_ | None = option(None, doc="Folder of an acoustic model.")

Types map to JSON Schema: ``int`` integer, ``float`` number, ``bool`` boolean, ``str`` string, ``Literal[...]``
enum, ``tuple[X, ...]`` array, ``X | None`` optional, a nested options dataclass an object; the markers
``Path_``, ``LanguageTag`` and ``DeviceRef`` refer to the schema's shared definitions of those.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal, NewType, Union

Path_ = NewType("Path_", str)  # a file path (no NUL): #/$defs/path
LanguageTag = NewType("LanguageTag", str)  # a BCP 47 tag: #/$defs/languageTag
CString = NewType("CString", str)  # text that reaches a C library or the file system (no NUL): #/$defs/cString
OneLine = NewType("OneLine", str)  # one line for people and headers (no control character): #/$defs/oneLine
DeviceRef = str | int  # an audio device by name, by index, or 'default': #/$defs/deviceRef
REFS: dict[object, str] = {Path_: "path", LanguageTag: "languageTag", CString: "cString", OneLine: "oneLine"}



def option(default: Any = dataclasses.MISSING, *, doc: str = "", secret: bool = False, **schema: Any) -> Any:
    """A dataclass field with its documentation and JSON Schema keywords (minimum, exclusiveMinimum, maximum,
    pattern, minLength, minItems, maxItems, uniqueItems, enum...). Without a default it is required. A
    ``secret`` (a password, an access key) is masked wherever polyglot writes text, however it was written
    (literally or from any variable); its schema says ``writeOnly``."""
    metadata = {"doc": doc, "schema": {**schema, "writeOnly": True} if secret else schema, "secret": secret}
    if isinstance(default, list | dict | set):
        raise TypeError("mutable defaults: use a tuple")
    return dataclasses.field(default=default, metadata=metadata)


def schema_of(cls: type) -> dict[str, Any]:
    """The JSON Schema of an options dataclass: an object with exactly its fields."""
    hints = typing.get_type_hints(cls, include_extras=True)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        prop = _type_schema(hints[f.name])
        prop.update(f.metadata.get("schema", {}))
        if f.metadata.get("doc"):
            prop["description"] = f.metadata["doc"]
        if f.default is dataclasses.MISSING:
            required.append(f.name)
        elif f.default is not None:
            prop["default"] = list(f.default) if isinstance(f.default, tuple) else f.default
        properties[f.name] = prop
    out: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        out["required"] = required
    if cls.__doc__ and not cls.__doc__.startswith(f"{cls.__name__}("):
        out["description"] = " ".join(cls.__doc__.split())
    return out


def parse[O](cls: type[O], data: Mapping[str, Any]) -> O:
    """The options from schema-valid ``data``: defaults for what it leaves out, nested options built,
    lists as tuples. Keys the class does not declare are ignored (the schema has reported them)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    values = {f.name: _value(hints[f.name], data[f.name]) for f in fields if f.name in data}
    return cls(**values)


def defaults[O](cls: type[O]) -> O:
    return parse(cls, {})


def secret_values(options: Any) -> list[str]:
    """The values of every ``secret`` field of an options dataclass, its nested options included."""
    out: list[str] = []
    if not dataclasses.is_dataclass(options) or isinstance(options, type):
        return out
    for f in dataclasses.fields(options):
        value = getattr(options, f.name)
        if f.metadata.get("secret") and isinstance(value, str):
            out.append(value)
        else:
            out += secret_values(value)
    return out


def _type_schema(hint: Any) -> dict[str, Any]:
    if hint in REFS:
        return {"$ref": f"#/$defs/{REFS[hint]}"}
    if hint == DeviceRef:
        return {"$ref": "#/$defs/deviceRef"}
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return _type_schema(rest[0])
        return {"oneOf": [_type_schema(a) for a in rest]}
    if origin is Literal:
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return {"type": "integer", "enum": list(args)}
        return {"enum": list(args)}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(args[0])}
    if dataclasses.is_dataclass(hint):
        return schema_of(hint)  # type: ignore[arg-type]
    simple = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if hint in simple:
        return {"type": simple[hint]}
    if origin is dict or hint is dict:
        return {"type": "object"}
    raise TypeError(f"no JSON Schema for option type {hint!r}")


def _value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return _value(rest[0], value) if len(rest) == 1 else value
    if origin is tuple:
        return tuple(_value(args[0], v) for v in value)
    if dataclasses.is_dataclass(hint) and isinstance(value, Mapping):
        return parse(hint, value)  # type: ignore[arg-type]
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def resolve_paths[O](options: O, resolve: Callable[[str], str]) -> O:
    """The options with every path (``Path_`` field, nested ones too) passed through ``resolve``."""
    if not dataclasses.is_dataclass(options) or isinstance(options, type):
        return options
    hints = typing.get_type_hints(type(options), include_extras=True)
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(options):
        value = getattr(options, f.name)
        if value is None:
            continue
        hint = _strip_optional(hints[f.name])
        if hint is Path_:
            changes[f.name] = resolve(value)
        elif typing.get_origin(hint) is tuple and typing.get_args(hint)[0] is Path_:
            changes[f.name] = tuple(resolve(v) for v in value)
        elif dataclasses.is_dataclass(value):
            changes[f.name] = resolve_paths(value, resolve)
    return dataclasses.replace(options, **changes) if changes else options


def _strip_optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint
