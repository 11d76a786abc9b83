"""Secrets made of characters that encoders escape (backslash, quotes, tab, newline, unicode, markup, control
characters) are masked in every output format: masking happens on the values, before JSON, YAML, DOT, repr() or
rich would turn a secret into text that no longer matches it.

Each secret has its own variable, used in its own target, so that one run covers every kind of secret."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import assert_no_traceback, polyglot
from tests.support.recordings import tone_bursts

SECRETS = {
    "backslash": "sk1\\live\\7f3a",
    "double quote": 'sk2"live"7f3a',
    "both quotes": "sk3'live\"7f3a",
    "tab": "sk4\tlive\t7f3a",
    "newline": "sk5\nlive\n7f3a",
    "unicode": "sk6-clé-🎙-7f3a",
    "line separators": "sk7\u2028live\x857f3a",
    "markup": "sk8<live>&amp;7f3a",
    "control characters": "sk9\x01live\x1b[31m\x7f7f3a",
    "everything": "skA\\\"'\t\n\u2028é🎙<&>\x01\x1b\x7f-7f3a",
}
LANGUAGES = ["es", "fr", "de", "it", "pt", "nl", "ca", "eo", "sv", "da"]
VARIABLES = {kind: f"S{i}_API_TOKEN" for i, kind in enumerate(SECRETS)}
ENV = {VARIABLES[kind]: secret for kind, secret in SECRETS.items()}


def spellings(secret: str) -> list[str]:
    """The secret and every spelling of it an output could carry: as is, JSON- and repr-escaped, and the pieces
    a line-based output would split it into."""
    pieces = [p for p in secret.replace("\t", "\n").replace("\u2028", "\n").replace("\x85", "\n").split("\n")
              if len(p) >= 4]
    return [secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1],
            *(pieces if len(pieces) > 1 else [])]


def assert_masked(text: str, where: str) -> None:
    for kind, secret in SECRETS.items():
        for spelling in spellings(secret):
            assert spelling not in text, f"{where} shows the {kind} secret as {spelling!r}"


def target(kind: str, index: int, body: str) -> str:
    return f"  - {{language: {LANGUAGES[index]}, {body.replace('VAR', VARIABLES[kind])}}}\n"


@pytest.fixture
def pipeline(tmp_path):
    """Every secret is spoken (a scripted utterance), fails its target's translation (a notice with the text's
    repr), prefixes its target's translations and names a jsonl file; a one-line one is part of the pipeline's
    name (a name is one line)."""
    recording = tone_bursts(tmp_path / "in.wav", [0.3] * (len(SECRETS) + 1))
    script = ", ".join(f'"${{{VARIABLES[kind]}}}"' for kind in SECRETS) + ', "hello"'
    targets = "".join(target(kind, i, 'translation: {prefix: "${VAR} ", fail_on: ["${VAR}"]}, sinks: '
                             '[{type: jsonl, path: "-"}, {type: jsonl, path: "out-${VAR}.jsonl"}]')
                      for i, kind in enumerate(SECRETS))
    path = tmp_path / "pipeline.yaml"
    path.write_text(f"""\
