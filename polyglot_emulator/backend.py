"""The real behaviour behind the emulated services, built from polyglot's own offline engines.

- translation: Apertium where a pair is installed, else a small fixture table, else the text marked with the
  target language (``[fr] ...``) so tests can still see what reached which language;
- synthesis: espeak-ng in the voice's language, encoded to the requested format and rate (libsndfile);
- recognition: pocketsphinx on the streamed audio, or a script (one line per burst of sound).
"""

from __future__ import annotations

import asyncio
import io
import math
import re
from collections.abc import AsyncGenerator, AsyncIterator

import numpy as np
import soundfile

from polyglot_emulator.voices import espeak_voice
from runner.engines.fake import ScriptedRecognizer
from runner.engines.languages import base_language
from runner.engines.local.apertium import ApertiumPipeline, find_mode
from runner.engines.local.espeak import EspeakSynthesizer
from runner.engines.local.pocketsphinx import PocketsphinxOptions, PocketsphinxRecognizer
from runner.frames import AudioFormat, AudioFrame, Transcript
from runner.glossary.terms import Fixed
from runner.glossary.terms import replace as replace_terms
from runner.glossary.terms import split as split_terms
from runner.options import defaults

# Hand translations of the LibriVox sentences the tests and demos speak, for pairs Apertium does not have.
FIXTURES: dict[str, dict[str, str]] = {
    "he was not an ill disposed young man": {
        "zh": "他并不是一个心地不好的年轻人。", "fr": "Ce n'était pas un jeune homme mal intentionné.",
        "de": "Er war kein übelgesinnter junger Mann.", "it": "Non era un giovane maldisposto.",
        "pt": "Ele não era um jovem mal-intencionado."},
    "unless to be rather cold hearted and rather selfish is to be ill disposed": {
        "zh": "除非相当冷漠和相当自私就算是心地不好。",
        "fr": "À moins qu'être plutôt froid et plutôt égoïste soit être mal intentionné.",
        "de": "Es sei denn, ziemlich kaltherzig und ziemlich selbstsüchtig zu sein, heißt übelgesinnt zu sein.",
        "it": "A meno che essere piuttosto freddo ed egoista non significhi essere maldisposto.",
        "pt": "A menos que ser bastante frio e egoísta seja ser mal-intencionado."},
    "he might even have been made amiable himself": {
        "zh": "他甚至自己也可能变得和蔼可亲。", "fr": "Il aurait même pu devenir aimable lui-même.",
        "de": "Er hätte sogar selbst liebenswürdig werden können.", "it": "Avrebbe potuto persino diventare amabile.",
        "pt": "Ele próprio poderia até ter se tornado amável."},
}

_FORMATS = {
    "mp3": ("MP3", "MPEG_LAYER_III"), "ogg_vorbis": ("OGG", "VORBIS"), "ogg_opus": ("OGG", "OPUS"),
    "mulaw": ("RAW", "ULAW"), "alaw": ("RAW", "ALAW"),
}
CONTENT_TYPES = {"pcm": "audio/pcm", "mp3": "audio/mpeg", "ogg_vorbis": "audio/ogg", "ogg_opus": "audio/ogg",
                 "mulaw": "audio/basic", "alaw": "audio/basic", "json": "application/x-json-stream"}


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


