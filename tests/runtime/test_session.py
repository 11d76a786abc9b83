"""The stage graph on fake engines: ordering, isolation of slow and failing targets, overflow, drain."""

import time

import numpy as np
import soundfile

from runner.events import NoticeEvent, SessionEvent, SpokenEvent, TranscriptEvent
from tests.support.recordings import tone_bursts
from tests.support.sessions import fake_pipeline, run_session


def test_every_utterance_reaches_every_target_in_order(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.4, 0.6, 0.5])
    targets = """\
  - language: es
    sinks: [{type: wav, path: es.wav}, {type: srt, path: es.srt}, {type: jsonl, path: es.jsonl}]
  - language: ca
    sinks: [{type: vtt, path: ca.vtt}]
"""
    run = run_session(write_config(fake_pipeline(rec, targets)), tmp_path)
    assert [f.text for f in run.finals()] == ["one", "two", "three"]
    ids = [f.utterance_id for f in run.finals()]
    assert ids == ["u0001", "u0002", "u0003"]
    assert run.spoken("es") == ids and run.spoken("ca") == ids
    assert run.translations("es") == ["[es] one", "[es] two", "[es] three"]
    assert run.status.ok and not run.status.interrupted
    srt_text = (tmp_path / "es.srt").read_text()
    assert [srt_text.index(w) for w in ("[es] one", "[es] two", "[es] three")] == sorted(
        srt_text.index(w) for w in ("[es] one", "[es] two", "[es] three"))
    assert (tmp_path / "ca.vtt").read_text().startswith("WEBVTT\n")
    audio, rate = soundfile.read(tmp_path / "es.wav")
    assert rate == 16000 and abs(len(audio) / rate - 0.02 * len("[es] one[es] two[es] three")) < 0.05


def test_timestamps_follow_the_utterance(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.5, 0.5], gap=1.0, lead=1.0)
    run = run_session(write_config(fake_pipeline(rec, "  - {language: es}\n")), tmp_path)
    first, second = run.finals()
    assert abs(first.start - 1.0) < 0.05 and abs(first.end - 1.5) < 0.05
    assert abs(second.start - 2.5) < 0.05
    spoken = run.of(SpokenEvent, "es")
    assert spoken[0].utterance.start == first.start and spoken[0].utterance.final_at <= spoken[0].at


def test_slow_target_blocks_neither_speech_to_text_nor_other_targets(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 4, gap=0.4)
    targets = """\
  - language: es
    text_to_speech: {latency: 0.6}
  - language: ca
"""
    run = run_session(write_config(fake_pipeline(rec, targets)), tmp_path)
    slow_first = run.of(SpokenEvent, "es")[0].at
    fast = run.of(SpokenEvent, "ca")
    assert len(fast) == 4 and max(e.at for e in fast) < slow_first
    assert max(f.at for f in run.finals()) < slow_first
    assert len(run.spoken("es")) == 4  # and the slow one still says everything


def test_drop_oldest_overflow_keeps_the_newest(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 5, gap=0.4)
    targets = """\
  - language: es
    text_to_speech: {latency: 0.5}
    queue: {size: 1, overflow: drop-oldest}
"""
    run = run_session(write_config(fake_pipeline(rec, targets)), tmp_path)
    dropped = [e.utterance_id for e in run.of(NoticeEvent, "es") if e.code == "dropped"]
    spoken = run.spoken("es")
    assert dropped and sorted(dropped + spoken) == ["u0001", "u0002", "u0003", "u0004", "u0005"]
    assert spoken[-1] == "u0005"
    assert run.status.targets["es"].dropped == len(dropped)


def test_block_overflow_loses_nothing(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 4, gap=0.4)
    targets = "  - language: es\n    text_to_speech: {latency: 0.2}\n    queue: {size: 1, overflow: block}\n"
    run = run_session(write_config(fake_pipeline(rec, targets)), tmp_path)
    assert run.spoken("es") == ["u0001", "u0002", "u0003", "u0004"]


def test_permanent_failure_isolates_the_target(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 4, gap=0.4)
    targets = """\
  - language: es
    translation: {fatal_on: [two]}
    sinks: [{type: wav, path: es.wav}]
  - language: ca
"""
    run = run_session(write_config(fake_pipeline(rec, targets)), tmp_path)
    assert run.spoken("ca") == ["u0001", "u0002", "u0003", "u0004"]
    assert run.spoken("es") == ["u0001"]
    es = run.status.targets["es"]
    assert es.failed and "refused 'two'" in es.failed
    assert not run.status.ok
    assert soundfile.info(str(tmp_path / "es.wav")).frames > 0  # what it did say is in a valid file


def test_a_rejected_request_costs_its_utterance_not_the_target(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 4, gap=0.4)
    targets = "  - language: es\n    translation: {reject_on: [two]}\n    text_to_speech: {reject_on: [four]}\n"
    run = run_session(write_config(fake_pipeline(rec, targets)), tmp_path)
    assert run.spoken("es") == ["u0001", "u0003"]
    errors = [e for e in run.of(NoticeEvent, "es") if e.level == "error"]
    assert [e.utterance_id for e in errors] == ["u0002", "u0004"]
    assert "u0002 not spoken, its request was refused" in errors[0].message and "reject_on 'two'" in errors[0].message
    assert not [e for e in run.of(NoticeEvent, "es") if e.code == "retry"]  # the same request would fail again
    es = run.status.targets["es"]
    assert es.failed is None and es.errors == 2 and not run.status.ok


