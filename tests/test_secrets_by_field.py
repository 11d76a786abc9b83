"""Secrets by their field, not by the name of a variable: the Icecast password and the listener page's key are
masked wherever polyglot writes text (config, graph, diagnostics, the event log), whether written literally or
taken from any variable (not only ``*_TOKEN`` or ``*_PASSWORD``)."""

from __future__ import annotations

from urllib.parse import quote

from tests.support.cli import assert_no_traceback, polyglot
from tests.support.recordings import tone_bursts

PASSWORD = "hunter2-icecast"
KEY = "Zq8+rT/w4kB=="
CONFIG = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {{provider: fake}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake}}
event_log: events.jsonl
outputs:
{outputs}
targets:
  - {{language: es}}
"""
ICECAST = "  - {type: icecast, host: 127.0.0.1, port: 9, password: %s}"
PAGE = "  - {type: listeners, port: 0, key: %s}"


def test_a_literal_icecast_password_is_masked_in_config_and_graph(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3])
    path = write_config(CONFIG.format(rec=rec, outputs=ICECAST % PASSWORD))
    for command in ("config", "graph"):
        result = polyglot(command, path)
        assert_no_traceback(result)
        assert result.returncode == 0, result.stderr
        assert PASSWORD not in result.stdout + result.stderr, command
    assert "password: '***'" in polyglot("config", path).stdout


def test_a_password_from_a_plainly_named_variable_is_masked(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3])
    path = write_config(CONFIG.format(rec=rec, outputs=ICECAST % "'${ICE_PW}'"))
    result = polyglot("config", path, env={"ICE_PW": PASSWORD})
    assert result.returncode == 0 and PASSWORD not in result.stdout + result.stderr, result.stdout


def test_a_listener_key_is_kept_out_of_the_event_log_and_config(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3, 0.3], gap=0.4)
    path = write_config(CONFIG.format(rec=rec, outputs=PAGE % "'${LISTEN_KEY}'"))
    env = {"LISTEN_KEY": KEY}
    shown = polyglot("config", path, env=env)
    assert shown.returncode == 0 and KEY not in shown.stdout, shown.stdout
    ran = polyglot("run", path, "-o", tmp_path, "--fast", "-q", env=env)
    assert_no_traceback(ran)
    assert ran.returncode == 0, ran.stderr
    log = (tmp_path / "events.jsonl").read_text()
    assert '"started"' in log and KEY not in log and "key=***" in log
    assert quote(KEY, safe="") not in log  # nor as the link carries it
    assert f"?key={quote(KEY, safe='')}" in ran.stderr  # the console's link is the real one: it lets people in


def test_a_secret_that_breaks_its_fields_rule_is_not_shown_in_the_error(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3])
    path = write_config(CONFIG.format(rec=rec, outputs=PAGE % "'sh0rt!'"))  # a key is at least 8 characters
    result = polyglot("validate", path)
    assert result.returncode == 78, result.stdout + result.stderr
    assert "/outputs/0/key" in result.stdout and "sh0rt!" not in result.stdout + result.stderr, result.stdout
