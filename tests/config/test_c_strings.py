"""Config text that reaches the file system or a C library (file names, devices, voices, model files, names sent
through the AWS CRT) cannot hold a NUL: it is a located config error, never an internal one. So are the other
ways a file name can fail before anything is opened: a name too long for the file system, an unknown ~user."""

from __future__ import annotations

import pytest

from runner.config.load import load
from tests.conftest import THREE_UTTERANCES
from tests.support.cli import assert_no_traceback, polyglot

TARGET = "{language: es, voice: es, sinks: [{type: wav, path: es.wav}]}"
BASE = f"""\
version: 1
language: en-US
source: {{type: file, path: {THREE_UTTERANCES}}}
targets: [{TARGET}]
"""

# (what to replace in BASE, with what, the JSON pointer of the NUL)
FIELDS = {
    "source path": (str(THREE_UTTERANCES), '"a\\0.wav"', "/source/path"),
    "microphone device": (f"{{type: file, path: {THREE_UTTERANCES}}}", '{type: microphone, device: "mic\\0"}',
                          "/source/device"),
    "wav sink": ("path: es.wav", 'path: "es\\0.wav"', "/targets/0/sinks/0/path"),
    "audio_file sink": ("type: wav, path: es.wav", 'type: audio_file, path: "es\\0.mp3"', "/targets/0/sinks/0/path"),
    "srt sink": ("type: wav, path: es.wav", 'type: srt, path: "es\\0.srt"', "/targets/0/sinks/0/path"),
    "vtt sink": ("type: wav, path: es.wav", 'type: vtt, path: "es\\0.vtt"', "/targets/0/sinks/0/path"),
    "jsonl sink": ("type: wav, path: es.wav", 'type: jsonl, path: "es\\0.jsonl"', "/targets/0/sinks/0/path"),
    "speaker device": ("type: wav, path: es.wav", 'type: speaker, device: "out\\0"', "/targets/0/sinks/0/device"),
    "transcript sink": ("targets:", 'transcript: {sinks: [{type: srt, path: "en\\0.srt"}]}\ntargets:',
                        "/transcript/sinks/0/path"),
    "event log": ("targets:", 'event_log: "events\\0.jsonl"\ntargets:', "/event_log"),
    "lexicon file": ("targets:", 'lexicons: {names: "names\\0.pls"}\ntargets:', "/lexicons/names"),
    "espeak voice": ("voice: es", 'voice: "es\\0"', "/targets/0/voice"),
    "pocketsphinx model": ("targets:", 'speech_to_text: {provider: pocketsphinx, model: "/m\\0"}\ntargets:',
                           "/speech_to_text/model"),
    "pocketsphinx dictionary": ("targets:", 'speech_to_text: {provider: pocketsphinx, dictionary: "d\\0.dict"}\n'
                                'targets:', "/speech_to_text/dictionary"),
    "pocketsphinx language model": ("targets:", 'speech_to_text: {provider: pocketsphinx, language_model: '
                                    '"x\\0.lm"}\ntargets:', "/speech_to_text/language_model"),
    "transcribe vocabulary": ("targets:", 'speech_to_text: {provider: transcribe, vocabulary_names: ["v\\0"]}\n'
                              'targets:', "/speech_to_text/vocabulary_names/0"),
    "transcribe vocabulary filter": ("targets:", 'speech_to_text: {provider: transcribe, vocabulary_filter_name: '
                                     '"f\\0"}\ntargets:', "/speech_to_text/vocabulary_filter_name"),
    "aws profile": ("targets:", 'aws: {profile: "dev\\0"}\ntargets:', "/aws/profile"),
}


@pytest.mark.parametrize("name", FIELDS)
def test_a_nul_is_a_located_error(write_config, name):
    old, new, pointer = FIELDS[name]
    assert old in BASE
    text = BASE.replace(old, new, 1)
    loaded = load(write_config(text))
    assert not loaded.ok
    [d] = [d for d in loaded.diagnostics if d.path == pointer]
    assert d.code == "pattern" and d.message.startswith("contains a NUL character (\\0)"), loaded.diagnostics
    line = text[: text.index("\\0")].count("\n") + 1
    assert d.line == line


def test_text_without_nul_is_accepted(write_config):
    loaded = load(write_config(BASE.replace("targets:", 'event_log: "événements \\t.jsonl"\ntargets:')))
    assert loaded.ok, loaded.diagnostics


@pytest.mark.parametrize("command", ["validate", "graph", "config", "run"])
def test_every_command_reports_nul_in_a_path(tmp_path, command):
    path = tmp_path / "p.yaml"
    path.write_text(BASE.replace("path: es.wav", 'path: "es\\0.wav"').replace("targets:", 'event_log: "e\\0"\n'
                                                                                             'targets:'))
    result = polyglot(command, path, "-o", tmp_path) if command in ("run", "graph") else polyglot(command, path)
    assert result.returncode == 78, result.stdout + result.stderr
    assert_no_traceback(result)
    errors = [line for line in (result.stdout + result.stderr).splitlines() if "error[" in line]
    sink_column = path.read_text().splitlines()[4].index('"es') + 1
    assert [line.split(" ")[0:3] for line in errors] == [
        [f"{path}:4:12:", "error[pattern]", "/event_log:"],
        [f"{path}:5:{sink_column}:", "error[pattern]", "/targets/0/sinks/0/path:"],
    ]


def test_a_file_name_too_long_for_the_file_system(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(BASE.replace(str(THREE_UTTERANCES), "x" * 5000 + ".wav"))
    for command in ("validate", "graph", "run"):
        result = polyglot(command, path, "-o", tmp_path) if command != "validate" else polyglot(command, path)
        assert result.returncode == 78, (command, result.stderr)
        assert_no_traceback(result)
        [line] = [line for line in (result.stdout + result.stderr).splitlines() if "error[" in line]
        assert line.startswith(f"{path}:3:28: error[input] /source/path: cannot use ") and \
            line.endswith(": File name too long")
    result = polyglot("run", path, "--input", tmp_path / ("y" * 5000 + ".wav"))
    assert result.returncode == 66
    assert_no_traceback(result)
    assert result.stderr.strip().endswith("yyy.wav: cannot use it: File name too long")


def test_an_unknown_user_home_is_left_as_written(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(BASE.replace(str(THREE_UTTERANCES), "~nosuchuser-polyglot/a.wav")
                    .replace("path: es.wav", "path: ~nosuchuser-polyglot/es.wav")
                    .replace("targets:", "event_log: ~nosuchuser-polyglot/e.jsonl\ntargets:"))
    result = polyglot("validate", path)
    assert result.returncode == 78
    assert_no_traceback(result)
    assert f"/source/path: no such recording: {tmp_path}/~nosuchuser-polyglot/a.wav" in result.stdout
    graph = polyglot("graph", path, "--input", THREE_UTTERANCES, "-o", tmp_path)
    assert graph.returncode == 0, graph.stderr
    assert f"wav {tmp_path}/~nosuchuser-polyglot/es.wav" in graph.stdout
