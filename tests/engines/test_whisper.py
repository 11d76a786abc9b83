"""The Whisper engine on real speech: the demo's LibriVox recording (English) and Spanish spoken by espeak-ng
(the voice the project bundles), decoded with the models the installed packages ship. Each model is loaded once
per test session (runner.engines.local.whisper shares loaded models within the process)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import jiwer
import numpy as np
import pytest
import soundfile

from runner.engines.local import whisper_models
from runner.engines.local.espeak import EspeakSynthesizer
from runner.engines.local.whisper import WhisperOptions, WhisperRecognizer
from runner.errors import EngineUnavailable
from runner.frames import AudioFormat, AudioFrame, Transcript
from runner.options import defaults
from tests.conftest import THREE_UTTERANCES
from tests.support.cli import assert_no_traceback, polyglot
from tests.support.recordings import three_utterances_transcript

SPANISH = ("El tren de la mañana sale de la estación a las ocho y llega a Madrid antes del mediodía. "
           "Los viajeros compran café y periódicos mientras esperan en el andén.")
NORMALIZE = jiwer.Compose([jiwer.ToLowerCase(), jiwer.SubstituteRegexes({r"-": " "}), jiwer.RemovePunctuation(),
                           jiwer.RemoveMultipleSpaces(), jiwer.Strip(), jiwer.ReduceToListOfListOfWords()])


def hear(audio: np.ndarray, model: str, language: str = "en-US", **options: object) -> list[Transcript]:
    """Every transcript the engine gives for 16 kHz int16 ``audio``, fed in 100 ms frames."""
    engine = WhisperRecognizer(model, dataclasses.replace(defaults(WhisperOptions), **options), language)

    async def frames():
        for i in range(0, len(audio), 1600):
            yield AudioFrame(audio[i:i + 1600].tobytes(), 16000, 1, 10.0 + i / 16000)  # a session already 10 s in

    async def main() -> list[Transcript]:
        async with engine:
            return [t async for t in engine.transcribe(frames())]

    return asyncio.run(main())


def demo_audio() -> np.ndarray:
    audio, rate = soundfile.read(str(THREE_UTTERANCES), dtype="int16")
    assert rate == 16000
    return audio


@pytest.fixture(scope="session")
def demo_base() -> list[Transcript]:
    return hear(demo_audio(), "base")


@pytest.fixture(scope="session")
def demo_tiny() -> list[Transcript]:
    return hear(demo_audio(), "tiny.en")


@pytest.fixture(scope="session")
def spanish_speech() -> np.ndarray:
    """SPANISH spoken by espeak-ng's Spanish voice, at 16 kHz, with a second of silence after it."""

    async def speak() -> bytes:
        async with EspeakSynthesizer("es", AudioFormat("pcm", 16000, 1), words_per_minute=150, pitch=50) as tts:
            return b"".join([chunk async for chunk in tts.synthesize(SPANISH)])

    pcm = np.frombuffer(asyncio.run(speak()), dtype="<i2")
    return np.concatenate([np.zeros(8000, np.int16), pcm, np.zeros(16000, np.int16)])


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(reference, hypothesis, reference_transform=NORMALIZE, hypothesis_transform=NORMALIZE))


def test_the_demo_recording_is_heard_nearly_word_for_word(demo_base):
    finals = [t for t in demo_base if t.final]
    assert [t.seq for t in finals] == [0, 1, 2]  # one final per utterance: the VAD found the two pauses
    said = " ".join(three_utterances_transcript())
    assert wer(said, " ".join(t.text for t in finals)) <= 0.08, [t.text for t in finals]  # 27 words: <= 2 wrong
    # pocketsphinx on the same recording: ~0.3 (bench/offline_wer.py)


def test_finals_are_placed_on_the_session_timeline(demo_base):
    finals = [t for t in demo_base if t.final]
    # The utterances are at 0.6-3.4 s, 4.8-9.8 s and 11.3-14.0 s of the recording, which starts at 10 s.
    for t, (start, end) in zip(finals, [(10.6, 13.4), (14.8, 19.8), (21.3, 24.0)], strict=True):
        assert abs(t.start - start) < 0.4 and abs(t.end - end) < 0.4, t
    assert all(a.end < b.start for a, b in zip(finals, finals[1:], strict=False))


def test_partials_come_before_each_final_and_grow(demo_tiny):
    finals = [t for t in demo_tiny if t.final]
    assert len(finals) == 3
    for final in finals:
        index = demo_tiny.index(final)
        partials = [t for t in demo_tiny if t.seq == final.seq and not t.final]
        assert len(partials) >= 2, final
        assert all(demo_tiny.index(p) < index for p in partials)  # nothing of an utterance after its final
        ends = [p.end for p in partials]
        assert ends == sorted(ends) and len(set(ends)) == len(ends)  # each hears more of the utterance
        assert len(partials[-1].text.split()) > len(partials[0].text.split())  # the hypothesis grows
        assert all(p.start <= final.start + 0.3 for p in partials)


