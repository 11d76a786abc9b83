"""Streaming speech-to-text with Whisper (faster-whisper: CTranslate2 and Silero VAD, no torch), the offline
default. The model comes from an installed package, a folder or the local Hugging Face cache, never from the
network unless ``allow_download`` (runner.engines.local.whisper_models).

Whisper decodes whole windows, not streams: each utterance the VAD finds is decoded again as it grows (a partial
every ``partials_every`` seconds, the full utterance's hypothesis so far) and once more when it ends (the final,
its start and end placed by Whisper's word timings). Multilingual models may identify the language of each
utterance (``identify_language``); the transcript then says which, and the translators translate from it.
Behind a live speaker it sheds load (runner.engines.local.whisper_load): no partials, then the fallback model.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

from runner.engines.base import EngineRequest, Problem, SpeechToText
from runner.engines.local import whisper_models
from runner.engines.local.whisper_decode import DecodeSettings, WhisperDecoder, whisper_language
from runner.engines.local.whisper_load import Shedding
from runner.engines.local.whisper_stream import Segmenting, WhisperStream
from runner.errors import EngineUnavailable
from runner.frames import AudioFrame, Transcript
from runner.glossary.use import speech_to_text_terms
from runner.options import CString, LanguageTag, option
from runner.registry import register

ComputeType = Literal["float32", "int8", "int8_float32", "int16", "float16", "bfloat16", "default"]


@dataclass(frozen=True)
class WhisperOptions:
    model: CString = option("base", doc="A Whisper model name (base, tiny.en...) or a CTranslate2 Whisper model "
                            "folder. base (multilingual) and tiny.en (English only, faster, less accurate) come "
                            "installed; other names are looked up in the Hugging Face cache.", minLength=1)
    compute_type: ComputeType = option("float32", doc="CTranslate2 compute type (int8 is faster, less accurate).")
    threads: int = option(0, doc="CPU threads for the model; 0: as many as the machine has, at most 4.",
                          minimum=0, maximum=64)
    beam_size: int = option(1, doc="Beam search width; 1 is greedy decoding (fastest).", minimum=1, maximum=10)
    language: LanguageTag | None = option(None, doc="Defaults to the pipeline's language.")
    identify_language: bool = option(False, doc="Identify the language of each utterance (multilingual models); "
                                     "it is translated from the language heard in it.")
    language_options: tuple[LanguageTag, ...] = option((), doc="The languages to identify among; empty: every "
                                                       "language Whisper knows.", uniqueItems=True)
    initial_prompt: str | None = option(None, doc="Text that comes before the speech (context, spelling).")
    hotwords: tuple[str, ...] = option((), doc="Names and terms Whisper should expect.")
    partials_every: float | None = option(None, doc="Seconds of audio between partial transcripts (0: none); "
                                          "default 0.5 for tiny models, 1 for larger ones.", minimum=0)
    window: float = option(10.0, doc="Seconds of audio the encoder input is padded to (shorter is faster, below "
                           "~8 Whisper repeats itself); longer utterances use Whisper's 30.", minimum=8, maximum=30)
    max_utterance: float = option(15.0, doc="Seconds after which an utterance still spoken is cut (a final): at "
                                  "the speaker's last pause in its second half, else between two words; the next "
                                  "utterance hears the audio around the cut again, so no word is lost.",
                                  minimum=2, maximum=30)
    # Voice activity detection (Silero VAD): where utterances start and end.
    vad_threshold: float = option(0.5, doc="Speech probability from which a 32 ms chunk is speech.",
                                  minimum=0.05, maximum=0.95)
    min_silence: float = option(0.4, doc="Seconds of silence that end an utterance (then its final comes).",
                                minimum=0.1, maximum=5)
    min_speech: float = option(0.25, doc="Seconds of speech below which a burst of sound is not an utterance.",
                               minimum=0, maximum=5)
    speech_pad: float = option(0.2, doc="Seconds of audio kept before and after the speech.", minimum=0,
                               maximum=1)
    fallback_model: CString | None = option(None, doc="A lighter model (tiny.en, a folder) that decodes the "
                                            "finals while speech-to-text is runtime.max_transcript_lag behind a "
                                            "live speaker (its partials stop from half of it); model again once "
                                            "it has caught up.", minLength=1)
    allow_download: bool = option(False, doc="Download the model from the Hugging Face Hub when it is not "
                                  "installed (otherwise that is an error naming the package that provides it).")


def model_name(request: EngineRequest, name: str | None = None) -> str:
    """The model a config asks for (``name``: another than ``model``): a name as written, a relative folder
    against the config's."""
    o: WhisperOptions = request.options
    name = o.model if name is None else name
    path = Path(name).expanduser()
    if whisper_models.is_path(name) and not path.is_absolute():
        return str(request.pipeline.file.parent / path)
    return str(path) if whisper_models.is_path(name) else name