class Backend:
    def __init__(self) -> None:
        self._translators: dict[str, ApertiumPipeline] = {}
        self._synthesizers: dict[tuple[str, int, int], EspeakSynthesizer] = {}
        self.script_memory: dict[str, int] = {}  # scripted line of each burst heard, across every stream

    async def translate(self, text: str, source: str, target: str,
                        terms: list[tuple[str, str]] | None = None) -> str:
        """``terms``: a custom terminology's (source term, target term) pairs, which the translation keeps."""
        mode = find_mode(source, target)
        if mode is not None:
            if mode not in self._translators:
                self._translators[mode] = ApertiumPipeline(mode, False, 10)
            return await self._translators[mode].translate(text, terms)
        fixture = FIXTURES.get(_key(text), {}).get(base_language(target))
        if fixture is not None and not any(isinstance(p, Fixed) for p in split_terms(text, terms or [])):
            return fixture
        return f"[{target}] {replace_terms(text, terms or [])}"

    async def speak(self, text: str, language_code: str, fmt: str, rate: int, speed: float = 1.0) \
            -> AsyncIterator[bytes]:
        """Speech for ``text``: PCM streams chunk by chunk; encoded formats come whole, then in chunks. ``speed``:
        SSML's prosody rate (1.2 speaks 20 % faster)."""
        voice = espeak_voice(language_code)
        pcm_rate = rate if fmt == "pcm" else 16000
        words_per_minute = round(175 * speed)
        key = (voice, pcm_rate, words_per_minute)
        if key not in self._synthesizers:
            self._synthesizers[key] = EspeakSynthesizer(voice, AudioFormat("pcm", pcm_rate), words_per_minute, 50)
        chunks = self._synthesizers[key].synthesize(text)
        if fmt == "pcm":
            async for chunk in chunks:
                yield chunk
            return
        pcm = b"".join([c async for c in chunks])
        encoded = await asyncio.to_thread(encode, pcm, pcm_rate, fmt, rate)
        for i in range(0, len(encoded), 4096):
            yield encoded[i:i + 4096]

    def recognizer(self, script: list[str] | None, words_per_second: float | None = None) \
            -> PocketsphinxRecognizer | ScriptedRecognizer:
        if script is not None:  # pauses inside a sentence reach 0.4 s; the memory spans streams
            return ScriptedRecognizer(script, threshold=0.02, silence=0.6, memory=self.script_memory,
                                      words_per_second=words_per_second)
        return PocketsphinxRecognizer(defaults(PocketsphinxOptions))

    async def recognize(self, frames: AsyncIterator[AudioFrame], script: list[str] | None,
                        words_per_second: float | None = None) -> AsyncGenerator[Transcript, None]:
        async for transcript in self.recognizer(script, words_per_second).transcribe(frames):
            yield transcript

    async def aclose(self) -> None:
        for translator in self._translators.values():
            await translator.aclose()


def lengthened(text: str, factor: float) -> str:
    """``text`` with words said twice, evenly, until it is ``factor`` times as many words."""
    words = text.split()
    extra = round(len(words) * (factor - 1))
    every = len(words) / extra if extra > 0 else math.inf
    out = []
    for i, word in enumerate(words):
        out.append(word)
        if extra > 0 and int((i + 1) / every) > int(i / every):
            out.append(word.strip(",.;:?!"))
    return " ".join(out)


def encode(pcm: bytes, pcm_rate: int, fmt: str, rate: int) -> bytes:
    import soxr

    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    if rate != pcm_rate:
        samples = soxr.resample(samples, pcm_rate, rate)
    container, subtype = _FORMATS[fmt]
    out = io.BytesIO()
    soundfile.write(out, samples, rate, format=container, subtype=subtype)
    return _without_xing_frame(out.getvalue()) if fmt == "mp3" else out.getvalue()


_MP3_BITRATES = {  # kbit/s by (MPEG-1?, index), Layer III
    True: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    False: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
}
_MP3_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


def _without_xing_frame(data: bytes) -> bytes:
    """Polly's MP3 is bare MPEG frames, so responses concatenate into one playable stream. LAME starts its
    files with a Xing/Info frame that announces the length of that file alone; decoders then stop after it."""
    if len(data) < 4 or data[0] != 0xFF or (data[1] & 0xE0) != 0xE0:
        return data
    version = (data[1] >> 3) & 0x3
    bitrate = _MP3_BITRATES[version == 3][data[2] >> 4] * 1000
    sample_rate = _MP3_RATES.get(version, [0, 0, 0])[(data[2] >> 2) & 0x3]
    if not bitrate or not sample_rate:
        return data
    length = (144 if version == 3 else 72) * bitrate // sample_rate + ((data[2] >> 1) & 1)
    first = data[:length]
    return data[length:] if b"Xing" in first or b"Info" in first else data