def test_language_identification_picks_spanish_on_spanish_speech(spanish_speech):
    transcripts = hear(spanish_speech, "base", identify_language=True)
    finals = [t for t in transcripts if t.final]
    assert finals and all(t.language == "es" for t in finals), finals
    assert wer(SPANISH, " ".join(t.text for t in finals)) < 0.5  # it heard Spanish words, not a translation


def test_identification_keeps_to_the_language_options(spanish_speech):
    transcripts = hear(spanish_speech, "base", identify_language=True, language_options=("en", "fr"))
    assert {t.language for t in transcripts if t.final} <= {"en", "fr"}


def test_a_named_model_that_is_not_installed_is_a_one_line_error():
    with pytest.raises(EngineUnavailable) as caught:
        whisper_models.resolve("medium.en")  # no package ships it; allow_download is off: no network is tried
    message = str(caught.value)
    assert "\n" not in message and "'medium.en' is not installed" in message and "allow_download" in message


@pytest.mark.parametrize(("model", "code", "exit_code"), [
    ("medium.en", "error[engine-unavailable] /speech_to_text/model: Whisper model 'medium.en' is not installed", 69),
    ("./no-such-model", "error[input] /speech_to_text/model: no such Whisper model folder", 78),
])
def test_validate_locates_a_missing_model(tmp_path, model, code, exit_code):
    config = tmp_path / "p.yaml"
    soundfile.write(str(tmp_path / "talk.wav"), np.zeros(1600, np.int16), 16000)
    config.write_text(f"version: 1\nlanguage: en-US\nsource: {{type: file, path: talk.wav}}\n"
                      f"speech_to_text: {{provider: whisper, model: {model}}}\ntargets: [{{language: es}}]\n")
    result = polyglot("validate", config, cwd=tmp_path)
    assert_no_traceback(result)
    assert result.returncode == exit_code, result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "error[" in line]
    assert len(lines) == 1 and code in lines[0] and lines[0].startswith(f"{config}:4:"), lines


def test_an_english_only_model_refuses_other_languages(tmp_path):
    config = tmp_path / "p.yaml"
    soundfile.write(str(tmp_path / "talk.wav"), np.zeros(1600, np.int16), 16000)
    config.write_text("version: 1\nlanguage: es-ES\nsource: {type: file, path: talk.wav}\n"
                      "speech_to_text: {provider: whisper, model: tiny.en}\ntargets: [{language: en}]\n")
    result = polyglot("validate", config, cwd=tmp_path)
    assert result.returncode == 78 and "tiny.en hears English only" in result.stdout + result.stderr


def test_split_model_parts_are_joined_once_into_the_cache(tmp_path):
    parts = [tmp_path / "p1", tmp_path / "p2"]
    for i, folder in enumerate(parts):
        folder.mkdir()
        (folder / f"model.bin.part{i + 1}").write_bytes(bytes([i + 1]) * 1000)
    (parts[0] / "config.json").write_text("{}")
    (parts[0] / "tokenizer.json").write_text("{}")
    target = tmp_path / "cache" / "whisper-x"
    joined = whisper_models._join_parts(parts, ("model.bin.part1", "model.bin.part2"), target)
    assert joined == target and (target / "model.bin").read_bytes() == b"\x01" * 1000 + b"\x02" * 1000
    assert sorted(p.name for p in target.iterdir()) == [".polyglot-model.json", "config.json", "model.bin",
                                                        "tokenizer.json"]
    assert [p.name for p in target.parent.iterdir()] == ["whisper-x"]  # no temporary folder left beside it
    assert whisper_models.intact(target)


def test_parts_that_do_not_join_into_the_known_model_are_refused(tmp_path):
    parts = [tmp_path / "p1", tmp_path / "p2"]
    for i, folder in enumerate(parts):
        folder.mkdir()
        (folder / f"model.bin.part{i + 1}").write_bytes(bytes([i + 1]) * 1000)
    (parts[0] / "config.json").write_text("{}")
    target = tmp_path / "cache" / "whisper-x"
    with pytest.raises(whisper_models.DamagedParts, match="SHA-256"):
        whisper_models._join_parts(parts, ("model.bin.part1", "model.bin.part2"), target, "0" * 64)
    assert list(target.parent.iterdir()) == []  # neither a model nor a temporary folder