def test_transient_failure_is_retried_then_costs_one_utterance(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 3, gap=0.4)
    targets = "  - language: es\n    text_to_speech: {fail_on: [two]}\n"
    extra = "runtime: {retry: {attempts: 3, initial_backoff: 0.01}}"
    run = run_session(write_config(fake_pipeline(rec, targets, extra=extra)), tmp_path)
    assert run.spoken("es") == ["u0001", "u0003"]
    retries = [e for e in run.of(NoticeEvent, "es") if e.code == "retry"]
    assert [e.utterance_id for e in retries] == ["u0002", "u0002"]  # attempts: 3 = two retries
    assert "retry 1 of 2" in retries[0].message and "retry 2 of 2" in retries[1].message
    [error] = [e for e in run.of(NoticeEvent, "es") if e.level == "error"]
    assert error.utterance_id == "u0002" and "fail_on 'two'" in error.message
    assert run.status.targets["es"].errors == 1 and run.status.targets["es"].failed is None


def test_throttling_burst_is_absorbed_by_retries(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 3, gap=0.4)
    targets = ("  - language: es\n    translation: {fail_first: 2}\n    text_to_speech: {fail_first: 3}\n"
               "  - language: ca\n")
    extra = "runtime: {retry: {attempts: 4, initial_backoff: 0.01}}"
    run = run_session(write_config(fake_pipeline(rec, targets, extra=extra)), tmp_path)
    assert run.spoken("es") == run.spoken("ca") == ["u0001", "u0002", "u0003"]
    assert len([e for e in run.of(NoticeEvent, "es") if e.code == "retry"]) == 5
    assert run.status.ok


def test_failing_sink_is_reported_once_and_others_go_on(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 3, gap=0.4)
    targets = """\
  - language: es
    sinks: [{type: srt, path: /dev/full}, {type: vtt, path: es.vtt}]
"""
    run = run_session(write_config(fake_pipeline(rec, targets)), tmp_path)
    failures = [e for e in run.of(NoticeEvent, "es") if e.code == "sink-failed"]
    assert len(failures) == 1 and "/dev/full" in failures[0].message and "No space left" in failures[0].message
    assert (tmp_path / "es.vtt").read_text().count("[es]") == 3
    assert run.spoken("es") == ["u0001", "u0002", "u0003"]


def test_stop_drains_everything_already_heard(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 8, gap=0.5)
    targets = "  - language: es\n    text_to_speech: {latency: 0.3}\n  - language: ca\n"

    def stop_after_two(event, stop, hard_stop):
        if isinstance(event, TranscriptEvent) and event.final and event.utterance_id == "u0002":
            stop.set()

    began = time.monotonic()
    run = run_session(write_config(fake_pipeline(rec, targets, realtime=True)), tmp_path, when=stop_after_two)
    heard = [f.utterance_id for f in run.finals()]
    assert heard[:2] == ["u0001", "u0002"] and len(heard) < 8
    assert run.spoken("es") == heard and run.spoken("ca") == heard
    assert run.status.interrupted and run.status.ok
    assert [e.state for e in run.of(SessionEvent)] == ["started", "draining", "ended"]
    assert time.monotonic() - began < 4  # 8 bursts would take 6.7 s


def test_drain_deadline_cuts_and_names_what_is_lost(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 6, gap=0.3)
    extra = "runtime: {drain_timeout: 0.5}"
    targets = "  - language: es\n    text_to_speech: {latency: 5}\n    sinks: [{type: wav, path: es.wav}]\n"

    def stop_after_two(event, stop, hard_stop):
        if isinstance(event, TranscriptEvent) and event.final and event.utterance_id == "u0002":
            stop.set()

    began = time.monotonic()
    run = run_session(write_config(fake_pipeline(rec, targets, realtime=True, extra=extra)), tmp_path,
                      when=stop_after_two)
    assert time.monotonic() - began < 3.5
    heard = [f.utterance_id for f in run.finals()]
    assert run.spoken("es") == []  # the one being spoken when the deadline came counts as lost too
    assert run.status.unfinished == {"es": len(heard)}
    assert not run.status.ok
    lost = [e for e in run.of(NoticeEvent, "es") if e.code == "unfinished"]
    assert lost and f"{len(heard)} utterance(s) not spoken (drain deadline of 0.5s): {', '.join(heard)}" \
        in lost[0].message
    assert soundfile.info(str(tmp_path / "es.wav")).frames == 0  # empty but valid


def test_unwritable_sink_is_reported_and_the_others_go_on(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 2, gap=0.4)
    targets = """\
  - language: es
    sinks: [{type: srt, path: /dev/null/cannot/es.srt}, {type: vtt, path: es.vtt}]
"""
    run = run_session(write_config(fake_pipeline(rec, targets)), tmp_path)
    [failure] = [e for e in run.of(NoticeEvent, "es") if e.code == "sink-failed"]
    assert "srt /dev/null/cannot/es.srt: cannot create folder /dev/null/cannot" in failure.message
    assert (tmp_path / "es.vtt").read_text().count("[es]") == 2
    assert run.spoken("es") == ["u0001", "u0002"] and not run.status.ok


def test_a_silent_recording_reports_the_audio_it_heard(tmp_path, write_config):
    silent = tmp_path / "silent.wav"
    soundfile.write(str(silent), np.zeros(16000 * 5, dtype=np.int16), 16000)
    run = run_session(write_config(fake_pipeline(silent, "  - language: es\n")), tmp_path)
    assert run.status.utterances == 0
    assert abs(run.status.stream_seconds - 5.0) < 0.11  # not "from 0.0s of audio"
