"""A toy translation engine, written as a plugin author would: one file, registered with its options.
Importing it is all it takes for polyglot to list it, put it in the schema, validate it and run it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from runner.engines.base import EngineRequest, Translator
from runner.options import option
from runner.registry import register


@dataclass(frozen=True)
class MirrorOptions:
    shout: bool = option(False, doc="Upper-case the mirrored text.")
    repeat: int = option(1, doc="How many times to mirror it.", minimum=1, maximum=3)


@register("translation", "mirror", family="toy", options=MirrorOptions, summary="writes the text backwards")
class MirrorTranslator(Translator):
    def __init__(self, options: MirrorOptions) -> None:
        self.options = options

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        return cls(request.options)

    async def translate(self, text: str, source: str | None = None) -> str:
        mirrored = " ".join([text[::-1]] * self.options.repeat)
        return mirrored.upper() if self.options.shout else mirrored