def damage_truncated(model: Path) -> None:
    with open(model, "r+b") as f:
        f.truncate(model.stat().st_size // 2)  # a copy cut short: a full disk, a killed process


def damage_in_place(model: Path) -> None:
    with open(model, "r+b") as f:  # the same size, other bytes (its time changes)
        f.seek(1 << 20)
        f.write(b"\0" * 4096)


def damage_unmanifested(model: Path) -> None:
    (model.parent / whisper_models.MANIFEST).unlink()  # assembled by an older polyglot, then cut short
    damage_truncated(model)


@pytest.mark.parametrize("damage", [damage_truncated, damage_in_place, damage_unmanifested])
def test_a_damaged_assembled_model_is_assembled_again(tmp_path, damage):
    package = whisper_models.PACKAGES["base"]
    folder = whisper_models.resolve("base", cache=tmp_path)
    damage(folder / "model.bin")
    assert whisper_models.resolve("base", cache=tmp_path) == folder
    assert whisper_models._sha256(folder / "model.bin") == package.sha256
    assert whisper_models.intact(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".whisper-base.lock", "whisper-base"]  # nothing else


def test_the_installed_base_model_is_assembled_in_the_cache(tmp_path):
    folder = whisper_models.resolve("base", cache=tmp_path)
    assert folder == tmp_path / "whisper-base" and whisper_models.is_model_folder(folder)
    package = whisper_models.PACKAGES["base"]
    sizes = sum((f / p).stat().st_size for f, p in zip(package.folders(), package.parts, strict=True))
    assert (folder / "model.bin").stat().st_size == sizes
    assert whisper_models._sha256(folder / "model.bin") == package.sha256  # the known checksum
    joined = (folder / "model.bin").stat().st_mtime_ns
    assert whisper_models.resolve("base", cache=tmp_path) == folder  # reused, not joined again
    assert (folder / "model.bin").stat().st_mtime_ns == joined


def test_the_tiny_english_model_is_used_in_place():
    folder = whisper_models.resolve("tiny.en")
    assert whisper_models.is_model_folder(folder) and "site-packages" in Path(folder).parts


@pytest.fixture(scope="session")
def continuous_speech() -> np.ndarray:
    """The demo recording's three sentences run together (their pauses cut out): 10.6 s of speech that no
    pause ends, so only max_utterance cuts it."""
    audio = demo_audio()
    spans = [(0.45, 3.5), (4.7, 9.9), (11.2, 14.1)]
    return np.concatenate([audio[int(a * 16000):int(b * 16000)] for a, b in spans] + [np.zeros(16000, np.int16)])


@pytest.mark.parametrize("max_utterance", [2.5, 3.5, 5.0])
def test_speech_cut_at_max_utterance_loses_no_word_and_doubles_none(continuous_speech, max_utterance):
    # A cut at the fixed length splits the word said there: "rather self." + "fish is to be" (one word heard as
    # two), or a word dropped. Cut at a pause or between words, every word comes out once.
    transcripts = hear(continuous_speech, "base", max_utterance=max_utterance, min_silence=2.0, partials_every=0)
    finals = [t for t in transcripts if t.final]
    assert len(finals) >= 10.6 // max_utterance, finals  # it was cut (so this tests the cuts)
    assert all(a.start <= b.start and a.end <= b.start + 0.1 for a, b in zip(finals, finals[1:], strict=False))
    said = " ".join(three_utterances_transcript())
    heard = jiwer.process_words(said, " ".join(t.text for t in finals), reference_transform=NORMALIZE,
                                hypothesis_transform=NORMALIZE)
    assert (heard.deletions, heard.insertions) == (0, 0), [t.text for t in finals]
    assert heard.wer <= 0.1, [t.text for t in finals]  # ("ill-disposed" is misheard now and then, cut or not)


def test_behind_the_speaker_whisper_stops_its_partials_then_decodes_with_its_fallback_model(demo_tiny):
    engine = WhisperRecognizer("base", dataclasses.replace(defaults(WhisperOptions), fallback_model="tiny.en"),
                               "en-US", fallback="tiny.en")
    audio = demo_audio()

    async def frames():
        for i in range(0, len(audio), 1600):
            if i == 16000:  # 1 s in: half of max_transcript_lag behind the speaker, then all of it
                said.append(engine.keep_up(2.5, 5.0))
                said.append(engine.keep_up(6.0, 5.0))
            yield AudioFrame(audio[i:i + 1600].tobytes(), 16000, 1, 10.0 + i / 16000)

    async def main() -> list[Transcript]:
        async with engine:
            return [t async for t in engine.transcribe(frames())]

    said: list[str | None] = []
    transcripts = asyncio.run(main())
    assert said == ["partials off", "partials off, finals decoded with tiny.en (fallback_model)"]
    finals = [t for t in transcripts if t.final]
    assert [t.text for t in finals] == [t.text for t in demo_tiny if t.final]  # tiny.en heard them
    assert not [t for t in transcripts if not t.final and t.start > 11.0], transcripts  # no partials since


def test_a_fallback_model_is_checked_like_the_model(tmp_path):
    config = tmp_path / "p.yaml"
    soundfile.write(str(tmp_path / "talk.wav"), np.zeros(1600, np.int16), 16000)
    config.write_text("version: 1\nlanguage: es-ES\nsource: {type: file, path: talk.wav}\n"
                      "speech_to_text: {provider: whisper, fallback_model: tiny.en}\ntargets: [{language: en}]\n")
    result = polyglot("validate", config, cwd=tmp_path)
    assert result.returncode == 78, result.stderr
    assert "error[language] /speech_to_text/fallback_model: tiny.en hears English only, not es-ES; use a " \
           "multilingual model (fallback_model: base)" in result.stdout + result.stderr