def whisper_languages() -> tuple[str, ...]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(_LANGUAGE_CODES)


@register("speech_to_text", "whisper", family="local", options=WhisperOptions,
          summary="OpenAI Whisper (faster-whisper, CTranslate2) with Silero VAD; streaming partials and finals, "
                  "99 languages, language identification")
class WhisperRecognizer(SpeechToText):
    input_rate = 16000
    input_channels = 1

    def __init__(self, model: str, options: WhisperOptions, language: str, fallback: str | None = None) -> None:
        self.model_ref = model
        self.fallback_ref = fallback
        self.options = options
        self.language = language
        self._decoder: WhisperDecoder | None = None
        self._fallback: WhisperDecoder | None = None
        self._stream: WhisperStream | None = None
        self.shedding = Shedding(fallback is not None)

    @classmethod
    def check(cls, request: EngineRequest) -> Iterable[Problem]:
        o: WhisperOptions = request.options
        where = request.choice.pointer
        model = model_name(request)
        yield from _model_problems(request, model, f"{where}/model" if "model" in request.choice.raw
                                   else f"{where}/provider")
        if o.fallback_model is not None:
            yield from _model_problems(request, model_name(request, o.fallback_model), f"{where}/fallback_model")
        known = whisper_languages()
        spoken = [("/language" if o.language is None else f"{where}/language", o.language or request.source_language)]
        spoken += [(f"{where}/language_options/{i}", tag) for i, tag in enumerate(o.language_options)]
        for pointer, tag in spoken:
            if whisper_language(tag) not in known:
                yield Problem(pointer, f"Whisper does not know the language {tag}", code="language")
        models = [(model, spoken[0][0], "model")]
        if o.fallback_model is not None:
            models.append((model_name(request, o.fallback_model), f"{where}/fallback_model", "fallback_model"))
        for name, pointer, key in models:
            if not whisper_models.english_only(name):
                continue
            if o.identify_language:
                yield Problem(f"{where}/identify_language" if key == "model" else pointer, f"{Path(name).name} "
                              "hears English only: language identification needs a multilingual model "
                              f"({key}: base)", code="language")
            elif whisper_language(o.language or request.source_language) != "en":
                yield Problem(pointer, f"{Path(name).name} hears English only, not "
                              f"{o.language or request.source_language}; use a multilingual model ({key}: base)",
                              code="language")

    @classmethod
    def languages(cls, request: EngineRequest) -> tuple[str, ...]:
        o: WhisperOptions = request.options
        if o.identify_language:
            return tuple(o.language_options) or whisper_languages()
        return (o.language or request.source_language,)

    @classmethod
    def input_files(cls, request: EngineRequest) -> list[Path]:
        o: WhisperOptions = request.options
        names = [model_name(request)] + ([model_name(request, o.fallback_model)] if o.fallback_model else [])
        return [Path(name) for name in names if whisper_models.is_path(name)]

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        o: WhisperOptions = request.options
        terms = tuple(t for t in speech_to_text_terms(request.pipeline) if t not in o.hotwords)
        if terms:  # the glossary's names and terms, after the engine's own
            o = dataclasses.replace(o, hotwords=(*o.hotwords, *terms))
        fallback = model_name(request, o.fallback_model) if o.fallback_model else None
        return cls(model_name(request), o, o.language or request.source_language, fallback)

    async def start(self) -> None:
        if self._decoder is None:
            self._decoder = await asyncio.to_thread(self._load, self.model_ref)
        if self._fallback is None and self.fallback_ref is not None:  # loaded now: it is needed when time is short
            self._fallback = await asyncio.to_thread(self._load, self.fallback_ref)

    def keep_up(self, behind: float, limit: float) -> str | None:
        before = self.shedding.level
        if not self.shedding.update(behind, limit):
            return None
        self._apply()
        level, model, fallback = self.shedding.level, Path(self.model_ref).name, Path(self.fallback_ref or "").name
        if level > before:
            return "partials off" if level == 1 else f"partials off, finals decoded with {fallback} (fallback_model)"
        return f"finals decoded with {model} again, partials still off" if level == 1 else "partials on again"

    def _apply(self) -> None:
        """The shedding level, on the stream being heard (its worker thread reads these between decodes)."""
        stream, level = self._stream, self.shedding.level
        if stream is not None and self._decoder is not None:
            stream.partials = level == 0
            stream.decoder = self._fallback if level == 2 and self._fallback is not None else self._decoder

    def _load(self, ref: str) -> WhisperDecoder:
        o = self.options
        folder = whisper_models.resolve(ref, allow_download=o.allow_download)
        threads = o.threads or min(4, os.cpu_count() or 1)
        model = load_model(str(folder), o.compute_type, threads)
        identify = tuple(whisper_language(t) for t in o.language_options) if o.identify_language else None
        return WhisperDecoder(model, DecodeSettings(o.beam_size, whisper_language(self.language), identify,
                                                    o.initial_prompt, o.hotwords, o.window))

    def _segmenting(self) -> Segmenting:
        o = self.options
        every = o.partials_every
        if every is None:
            every = 0.5 if Path(self.model_ref).name.startswith("tiny") else 1.0
        return Segmenting(threshold=o.vad_threshold, neg_threshold=max(0.01, o.vad_threshold - 0.15),
                          min_silence=o.min_silence, min_speech=o.min_speech, speech_pad=o.speech_pad,
                          partials_every=every, max_utterance=o.max_utterance)

    async def transcribe(self, frames: AsyncIterator[AudioFrame]) -> AsyncGenerator[Transcript, None]:
        await self.start()
        assert self._decoder is not None
        stream: WhisperStream | None = None
        async for frame in frames:
            if stream is None:
                stream = self._stream = WhisperStream(self._decoder, self._segmenting(), origin=frame.start)
                self._apply()
            for transcript in await asyncio.to_thread(stream.feed, frame.pcm):
                yield transcript
        if stream is not None:
            for transcript in await asyncio.to_thread(stream.finish):
                yield transcript


def _model_problems(request: EngineRequest, model: str, pointer: str) -> Iterable[Problem]:
    o: WhisperOptions = request.options
    reason = whisper_models.unavailable_reason(model)
    if reason and not (o.allow_download and not whisper_models.is_path(model)):
        yield Problem(pointer, reason, code="input" if whisper_models.is_path(model) else "engine-unavailable")


_models: dict[tuple[str, str, int], Any] = {}
_models_lock = threading.Lock()


def load_model(folder: str, compute_type: str, threads: int) -> Any:
    """A loaded WhisperModel, shared by every engine of the process that asks for the same one (CTranslate2
    models are thread-safe): a stream that reconnects or a second session does not load it again."""
    key = (folder, compute_type, threads)
    with _models_lock:
        if key not in _models:
            import ctranslate2
            from faster_whisper import WhisperModel

            ctranslate2.set_log_level(40)  # errors only: not the float16 -> float32 notice on CPUs
            try:
                _models[key] = WhisperModel(folder, device="cpu", compute_type=compute_type, cpu_threads=threads,
                                            local_files_only=True)
            except (RuntimeError, ValueError, OSError) as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise EngineUnavailable(f"Whisper could not load the model in {folder}: {first}") from exc
        return _models[key]
