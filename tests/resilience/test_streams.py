"""Long-lived streams: Transcribe kept alive through a stalled source and rotated before its limit; Polly's
spare streams kept alive, closed when unused (or found ended by the service) and replaced without losing a
sentence."""

from __future__ import annotations

from runner.events import NoticeEvent
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session
from tests.support.sources import StallingSource

TRANSCRIBE = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {{provider: transcribe, keepalive: {keepalive}{extra}}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake}}
targets:
  - {{language: es}}
"""


def test_transcribe_is_kept_alive_through_a_stalled_source(emulator, tmp_path, write_config):
    emulator.knobs.transcribe_script = ["one", "two", "three"]
    emulator.knobs.transcribe_idle_timeout = 1.5  # the real service: 15 s
    rec = tone_bursts(tmp_path / "in.wav", [0.5] * 3, gap=1.0)
    config = write_config(TRANSCRIBE.format(rec=rec, keepalive=0.4, extra=""))
    run = run_session(config, tmp_path, source=StallingSource(rec, at=1.2, stall=3.0))
    assert [f.text for f in run.finals()] == ["one", "two", "three"] and run.status.ok
    assert not [e for e in run.of(NoticeEvent) if e.code == "reconnect"]  # the stream never dropped
    second = run.finals()[1]
    assert abs(second.start - 1.8) < 0.1  # the keepalive silence took no time in the session


def test_without_keepalive_the_service_would_end_the_stream(emulator, tmp_path, write_config):
    emulator.knobs.transcribe_script = ["one", "two", "three"]
    emulator.knobs.transcribe_idle_timeout = 1.5
    rec = tone_bursts(tmp_path / "in.wav", [0.5] * 3, gap=1.0)
    config = write_config(TRANSCRIBE.format(rec=rec, keepalive=10, extra=""))
    run = run_session(config, tmp_path, source=StallingSource(rec, at=1.2, stall=3.0))
    assert "no new audio was received" in run.status.source_errors[0]


def test_transcribe_stream_is_rotated_at_an_utterance_boundary(emulator, tmp_path, write_config):
    emulator.knobs.transcribe_script = [f"line {n}" for n in range(1, 7)]
    rec = tone_bursts(tmp_path / "in.wav", [0.5] * 6, gap=1.0)
    run = run_session(write_config(TRANSCRIBE.format(rec=rec, keepalive=5, extra=", rotate_after: 3")), tmp_path)
    assert [f.text for f in run.finals()] == [f"line {n}" for n in range(1, 7)]
    rotations = [e for e in run.of(NoticeEvent, "source") if e.code == "rotate"]
    assert len(rotations) >= 2 and run.status.rotations == len(rotations)
    assert not [e for e in run.of(NoticeEvent) if e.code == "reconnect"]  # planned, not a failure
    assert len(emulator.state.calls("transcribe.stream")) == len(rotations) + 1
    assert run.spoken("es") == [f"u{n:04d}" for n in range(1, 7)]


POLLY = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: true}}
speech_to_text: {{provider: fake, script: [one, two, three]}}
translation: {{provider: fake, prefix: ''}}
text_to_speech: {{provider: polly, stream_idle_close: {idle}}}
targets:
  - {{language: es-ES, voice: Lucia, engine: generative}}
"""


def test_idle_polly_stream_is_closed_and_reopened(emulator, tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 3, gap=1.5)
    run = run_session(write_config(POLLY.format(rec=rec, idle=0.5)), tmp_path)
    assert run.spoken("es-ES") == ["u0001", "u0002", "u0003"] and run.status.ok
    assert [e for e in run.of(NoticeEvent, "es-ES") if e.code == "stream-idle-closed"]
    calls = emulator.state.calls("polly.stream")
    # each sentence on a stream of its own; each spare opened ahead went unused for 0.5 s and was closed
    assert [c["texts"] for c in calls] == [["one"], [], ["two"], [], ["three"], []]
    assert all(c["request_characters"] == sum(map(len, c["texts"])) for c in calls)  # closed politely, billed


def test_stream_ended_by_the_service_while_idle_is_reopened_quietly(emulator, tmp_path, write_config):
    emulator.knobs.polly_stream_idle_timeout = 0.6  # Polly's inbound-event timeout, shortened
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 3, gap=1.5)
    run = run_session(write_config(POLLY.format(rec=rec, idle=30)), tmp_path)
    assert run.spoken("es-ES") == ["u0001", "u0002", "u0003"] and run.status.ok
    assert not [e for e in run.of(NoticeEvent, "es-ES") if e.level == "error" or e.code == "retry"]
    assert [e for e in run.of(NoticeEvent, "es-ES") if e.code == "stream-reopened"]
