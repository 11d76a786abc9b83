"""Secrets taken from the environment never reach diagnostics, errors, the event log, graph or config output."""

from __future__ import annotations

import json

from tests.support.cli import assert_no_traceback, polyglot
from tests.support.recordings import tone_bursts

SECRET = "sk-live-7f3a9c2e41d0"


def test_secret_values_are_masked_everywhere(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3])
    bad = write_config(f"""\
        version: 1
        language: en-US
        source: {{type: file, path: {rec}}}
        targets:
          - {{language: es, voice: "${{VOICE_API_TOKEN}}"}}
        """, name="bad.yaml")
    env = {"VOICE_API_TOKEN": SECRET, "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMIEXAMPLEKEY"}
    result = polyglot("validate", "--format", "json", bad, env=env)
    assert result.returncode == 78
    assert SECRET not in result.stdout + result.stderr and "***" in result.stdout
    good = write_config(f"""\
        version: 1
        language: en-US
        name: "show ${{VOICE_API_TOKEN}}"
        source: {{type: file, path: {rec}, realtime: false}}
        speech_to_text: {{provider: fake}}
        translation: {{provider: fake, prefix: "${{VOICE_API_TOKEN}} "}}
        text_to_speech: {{provider: fake}}
        event_log: events.jsonl
        targets:
          - {{language: es, sinks: [{{type: jsonl, path: "out-${{VOICE_API_TOKEN}}.jsonl"}}]}}
        """, name="good.yaml")
    outputs = []
    for args in (("graph", good), ("config", good), ("run", good, "-o", tmp_path, "--fast")):
        result = polyglot(*args, env=env)
        assert result.returncode == 0, result.stderr
        assert_no_traceback(result)
        outputs.append(result.stdout + result.stderr)
    for text in outputs + [(tmp_path / "events.jsonl").read_text()]:
        assert SECRET not in text and "wJalrXUtnFEMIEXAMPLEKEY" not in text
    assert "***" in outputs[0] and "***" in outputs[1]
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert any(e["event"] == "translation" and e["text"].startswith("***") for e in events)
