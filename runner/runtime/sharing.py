"""Targets that would get the same translation share one (a broadcast often has several voices per language:
es-ES and es-US read the same Spanish). One call per utterance instead of one per target: less CPU on the
runner at the moment every lane translates at once, and fewer characters billed.

The build phase groups translators by :meth:`Translator.sharing_key` and hands each group one
:class:`SharedTranslator`; the stages cannot tell the difference.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Hashable
from typing import Self

from runner.engines.base import EngineRequest, Translator

RECENT = 16  # finished translations kept, so a target that falls behind its group still finds its text


class SharedTranslator(Translator):
    """One translator behind several targets: each text is translated once, whoever asks first; the others
    wait for that same call. A failed call is not kept, so each target's retry asks again (and joins any retry
    already in flight)."""

    provider = "shared"

    def __init__(self, inner: Translator) -> None:
        self.inner = inner
        self._flights: OrderedDict[tuple[str, str | None], asyncio.Future[str]] = OrderedDict()
        self._starting: asyncio.Future[None] | None = None

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        raise TypeError("a SharedTranslator wraps translators that exist: see share()")

    async def start(self) -> None:
        if self._starting is None:  # every target starts its translator: start the shared one once
            self._starting = asyncio.ensure_future(self.inner.start())
        await asyncio.shield(self._starting)

    async def translate(self, text: str, source: str | None = None) -> str:
        key = (text, source)
        flight = self._flights.get(key)
        if flight is None or (flight.done() and (flight.cancelled() or flight.exception() is not None)):
            flight = asyncio.ensure_future(self.inner.translate(text, source))
            flight.add_done_callback(_observe)
            self._flights[key] = flight
        self._flights.move_to_end(key)
        while len(self._flights) > RECENT:
            self._flights.popitem(last=False)
        return await asyncio.shield(flight)  # one waiter cancelled (its target cut) does not cancel the others

    def sharing_key(self) -> Hashable | None:
        return self.inner.sharing_key()

    def drain_notices(self) -> list[tuple[str, str]]:
        return self.inner.drain_notices()

    def metrics(self) -> dict[str, float]:
        return self.inner.metrics()

    async def aclose(self) -> None:
        for flight in self._flights.values():
            flight.cancel()
        self._flights.clear()
        if self._starting is not None:
            self._starting = None
            await self.inner.aclose()


def _observe(flight: asyncio.Future[str]) -> None:
    """Retrieve the outcome so that a failure nobody awaited any more is not reported as never retrieved."""
    if not flight.cancelled():
        flight.exception()


def share(translators: list[Translator]) -> list[Translator]:
    """The same list, with translators whose sharing keys are equal replaced by one SharedTranslator."""
    groups: dict[Hashable, list[int]] = {}
    for i, translator in enumerate(translators):
        key = translator.sharing_key()
        if key is not None:
            groups.setdefault(key, []).append(i)
    out = list(translators)
    for members in groups.values():
        if len(members) > 1:
            shared = SharedTranslator(translators[members[0]])
            for i in members:
                out[i] = shared
    return out
