"""Broadcast outputs: every language of a run at once, from the per-language timelines (runner.runtime.
broadcast), to listeners or streams. An output type registers itself (runner.registry, kind "output") with its
options class, and is driven by the session:

    start()   before any audio flows: bind, connect, open (an output that cannot start stops the run: exit 74)
    finish()  the broadcast is over: deliver what is left, end the streams cleanly (within the drain deadline)
    aclose()  release everything, whatever happened
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from runner.config.model import ComponentChoice, PipelineConfig
from runner.engines.base import Problem
from runner.runtime.broadcast import Broadcast

if TYPE_CHECKING:
    from runner.runtime.router import Router


@dataclass(frozen=True)
class OutputContext:
    config: ComponentChoice  # its type and options
    pipeline: PipelineConfig
    broadcast: Broadcast
    router: Router  # to report what happens (notices)

    @property
    def options(self) -> Any:
        return self.config.options


WILDCARD_HOSTS = ("", "0.0.0.0", "::")  # every address of the machine


@dataclass(frozen=True)
class Claim:
    """What only one output of a run may hold (runner.plan.checks refuses two claims of one resource): a TCP
    port it listens on, a folder or a bucket prefix it owns."""

    resource: str  # "TCP port 8080", "folder /srv/out/hls", "s3://bucket/live/"
    pointer: str  # the config value that claims it
    host: str | None = None  # a port's address: one on 127.0.0.1 and one on 192.0.2.7 do not collide

    def collides(self, other: Claim) -> bool:
        if self.resource != other.resource:
            return False
        return self.host is None or other.host is None or self.host == other.host \
            or self.host in WILDCARD_HOSTS or other.host in WILDCARD_HOSTS


class Output(ABC):
    type_name: ClassVar[str]
    listens: ClassVar[bool] = False  # it serves its options' host:port (claimed, unless port 0: any free one)

    def __init__(self, context: OutputContext) -> None:
        self.context = context

    @classmethod
    def check(cls, config: ComponentChoice, pipeline: PipelineConfig) -> Iterable[Problem]:
        """Problems with its options for this pipeline (pure: nothing opened)."""
        return ()

    @classmethod
    def outline(cls, config: ComponentChoice, pipeline: PipelineConfig) -> tuple[str, list[str]]:
        """How ``polyglot graph`` shows it (options already masked): one line, and a line per language."""
        return config.type, []

    @classmethod
    def claims(cls, config: ComponentChoice, pipeline: PipelineConfig) -> Iterable[Claim]:
        """The ports, folders and prefixes it holds while it runs (pure: from the config)."""
        options = config.options
        if cls.listens and options.port:
            yield Claim(f"TCP port {options.port}", f"{config.pointer}/port", host=options.host)

    def describe(self) -> str:
        return self.type_name

    @abstractmethod
    async def start(self) -> None: ...

    async def finish(self) -> None:
        """The broadcast ended (Broadcast.end was called): finish what is under way."""

    def finish_seconds(self) -> float:
        """How long finish() needs at most, once the broadcast ended (an output that plays out in real time
        needs what it has yet to play): the run waits that long, or its own deadline if longer."""
        return 0.0

    async def aclose(self) -> None:
        """Release sockets, files, tasks. Safe to call twice."""

    def announce(self) -> list[str]:
        """Lines for the console once it started (where to listen)."""
        return []
