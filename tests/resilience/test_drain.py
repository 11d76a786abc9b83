"""What a drain deadline cuts is counted and named: utterances being spoken, queued, or still being heard."""

from __future__ import annotations

from runner.events import NoticeEvent, TranscriptEvent
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session

CONFIG = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: true}}
speech_to_text: {{provider: transcribe}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake}}
runtime: {{drain_timeout: 0.3}}
targets:
  - {{language: es}}
"""


def test_an_utterance_still_being_heard_at_the_deadline_is_reported(emulator, tmp_path, write_config):
    emulator.knobs.transcribe_script = ["one", "two", "three"]
    emulator.knobs.set_latency("transcribe.stream", first_byte=0.8)  # the final comes after the deadline
    rec = tone_bursts(tmp_path / "in.wav", [0.5, 2.0, 0.5], gap=0.7)

    def stop_while_hearing_the_second(event, stop, hard_stop):
        if isinstance(event, TranscriptEvent) and not event.final and event.utterance_id == "u0002":
            stop.set()

    run = run_session(write_config(CONFIG.format(rec=rec)), tmp_path, when=stop_while_hearing_the_second)
    cut = [e for e in run.of(NoticeEvent, "source") if e.code == "unfinished"]
    assert len(cut) == 1 and "utterance u0002 was cut before its final transcript (drain deadline of 0.3s)" \
        in cut[0].message
    assert [f.utterance_id for f in run.finals()] == ["u0001"]
    assert not run.status.ok
