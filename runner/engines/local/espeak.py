"""Text-to-speech with espeak-ng (the library bundled by ``espeakng-loader``: 100+ languages, no download)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass
from typing import Self

import numpy as np
import soxr

from runner.engines.base import EngineRequest, Problem, Synthesizer, Voice, VoiceQuery
from runner.engines.languages import display_name, same_language
from runner.engines.local.espeak_lib import EspeakLibrary
from runner.errors import EngineUnavailable, PermanentEngineError
from runner.formats import default_sample_rate
from runner.frames import AudioFormat
from runner.glossary.terms import replace
from runner.glossary.use import pronunciations
from runner.options import option
from runner.registry import register

_END = object()


@dataclass(frozen=True)
class EspeakOptions:
    words_per_minute: int = option(175, doc="Speaking rate.", minimum=80, maximum=450)
    pitch: int = option(50, doc="Voice pitch, 0 to 100.", minimum=0, maximum=100)


@register("text_to_speech", "espeak", family="local", options=EspeakOptions,
          summary="espeak-ng formant synthesis, 100+ languages, bundled with the espeakng-loader wheel")
class EspeakSynthesizer(Synthesizer):
    supports_rate = True

    def __init__(self, voice: str, output: AudioFormat, words_per_minute: int, pitch: int,
                 pronunciations: list[tuple[str, str]] | None = None) -> None:
        self.pronunciations = pronunciations or []  # the glossary's: (word, alias or [[espeak phonemes]])
        self.voice = voice
        self.output = output
        self.words_per_minute = words_per_minute
        self.pitch = pitch
        self._library: EspeakLibrary | None = None

    @classmethod
    def check(cls, request: EngineRequest) -> Iterable[Problem]:
        target = request.target
        assert target is not None
        if target.format != "pcm":
            yield Problem(f"{target.pointer}/format", f"espeak produces pcm only, not {target.format}",
                          code="format")
        wanted = target.voice or target.language
        voice = EspeakLibrary.get().find_voice(wanted)
        where = f"{target.pointer}/voice" if target.voice else f"{target.pointer}/language"
        if voice is None:
            yield Problem(where, f"espeak-ng has no voice for '{wanted}' "
                          f"({display_name(target.language)}); 'polyglot voices --provider espeak' lists them",
                          code="voice")
        elif not any(same_language(lang, target.language) for lang in voice.languages):
            yield Problem(where, f"espeak-ng voice '{wanted}' speaks {display_name(voice.languages[0])}, "
                          f"not {display_name(target.language)}", code="voice")

    @classmethod
    async def voices(cls, query: VoiceQuery) -> list[Voice]:
        library = await asyncio.to_thread(EspeakLibrary.get)
        return [Voice(v.identifier, v.name, tuple(v.languages)) for v in library.voices
                if query.language is None or any(same_language(lang, query.language) for lang in v.languages)]

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        target = request.target
        assert target is not None
        rate = target.sample_rate or default_sample_rate(target.format)
        o: EspeakOptions = request.options
        return cls(voice=target.voice or target.language, output=AudioFormat("pcm", rate, 1),
                   words_per_minute=o.words_per_minute, pitch=o.pitch,
                   pronunciations=pronunciations(request.pipeline, target.language, espeak=True))

    def spoken(self, text: str) -> str:
        """``text`` as espeak-ng is given it: the glossary's words in their pronunciation."""
        return replace(text, self.pronunciations)

    async def start(self) -> None:
        library = await asyncio.to_thread(EspeakLibrary.get)
        if library.find_voice(self.voice) is None:
            raise EngineUnavailable(f"espeak-ng has no voice '{self.voice}'")
        self._library = library

    async def synthesize(self, text: str) -> AsyncGenerator[bytes, None]:
        library = self._library
        if library is None:
            await self.start()
            library = self._library
        assert library is not None
        loop = asyncio.get_running_loop()
        chunks: asyncio.Queue[object] = asyncio.Queue()
        wanted = [True]  # cleared when the consumer goes away, which aborts synthesis on the espeak thread

        def on_audio(pcm: bytes) -> bool:
            loop.call_soon_threadsafe(chunks.put_nowait, pcm)
            return wanted[0]

        spoken = self.spoken(text)
        job = library.synthesize(spoken, self.voice, round(self.words_per_minute * self.rate), self.pitch, on_audio,
                                 phoneme_input="[[" in spoken and spoken != text)
        job.add_done_callback(lambda _: loop.call_soon_threadsafe(chunks.put_nowait, _END))
        resampler = None
        if library.sample_rate != self.output.sample_rate:
            resampler = soxr.ResampleStream(library.sample_rate, self.output.sample_rate, 1, dtype="int16")
        try:
            while (item := await chunks.get()) is not _END:
                assert isinstance(item, bytes)
                if resampler is None:
                    yield item
                else:
                    out = resampler.resample_chunk(np.frombuffer(item, dtype=np.int16))
                    if out.size:
                        yield out.tobytes()
            if resampler is not None:
                tail = resampler.resample_chunk(np.zeros(0, dtype=np.int16), last=True)
                if tail.size:
                    yield tail.tobytes()
            if (exc := job.exception()) is not None:
                raise PermanentEngineError(f"espeak-ng failed: {exc}") from exc
        finally:
            wanted[0] = False

