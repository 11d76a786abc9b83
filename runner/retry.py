"""Retrying transient failures: exponential backoff with full jitter, bounded. The one place polyglot retries.

Permanent errors (validation, access denied) are never retried; transient ones (throttling, service failures,
dropped connections) are, up to ``attempts`` tries in all, each wait drawn uniformly from [0, min(max,
initial * 2**n)] so that many targets throttled together do not retry in lockstep.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from runner.errors import EngineError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    initial_backoff: float = 0.2
    max_backoff: float = 5.0

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        ceiling = min(self.max_backoff, self.initial_backoff * (2 ** (retry - 1)))
        return (rng or random).uniform(0, ceiling)


Announce = Callable[[int, float, EngineError], Awaitable[None]]


async def retrying[T](work: Callable[[], Awaitable[T]], policy: RetryPolicy, announce: Announce) -> T:
    """``work()`` until it succeeds, a permanent error occurs, or the attempts run out (the last error is raised).
    ``announce(retry, delay, error)`` is told of each retry before its wait."""
    retry = 0
    while True:
        try:
            return await work()
        except EngineError as exc:
            retry += 1
            if not exc.retryable or retry >= policy.attempts:
                raise
            delay = policy.backoff(retry)
            await announce(retry, delay, exc)
            await asyncio.sleep(delay)
