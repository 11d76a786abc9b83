"""Streaming speech-to-text with pocketsphinx 5 and the en-US model its wheel ships.

Voice activity detection (pocketsphinx's ``Endpointer``, 30 ms frames) cuts the stream into utterances; the
decoder gives partial hypotheses while one is spoken and the final one when it ends. ``fwdflat`` and ``bestpath``
are off: they cost ~10x at the end of each utterance for little accuracy on live speech.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import pocketsphinx

from runner.engines.base import EngineRequest, Problem, SpeechToText
from runner.engines.languages import same_language
from runner.errors import EngineUnavailable
from runner.frames import AudioFrame, Transcript
from runner.glossary.terms import replace
from runner.options import Path_, option
from runner.registry import register


class _Recognition:
    """One stream's decoding state. Runs on a worker thread; not asyncio-aware."""

    def __init__(self, decoder: pocketsphinx.Decoder, vad_mode: int, window: float, partials_every: float,
                 origin: float) -> None:
        self.decoder = decoder
        self.endpointer = pocketsphinx.Endpointer(window=window, vad_mode=vad_mode, sample_rate=16000)
        self.frame_bytes = self.endpointer.frame_bytes
        self.partials_every = partials_every
        self.origin = origin  # stream time of the first frame
        self.pending = bytearray()
        self.fed = 0  # bytes of audio received
        self.seq = 0
        self.in_utterance = False
        self.since_partial = 0.0
        self.last_partial = ""

    def feed(self, pcm: bytes) -> list[Transcript]:
        self.fed += len(pcm)
        self.pending += pcm
        out: list[Transcript] = []
        usable = len(self.pending) - len(self.pending) % self.frame_bytes
        for offset in range(0, usable, self.frame_bytes):
            self._frame(bytes(self.pending[offset:offset + self.frame_bytes]), out)
        del self.pending[:usable]
        return out

    def finish(self) -> list[Transcript]:
        """End of stream: flush the last, possibly unterminated, utterance."""
        out: list[Transcript] = []
        audio_end = self.fed / 32000  # seconds of audio in the stream (16 kHz, 16-bit)
        tail = bytes(self.pending) + b"\0" * (-len(self.pending) % self.frame_bytes)
        if not tail and self.endpointer.in_speech:
            # The audio ends mid-utterance exactly on a frame boundary: only end_stream flushes the speech the
            # endpointer still holds and says where it ended, and it needs a frame (of silence, then).
            tail = b"\0" * self.frame_bytes
        speech = self.endpointer.end_stream(tail) if tail else None
        if speech is not None:
            self._speech(speech, out)
        if self.in_utterance:
            self._final(out, end=max(self.endpointer.speech_start, min(self.endpointer.speech_end, audio_end)))
        return out

    def _frame(self, frame: bytes, out: list[Transcript]) -> None:
        speech = self.endpointer.process(frame)
        if speech is not None:
            self._speech(speech, out)
        if self.in_utterance and not self.endpointer.in_speech:
            self._final(out, end=self.endpointer.speech_end)

    def _speech(self, speech: bytes, out: list[Transcript]) -> None:
        if not self.in_utterance:
            self.in_utterance = True
            self.since_partial = 0.0
            self.last_partial = ""
            self.decoder.start_utt()
        self.decoder.process_raw(speech, False, False)
        self.since_partial += len(speech) / 32000
        if self.partials_every and self.since_partial >= self.partials_every:
            self.since_partial = 0.0
            hyp = self.decoder.hyp()
            text = hyp.hypstr.strip() if hyp is not None else ""
            if text and text != self.last_partial:
                self.last_partial = text
                start = self._t(self.endpointer.speech_start)
                out.append(Transcript(self.seq, text, False, start, round(start + self._elapsed(), 3)))

    def _final(self, out: list[Transcript], end: float) -> None:
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
        out.append(Transcript(self.seq, text, True, self._t(self.endpointer.speech_start), self._t(end)))
        self.seq += 1
        self.in_utterance = False

    def _elapsed(self) -> float:
        return self.decoder.n_frames() / 100.0  # pocketsphinx frames are 10 ms

    def _t(self, endpointer_seconds: float) -> float:
        return round(self.origin + endpointer_seconds, 3)


