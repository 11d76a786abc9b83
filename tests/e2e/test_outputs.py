"""Outputs: a run that can create none fails before any audio flows; what it writes is its own."""

from __future__ import annotations

import time

from tests.conftest import assert_no_traceback, polyglot, tone_bursts

FAKE = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: {realtime}}}
speech_to_text: {{provider: fake}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake}}
event_log: events.jsonl
transcript: {{sinks: [{{type: srt, path: en.srt}}]}}
targets:
  - {{language: es, sinks: [{{type: wav, path: es.wav}}, {{type: srt, path: es.srt}}]}}
"""


def test_no_output_can_be_created_is_exit_74_before_audio_flows(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 30, gap=0.5)  # 25 s at its own pace
    not_a_folder = tmp_path / "out"
    not_a_folder.write_text("a file, not a folder")
    began = time.monotonic()
    result = polyglot("run", write_config(FAKE.format(rec=rec, realtime="true")), "-o", not_a_folder)
    assert result.returncode == 74, result.stderr
    assert time.monotonic() - began < 10  # not after playing the whole recording
    assert_no_traceback(result)
    assert "no output could be created" in result.stderr
    assert not_a_folder.read_text() == "a file, not a folder"
