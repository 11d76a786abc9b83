"""What the emulated Transcribe hears, as the service hears it: with channel identification each channel is
recognized on its own (one result per channel, each with its ChannelId); with language identification each result
says which of the language options it identified, with scores.

The recognizer is pocketsphinx (English) or a script of lines; a scripted line may carry its language as a
leading tag, ``"[fr-FR] bonjour"`` (see knobs.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

from polyglot_emulator.backend import Backend
from runner.engines.languages import base_language
from runner.frames import AudioFrame, Transcript

_TAG = re.compile(r"\[([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4})?)\]\s*(.*)", re.DOTALL)
POCKETSPHINX_LANGUAGE = "en-US"


@dataclass(frozen=True)
class Script:
    """The knob's lines as the recognizer says them (tags removed), and the language of each tagged line."""

    lines: list[str]
    languages: dict[str, str]

    @classmethod
    def parse(cls, raw: list[str]) -> Script:
        lines, languages = [], {}
        for line in raw:
            match = _TAG.fullmatch(line.strip())
            if match:
                languages[match.group(2)] = match.group(1)
                line = match.group(2)
            lines.append(line)
        return cls(lines, languages)


def spoken_language(transcript: Transcript, script: Script | None) -> str | None:
    """The language actually spoken in a result, "" if unknown (an untagged line), None if not heard yet (a
    scripted partial is only a sign of speech)."""
    if script is None:
        return POCKETSPHINX_LANGUAGE
    if not transcript.final:
        return None
    return script.languages.get(transcript.text, "")


def identify(spoken: str, options: list[str], preferred: str | None) -> list[tuple[str, float]]:
    """Each language option with its score, the identified one first: the spoken language if it is an option
    (or an option of the same language), else the preferred language or the first option, with less confidence."""
    fallback = preferred or options[0]
    same = [o for o in options if o == spoken] or [o for o in options if spoken and
                                                    base_language(o) == base_language(spoken)]
    chosen = same[0] if same else fallback
    confidence = 0.94 if same else 0.55
    others = [o for o in options if o != chosen]
    return [(chosen, confidence), *((o, round((1 - confidence) / len(others), 4)) for o in others)]


async def recognize_channels(backend: Backend, audio: AsyncIterator[list[AudioFrame]], channels: int,
                             script: Script | None, words_per_second: float | None = None) \
        -> AsyncGenerator[tuple[int, Transcript], None]:
    """(channel, transcript) as each channel's recognizer produces them. ``audio`` yields one frame per channel
    at a time; an exception it raises (the service ending the stream) ends this at once, dropping the speech
    under way rather than finalizing it."""
    inputs: list[asyncio.Queue[AudioFrame | None]] = [asyncio.Queue() for _ in range(channels)]
    output: asyncio.Queue[tuple[int, Transcript | None] | BaseException] = asyncio.Queue()
    lines = script.lines if script is not None else None

    async def pump() -> None:
        try:
            async for frames in audio:
                for queue, frame in zip(inputs, frames, strict=True):
                    queue.put_nowait(frame)
        except Exception as exc:
            output.put_nowait(exc)
            return
        for queue in inputs:
            queue.put_nowait(None)

    async def frames_of(queue: asyncio.Queue[AudioFrame | None]) -> AsyncIterator[AudioFrame]:
        while (frame := await queue.get()) is not None:
            yield frame

    async def listen(channel: int) -> None:
        try:
            heard = backend.recognize(frames_of(inputs[channel]), lines, words_per_second)
            async with contextlib.aclosing(heard) as transcripts:
                async for transcript in transcripts:
                    output.put_nowait((channel, transcript))
        except Exception as exc:
            output.put_nowait(exc)
            return
        output.put_nowait((channel, None))

    tasks = [asyncio.create_task(pump()), *(asyncio.create_task(listen(c)) for c in range(channels))]
    finished = 0
    try:
        while finished < channels:
            item = await output.get()
            if isinstance(item, BaseException):
                raise item
            channel, transcript = item
            if transcript is None:
                finished += 1
            else:
                yield channel, transcript
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