@dataclass(frozen=True)
class PocketsphinxOptions:
    vad_mode: int = option(0, doc="Voice activity detection aggressiveness, 0 (loose) to 3 (strict).", minimum=0,
                           maximum=3)
    end_silence: float = option(0.3, doc="Seconds of window deciding the start and end of an utterance.",
                                minimum=0.09, maximum=5)
    partials_every: float = option(0.3, doc="Seconds of speech between partial transcripts; 0 turns partials off.",
                                   minimum=0)
    model: Path_ | None = option(None, doc="Folder of an acoustic model; default is the en-US model shipped in "
                                 "the pocketsphinx package.")
    dictionary: Path_ | None = option(None, doc="Pronunciation dictionary for that model.")
    language_model: Path_ | None = option(None, doc="Language model for that model.")


@register("speech_to_text", "pocketsphinx", family="local", options=PocketsphinxOptions,
          summary="CMU pocketsphinx 5 with the en-US model shipped in its wheel; streaming partials and finals")
class PocketsphinxRecognizer(SpeechToText):
    input_rate = 16000
    input_channels = 1

    def __init__(self, options: PocketsphinxOptions, misheard: list[tuple[str, str]] | None = None) -> None:
        self.misheard = misheard or []  # the glossary's sounds-like forms, written as their terms
        self.vad_mode = options.vad_mode
        self.window = options.end_silence
        self.partials_every = options.partials_every
        self.model_args = {k: v for k, v in (("hmm", options.model), ("dict", options.dictionary),
                                             ("lm", options.language_model)) if v}
        self._decoder: pocketsphinx.Decoder | None = None

    @classmethod
    def check(cls, request: EngineRequest) -> Iterable[Problem]:
        o: PocketsphinxOptions = request.options
        if not o.model and not same_language(request.source_language, "en"):
            yield Problem("/language", f"pocketsphinx ships an English (en-US) model only, not "
                          f"{request.source_language}; set speech_to_text.model to another acoustic model",
                          code="language")
        for key, path in (("model", o.model), ("dictionary", o.dictionary), ("language_model", o.language_model)):
            if path and not os.path.exists(path):
                yield Problem(f"{request.choice.pointer}/{key}", f"no such file or folder: {path}", code="input")

    @classmethod
    def input_files(cls, request: EngineRequest) -> list[Path]:
        o: PocketsphinxOptions = request.options
        return [Path(p) for p in (o.model, o.dictionary, o.language_model) if p]

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        glossary = request.pipeline.glossary
        return cls(request.options, glossary.misheard_forms() if glossary is not None else None)

    def _fixed(self, transcript: Transcript) -> Transcript:
        """The glossary's terms where pocketsphinx heard their sounds-like (its dictionary has no names)."""
        return dataclasses.replace(transcript, text=replace(transcript.text, self.misheard)) if self.misheard \
            else transcript

    async def start(self) -> None:
        if self._decoder is None:
            self._decoder = await asyncio.to_thread(self._load)

    def _load(self) -> pocketsphinx.Decoder:
        try:
            return pocketsphinx.Decoder(fwdflat=False, bestpath=False, loglevel="FATAL", **self.model_args)
        except (RuntimeError, ValueError, OSError) as exc:
            raise EngineUnavailable(f"pocketsphinx could not load its model: {exc}") from exc

    async def transcribe(self, frames: AsyncIterator[AudioFrame]) -> AsyncGenerator[Transcript, None]:
        await self.start()
        assert self._decoder is not None
        recognition: _Recognition | None = None
        async for frame in frames:
            if recognition is None:
                recognition = _Recognition(self._decoder, self.vad_mode, self.window, self.partials_every,
                                           origin=frame.start)
            for transcript in await asyncio.to_thread(recognition.feed, frame.pcm):
                yield self._fixed(transcript)
        if recognition is not None:
            for transcript in await asyncio.to_thread(recognition.finish):
                yield self._fixed(transcript)
