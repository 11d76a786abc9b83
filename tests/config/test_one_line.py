"""Text that people read or that goes into a header (the pipeline's name, an Icecast stream's name) is one line:
a newline (``name: >`` adds one at the end) or another control character is a located config error, exit 78,
instead of a crash of the output that sends it. And every schema pattern means what JSON Schema says: ``$`` is
the end of the text, so a value with a trailing newline does not pass ``^...$``."""

from __future__ import annotations

import pytest

from runner.config.ecma import compile_pattern
from runner.config.load import load
from tests.conftest import THREE_UTTERANCES
from tests.support.cli import assert_no_traceback, polyglot

BASE = f"""\
version: 1
name: talk
language: en-US
source: {{type: file, path: {THREE_UTTERANCES}}}
targets: [{{language: es}}]
"""
ICECAST = "outputs: [{type: icecast, host: radio.example.org, password: pw, NAME: VALUE}]\n"


def test_a_folded_name_with_its_final_newline_is_a_located_error(write_config):
    text = BASE.replace("name: talk", "name: >\n  Sunday\n  service")
    config = write_config(text)
    loaded = load(config)
    [d] = loaded.diagnostics
    assert (d.path, d.code, d.line, d.column) == ("/name", "pattern", 2, 7)
    assert "U+000A" in d.message and "one line" in d.message
    result = polyglot("validate", config)
    assert result.returncode == 78 and f"{config}:2:7: error[pattern] /name:" in result.stdout + result.stderr
    assert_no_traceback(result)


@pytest.mark.parametrize("value", ['"Sunday\\tservice"', '"bell\\x07"', '"next\\x85line"', '"para\\u2029graph"'])
def test_control_characters_in_the_name(write_config, value):
    loaded = load(write_config(BASE.replace("name: talk", f"name: {value}")))
    assert [(d.path, d.code) for d in loaded.diagnostics] == [("/name", "pattern")]


@pytest.mark.parametrize("key", ["name", "description"])
def test_icecast_stream_name_and_description_are_one_line(write_config, key):
    text = BASE + ICECAST.replace("NAME", key).replace("VALUE", '"{title}\\r\\nX-Injected: 1"')
    loaded = load(write_config(text))
    assert [(d.path, d.code) for d in loaded.diagnostics] == [(f"/outputs/0/{key}", "pattern")]


def test_names_in_any_script_are_accepted(write_config):
    loaded = load(write_config(BASE.replace("name: talk", "name: Culte du dimanche — 主日崇拜 ✝")))
    assert loaded.ok, loaded.diagnostics


@pytest.mark.parametrize(("old", "new", "pointer"), [
    ("language: en-US", 'language: "en-US\\n"', "/language"),
    ("{language: es}", '{language: "es\\n"}', "/targets/0/language"),
    ("targets:", 'aws: {region: "us-east-1\\n"}\ntargets:', "/aws/region"),
])
def test_a_trailing_newline_does_not_pass_an_anchored_pattern(write_config, old, new, pointer):
    loaded = load(write_config(BASE.replace(old, new)))
    assert (pointer, "pattern") in [(d.path, d.code) for d in loaded.diagnostics], loaded.diagnostics


def test_dollar_is_the_end_of_the_text_outside_classes_and_escapes():
    assert compile_pattern("^a$").search("a\n") is None and compile_pattern("^a$").search("a")
    assert compile_pattern("^[$]+$").search("$$") and compile_pattern(r"^\$$").search("$")
    assert compile_pattern("^[]$]$").search("]") and compile_pattern("^[]$]$").search("]\n") is None
