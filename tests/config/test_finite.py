"""Every number in a config is finite: NaN passes every JSON Schema bound (it compares false with all of them),
infinity passes every minimum, and both break the runtime (a backoff of NaN seconds, a drain that never ends).
They are located errors, wherever they are and however they are written."""

from __future__ import annotations

import pytest

from runner.config.load import load
from tests.conftest import THREE_UTTERANCES
from tests.support.cli import assert_no_traceback, polyglot

BASE = f"""\
version: 1
language: en-US
source: {{type: file, path: {THREE_UTTERANCES}}}
speech_to_text: {{provider: fake, threshold: 0.02}}
text_to_speech: {{provider: fake}}
translation: {{provider: fake}}
targets: [{{language: es}}]
runtime:
  retry: {{initial_backoff: 0.2}}
"""

CASES = {
    "nan backoff": ("initial_backoff: 0.2", "initial_backoff: .nan", "/runtime/retry/initial_backoff",
                    "not a number (.nan)"),
    "NaN threshold in (0, 1]": ("threshold: 0.02", "threshold: .NaN", "/speech_to_text/threshold",
                                "not a number (.nan)"),
    "inf backoff": ("initial_backoff: 0.2", "initial_backoff: .inf", "/runtime/retry/initial_backoff",
                    "infinite (.inf"),
    "negative inf": ("initial_backoff: 0.2", "initial_backoff: -.inf", "/runtime/retry/initial_backoff",
                     "infinite (-.inf"),
    "overflowing float": ("initial_backoff: 0.2", "initial_backoff: 1e309", "/runtime/retry/initial_backoff",
                          "infinite"),
    "integer beyond any float": ("initial_backoff: 0.2", "initial_backoff: 1" + "0" * 400,
                                 "/runtime/retry/initial_backoff", "too large (more than 1.8e308)"),
    "integer beyond int()": ("initial_backoff: 0.2", "initial_backoff: 1" + "0" * 5000,
                             "/runtime/retry/initial_backoff", "an integer of 5001 digits is too large"),
    "in a target override": ("targets: [{language: es}]",
                             "targets: [{language: es, text_to_speech: {latency: .inf}}]",
                             "/targets/0/text_to_speech/latency", "infinite (.inf"),
    "in a list": ("targets: [{language: es}]", "targets: [{language: es}, .nan]", "/targets/1",
                  "not a number (.nan)"),
}


@pytest.mark.parametrize("name", CASES)
def test_non_finite_numbers_are_located_errors(write_config, name):
    old, new, pointer, why = CASES[name]
    assert old in BASE
    text = BASE.replace(old, new)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if new.split(":")[0].strip() in row
                and new.split(":")[-1].strip()[:6] in row)
    loaded = load(write_config(text))
    assert not loaded.ok
    found = [d for d in loaded.diagnostics if d.code == "not-finite"]
    assert [(d.path, d.line) for d in found] == [(pointer, line)], loaded.diagnostics
    assert why in found[0].message and found[0].message.endswith("numbers must be finite")


def test_non_finite_numbers_from_the_environment(write_config):
    block_style = "  retry:\n    initial_backoff: ${BACKOFF}\n"  # in a flow mapping, } would end the mapping
    path = write_config(BASE.replace("  retry: {initial_backoff: 0.2}\n", block_style))
    for value in (".nan", ".inf", "1e999"):
        loaded = load(path, env={"BACKOFF": value})
        assert [(d.code, d.path, d.line, d.column) for d in loaded.diagnostics] == \
            [("not-finite", "/runtime/retry/initial_backoff", 10, 22)], value


def test_finite_numbers_are_untouched(write_config):
    loaded = load(write_config(BASE.replace("initial_backoff: 0.2", "initial_backoff: 1.7e308")))
    assert loaded.ok, loaded.diagnostics
    assert loaded.config.retry.initial_backoff == 1.7e308


@pytest.mark.parametrize("command", ["validate", "run", "graph", "config"])
def test_every_command_refuses_them_with_a_located_line(tmp_path, command):
    path = tmp_path / "p.yaml"
    path.write_text(BASE.replace("initial_backoff: 0.2", "initial_backoff: .nan, max_backoff: .inf"))
    row = path.read_text().splitlines()[8]
    nan, inf = row.index(".nan") + 1, row.index(".inf") + 1
    result = polyglot(command, path, "-o", tmp_path) if command == "run" else polyglot(command, path)
    assert result.returncode == 78, result.stdout + result.stderr
    assert_no_traceback(result)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "error[" in line]
    assert lines == [
        f"{path}:9:{nan}: error[not-finite] /runtime/retry/initial_backoff: not a number (.nan): numbers must be "
        f"finite",
        f"{path}:9:{inf}: error[not-finite] /runtime/retry/max_backoff: infinite (.inf, or a number beyond 1.8e308): "
        f"numbers must be finite",
    ]


def test_an_endless_drain_timeout_on_the_command_line_is_refused(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(BASE)
    result = polyglot("run", path, "--drain-timeout", "inf", "-o", tmp_path)
    assert result.returncode == 2
    assert "Invalid value for '--drain-timeout': must be a finite number of seconds" in result.stderr
