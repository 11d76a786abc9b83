"""Retrying transient failures: exponential backoff with full jitter, bounded. The one place polyglot decides
whether and when to try again (``retrying`` for a call, ``Attempts`` for a stream that reconnects).

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


class Attempts:
    """Consecutive failures of one piece of work under a policy: the wait before the next try, or the error to
    give up with. Progress (a success) starts a fresh series. Used by ``retrying`` (one call) and by the
    speech-to-text stage (a stream that reconnects)."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.failures = 0

    def succeeded(self) -> None:
        self.failures = 0

    def failed(self, exc: EngineError) -> float:
        """Seconds to wait before trying again; raises ``exc`` if it is permanent or the tries are used up."""
        self.failures += 1
        if not exc.retryable or self.failures >= self.policy.attempts:
            raise exc
        return self.policy.backoff(self.failures)


Announce = Callable[[int, float, EngineError], Awaitable[None]]


async def retrying[T](work: Callable[[], Awaitable[T]], policy: RetryPolicy, announce: Announce) -> T:
    """``work()`` until it succeeds, a permanent error occurs, or the attempts run out (the last error is raised).
    ``announce(retry, delay, error)`` is told of each retry before its wait."""
    attempts = Attempts(policy)
    while True:
        try:
            return await work()
        except EngineError as exc:
            delay = attempts.failed(exc)
            await announce(attempts.failures, delay, exc)
            await asyncio.sleep(delay)