version: 1
language: en-US
name: "show ${{{VARIABLES['markup']}}}"
source: {{type: file, path: {recording}, realtime: false}}
speech_to_text: {{provider: fake, script: [{script}]}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake}}
runtime: {{retry: {{attempts: 1}}}}
event_log: events.jsonl
targets:
{targets}""", encoding="utf-8")
    return path


def test_run_outputs_mask_escapable_secrets(tmp_path, pipeline):
    run = polyglot("run", pipeline, "-o", tmp_path, "--fast", env=ENV)
    assert run.returncode == 1, run.stderr  # each target loses the utterance that holds its secret
    assert_no_traceback(run)
    log = (tmp_path / "events.jsonl").read_text(encoding="utf-8")
    events = [json.loads(line) for line in log.split("\n") if line]  # JSON Lines end at \n (not at U+2028)
    translations = [e for e in events if e["event"] == "translation"]
    notices = [e for e in events if e["event"] == "notice" and e["level"] == "error"]
    assert {e["scope"] for e in translations} == set(LANGUAGES) == {e["scope"] for e in notices}
    assert all(e["text"].startswith("***") for e in translations), translations
    assert all("***" in e["message"] for e in notices), notices
    assert any(e["event"] == "session" and e.get("pipeline") == "***" for e in events)  # built from a secret
    stdout_records = [json.loads(line) for line in run.stdout.split("\n") if line]
    assert {r["scope"] for r in stdout_records if r["event"] == "translation"} == set(LANGUAGES)
    files = sorted(tmp_path.glob("out-*.jsonl"))
    assert len(files) == len(SECRETS)
    for text, where in ((log, "the event log"), (run.stdout, "jsonl sinks on stdout"),
                        *((f.read_text(encoding="utf-8"), "a jsonl sink file") for f in files),
                        (run.stderr, "the console (progress lines, notices, summary)")):
        assert_masked(text, where)
    assert run.stderr.count("***") >= 2 * len(SECRETS)


def test_graph_and_config_mask_escapable_secrets(tmp_path, pipeline):
    outputs = {}
    for args in (("graph", pipeline, "-o", tmp_path), ("graph", "--format", "dot", pipeline, "-o", tmp_path),
                 ("config", pipeline)):
        result = polyglot(*args, env=ENV)
        assert result.returncode == 0, result.stderr
        where = " ".join(str(a) for a in args if a not in (pipeline, tmp_path, "-o"))
        assert_masked(result.stdout + result.stderr, where)
        outputs[where] = result.stdout
    assert outputs["graph"].count("jsonl stdout") == len(SECRETS)
    assert outputs["graph"].count(f"jsonl {tmp_path}/***\n") == len(SECRETS)  # out-${VAR}.jsonl, built from one
    assert outputs["graph --format dot"].startswith('digraph "***" {')
    config = outputs["config"]
    assert "name: '***'" in config and config.count("prefix: '***'") == len(SECRETS), config


def test_diagnostics_mask_escapable_secrets(tmp_path):
    recording = tone_bursts(tmp_path / "in.wav", [0.3])
    files = []
    for key in ("engine", "voice"):  # a schema error (its message holds the value's repr), a plan error
        path = tmp_path / f"{key}.yaml"
        path.write_text(f"version: 1\nlanguage: en-US\nsource: {{type: file, path: {recording}}}\n"
                        "translation: {provider: fake}\ntargets:\n" +
                        "".join(target(kind, i, f'{key}: "${{VAR}}"') for i, kind in enumerate(SECRETS)),
                        encoding="utf-8")
        files.append(path)
    as_json = polyglot("validate", "--format", "json", *files, env=ENV)
    assert as_json.returncode == 78
    messages = [d["message"] for f in json.loads(as_json.stdout)["files"] for d in f["diagnostics"]]
    assert len(messages) == 2 * len(SECRETS) and all("***" in m for m in messages), messages
    assert_masked(as_json.stdout, "validate --format json")
    as_text = polyglot("validate", *files, env=ENV)
    assert as_text.returncode == 78 and as_text.stdout.count("***") == 2 * len(SECRETS)
    assert_masked(as_text.stdout + as_text.stderr, "validate")
    for path in files:  # graph and config print a config's errors as run does
        run = polyglot("run", path, env=ENV)
        assert run.returncode == 78 and run.stderr.count("***") == len(SECRETS), run.stderr
        assert_masked(run.stdout + run.stderr, f"run {path.name}")


def test_masking_values_keeps_the_shape():
    from runner.redact import Redactor

    redactor = Redactor()
    redactor.add('a"b\\c')
    record = {"text": 'say a"b\\c', 'a"b\\c': [1, 2.5, None, True, ('a"b\\c', "plain")], "n": {"deep": ['a"b\\c']}}
    assert redactor.values(record) == {"text": "say ***", "***": [1, 2.5, None, True, ("***", "plain")],
                                       "n": {"deep": ["***"]}}
    assert redactor(repr('a"b\\c')) == "'***'"  # the spelling repr() gives it in messages built elsewhere
