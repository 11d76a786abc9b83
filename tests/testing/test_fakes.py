"""The fake engines misbehave on demand, as the tests that use them rely on: hangs wait until cancelled,
failures come where they are asked for."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from runner.engines.fake import EchoTranslator, FaultOptions, ScriptedRecognizer, ToneSynthesizer
from runner.errors import PermanentEngineError, TransientEngineError
from runner.frames import AudioFormat, AudioFrame
from tests.support.sources import tone_pattern


async def still_running_after(work: asyncio.Task, seconds: float) -> bool:
    """Whether ``work`` is still waiting after ``seconds``; then it is cancelled, and must end at once."""
    done, _ = await asyncio.wait({work}, timeout=seconds)
    if done:
        return False
    work.cancel()
    done, _ = await asyncio.wait({work}, timeout=1)
    assert done and work.cancelled()
    return True


def test_a_translation_listed_in_hang_on_never_comes_and_is_cancellable():
    translator = EchoTranslator("", faults=FaultOptions(hang_on=("stuck",)))

    async def main() -> None:
        assert await translator.translate("all is well") == "all is well"
        assert await still_running_after(asyncio.create_task(translator.translate("we are stuck")), 0.3)

    asyncio.run(main())


def test_speech_listed_in_hang_on_stops_after_its_first_chunk():
    synthesizer = ToneSynthesizer(AudioFormat("pcm", 16000), faults=FaultOptions(hang_on=("stuck",)))
    chunks: list[bytes] = []

    async def speak(text: str) -> None:
        async for chunk in synthesizer.synthesize(text):
            chunks.append(chunk)

    async def main() -> None:
        await speak("all is well")
        assert len(chunks) > 1
        chunks.clear()
        assert await still_running_after(asyncio.create_task(speak("we are stuck for a while")), 0.3)
        assert len(chunks) == 1

    asyncio.run(main())


def test_failures_come_where_asked():
    translator = EchoTranslator("", faults=FaultOptions(fail_on=("bad",), fatal_on=("worse",), fail_first=1))

    async def main() -> None:
        with pytest.raises(TransientEngineError, match="fail_first"):
            await translator.translate("fine")
        assert await translator.translate("fine") == "fine"
        with pytest.raises(TransientEngineError, match="fail_on"):
            await translator.translate("bad")
        with pytest.raises(PermanentEngineError, match="fatal_on"):
            await translator.translate("worse")

    asyncio.run(main())


def test_a_recognizer_past_hang_after_reads_no_more_audio():
    recognizer = ScriptedRecognizer(["one"], threshold=0.02, silence=0.3, hang_after=1.0)
    read: list[AudioFrame] = []

    async def counted(frames: AsyncIterator[AudioFrame]) -> AsyncIterator[AudioFrame]:
        async for frame in frames:
            read.append(frame)
            yield frame

    async def listen() -> None:
        async for _ in recognizer.transcribe(counted(tone_pattern([(0.5, True), (2.5, False)]))):
            pass

    async def main() -> None:
        assert await still_running_after(asyncio.create_task(listen()), 0.5)

    asyncio.run(main())
    assert read[-1].end == pytest.approx(1.0)  # the frame that reached 1 s was the last one read


def test_the_first_stream_fails_after_fail_after_and_the_next_does_not():
    recognizer = ScriptedRecognizer(["one"], threshold=0.02, silence=0.3, fail_after=0.5)

    async def listen() -> list[str]:
        return [t.text async for t in recognizer.transcribe(tone_pattern([(0.3, True), (0.6, False)]))
                if t.final]

    with pytest.raises(TransientEngineError, match="fail_after"):
        asyncio.run(listen())
    assert asyncio.run(listen()) == ["one"]
    assert recognizer.stream_starts == [0.0, 0.0]


def test_a_burst_cut_by_the_end_of_its_stream_keeps_its_line_for_the_replay():
    """A rotated or dropped stream ends during an utterance; the next stream gets it whole, as the same line."""
    recognizer = ScriptedRecognizer(["one", "two"], threshold=0.02, silence=0.3)

    async def finals(pattern: list[tuple[float, bool]]) -> list[str]:
        return [t.text async for t in recognizer.transcribe(tone_pattern(pattern)) if t.final]

    assert asyncio.run(finals([(0.3, False), (0.2, True)])) == ["one"]  # cut: the stream ends
    assert asyncio.run(finals([(0.3, False), (0.5, True), (0.5, False), (0.3, True), (0.5, False)])) \
        == ["one", "two"]
