"""Speech-to-text replays everything a final has not acknowledged yet, however far ahead the source ran, and
says what it truly could not replay."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator

import numpy as np
import pytest

from polyglot_emulator import Fault
from runner.engines.base import SpeechToText
from runner.errors import TransientEngineError
from runner.events import NoticeEvent
from runner.frames import AudioFrame, Transcript
from runner.retry import RetryPolicy
from runner.runtime import stt
from runner.runtime.router import Router
from runner.runtime.status import SessionStatus
from tests.conftest import tone_bursts
from tests.runtime.helpers import run_session

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


class Deaf(SpeechToText):
    """Hears nothing worth a transcript; fails once after ``fail_after`` seconds of audio."""

    def __init__(self, fail_after: float) -> None:
        self.fail_after = fail_after
        self.sessions: list[list[AudioFrame]] = []

    @classmethod
    def create(cls, request):  # pragma: no cover - built directly by the tests
        raise NotImplementedError

    async def transcribe(self, frames: AsyncIterator[AudioFrame]) -> AsyncGenerator[Transcript, None]:
        received: list[AudioFrame] = []
        self.sessions.append(received)
        async for frame in frames:
            received.append(frame)
            if len(self.sessions) == 1 and frame.end >= self.fail_after:
                raise TransientEngineError("connection lost")
        return
        yield  # an async generator that yields nothing


async def live(pattern: list[tuple[float, bool]]) -> AsyncIterator[AudioFrame]:
    """A paced source: (seconds, loud) stretches of tone or silence in 100 ms frames."""
    position = 0.0
    for seconds, loud in pattern:
        for _ in range(round(seconds * 10)):
            t = np.arange(1600) / 16000
            samples = 0.3 * np.sin(2 * np.pi * 440 * t) if loud else np.zeros(1600)
            frame = AudioFrame((samples * 32767).astype("<i2").tobytes(), 16000, 1, position)
            position = frame.end
            yield frame
            await asyncio.sleep(0)


def run_stage(engine: Deaf, source: AsyncIterator[AudioFrame]) -> tuple[SessionStatus, list[NoticeEvent]]:
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
    engine = Deaf(fail_after=4.95)  # fails on the 50th frame, which ends at 5 s
    status, notices = run_stage(engine, live([(5.0, True), (1.0, True)]))
    lost = [n for n in notices if n.code == "audio-lost"]
    assert len(lost) == 1 and lost[0].level == "error"
    assert "from 0.0s to 3.0s" in lost[0].message  # 5 s sent, the last 2 s kept for the replay
    assert status.source_errors  # the run does not end ok
    replayed = engine.sessions[1]
    assert replayed[0].start == pytest.approx(3.0)


def test_silence_let_go_is_not_reported_and_not_replayed(monkeypatch):
    monkeypatch.setattr(stt, "MAX_REPLAY_SECONDS", 2.0)
    engine = Deaf(fail_after=4.95)
    status, notices = run_stage(engine, live([(4.0, False), (1.0, True), (1.0, False)]))
    assert not [n for n in notices if n.code == "audio-lost"]
    assert not status.source_errors
    replayed = engine.sessions[1]
    # the 2 s kept are 1 s of quiet then the sound: the replay starts half a second before the sound
    assert replayed[0].start == pytest.approx(3.5)
