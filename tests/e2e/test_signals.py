"""Ctrl-C through the real CLI: drain what was heard, finish the files, exit 130; a second Ctrl-C stops now."""

import json
import signal
import subprocess
import sys
import time

import soundfile

from tests.support.recordings import tone_bursts


def start(config, out):
    return subprocess.Popen([sys.executable, "-m", "runner", "run", str(config), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_finals(log, count, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists():
            events = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
            if sum(e["event"] == "transcript" and e["final"] for e in events) >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} final transcripts in {log}")


def config_text(rec, latency, drain):
    return f"""\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: true}}
speech_to_text: {{provider: fake}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, latency: {latency}}}
runtime: {{drain_timeout: {drain}}}
event_log: events.jsonl
targets:
  - language: es
    sinks: [{{type: wav, path: es.wav}}, {{type: srt, path: es.srt}}]
  - language: ca
    sinks: [{{type: wav, path: ca.wav}}]
"""


def test_sigint_drains_and_finalizes(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 20, gap=0.5)
    proc = start(write_config(config_text(rec, 0.4, 10)), tmp_path)
    wait_for_finals(tmp_path / "events.jsonl", 2)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "finishing queued speech" in stderr
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    finals = [e["utterance"] for e in events if e["event"] == "transcript" and e["final"]]
    assert 2 <= len(finals) < 20
    for lang in ("es", "ca"):
        assert [e["utterance"] for e in events if e["event"] == "spoken" and e["scope"] == lang] == finals
        assert soundfile.info(str(tmp_path / f"{lang}.wav")).frames > 0  # a valid, finalized WAV
    assert [e["state"] for e in events if e["event"] == "session"] == ["started", "draining", "ended"]
    assert (tmp_path / "es.srt").read_text().count(" --> ") == len(finals)


def test_second_sigint_stops_at_once_and_files_stay_valid(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 20, gap=0.3)
    proc = start(write_config(config_text(rec, 30, 60)), tmp_path)
    wait_for_finals(tmp_path / "events.jsonl", 1)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    began = time.monotonic()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=20)
    assert time.monotonic() - began < 5
    assert proc.returncode == 1, stderr  # speech was lost, and the exit code says so
    assert "Traceback" not in stderr and "not spoken (second interrupt)" in stderr
    info = soundfile.info(str(tmp_path / "es.wav"))
    assert info.samplerate == 16000 and info.frames == 0


def test_sigterm_drains_like_sigint(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 20, gap=0.5)
    proc = start(write_config(config_text(rec, 0.2, 10)), tmp_path)
    wait_for_finals(tmp_path / "events.jsonl", 2)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130, stderr
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    finals = [e["utterance"] for e in events if e["event"] == "transcript" and e["final"]]
    assert [e["utterance"] for e in events if e["event"] == "spoken" and e["scope"] == "es"] == finals
    assert soundfile.info(str(tmp_path / "es.wav")).frames > 0
