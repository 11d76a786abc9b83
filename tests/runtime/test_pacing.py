"""A language's timeline streamed in real time (the listener page's audio, Icecast mounts): at the end of a live
run, speech queued far ahead of the clock is played out, not skipped, and each language ends after its own
last speech."""

from __future__ import annotations

import asyncio

from runner.runtime import pacing
from runner.runtime.broadcast import Broadcast
from runner.runtime.pacing import paced_spans
from tests.outputs.test_timeline import speak


async def _stream(cast: Broadcast, label: str, skips: list[tuple[float, float]]) -> list[tuple[float, float]]:
    async def skipped(start: float, end: float) -> None:
        skips.append((start, end))

    return [span async for span in paced_spans(cast, cast.timelines[label], 0.0, ahead=0.3, tail=0.2, block=0.1,
                                               max_block=0.5, on_skip=skipped)]


def test_speech_queued_ahead_of_the_clock_plays_out_and_each_language_ends_after_its_own(monkeypatch):
    # Behind by more than this would mean the timeline forgets audio: a short bound, so that the test is short.
    monkeypatch.setattr(pacing, "MAX_BEHIND_SECONDS", 1.5)

    async def main() -> tuple[list[tuple[float, float]], list[tuple[float, float]], list[tuple[float, float]]]:
        loop = asyncio.get_running_loop()
        began = loop.time()
        cast = Broadcast(lambda: loop.time() - began, live=True, source_language="en-US")
        ja, es = cast.add("ja", "ja"), cast.add("es", "es")
        speak(cast, "ja", "u0001", "長い文。", [4.0])  # its voice speaks far longer than the speaker did
        speak(cast, "es", "u0001", "Corta.", [0.4])
        cast.end()  # the speaker is done: Japanese has 4 s still to play, 2.5 s past the bound
        skips: list[tuple[float, float]] = []
        ja_spans, es_spans = await asyncio.gather(_stream(cast, "ja", skips), _stream(cast, "es", skips))
        assert ja.last_end > 3.9 and es.last_end < 0.5
        return ja_spans, es_spans, skips

    ja_spans, es_spans, skips = asyncio.run(main())
    assert skips == []  # nothing Japanese listeners were still to hear was skipped
    for spans in (ja_spans, es_spans):
        assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))  # no gap, no jump
    assert ja_spans[0][0] == 0.0 and ja_spans[-1][1] > 4.0 + 0.2 - 1e-6
    assert es_spans[-1][1] < 0.4 + 0.2 + 0.01  # Spanish ends after its own speech, not after the Japanese
