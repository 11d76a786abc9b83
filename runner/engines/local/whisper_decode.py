"""One Whisper decode of one utterance's audio, with faster-whisper's model, tokenizer and features.

faster-whisper's ``transcribe`` pads every window to 30 s of audio; an utterance heard live is a few seconds, so
this pads the encoder input to a shorter window (10 s by default, CTranslate2 accepts it), which makes a decode
2-3x cheaper. Longer utterances get the full 30 s window. Shorter than ~10 s makes Whisper repeat itself.
Runs on a worker thread; not asyncio-aware.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

SAMPLE_RATE = 16000
FULL_WINDOW = 30.0  # seconds: Whisper's own
OPENING = set("\"'“¿([{-")  # (Whisper's own split of its punctuation, transcribe.py)
PUNCTUATION = set("\"'“¿([{-\"'.。,，!！?？:：”)]}、")
NO_SPEECH = 0.6  # a decode this sure there is no speech, and unsure of its words, is dropped (Whisper's rule)
LOW_LOGPROB = -1.0


@dataclass(frozen=True)
class Word:
    text: str
    start: float  # seconds from the start of the decoded audio
    end: float
    raw: str = ""  # as Whisper wrote it: its leading space and the punctuation around it (joined, they make text)


@dataclass(frozen=True)
class Decoded:
    text: str
    language: str | None  # the language identified, when identification is on
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class DecodeSettings:
    beam_size: int
    language: str | None  # Whisper's code ('en', 'es'); None with identification
    identify_among: tuple[str, ...] | None  # None: no identification; (): every language the model knows
    initial_prompt: str | None
    hotwords: tuple[str, ...]
    window: float  # seconds the encoder input is padded to


class WhisperDecoder:
    """Decodes utterances with a loaded ``faster_whisper.WhisperModel`` (shared, thread-safe)."""

    def __init__(self, model: Any, settings: DecodeSettings) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        self.settings = settings
        self.multilingual = bool(model.model.is_multilingual)
        self._tokenizer_cls = Tokenizer
        self._tokenizers: dict[str | None, Any] = {}
        base = self.tokenizer(settings.language if self.multilingual else None)
        prompt = (settings.initial_prompt or "").strip()
        self.previous = base.encode(" " + prompt) if prompt else []
        self.hotwords = ", ".join(t.strip() for t in settings.hotwords if t.strip()) or None

    def tokenizer(self, language: str | None) -> Any:
        if language not in self._tokenizers:
            self._tokenizers[language] = self._tokenizer_cls(
                self.model.hf_tokenizer, self.multilingual, task="transcribe",
                language=(language or "en") if self.multilingual else None)
        return self._tokenizers[language]

    def decode(self, audio: np.ndarray, *, words: bool = False) -> Decoded:
        from faster_whisper.audio import pad_or_trim

        features = self.model.feature_extractor(audio)
        frames = features.shape[-1] - 1  # the extractor pads one frame
        per_second = self.model.frames_per_second
        window = self.settings.window if frames <= self.settings.window * per_second else FULL_WINDOW
        encoded = self.model.encode(pad_or_trim(features, int(window * per_second)))
        language = self._language(encoded)
        tokenizer = self.tokenizer(language or self.settings.language)
        prompt = self.model.get_prompt(tokenizer, self.previous, without_timestamps=True, hotwords=self.hotwords)
        # Whisper speaks ~3-4 tokens a second: a bound well above it stops a decode that loops.
        max_new = min(self.model.max_length // 2, int(len(audio) / SAMPLE_RATE * 10) + 16)
        result = self.model.model.generate(
            encoded, [prompt], beam_size=self.settings.beam_size, max_length=len(prompt) + max_new,
            return_scores=True, return_no_speech_prob=True, suppress_blank=True, suppress_tokens=[-1])[0]
        tokens = result.sequences_ids[0]
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        if not tokens or (result.no_speech_prob > NO_SPEECH and avg_logprob < LOW_LOGPROB):
            return Decoded("", language)
        text = tokenizer.decode(tokens).strip()
        timed = self._words(tokenizer, tokens, encoded, frames) if words else ()
        return Decoded(text, language, timed)

    def _language(self, encoded: Any) -> str | None:
        among = self.settings.identify_among
        if among is None or not self.multilingual:
            return None
        ranked = self.model.model.detect_language(encoded)[0]  # [('<|en|>', p), ...], most likely first
        for token, _probability in ranked:
            code = token[2:-2]
            if not among or code in among:
                return str(code)
        return among[0]

    def _words(self, tokenizer: Any, tokens: list[int], encoded: Any, frames: int) -> tuple[Word, ...]:
        aligned = self.model.find_alignment(tokenizer, [tokens], encoded, frames)
        out: list[Word] = []
        before = ""  # punctuation that opens the next word (a quote, a bracket)
        for w in aligned[0] if aligned else []:
            text = w["word"].strip()
            if text and text not in PUNCTUATION:
                out.append(Word(text, float(w["start"]), float(w["end"]), before + w["word"]))
                before = ""
            elif out and not before and text not in OPENING:  # closes the word before it: untimed, kept as text
                out[-1] = dataclasses.replace(out[-1], raw=out[-1].raw + w["word"])
            else:
                before += w["word"]
        return tuple(out)


def whisper_language(tag: str) -> str:
    """Whisper's code for a BCP 47 tag: 'en-US' -> 'en', 'cmn-CN' -> 'zh', 'yue' stays 'yue'."""
    from runner.engines.languages import base_language

    return base_language(tag)
