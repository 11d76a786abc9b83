"""Outputs declare the ports, folders and bucket prefixes they hold; the plan refuses two claims of one (it
failed at start, blaming "another polyglot run" that was the run itself)."""

from __future__ import annotations

import pytest

from runner.config.load import load
from runner.config.overrides import Overrides
from tests.support.cli import assert_no_traceback, polyglot
from tests.support.sessions import diagnostics_of

HEAD = """\
version: 1
language: en-US
source: {{type: file, path: {rec}}}
targets: [{{language: es}}]
outputs:
"""


@pytest.fixture
def recording(tmp_path):
    from tests.support.recordings import tone_bursts

    return tone_bursts(tmp_path / "talk.wav", [0.5])


def claimed(write_config, recording, outputs: list[str], **overrides) -> list[tuple[str, str]]:
    text = HEAD.format(rec=recording) + "".join(f"  - {o}\n" for o in outputs)
    loaded = load(write_config(text), overrides=Overrides(**overrides))
    assert loaded.ok, loaded.diagnostics
    return [(d.path, d.message) for d in diagnostics_of(loaded) if d.code == "claimed"]


CLASHES = {
    "two pages on one port": (["{type: listeners, port: 8090}", "{type: listeners, port: 8090}"],
                              "/outputs/1/port", "TCP port 8090 is also claimed by /outputs/0/port"),
    "every address and this machine's": (["{type: listeners, port: 8090, host: 0.0.0.0, key: abcdefgh12}",
                                          "{type: listeners, port: 8090}"], "/outputs/1/port", "TCP port 8090"),
    "two streams in the default folder": (["{type: hls}", "{type: hls, segment_seconds: 4}"],
                                          "/outputs/1", "/hls is also claimed by /outputs/0"),
    "the default folder named": (["{type: hls}", "{type: hls, path: ./hls/}"], "/outputs/1/path",
                                 "/hls is also claimed by /outputs/0"),
    "one bucket prefix": (["{type: hls, s3: {bucket: broadcast, prefix: live/}}",
                           "{type: hls, s3: {bucket: broadcast, prefix: live/}, path: copy}"],
                          "/outputs/1/s3", "s3://broadcast/live/ is also claimed by /outputs/0/s3"),
}


@pytest.mark.parametrize("name", CLASHES)
def test_two_outputs_claiming_one_resource_are_a_located_error(write_config, recording, tmp_path, name):
    outputs, pointer, message = CLASHES[name]
    [(path, text)] = claimed(write_config, recording, outputs, output_dir=tmp_path / "out")
    assert path == pointer and message in text, text


FINE = {
    "two ports": ["{type: listeners, port: 8090}", "{type: listeners, port: 8091}"],
    "any free port, twice": ["{type: listeners, port: 0}", "{type: listeners, port: 0}"],
    "two addresses of one machine": ["{type: listeners, port: 8090, host: 127.0.0.1}",
                                     '{type: listeners, port: 8090, host: "::1"}'],
    "two folders": ["{type: hls}", "{type: hls, path: hls-2}"],
    "two prefixes": ["{type: hls, s3: {bucket: broadcast, prefix: a/}}", "{type: hls, s3: {bucket: broadcast}}"],
    "an icecast server's port is not this machine's": [
        "{type: icecast, host: localhost, port: 8090, password: hackme}", "{type: listeners, port: 8090}"],
}


@pytest.mark.parametrize("name", FINE)
def test_outputs_holding_different_resources_pass(write_config, recording, tmp_path, name):
    assert claimed(write_config, recording, FINE[name], output_dir=tmp_path / "out") == []


def test_validate_says_it_in_one_located_line_and_exits_78(write_config, recording, tmp_path):
    path = write_config(HEAD.format(rec=recording) + "  - {type: listeners, port: 8090}\n"
                        "  - {type: listeners, port: 8090}\n")
    result = polyglot("validate", path, cwd=tmp_path)
    assert_no_traceback(result)
    assert result.returncode == 78, result.stdout + result.stderr
    [line] = [x for x in result.stdout.splitlines() if "error[claimed]" in x]
    assert line.startswith(f"{path}:7:") and "/outputs/1/port" in line, line
