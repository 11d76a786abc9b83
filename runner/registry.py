"""Every component polyglot can build, by (kind, name): the engines of the three stages, the audio sources, the
sinks (a target's or the transcript's files and devices) and the broadcast outputs (every language at once: the
listener page, HLS, Icecast). Each registers itself next to its code, with the options it takes (a dataclass, see
runner.options); the plan, the runtime, the CLI and the pipeline schema find components here and never import
one by name::

    @register("translation", "apertium", family="local", options=ApertiumOptions, summary="...")
    class ApertiumTranslator(Translator): ...

Component packages are found through the ``polyglot.components`` entry-point group (pyproject.toml): adding a
family is a package and one entry-point line; adding an engine to a family is a module and one import line in
the family's ``__init__``. A family declares the modules it needs at run time and the install extra that
brings them; its package must import without them (it imports them when it runs), so that its components and
their options are known, and a config that uses one says in one line which extra to install.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any, Literal, TypeVar

from runner.errors import EngineUnavailable

Kind = Literal["speech_to_text", "translation", "text_to_speech", "source", "sink", "output"]
ENGINE_KINDS: tuple[Kind, ...] = ("speech_to_text", "translation", "text_to_speech")
LABELS: dict[Kind, str] = {"speech_to_text": "speech-to-text engine", "translation": "translation engine",
                           "text_to_speech": "text-to-speech engine", "source": "source type", "sink": "sink type",
                           "output": "output type"}
ENTRY_POINT_GROUP = "polyglot.components"
DISTRIBUTION = "polyglot-runner"


@dataclass(frozen=True)
class Family:
    """Components that ship and install together (local, aws...), and what they need to run."""

    name: str
    extra: str | None = None  # the install extra that brings `modules`; None: part of every installation
    modules: tuple[str, ...] = ()  # top-level modules imported when a component runs

    def missing(self) -> list[str]:
        """The needed modules this installation lacks (looked up, not imported)."""
        return [m for m in self.modules if importlib.util.find_spec(m) is None]

    def install_command(self) -> str:
        return f"pip install '{DISTRIBUTION}[{self.extra}]'" if self.extra else f"reinstall {DISTRIBUTION}"


@dataclass(frozen=True)
class Component:
    kind: Kind
    name: str  # the provider (engines) or the type (sources, sinks) a config names
    family: str
    summary: str
    cls: Any  # an engine class (runner.engines.base), an AudioSource or a Sink subclass
    options: Any  # the options dataclass; its fields are the component's config keys
    target_fields: Any = None  # text-to-speech only: a dataclass of the extra keys it reads on each target
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def engine(self) -> Any:
        return self.cls


_components: dict[tuple[Kind, str], Component] = {}
_families: dict[str, Family] = {"builtin": Family("builtin")}
_broken: dict[str, str] = {}  # entry point -> why its package did not import
_loaded = False
_generation = 0  # counts registrations: what is derived from the registry (the schema) is cached per generation

C = TypeVar("C", bound=type)


def family(name: str, *, extra: str | None = None, modules: tuple[str, ...] = ()) -> Family:
    """Declare a family (in its package's ``__init__``)."""
    _families[name] = Family(name, extra, modules)
    return _families[name]


def register(kind: Kind, name: str, *, options: type, family: str = "builtin", summary: str = "",
             target_fields: type | None = None) -> Callable[[C], C]:
    """Class decorator: make ``cls`` the ``kind`` component called ``name``, configured by ``options``."""

    def decorate(cls: C) -> C:
        _check_base(kind, cls)
        key = (kind, name)
        if key in _components and _components[key].cls is not cls:
            raise ValueError(f"{LABELS[kind]} {name!r} is registered twice")
        if kind in ENGINE_KINDS:
            cls.provider = name  # type: ignore[attr-defined]
        else:
            cls.type_name = name  # type: ignore[attr-defined]
        _components[key] = Component(kind, name, family, summary, cls, options, target_fields)
        global _generation
        _generation += 1
        return cls

    return decorate


def load_plugins() -> None:
    """Import every component package listed under the entry-point group, once."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            import_module(ep.value)
        except ImportError as exc:
            _broken[ep.name] = str(exc)


def generation() -> int:
    """Changes whenever a component is registered (the plugins loaded first)."""
    load_plugins()
    return _generation


def find(kind: Kind, name: str) -> Component | None:
    """The component, or None when none is registered by that name."""
    load_plugins()
    return _components.get((kind, name))


def lookup(kind: Kind, name: str) -> Component:
    """The component, or EngineUnavailable saying which ones exist."""
    load_plugins()
    component = _components.get((kind, name))
    if component is None:
        raise EngineUnavailable(unknown(kind, name))
    return component


def available(kind: Kind | None = None) -> list[Component]:
    load_plugins()
    return sorted((c for c in _components.values() if kind is None or c.kind == kind),
                  key=lambda c: (c.kind, c.name))


def names(kind: Kind) -> list[str]:
    return [c.name for c in available(kind)]


def unknown(kind: Kind, name: str) -> str:
    known = ", ".join(names(kind)) or "none"
    broken = "".join(f"; the {ep} components failed to load ({why})" for ep, why in sorted(_broken.items()))
    return f"{LABELS[kind]} '{name}' is not available (available: {known}){broken}"


def family_of(component: Component) -> Family:
    return _families.get(component.family, Family(component.family))


def not_installed(family_name: str, components: list[str]) -> str | None:
    """Why a family's components cannot run here (modules missing), in one line; None if they can."""
    family = _families.get(family_name)
    missing = family.missing() if family else []
    if not missing or family is None:
        return None
    names_ = ", ".join(dict.fromkeys(components))
    return (f"the {family.name} engines ({names_}) are not installed: {family.install_command()} "
            f"(missing: {', '.join(missing)})")


def _check_base(kind: Kind, cls: type) -> None:
    if kind not in ENGINE_KINDS:
        return
    from runner.engines.base import SpeechToText, Synthesizer, Translator

    base = {"speech_to_text": SpeechToText, "translation": Translator, "text_to_speech": Synthesizer}[kind]
    if not issubclass(cls, base):
        raise TypeError(f"{cls.__name__} is registered as {kind} but is not a {base.__name__}")
