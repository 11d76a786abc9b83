"""A source that stalls (a FIFO nobody writes to, or a writer that stops) never keeps a signal from stopping
the run: Ctrl-C, SIGTERM and a second Ctrl-C are honoured within the drain deadline."""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import time

import pytest

from tests.support.recordings import tone_bursts

CONFIG = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: true}}
speech_to_text: {{provider: fake}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake}}
runtime: {{drain_timeout: 2}}
event_log: events.jsonl
targets:
  - {{language: es, sinks: [{{type: wav, path: es.wav}}]}}
"""


def streaming_wav(wav: bytes) -> bytes:
    """A WAV as a program writes it to a pipe: the lengths in its header say 'unknown' (0xFFFFFFFF)."""
    data_at = wav.index(b"data") + 4
    return wav[:4] + struct.pack("<I", 0xFFFFFFFF) + wav[8:data_at] + struct.pack("<I", 0xFFFFFFFF) \
        + wav[data_at + 4:]


def start(config, out):
    return subprocess.Popen([sys.executable, "-m", "runner", "run", str(config), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path, limit=20):
    deadline = time.monotonic() + limit
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def stop_and_wait(proc, signals, limit):
    began = time.monotonic()
    for sig in signals:
        proc.send_signal(sig)
        time.sleep(0.2)
    try:
        stdout, stderr = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"still running {limit}s after {signals}") from None
    return proc.returncode, stderr, time.monotonic() - began


@pytest.mark.parametrize("signals", [[signal.SIGINT], [signal.SIGTERM], [signal.SIGINT, signal.SIGINT]],
                         ids=["ctrl-c", "sigterm", "ctrl-c twice"])
def test_a_fifo_with_no_writer_stops_on_a_signal(tmp_path, write_config, signals):
    fifo = tmp_path / "live.wav"
    os.mkfifo(fifo)
    proc = start(write_config(CONFIG.format(rec=fifo)), tmp_path)
    wait_for(tmp_path / "events.jsonl")  # the session started: it opens its outputs, then waits for a writer
    time.sleep(0.5)
    code, stderr, took = stop_and_wait(proc, signals, limit=10)
    # 130; or, when the second Ctrl-C lands as the process is already exiting, death by SIGINT (which a shell
    # also shows as 130)
    assert code == 130 or (len(signals) > 1 and code == -signal.SIGINT), stderr
    assert "Traceback" not in stderr
    assert took < 5


def test_a_writer_that_stalls_mid_stream_is_drained_on_ctrl_c(tmp_path, write_config):
    """Another program streams a WAV into the FIFO, then stops writing without closing it."""
    fifo = tmp_path / "live.wav"
    os.mkfifo(fifo)
    rec = tone_bursts(tmp_path / "speech.wav", [0.3] * 3, gap=0.5)
    proc = start(write_config(CONFIG.format(rec=fifo)), tmp_path)
    writer = os.open(fifo, os.O_WRONLY)  # blocks until the run opens its end
    os.write(writer, streaming_wav(rec.read_bytes()))  # three utterances, then nothing more, never closed
    log = tmp_path / "events.jsonl"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if log.exists() and log.read_text().count('"event": "spoken"') >= 3:
            break
        time.sleep(0.1)
    code, stderr, took = stop_and_wait(proc, [signal.SIGINT], limit=10)
    os.close(writer)
    assert code == 130, stderr
    assert took < 5
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["utterance"] for e in events if e["event"] == "spoken"] == ["u0001", "u0002", "u0003"]


@pytest.mark.parametrize("after", [0.5, 1.0])
def test_sigterm_while_still_starting_is_an_interruption(tmp_path, write_config, after):
    """A service manager may stop the run before the session installs its handlers (loading, planning)."""
    fifo = tmp_path / "live.wav"
    os.mkfifo(fifo)
    proc = start(write_config(CONFIG.format(rec=fifo)), tmp_path)
    time.sleep(after)
    code, stderr, _ = stop_and_wait(proc, [signal.SIGTERM], limit=10)
    assert code == 130, stderr
    assert "Traceback" not in stderr
