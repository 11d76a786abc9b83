"""Polly streams, sentence by sentence: a sentence's audio ends where its stream says so (StreamClosedEvent), never
where the audio pauses; the next sentence's stream, opened ahead, is kept alive until it is needed."""

from __future__ import annotations

import pytest

from polyglot_emulator import Fault
from runner.engines.aws import polly_stream
from runner.events import AudioEvent, NoticeEvent, SpokenEvent
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session


def config(rec, script="[one, two, three]", tts="{provider: polly}", realtime="false"):
    return f"""\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: {realtime}}}
speech_to_text: {{provider: fake, script: {script}}}
translation: {{provider: fake, prefix: ''}}
text_to_speech: {tts}
targets:
  - {{language: es-ES, voice: Lucia, engine: generative, sinks: [{{type: wav, path: es.wav}}]}}
"""


def spoken_bytes(run, scope):
    return {e.utterance.id: e.bytes for e in run.of(SpokenEvent, scope)}


def sentence_streams(emulator):
    return [c for c in emulator.state.calls("polly.stream") if c["texts"]]


def test_a_pause_in_the_audio_does_not_end_the_sentence(emulator, tmp_path, write_config):
    """Service jitter: the audio stops for 1.5 s after its first event, and its chunks come 0.6 s apart. Every
    byte Polly sent is spoken, each utterance's own."""
    emulator.knobs.set_latency("polly.stream", per_chunk=0.6)
    emulator.knobs.inject("polly.stream", Fault("pause", after=1, seconds=1.5))
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 2, gap=0.7)
    script = "['good morning to everybody in the room and welcome', 'thank you']"
    run = run_session(write_config(config(rec, script)), tmp_path)
    assert run.spoken("es-ES") == ["u0001", "u0002"] and run.status.ok
    # the symptom first: a sentence cut at the pause (before: only its first audio event, the rest dropped)
    assert spoken_bytes(run, "es-ES")["u0001"] > 8192 * 2
    streams = sentence_streams(emulator)
    assert [c["texts"] for c in streams] == [["good morning to everybody in the room and welcome"], ["thank you"]]
    sent = [c["audio_bytes"] for c in streams]
    assert sent[0] > 8192 * 2  # several audio events, the pause inside them
    assert list(spoken_bytes(run, "es-ES").values()) == sent  # all of it, and none of it given to the next one
    by_utterance = {}
    for e in run.of(AudioEvent, "es-ES"):
        by_utterance[e.utterance.id] = by_utterance.get(e.utterance.id, 0) + len(e.data)
    assert list(by_utterance.values()) == sent
    assert not [e for e in run.of(NoticeEvent, "es-ES") if e.code == "retry"]


def test_a_stalled_stream_fails_the_sentence_which_is_spoken_again(emulator, tmp_path, write_config):
    """A stream that says nothing for `timeout` seconds is broken, not finished: the sentence is retried."""
    emulator.knobs.inject("polly.stream", Fault("pause", after=1, seconds=3))
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 2, gap=0.7)
    tts = "{provider: polly, timeout: 1}"
    run = run_session(write_config(config(rec, "['good morning to everybody in the room', 'thank you']", tts)),
                      tmp_path)
    assert run.spoken("es-ES") == ["u0001", "u0002"] and run.status.ok
    [retry] = [e.message for e in run.of(NoticeEvent, "es-ES") if e.code == "retry"]
    assert "nothing from the stream for 1s" in retry
    streams = sentence_streams(emulator)
    assert [c["texts"] for c in streams][1:] == [["good morning to everybody in the room"], ["thank you"]]
    assert list(spoken_bytes(run, "es-ES").values()) == [c["audio_bytes"] for c in streams[1:]]


def test_the_spare_stream_is_kept_alive_between_sentences(emulator, tmp_path, write_config, monkeypatch):
    """Polly ends a stream after 5 s without an inbound event (shortened here to 1 s); the stream opened ahead
    for the next sentence gets keep-alive events, so it is still there when the sentence comes 2.5 s later."""
    emulator.knobs.polly_stream_idle_timeout = 1.0
    monkeypatch.setattr(polly_stream, "KEEPALIVE", 0.3)
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 3, gap=2.5)
    run = run_session(write_config(config(rec, realtime="true")), tmp_path)
    assert run.spoken("es-ES") == ["u0001", "u0002", "u0003"] and run.status.ok
    assert not [e for e in run.of(NoticeEvent, "es-ES") if e.code in ("stream-reopened", "retry")]
    assert not [e for e in emulator.state.calls("error") if e["call"] == "polly.stream"]
    calls = emulator.state.calls("polly.stream")
    assert [c["texts"] for c in calls] == [["one"], ["two"], ["three"], []]  # the last spare, closed at the end
    assert all(c["request_characters"] == sum(map(len, c["texts"])) for c in calls)  # keep-alives not billed


@pytest.mark.parametrize("keepalive", [0.3, 30.0])
def test_a_spare_the_service_ended_is_replaced_quietly(emulator, tmp_path, write_config, monkeypatch, keepalive):
    emulator.knobs.polly_stream_idle_timeout = 1.0
    monkeypatch.setattr(polly_stream, "KEEPALIVE", keepalive)
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 2, gap=2.5)
    run = run_session(write_config(config(rec, "[one, two]", realtime="true")), tmp_path)
    assert run.spoken("es-ES") == ["u0001", "u0002"] and run.status.ok
    replaced = [e for e in run.of(NoticeEvent, "es-ES") if e.code == "stream-reopened"]
    assert bool(replaced) == (keepalive > 1.0)  # without keep-alives in time, Polly ended it
