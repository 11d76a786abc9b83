from pathlib import Path

import pytest

from runner.config.load import load
from runner.config.overrides import Overrides
from tests.support.sessions import diagnostics_of

HEAD = """\
version: 1
language: en-US
source: {type: file, path: %s}
"""


@pytest.fixture
def recording(tmp_path):
    from tests.support.recordings import tone_bursts

    return tone_bursts(tmp_path / "talk.wav", [0.5])


def planned(write_config, recording, body, **overrides):
    loaded = load(write_config(HEAD % recording + body), overrides=Overrides(**overrides))
    assert loaded.ok, loaded.diagnostics
    return diagnostics_of(loaded)


def test_valid_offline_config_has_no_problems(write_config, recording):
    assert planned(write_config, recording, "targets:\n  - {language: es}\n  - {language: ca, voice: ca}\n") == []


def test_sample_rate_not_allowed_for_format(write_config, recording):
    [d] = planned(write_config, recording, "targets:\n  - {language: es, sample_rate: 22050}\n")
    assert (d.code, d.path, d.line) == ("sample-rate", "/targets/0/sample_rate", 5)
    assert "22050 Hz is not available for pcm (allowed: 8000, 16000)" in d.message


def test_duplicate_target_language(write_config, recording):
    [d] = planned(write_config, recording, "targets:\n  - {language: es}\n  - {language: ES}\n")
    assert (d.code, d.path) == ("duplicate-target", "/targets/1/language")


def test_duplicate_sink_paths_resolved_against_output_dir(write_config, recording, tmp_path):
    body = ("targets:\n  - language: es\n    sinks: [{type: srt, path: out/x.srt}]\n"
            "  - language: ca\n    sinks: [{type: vtt, path: %s}]\n" % (tmp_path / "o" / "out" / "x.srt"))
    [d] = planned(write_config, recording, body, output_dir=tmp_path / "o")
    assert (d.code, d.path) == ("duplicate-path", "/targets/1/sinks/0/path")
    assert "also written by /targets/0/sinks/0" in d.message


def test_language_pair_not_served_by_apertium(write_config, recording):
    [d] = planned(write_config, recording, "targets:\n  - {language: de}\n")
    assert (d.code, d.path) == ("language-pair", "/targets/0/language")
    assert "Apertium cannot translate en-US into de" in d.message and "es" in d.message


def test_voice_must_exist_and_speak_the_language(write_config, recording):
    problems = planned(write_config, recording,
                       "targets:\n  - {language: es, voice: nosuchvoice}\n  - {language: ca, voice: es}\n")
    assert [(d.code, d.path) for d in problems] == [("voice", "/targets/0/voice"), ("voice", "/targets/1/voice")]
    assert "speaks Spanish, not Catalan" in problems[1].message


def test_galician_has_a_translation_but_no_espeak_voice(write_config, recording):
    [d] = planned(write_config, recording, "targets:\n  - {language: gl}\n")
    assert (d.code, d.path) == ("voice", "/targets/0/language")


def test_espeak_is_pcm_only_and_wav_sinks_need_pcm(write_config, recording):
    problems = planned(write_config, recording,
                       "targets:\n  - language: es\n    format: mp3\n    sinks: [{type: wav, path: a.wav}]\n")
    assert [(d.code, d.path) for d in problems] == [("format", "/targets/0/format"),
                                                     ("sink", "/targets/0/sinks/0/type")]
    assert "use one that takes it as it is (audio_file, jsonl)" in problems[1].message


def test_transcript_sinks_take_text(write_config, recording):
    problems = planned(write_config, recording,
                       "transcript: {sinks: [{type: wav, path: a.wav}]}\ntargets:\n  - {language: es}\n")
    assert [(d.code, d.path) for d in problems] == [("sink", "/transcript/sinks/0/type")]
    # The plan reads what each sink declares it takes, and says which ones fit: no sink is named in the plan.
    assert "transcript sinks take text (jsonl, srt, vtt), not wav" in problems[0].message


def test_what_sinks_take_is_declared_by_each_sink_type():
    from runner import registry

    accepts = {c.name: c.cls.accepts for c in registry.available("sink")}
    assert accepts["wav"] == accepts["speaker"] == {"pcm"} and accepts["audio_file"] == {"audio"}
    assert accepts["srt"] == accepts["vtt"] == {"text"} and accepts["jsonl"] == {"text", "audio"}


def test_missing_recording(write_config):
    loaded = load(write_config(HEAD % "nothere.wav" + "targets:\n  - {language: es}\n"))
    [d] = diagnostics_of(loaded)
    assert (d.code, d.path, d.line, d.column) == ("input", "/source/path", 3, 28)
    assert diagnostics_of(load(loaded.file, overrides=Overrides(input=Path("other.wav")))) == []


def test_pocketsphinx_model_is_english(write_config, recording):
    body = "speech_to_text: {provider: pocketsphinx}\ntargets:\n  - {language: es, translation: {provider: fake}}\n"
    loaded = load(write_config((HEAD % recording).replace("en-US", "fr-FR") + body))
    [d] = diagnostics_of(loaded)
    assert (d.code, d.path) == ("language", "/language")


def test_an_engine_family_that_is_not_installed_is_one_line_naming_its_extra(write_config, recording,
                                                                             monkeypatch):
    from runner import registry

    registry.load_plugins()
    monkeypatch.setitem(registry._families, "aws", registry.Family("aws", "aws", ("boto3", "no_such_sdk_module")))
    body = ("speech_to_text: {provider: transcribe}\ntranslation: {provider: translate}\n"
            "text_to_speech: {provider: polly}\ntargets:\n  - {language: es, voice: Lucia}\n"
            "  - {language: fr, voice: Lea}\n")
    [d] = planned(write_config, recording, body)
    assert d.code == "engine-unavailable" and d.path == "/speech_to_text/provider"
    assert d.message == ("the aws engines (transcribe, translate, polly) are not installed: pip install "
                         "'polyglot-runner[aws]' (missing: no_such_sdk_module)")


def test_unknown_provider_lists_the_known_ones():
    from runner.registry import unknown

    assert unknown("translation", "deepl") == \
        "translation engine 'deepl' is not available (available: apertium, fake, translate)"


def test_lexicons_are_a_warning_for_espeak(write_config, recording):
    [d] = planned(write_config, recording, "targets:\n  - {language: es, lexicons: [names]}\n")
    assert d.severity == "warning" and d.path == "/targets/0/lexicons"
