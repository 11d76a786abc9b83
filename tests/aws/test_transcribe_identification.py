"""Channel and language identification, as Amazon Transcribe streaming does them: the emulator answers for each
channel and names the language it identified among the options; polyglot keeps the channel it was told to and
carries each result's language on its transcript."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from runner.config.load import load
from runner.config.model import AwsConfig
from runner.engines.aws.context import context_for
from runner.engines.aws.transcribe import AmazonTranscribe
from runner.engines.base import EngineRequest
from runner.frames import AudioFrame, Transcript
from tests.conftest import THREE_UTTERANCES
from tests.support.recordings import tone_bursts
from tests.support.sessions import diagnostics_of, run_session

RATE = 16000


def tone(seconds: float, pitch: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.4 * np.sin(2 * np.pi * pitch * t)).astype(np.float32)


def stereo(tmp_path: Path) -> Path:
    """Two speakers, one per channel: the left speaks once (0.3 s), the right twice (1.6 s and 2.9 s)."""
    left, right = np.zeros(int(4.2 * RATE), np.float32), np.zeros(int(4.2 * RATE), np.float32)
    for track, start, pitch in ((left, 0.3, 300), (right, 1.6, 500), (right, 2.9, 520)):
        burst = tone(0.5, pitch)
        track[int(start * RATE):int(start * RATE) + len(burst)] = burst
    path = tmp_path / "stereo.wav"
    soundfile.write(str(path), np.stack([left, right], axis=1), RATE, subtype="PCM_16")
    return path


def pcm_of(path: Path) -> tuple[bytes, int]:
    data, rate = soundfile.read(str(path), dtype="int16", always_2d=True)
    return data.tobytes(), data.shape[1]


async def _results(pcm: bytes, channels: int, **params: Any) -> list[Any]:
    """Every Result the service sent for this audio (sent in 100 ms events), through the real smithy client."""
    from aws_sdk_transcribe_streaming.client import AsyncTranscribeStreamingClient
    from aws_sdk_transcribe_streaming.config import AsyncTranscribeStreamingConfig
    from aws_sdk_transcribe_streaming.models import AudioEvent, AudioStreamAudioEvent, StartStreamTranscriptionInput

    config = await context_for(AwsConfig()).smithy_config(AsyncTranscribeStreamingConfig, None)
    client = AsyncTranscribeStreamingClient(config=config)
    request: dict[str, Any] = {"media_sample_rate_hertz": RATE, "media_encoding": "pcm", **params}
    if channels > 1:
        request |= {"enable_channel_identification": True, "number_of_channels": channels}
    stream = await asyncio.wait_for(client.start_stream_transcription(StartStreamTranscriptionInput(**request)), 15)
    _, events = await asyncio.wait_for(stream.await_output(), 15)

    async def send() -> None:
        step = RATE // 10 * 2 * channels
        for i in range(0, len(pcm), step):
            await stream.input_stream.send(AudioStreamAudioEvent(value=AudioEvent(audio_chunk=pcm[i:i + step])))
        await stream.input_stream.close()

    sender = asyncio.create_task(send())
    results = []
    try:
        async for event in events:
            results += event.value.transcript.results or []
        await sender
    finally:
        sender.cancel()
        with contextlib.suppress(Exception):
            await client.close()
    return results


def results(pcm: bytes, channels: int, **params: Any) -> list[Any]:
    return asyncio.run(_results(pcm, channels, **params))


def finals_by_channel(found: list[Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in found:
        if not r.is_partial:
            out.setdefault(r.channel_id, []).append(r.alternatives[0].transcript)
    return out


def test_emulator_recognizes_each_channel_on_its_own(emulator, tmp_path):
    emulator.knobs.transcribe_script = ["left speaks", "right speaks", "right again"]
    pcm, channels = pcm_of(stereo(tmp_path))
    found = results(pcm, channels, language_code="en-US")
    assert finals_by_channel(found) == {"ch_0": ["left speaks"], "ch_1": ["right speaks", "right again"]}
    assert {r.channel_id for r in found} == {"ch_0", "ch_1"}  # partials too
    assert len({r.result_id for r in found if not r.is_partial}) == 3


def test_a_mono_source_on_two_channels_is_heard_on_both(emulator, tmp_path):
    """What made polyglot speak everything twice: the service answers once per channel."""
    emulator.knobs.transcribe_script = ["one", "two"]
    pcm, channels = pcm_of(tone_bursts(tmp_path / "in.wav", [0.5, 0.5], gap=0.8, channels=2))
    assert finals_by_channel(results(pcm, channels, language_code="en-US")) == \
        {"ch_0": ["one", "two"], "ch_1": ["one", "two"]}


def transcribe_config(rec: Path, stt: str) -> str:
    return f"""\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {stt}
