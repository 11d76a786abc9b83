"""Speech-to-text replays everything a final has not acknowledged yet, however far ahead the source ran, and
says what it truly could not replay."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from polyglot_emulator import Fault
from runner.engines.fake import ScriptedRecognizer
from runner.events import NoticeEvent
from runner.frames import AudioFrame
from runner.retry import RetryPolicy
from runner.runtime import stt
from runner.runtime.router import Router
from runner.runtime.status import SessionStatus
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session
from tests.support.sources import tone_pattern

SCRIPT = [f"sentence number {n}" for n in range(1, 21)]
CONFIG = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {{provider: transcribe}}
translation: {{provider: translate}}
text_to_speech: {{provider: polly}}
runtime: {{retry: {{attempts: 5, initial_backoff: 0.05, max_backoff: 0.5}}}}
targets:
  - {{language: es-ES, voice: Lucia, engine: generative}}
"""


def test_a_dropped_stream_loses_nothing_when_the_file_runs_ahead(emulator, tmp_path, write_config):
    """32 s of speech read as fast as possible: answers lag far behind the audio (0.3 s per result), and the
    connection drops during the second utterance. Every utterance is transcribed and spoken once, in order."""
    rec = tone_bursts(tmp_path / "in.wav", [0.6] * len(SCRIPT), gap=1.0)
    emulator.knobs.transcribe_script = SCRIPT
    emulator.knobs.set_latency("transcribe.stream", first_byte=0.3)
    emulator.knobs.inject("transcribe.stream", Fault("drop", after=4))

    run = run_session(write_config(CONFIG.format(rec=rec)), tmp_path)

    assert [f.text for f in run.finals()] == SCRIPT
    ids = [f"u{n:04d}" for n in range(1, len(SCRIPT) + 1)]
    assert run.spoken("es-ES") == ids
    assert [e.code for e in run.of(NoticeEvent) if e.level != "info"] == ["reconnect"]
    assert run.status.ok
    calls = emulator.state.calls("transcribe.stream")
    assert len(calls) == 2
    sent_after_drop = calls[1]["audio_bytes"] / 32000
    assert sent_after_drop < 32.0  # the second stream got the unanswered audio again, not the whole file


def deaf(fail_after: float) -> ScriptedRecognizer:
    """Hears nothing worth a transcript (no sound is loud enough); its first stream fails after ``fail_after``
    seconds of audio."""
    return ScriptedRecognizer([], threshold=1.0, silence=0.3, fail_after=fail_after)


def run_stage(engine: ScriptedRecognizer, source: AsyncIterator[AudioFrame]) -> tuple[SessionStatus, list[NoticeEvent]]:
    status = SessionStatus(name="test", targets={})
    notices: list[NoticeEvent] = []

    async def main() -> None:
        router = Router(status, lambda: 0.0)
        router.observers.append(lambda e: notices.append(e) if isinstance(e, NoticeEvent) else None)
        stage = stt.SpeechToTextStage(engine, RetryPolicy(attempts=3, initial_backoff=0, max_backoff=0), router)
        async for _ in stage.transcripts(source, paced=True):
            pass

    asyncio.run(main())
    return status, notices


def test_speech_beyond_the_replay_bound_is_reported_lost_with_its_span(monkeypatch):
    monkeypatch.setattr(stt, "MAX_REPLAY_SECONDS", 2.0)
    engine = deaf(fail_after=4.95)  # fails on the 50th frame, which ends at 5 s
    status, notices = run_stage(engine, tone_pattern([(5.0, True), (1.0, True)]))
    lost = [n for n in notices if n.code == "audio-lost"]
    assert len(lost) == 1 and lost[0].level == "error"
    assert "from 0.0s to 3.0s" in lost[0].message  # 5 s sent, the last 2 s kept for the replay
    assert status.source_errors  # the run does not end ok
    assert engine.stream_starts[1] == pytest.approx(3.0)  # where the replay began


def test_silence_let_go_is_not_reported_and_not_replayed(monkeypatch):
    monkeypatch.setattr(stt, "MAX_REPLAY_SECONDS", 2.0)
    engine = deaf(fail_after=4.95)
    status, notices = run_stage(engine, tone_pattern([(4.0, False), (1.0, True), (1.0, False)]))
    assert not [n for n in notices if n.code == "audio-lost"]
    assert not status.source_errors
    # the 2 s kept are 1 s of quiet then the sound: the replay starts half a second before the sound
    assert engine.stream_starts[1] == pytest.approx(3.5)
