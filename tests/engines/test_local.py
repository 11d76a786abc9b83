"""The embedded engines on real data: LibriVox speech, Apertium's Debian pairs, espeak-ng's bundled voices."""

import asyncio
import re

import numpy as np
import pytest
import soundfile

from runner.engines.local.apertium import ApertiumTranslator, escape, unescape
from runner.engines.local.espeak import EspeakSynthesizer
from runner.engines.local.pocketsphinx import PocketsphinxOptions, PocketsphinxRecognizer
from runner.frames import AudioFormat, AudioFrame
from runner.options import defaults
from tests.conftest import THREE_UTTERANCES


def recognizer():
    return PocketsphinxRecognizer(defaults(PocketsphinxOptions))


def transcribe(path):
    data, rate = soundfile.read(str(path), dtype="int16")
    assert rate == 16000

    async def frames():
        for i in range(0, len(data), 1600):
            yield AudioFrame(data[i:i + 1600].tobytes(), 16000, 1, i / 16000)

    async def main():
        async with recognizer() as stt:
            return [t async for t in stt.transcribe(frames())]

    return asyncio.run(main())


def references(librivox):
    for line in (librivox / "transcription").read_text().splitlines():
        m = re.match(r"<s> (.*) </s> \((.*)\)", line)
        yield m.group(2), m.group(1).split()


def test_pocketsphinx_recognizes_real_speech(librivox):
    recalls = []
    for name, words in references(librivox):
        finals = [t.text for t in transcribe(librivox / f"{name}.wav") if t.final]
        heard = " ".join(finals).split()
        recalls.append(sum(w in heard for w in words) / len(words))
    assert np.mean(recalls) > 0.6, recalls  # an honest bar for a small generic model on read speech


def test_one_final_per_utterance_with_partials_first():
    transcripts = transcribe(THREE_UTTERANCES)
    finals = [t for t in transcripts if t.final]
    assert len(finals) == 3
    assert [t.seq for t in finals] == [0, 1, 2]
    assert all(a.end < b.start for a, b in zip(finals, finals[1:], strict=False))  # in order, separated by the pauses
    assert "amiable himself" in finals[2].text
    for final in finals:
        partials = [t for t in transcripts if not t.final and t.seq == final.seq]
        assert partials and transcripts.index(partials[0]) < transcripts.index(final)


def translate(mode, texts):
    async def main():
        async with ApertiumTranslator(mode, False, 10) as translator:
            return [await translator.translate(t) for t in texts]

    return asyncio.run(main())


def test_apertium_translates_with_a_warm_pipeline():
    es, = translate("eng-spa", ["he might even have been made amiable himself"])
    assert "amable" in es and es.endswith(".")
    ca, = translate("eng-cat", ["the dog is big"])
    assert "gos" in ca
    eo, = translate("en-eo", ["the dog is big"])
    assert "hundo" in eo


def test_apertium_survives_its_special_characters():
    out = translate("eng-spa", ["a [b] ^c$ d/e <f> {g} @h \\i", "", "the house"])
    assert out[1] == "" and "casa" in out[2]  # the pipeline stays in step after odd input
    assert unescape(escape("[x]^y$/z")) == "[x]^y$/z"


def synthesize(voice, text, rate=16000):
    async def main():
        async with EspeakSynthesizer(voice, AudioFormat("pcm", rate), 175, 50) as tts:
            return [c async for c in tts.synthesize(text)]

    return asyncio.run(main())


@pytest.mark.parametrize("voice,text", [("es", "No era un hombre mal dispuesto."), ("ca", "El gos és gran."),
                                        ("eo", "La hundo estas granda."), ("cmn", "他不是一个坏人")])
def test_espeak_speaks_each_language(voice, text):
    chunks = synthesize(voice, text)
    pcm = np.frombuffer(b"".join(chunks), dtype="<i2").astype(np.float32) / 32768
    seconds = len(pcm) / 16000
    assert 0.5 < seconds < 6
    assert np.sqrt(np.mean(pcm ** 2)) > 0.02  # speech, not silence
    assert len(chunks) > 3  # streamed in chunks, not one block


def test_espeak_resamples_to_the_requested_rate():
    at_8k = sum(len(c) for c in synthesize("es", "Hola mundo.", 8000))
    at_16k = sum(len(c) for c in synthesize("es", "Hola mundo.", 16000))
    assert abs(at_16k / at_8k - 2) < 0.02


@pytest.mark.parametrize("samples", [480 * 40, 480 * 40 + 100], ids=["on a frame boundary", "mid-frame"])
def test_audio_that_ends_mid_utterance_gives_a_final_that_ends_where_the_audio_does(tmp_path, samples):
    """A recording cut mid-sentence (or Ctrl-C on a microphone): the last final ends at the cut, after its
    start, and its speech is decoded (the endpointer's last 0.3 s flushed)."""
    data, _ = soundfile.read(str(THREE_UTTERANCES), dtype="int16")
    cut = tmp_path / "cut.wav"
    soundfile.write(str(cut), data[:samples], 16000, subtype="PCM_16")
    [final] = [t for t in transcribe(cut) if t.final]
    assert final.start < final.end <= samples / 16000 + 1e-3
    assert abs(final.end - samples / 16000) < 0.05
    assert "was not" in final.text


def test_apertium_translates_from_each_language_heard():
    """A bilingual Spanish/Catalan speaker into English: each utterance through the pair of its own language."""

    async def main():
        translator = ApertiumTranslator("spa-eng", False, 10, speaker="es-ES", target="en")
        try:
            await translator.start()
            return [await translator.translate("el gato es negro"),
                    await translator.translate("el gat és negre", source="ca-ES")]
        finally:
            await translator.aclose()

    spanish, catalan = asyncio.run(main())
    assert spanish.lower().startswith("the cat is black")
    assert catalan.lower().startswith("the cat is black")