translation: {{provider: fake}}
text_to_speech: {{provider: fake}}
targets:
  - {{language: es}}
"""


def test_only_the_chosen_channel_is_translated(emulator, tmp_path, write_config):
    rec = stereo(tmp_path)
    for channel, expected in ((0, ["left speaks"]), (1, ["right speaks", "right again"])):
        emulator.knobs.transcribe_script = ["left speaks", "right speaks", "right again"]
        assert emulator.state is not None
        emulator.state.backend.script_memory.clear()
        stt = ("{provider: transcribe, channel_identification: true, number_of_channels: 2, "
               f"channel: {channel}}}")
        run = run_session(write_config(transcribe_config(rec, stt)), tmp_path)
        assert [f.text for f in run.finals()] == expected
        assert run.spoken("es") == [f"u000{i + 1}" for i in range(len(expected))]


def identified(found: list[Any]) -> list[tuple[str, str, list[tuple[str, float]]]]:
    return [(r.alternatives[0].transcript, r.language_code, [(s.language_code, s.score)
                                                             for s in r.language_identification or []])
            for r in found if not r.is_partial]


def test_emulator_identifies_each_line_among_the_options_with_multiple_languages(emulator, tmp_path):
    emulator.knobs.transcribe_script = ["[fr-FR] bonjour à tous", "[es-US] hola a todos", "good morning"]
    pcm, _ = pcm_of(tone_bursts(tmp_path / "in.wav", [0.5] * 3, gap=0.8))
    options = ["en-US", "fr-FR", "es-ES"]
    found = identified(results(pcm, 1, identify_multiple_languages=True, language_options=",".join(options),
                               preferred_language="en-US"))
    assert [(text, code) for text, code, _ in found] == \
        [("bonjour à tous", "fr-FR"), ("hola a todos", "es-ES"), ("good morning", "en-US")]
    for _, code, scores in found:
        assert sorted(c for c, _ in scores) == sorted(options)  # every option, scored
        assert max(scores, key=lambda s: s[1])[0] == code and all(0 <= s <= 1 for _, s in scores)


def test_emulator_identifies_english_when_pocketsphinx_listens(emulator):
    pcm, _ = pcm_of(THREE_UTTERANCES)
    found = identified(results(pcm, 1, identify_language=True, language_options="fr-FR,en-GB"))
    assert found and {code for _, code, _ in found} == {"en-GB"}


async def _transcripts(config: Path, rec: Path) -> list[Transcript]:
    loaded = load(config)
    assert loaded.ok and loaded.config is not None, loaded.diagnostics
    engine = AmazonTranscribe.create(EngineRequest(loaded.config, loaded.config.speech_to_text))
    data, rate = soundfile.read(str(rec), dtype="int16")
    assert rate == engine.input_rate

    async def frames() -> Any:
        step = rate // 10
        for i in range(0, len(data), step):
            yield AudioFrame(data[i:i + step].tobytes(), rate, 1, i / rate)

    async with engine:
        return [t async for t in engine.transcribe(frames())]


def test_each_transcript_carries_the_language_heard(emulator, tmp_path, write_config):
    emulator.knobs.transcribe_script = ["[fr-FR] bonjour à tous", "[es-ES] hola a todos"]
    rec = tone_bursts(tmp_path / "in.wav", [0.5] * 2, gap=0.8)
    stt = "{provider: transcribe, identify_multiple_languages: true, language_options: [en-US, fr-FR, es-ES]}"
    transcripts = asyncio.run(_transcripts(write_config(transcribe_config(rec, stt)), rec))
    assert [(t.text, t.language) for t in transcripts if t.final] == \
        [("bonjour à tous", "fr-FR"), ("hola a todos", "es-ES")]


def test_identify_language_picks_one_language_for_the_stream(emulator, tmp_path, write_config):
    """IdentifyLanguage, as documented: the stream's dominant language, found in its first speech, for every
    result; the request says which identification it asked for."""
    emulator.knobs.transcribe_script = ["[fr-FR] bonjour à tous", "[es-ES] hola a todos", "good morning"]
    rec = tone_bursts(tmp_path / "in.wav", [0.5] * 3, gap=0.8)
    stt = "{provider: transcribe, identify_language: true, language_options: [en-US, fr-FR, es-ES]}"
    transcripts = asyncio.run(_transcripts(write_config(transcribe_config(rec, stt)), rec))
    assert [t.language for t in transcripts if t.final] == ["fr-FR"] * 3
    [call] = emulator.state.calls("transcribe.stream")
    assert (call["identify"], call["identify_multiple"]) == (True, False)


def test_identify_multiple_languages_is_what_the_engine_asks_for(emulator, tmp_path, write_config):
    emulator.knobs.transcribe_script = ["good morning"]
    rec = tone_bursts(tmp_path / "in.wav", [0.5], gap=0.8)
    stt = "{provider: transcribe, identify_multiple_languages: true, language_options: [en-US, fr-FR]}"
    asyncio.run(_transcripts(write_config(transcribe_config(rec, stt)), rec))
    [call] = emulator.state.calls("transcribe.stream")
    assert (call["identify"], call["identify_multiple"], call["options"]) == (False, True, ["en-US", "fr-FR"])


def test_the_emulator_refuses_what_the_service_refuses(emulator, tmp_path):
    pcm, _ = pcm_of(tone_bursts(tmp_path / "in.wav", [0.5]))
    cases = {"set one of a language code, identify-language or identify-multiple-languages":
             {"identify_language": True, "identify_multiple_languages": True, "language_options": "en-US,fr-FR"},
             "one dialect of each language": {"identify_multiple_languages": True, "language_options": "en-US,en-GB"},
             "at least two language options": {"identify_multiple_languages": True, "language_options": "en-US"}}
    for message, kwargs in cases.items():
        with pytest.raises(Exception, match=message) as refused:
            results(pcm, 1, **kwargs)
        assert type(refused.value).__name__ == "BadRequestException"


def test_identification_settings_are_checked(write_config, tmp_path):
    rec = tone_bursts(tmp_path / "in.wav", [0.5])
    both = ("{provider: transcribe, identify_language: true, identify_multiple_languages: true, "
            "language_options: [en-US, fr-FR]}")
    cases = {both: "/speech_to_text/identify_multiple_languages",
             "{provider: transcribe, identify_multiple_languages: true}": "/speech_to_text/identify_multiple_languages"}
    for stt, pointer in cases.items():
        loaded = load(write_config(transcribe_config(rec, stt)))
        assert loaded.ok, loaded.diagnostics
        assert [d.path for d in diagnostics_of(loaded) if d.severity == "error"] == [pointer], stt


def test_channel_settings_are_checked(write_config, tmp_path):
    rec = tone_bursts(tmp_path / "in.wav", [0.5])
    cases = {
        "{provider: transcribe, channel: 1}": ("error", "/speech_to_text/channel", "set channel_identification"),
        "{provider: transcribe, channel_identification: true}":
            ("error", "/speech_to_text/number_of_channels", "needs number_of_channels: 2"),
        "{provider: transcribe, channel_identification: true, number_of_channels: 2, channel: 2}":
            ("error", "/speech_to_text/channel", "channel 2 does not exist: number_of_channels is 2"),
        "{provider: transcribe, channel_identification: true, number_of_channels: 2, channel: 1}": None,
    }
    for stt, expected in cases.items():
        loaded = load(write_config(transcribe_config(rec, stt)))
        assert loaded.ok, loaded.diagnostics
        found = [(d.severity, d.path, d.message) for d in diagnostics_of(loaded)]
        if expected is None:
            assert found == [], stt
        else:
            [(severity, path, message)] = found
            assert (severity, path) == expected[:2] and expected[2] in message, found


def test_a_mono_microphone_told_of_two_channels_is_a_warning(write_config):
    loaded = load(write_config("""\
        version: 1
        language: en-US
        source: {type: microphone, channels: 1}
        speech_to_text: {provider: transcribe, channel_identification: true, number_of_channels: 2}
        translation: {provider: fake}
        text_to_speech: {provider: fake}
        targets:
          - {language: es}
        """))
    assert loaded.ok, loaded.diagnostics
    [d] = diagnostics_of(loaded)
    assert (d.severity, d.path, d.line) == ("warning", "/speech_to_text/number_of_channels", 4)
    assert "the microphone gives 1 channel(s)" in d.message and "only channel 0 is translated" in d.message


IDENTIFYING = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {{provider: transcribe, identify_multiple_languages: true, language_options: [en-US, es-US, fr-FR]}}
translation: {{provider: translate}}
text_to_speech: {{provider: fake}}
targets:
  - {{language: de-DE}}
  - {{language: es-ES}}
"""


