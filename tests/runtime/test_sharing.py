"""Targets that would get the same translation share one call per utterance."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

import pytest

from runner.engines.fake import EchoTranslator, FaultOptions
from runner.errors import TransientEngineError
from runner.runtime.sharing import SharedTranslator, share


def counting(key: Hashable | None, failures: int = 0) -> EchoTranslator:
    """Answers "[es] text" after a moment, counting calls, starts and closes; fails the first ``failures`` calls."""
    return EchoTranslator("[es] ", latency=0.02, faults=FaultOptions(fail_first=failures), start_latency=0.01,
                          sharing=key)


def test_equal_keys_share_one_translator_and_none_never_does():
    es_es, es_us, fr, own_a, own_b = (counting("es"), counting("es"), counting("fr"),
                                      counting(None), counting(None))
    out = share([es_es, fr, es_us, own_a, own_b])
    assert isinstance(out[0], SharedTranslator) and out[0] is out[2] and out[0].inner is es_es
    assert out[1] is fr and out[3] is own_a and out[4] is own_b


def test_every_target_gets_the_text_from_one_call():
    inner = counting("es")
    shared = SharedTranslator(inner)

    async def main() -> list[str]:
        await asyncio.gather(shared.start(), shared.start(), shared.start())
        texts = await asyncio.gather(*(shared.translate("hello") for _ in range(3)))
        texts += await asyncio.gather(*(shared.translate("again") for _ in range(3)))
        await asyncio.gather(shared.aclose(), shared.aclose(), shared.aclose())
        return texts

    assert asyncio.run(main()) == ["[es] hello"] * 3 + ["[es] again"] * 3
    assert inner.requests == ["hello", "again"]
    assert inner.starts == 1 and inner.closes == 1


def test_a_failed_call_is_asked_again_by_the_retry():
    inner = counting("es", failures=1)
    shared = SharedTranslator(inner)

    async def main() -> tuple[list[object], list[str]]:
        first = await asyncio.gather(shared.translate("hi"), shared.translate("hi"), return_exceptions=True)
        retried = await asyncio.gather(shared.translate("hi"), shared.translate("hi"))
        return first, retried

    first, retried = asyncio.run(main())
    assert all(isinstance(r, TransientEngineError) for r in first)  # both targets saw the failure
    assert retried == ["[es] hi", "[es] hi"] and inner.requests == ["hi", "hi"]  # and their retries made one new call


def test_a_cancelled_target_does_not_cancel_the_others():
    shared = SharedTranslator(counting("es"))

    async def main() -> str:
        cut = asyncio.create_task(shared.translate("hello"))
        kept = asyncio.create_task(shared.translate("hello"))
        await asyncio.sleep(0.005)
        cut.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cut
        return await kept

    assert asyncio.run(main()) == "[es] hello"
