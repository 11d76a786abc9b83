from pathlib import Path

import pytest

from runner.config.load import load

MINIMAL = """\
version: 1
language: en-US
source: {type: file, path: talk.wav}
targets:
  - language: es
"""


def codes(loaded):
    return [(d.line, d.column, d.code, d.path) for d in loaded.diagnostics]


def test_minimal_config_gets_defaults(write_config):
    loaded = load(write_config(MINIMAL))
    assert loaded.ok, loaded.diagnostics
    c = loaded.config
    assert c.speech_to_text.provider == "whisper"  # the usable offline default (pocketsphinx mishears a quarter)
    assert c.targets[0].translation.provider == "apertium"
    assert c.targets[0].text_to_speech.provider == "espeak"
    assert c.targets[0].queue.size == 64 and c.targets[0].queue.overflow == "drop-oldest"
    assert Path(c.source.options.path) == Path(loaded.file).parent / "talk.wav"  # inputs resolve next to the config


def test_error_example_from_the_issue(write_config):
    path = write_config("""\
        version: 1
        language: en-US
        source: {type: file, path: talk.wav}
        targets:
          - language: es
          - language: ca
            engine: neuronal
        """)
    loaded = load(path)
    assert not loaded.ok
    [d] = loaded.diagnostics
    assert d.format() == (f"{path}:7:13: error[enum] /targets/1/engine: 'neuronal' is not one of "
                          "['standard', 'neural', 'long-form', 'generative']")


def test_every_error_at_once_sorted_by_position(write_config):
    loaded = load(write_config("""\
        version: 2
        language: en-US
        source: {type: file}
        targets:
          - language: es
            sample_rate: fast
            voise: x
            sinks:
              - {type: wav}
              - {type: speakers}
        runtime: {drain_timeout: -1}
        """))
    assert codes(loaded) == [
        (1, 10, "const", "/version"),
        (3, 9, "required", "/source"),
        (6, 18, "type", "/targets/0/sample_rate"),
        (7, 5, "unknown-key", "/targets/0/voise"),
        (9, 9, "required", "/targets/0/sinks/0"),
        (10, 16, "enum", "/targets/0/sinks/1/type"),
        (11, 26, "exclusiveMinimum", "/runtime/drain_timeout"),
    ]
    assert "did you mean 'voice'" in loaded.diagnostics[3].message


def test_norwegian_target_language_stays_a_string(write_config):
    loaded = load(write_config(MINIMAL.replace("language: es", "language: no")))
    assert loaded.ok and loaded.config.targets[0].language == "no"


def test_environment_interpolation_retypes_plain_scalars(write_config):
    text = MINIMAL + "    sample_rate: ${RATE:-16000}\n    voice: '${VOICE:-es}'\n"
    loaded = load(write_config(text), env={"RATE": "8000"})
    assert loaded.ok, loaded.diagnostics
    assert loaded.config.targets[0].sample_rate == 8000
    assert loaded.config.targets[0].voice == "es"
    assert "/targets/0/sample_rate" in loaded.config.secrets


def test_required_variable_message_is_located(write_config):
    loaded = load(write_config(MINIMAL + "    voice: ${VOICE:?set VOICE to an espeak voice}\n"), env={})
    [d] = loaded.diagnostics
    assert (d.line, d.column, d.code, d.path) == (6, 12, "env", "/targets/0/voice")
    assert "VOICE: set VOICE to an espeak voice" in d.message


def test_interpolation_cannot_inject_structure(write_config):
    loaded = load(write_config(MINIMAL + "    voice: ${V}\n"), env={"V": "es\n    engine: neural"})
    assert loaded.ok and loaded.config.targets[0].voice == "es\n    engine: neural"
    assert loaded.config.targets[0].engine == "standard"


def test_target_override_checked_against_inherited_provider(write_config):
    loaded = load(write_config(MINIMAL + "    text_to_speech: {words_per_minute: 20, speed: 2}\n"))
    assert [(d.code, d.path) for d in loaded.diagnostics] == [
        ("minimum", "/targets/0/text_to_speech/words_per_minute"),
        ("unknown-key", "/targets/0/text_to_speech/speed"),
    ]


def test_target_override_merges_options(write_config):
    text = MINIMAL.replace("targets:", "text_to_speech: {words_per_minute: 150, pitch: 40}\ntargets:") + \
        "    text_to_speech: {pitch: 70}\n"
    loaded = load(write_config(text))
    assert loaded.ok, loaded.diagnostics
    assert dict(loaded.config.targets[0].text_to_speech.raw) == {"words_per_minute": 150, "pitch": 70}


def test_switching_provider_in_a_target_does_not_inherit_options(write_config):
    text = MINIMAL.replace("targets:", "text_to_speech: {words_per_minute: 150}\ntargets:") + \
        "    text_to_speech: {provider: fake, latency: 0.1}\n"
    loaded = load(write_config(text))
    assert loaded.ok, loaded.diagnostics
    choice = loaded.config.targets[0].text_to_speech
    assert choice.provider == "fake" and dict(choice.raw) == {"latency": 0.1}


@pytest.mark.parametrize("content,code,message", [
    (b"", "empty", "the file is empty"),
    (b"   \n\n", "empty", "the file is empty"),
    (b"# only a comment\n", "empty", "holds no YAML document"),
    (b"\x00\x01\x02binary", "binary", "binary file"),
    (b"\xff\xfe\xfa not utf8", "encoding", "not UTF-8"),
    (b"- a\n- b\n", "type", "top level must be a mapping, not a list"),
    (b"just a string\n", "type", "not a str"),
])
def test_unusable_files(tmp_path, content, code, message):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    [d] = load(path).diagnostics
    assert d.code == code and message in d.message


def test_missing_file_and_directory(tmp_path):
    assert load(tmp_path / "nope.yaml").diagnostics[0].message == "no such file"
    assert "is a directory" in load(tmp_path).diagnostics[0].message