def test_the_language_heard_is_what_each_utterance_is_translated_from(emulator, tmp_path, write_config):
    """A speaker who changes language: each utterance is translated from the language heard in it, and a
    target in that very language gets the words as they were said."""
    emulator.knobs.transcribe_script = ["good morning everyone", "[es-US] hola a todos", "[fr-FR] bonjour à tous"]
    rec = tone_bursts(tmp_path / "in.wav", [0.5] * 3, gap=0.8)
    run = run_session(write_config(IDENTIFYING.format(rec=rec)), tmp_path)
    assert run.status.ok
    calls = emulator.state.calls("translate")
    sources = {(c["target"], c["text"]): c["source"] for c in calls}
    assert sources == {("de", "good morning everyone"): "en", ("de", "hola a todos"): "es",
                       ("de", "bonjour à tous"): "fr", ("es", "good morning everyone"): "en",
                       ("es", "bonjour à tous"): "fr"}  # the Spanish line is not sent for Spanish
    assert run.translations("es-ES")[1] == "hola a todos"
    finals = run.finals()
    assert [f.language for f in finals] == ["en-US", "es-US", "fr-FR"]


def test_the_plan_checks_every_language_that_may_be_heard(write_config, tmp_path):
    rec = tone_bursts(tmp_path / "in.wav", [0.5])
    config = write_config(f"""\
        version: 1
        language: en-US
        source: {{type: file, path: {rec}}}
        speech_to_text: {{provider: transcribe, identify_language: true, language_options: [en-US, fr-FR]}}
        translation: {{provider: apertium}}
        text_to_speech: {{provider: espeak}}
        targets: [{{language: es}}]
        """)
    loaded = load(config)
    problems = [d for d in diagnostics_of(loaded) if d.severity == "error"]
    assert [(d.path, d.code) for d in problems] == [("/targets/0/language", "language-pair")]
    assert "Apertium cannot translate fr-FR into es" in problems[0].message
