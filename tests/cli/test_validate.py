"""`polyglot validate` and friends, run as a user runs them: a subprocess, exit codes, one line per problem."""

import json

import pytest

from tests.conftest import REPO
from tests.support.cli import assert_no_traceback, polyglot

BAD_CONFIGS = {
    "syntax": ("version: 1\nsource: [1, 2\n", "error[syntax]"),
    "duplicate key": ("version: 1\nversion: 1\n", "error[duplicate-key] /version"),
    "wrong type": ("version: 1\nlanguage: en-US\nsource: {type: file, path: a.wav}\ntargets: {language: es}\n",
                   "error[type] /targets"),
    "unknown engine": ("version: 1\nlanguage: en-US\nsource: {type: file, path: a.wav}\n"
                       "speech_to_text: {provider: nosuchengine}\ntargets: [{language: es}]\n",
                       "error[enum] /speech_to_text/provider"),
    "bad sample rate": ("version: 1\nlanguage: en-US\nsource: {type: file, path: a.wav}\n"
                        "targets: [{language: es, sample_rate: 44100}]\n", "error[sample-rate]"),
    "missing recording": ("version: 1\nlanguage: en-US\nsource: {type: file, path: nowhere.wav}\n"
                          "targets: [{language: es}]\n", "error[input] /source/path"),
}


@pytest.mark.parametrize("name", BAD_CONFIGS)
def test_bad_config_gives_located_line_and_exit_78(tmp_path, name):
    text, expected = BAD_CONFIGS[name]
    path = tmp_path / "p.yaml"
    path.write_text(text)
    for command in ("validate", "run", "graph"):
        result = polyglot(command, path, cwd=tmp_path)
        assert result.returncode == 78, (command, result.stderr)
        assert_no_traceback(result)
        output = result.stdout + result.stderr
        assert expected in output
        line = next(line for line in output.splitlines() if expected in line)
        assert line.startswith(f"{path}:"), line  # file:line:col: error[code] /path: message


@pytest.mark.parametrize("make", ["missing", "directory", "empty", "binary"])
def test_unusable_files_exit_78_without_traceback(tmp_path, make):
    path = tmp_path / "p.yaml"
    if make == "directory":
        path.mkdir()
    elif make == "empty":
        path.write_text("")
    elif make == "binary":
        path.write_bytes(bytes(range(256)))
    result = polyglot("validate", path)
    assert result.returncode == 78
    assert_no_traceback(result)
    assert result.stdout.strip().startswith(str(path))
    assert len(result.stdout.strip().splitlines()) == 1


def test_valid_files_exit_0():
    result = polyglot("validate", "pipelines/offline-demo.yaml", cwd=REPO)
    assert result.returncode == 0, result.stdout
    assert "pipelines/offline-demo.yaml: valid" in result.stdout


def test_json_format_reports_each_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nversion: 1\n")
    result = polyglot("validate", "--format", "json", REPO / "pipelines/offline-demo.yaml", bad)
    assert result.returncode == 78
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert [f["valid"] for f in report["files"]] == [True, False]
    found = {(d["code"], d["line"], d["column"], d["path"]) for d in report["files"][1]["diagnostics"]}
    assert ("duplicate-key", 2, 1, "/version") in found
    assert ("required", 1, 1, "") in found  # language, source, targets


def test_aws_pipelines_validate_offline():
    result = polyglot("validate", "pipelines/en-to-zh.yaml", "pipelines/broadcast.yaml", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": valid") == 2


def test_schema_command_prints_the_schema():
    result = polyglot("schema")
    assert result.returncode == 0
    assert json.loads(result.stdout)["$schema"].endswith("2020-12/schema")
    assert result.stdout == (REPO / "schemas" / "pipeline.schema.json").read_text()


def test_graph_text_and_dot():
    text = polyglot("graph", "pipelines/offline-demo.yaml", cwd=REPO)
    assert text.returncode == 0
    for fragment in ("speech-to-text: whisper", "fan-out: 3 lane(s)", "es (Spanish)",
                     "wav out/offline-demo/es.wav"):
        assert fragment in text.stdout
    dot = polyglot("graph", "--format", "dot", "pipelines/offline-demo.yaml", cwd=REPO)
    assert dot.stdout.startswith('digraph "offline-demo" {') and "fanout -> t0;" in dot.stdout


def test_missing_input_recording_is_one_line(tmp_path):
    result = polyglot("run", REPO / "pipelines/offline-demo.yaml", "--input", tmp_path / "none.wav")
    assert result.returncode == 66
    assert_no_traceback(result)
    assert result.stderr.strip() == f"polyglot: error: {tmp_path / 'none.wav'}: no such audio file"


def test_each_problem_stays_one_line_whatever_it_quotes(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text('version: 1\nlanguage: en-US\nsource: {type: file, path: "in\\n\\u001b[2J\\u2028.wav"}\n'
                    'targets: [{language: es}]\n')
    result = polyglot("validate", path)
    assert result.returncode == 78
    [line] = result.stdout.splitlines()  # str.splitlines() also splits at U+2028
    assert line == f"{path}:3:28: error[input] /source/path: no such recording: {tmp_path}/in\\n\\x1b[2J\\u2028.wav"
    report = json.loads(polyglot("validate", "--format", "json", path).stdout)
    assert report["files"][0]["diagnostics"][0]["message"].endswith("/in\n\x1b[2J\u2028.wav")  # JSON: as is
