"""Engines register themselves by (kind, provider); the runtime looks them up here and never imports one.

Engine packages are found through the ``polyglot.engines`` entry-point group (see ``pyproject.toml``), so adding
an engine family means adding a package and one entry-point line. A family whose import fails (an optional
dependency is missing) is remembered with the reason, which then explains why its providers are unavailable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points
from typing import Literal, TypeVar

from runner.engines.base import Engine, SpeechToText, Synthesizer, Translator
from runner.errors import EngineUnavailable

Kind = Literal["speech_to_text", "translation", "text_to_speech"]
KIND_BASES: dict[Kind, type] = {
    "speech_to_text": SpeechToText,
    "translation": Translator,
    "text_to_speech": Synthesizer,
}
ENTRY_POINT_GROUP = "polyglot.engines"

# Providers the schema knows whose family is not part of this installation yet or failed to import.
KNOWN_FAMILIES: dict[str, str] = {
    "transcribe": "aws",
    "translate": "aws",
    "polly": "aws",
}


@dataclass(frozen=True)
class EngineSpec:
    kind: Kind
    provider: str
    family: str
    summary: str
    engine: type[Engine]


_engines: dict[tuple[Kind, str], EngineSpec] = {}
_broken_families: dict[str, str] = {}
_loaded = False

E = TypeVar("E", bound=type[Engine])


def register(kind: Kind, provider: str, *, family: str, summary: str) -> Callable[[E], E]:
    """Class decorator: make an engine available under ``provider`` for stage ``kind``."""

    def decorate(cls: E) -> E:
        if not issubclass(cls, KIND_BASES[kind]):
            raise TypeError(f"{cls.__name__} is registered as {kind} but is not a {KIND_BASES[kind].__name__}")
        key = (kind, provider)
        if key in _engines and _engines[key].engine is not cls:
            raise ValueError(f"{kind} provider {provider!r} is registered twice")
        cls.provider = provider
        _engines[key] = EngineSpec(kind, provider, family, summary, cls)
        return cls

    return decorate


def load_plugins() -> None:
    """Import every engine family listed under the entry-point group, once."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            import_module(ep.value)
        except ImportError as exc:
            _broken_families[ep.name] = f"{exc}"


def lookup(kind: Kind, provider: str) -> EngineSpec:
    load_plugins()
    spec = _engines.get((kind, provider))
    if spec is not None:
        return spec
    raise EngineUnavailable(unavailable_reason(kind, provider))


def family_of(provider: str) -> str | None:
    """The family a provider belongs to, when it is known even without being installed."""
    load_plugins()
    spec = next((s for (k, p), s in _engines.items() if p == provider), None)
    return spec.family if spec else KNOWN_FAMILIES.get(provider)


def family_unavailable(family: str, providers: list[str]) -> str:
    names = ", ".join(dict.fromkeys(providers))
    if family in _broken_families:
        return (f"the {family} engines ({names}) are not available: they failed to load "
                f"({_broken_families[family]}); reinstall polyglot with its dependencies")
    return f"the {family} engines ({names}) are not available: they are not part of this installation"


def unavailable_reason(kind: Kind, provider: str) -> str:
    stage = kind.replace("_", "-")
    family = KNOWN_FAMILIES.get(provider)
    if family:
        return family_unavailable(family, [provider])
    known = ", ".join(sorted(p for (k, p) in _engines if k == kind)) or "none"
    return f"{stage} engine '{provider}' is not available (available: {known})"


def available(kind: Kind | None = None) -> list[EngineSpec]:
    load_plugins()
    return sorted((s for s in _engines.values() if kind is None or s.kind == kind),
                  key=lambda s: (s.kind, s.provider))
