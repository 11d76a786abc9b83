"""The AWS pipelines end to end: a real recording, the real SDK clients, the emulator on the wire."""

from __future__ import annotations

import json

import numpy as np
import soundfile
import srt

from polyglot_emulator.backend import FIXTURES
from polyglot_emulator.knobs import Fault
from tests.conftest import REPO, THREE_UTTERANCES
from tests.io.test_alsa_devices import alsa_home
from tests.support.cli import assert_no_traceback, polyglot
from tests.support.recordings import three_utterances_transcript, tone_bursts
from tests.support.sessions import run_session


def events_of(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def non_silent(path, rate):
    audio, found_rate = soundfile.read(str(path))
    assert found_rate == rate
    assert len(audio) / rate > 3 and np.sqrt(np.mean(audio ** 2)) > 0.02
    return audio


def test_en_to_zh(emulator, tmp_path):
    emulator.knobs.transcribe_script = three_utterances_transcript()
    home = alsa_home(tmp_path)
    (home / ".asoundrc").write_text((home / ".asoundrc").read_text().replace("pcm.speaker", "pcm.!default"))
    result = polyglot("run", REPO / "pipelines/en-to-zh.yaml", "--input", THREE_UTTERANCES, "--fast",
                      "-o", tmp_path, env={**emulator.env(), "HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    state = emulator.state
    [stream] = state.calls("transcribe.stream")
    assert stream["language"] == "en-US" and stream["sample_rate"] == "16000" and stream["stability"] == "high"
    assert abs(stream["audio_bytes"] - soundfile.info(str(THREE_UTTERANCES)).frames * 2) < 3200
    chinese = [FIXTURES[line]["zh"] for line in three_utterances_transcript()]
    assert [c["target"] for c in state.calls("translate")] == ["zh"] * 3
    assert all(c["user_agent"].startswith("polyglot/") for c in state.calls("translate"))
    speech = state.calls("polly.synthesize")
    assert [c["Text"] for c in speech] == chinese
    assert {(c["VoiceId"], c["Engine"], c["OutputFormat"], c["SampleRate"]) for c in speech} == \
        {("Zhiyu", "neural", "pcm", "16000")}
    out = tmp_path
    wav = non_silent(out / "zh.wav", 16000)
    assert [c.content.replace("\n", "") for c in srt.parse((out / "zh.srt").read_text())] == chinese
    played = np.frombuffer((home / "captured.raw").read_bytes(), dtype="<i2")
    assert np.array_equal(played, (wav * 32768).astype("<i2"))  # the speaker got exactly what was written


def test_broadcast_fans_out_to_six_polly_voices(emulator, tmp_path):
    emulator.knobs.transcribe_script = three_utterances_transcript()
    env = {**emulator.env(), "HOME": str(tmp_path), "POLYGLOT_LISTEN_PORT": "0"}
    synced = polyglot("lexicons", "sync", REPO / "pipelines/broadcast.yaml", env=env)  # Polly needs them first
    assert synced.returncode == 0, synced.stderr
    result = polyglot("run", REPO / "pipelines/broadcast.yaml", "--input", THREE_UTTERANCES, "--fast",
                      "-o", tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    out = tmp_path
    events = events_of(out / "events.jsonl")
    translations = {}
    for e in events:
        if e["event"] == "translation":
            translations.setdefault(e["scope"], []).append(e["text"])
    state = emulator.state
    streams: dict[str, list] = {}
    for call in state.calls("polly.stream"):
        streams.setdefault(call["voice"], []).append(call)
    assert set(streams) == {"Lucia", "Lea", "Vicki", "Bianca", "Camila"}  # the generative targets stream
    voice_of = {"es-ES": "Lucia", "fr-FR": "Lea", "de-DE": "Vicki", "it-IT": "Bianca", "pt-BR": "Camila"}
    [ended] = [e for e in events if e["event"] == "session" and e["state"] == "ended"]
    for language, voice in voice_of.items():
        calls = streams[voice]
        # a stream per sentence, each carrying its sentence (the last one opened ahead and closed unused)
        assert [t for c in calls for t in c["texts"]] == translations[language], calls
        assert all(len(c["texts"]) <= 1 for c in calls) and all(c["engine"] == "generative" for c in calls)
        billed = ended["metrics"][language]["request_characters"]
        assert billed == sum(c["request_characters"] for c in calls) == sum(len(t) for t in translations[language])
        assert ended["metrics"][language]["streams_opened"] == len(calls)
    assert {c["lexicons"] for c in streams["Lucia"]} == {"esnames"}
    assert {(c["format"], c["sample_rate"]) for c in streams["Vicki"]} == {("mp3", "24000")}
    assert [t for t in translations["fr-FR"]] == [FIXTURES[line]["fr"] for line in three_utterances_transcript()]
    french = [c for c in state.calls("translate") if c["target"] == "fr"]
    assert all(c["settings"] == {"Formality": "FORMAL"} for c in french)
    assert translations["es-ES"][2] == "Incluso podría haber sido hecho amable él."  # Apertium, behind Translate
    for name in ("es", "fr", "it", "pt", "zh"):
        non_silent(out / f"{name}.wav", 16000)
    mp3, rate = soundfile.read(str(out / "de.mp3"))
    assert rate == 24000 and len(mp3) / rate > 3
    [zh] = [c for c in state.calls("polly.synthesize")][:1]
    assert zh["VoiceId"] == "Zhiyu" and len(state.calls("polly.synthesize")) == 3


def test_voices_of_one_language_share_its_translation(emulator, tmp_path, write_config):
    """es-ES and es-US both read Amazon Translate's "es": one call per utterance serves both; a throttled
    call is retried once for both of them."""
    emulator.knobs.transcribe_script = ["good morning", "thank you"]
    emulator.knobs.inject("translate", Fault("throttle", match={"target": "es"}))
    rec = tone_bursts(tmp_path / "in.wav", [0.5] * 2, gap=0.8)
    config = write_config(f"""\
        version: 1
        language: en-US
        source: {{type: file, path: {rec}, realtime: false}}
        speech_to_text: {{provider: transcribe}}
        translation: {{provider: translate}}
        text_to_speech: {{provider: fake}}
        runtime: {{retry: {{attempts: 3, initial_backoff: 0.05}}}}
        targets:
          - {{language: es-ES}}
          - {{language: es-US}}
          - {{language: fr-FR}}
        """)
    run = run_session(config, tmp_path)
    assert run.status.ok
    calls = [(c["target"], c["text"]) for c in emulator.state.calls("translate")]
    assert sorted(calls) == sorted([("es", "good morning")] * 2 + [("es", "thank you"), ("fr", "good morning"),
                                                                   ("fr", "thank you")])  # es twice: the throttle
    assert run.translations("es-ES") == run.translations("es-US") == ["buenos días.", "gracias."]
