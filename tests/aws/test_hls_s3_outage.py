"""An S3 bucket that refuses uploads, through the real boto3 client against the emulator's S3: refused from the
start, the run stops before audio flows (exit 74, one line); refusing mid-run, the upload queue stays bounded (the
oldest segments dropped, reported, marked EXT-X-GAP) and the end of the run does not wait for the bucket."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from polyglot_emulator import Emulator, Fault
from runner.events import NoticeEvent, SessionEvent
from runner.outputs.hls import s3
from tests.aws.test_hls_s3 import CONFIG, LINES, bucket_keys, check_order
from tests.support.cli import assert_no_traceback, polyglot
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session


def config(tmp_path: Path, write_config, replay: bool = True) -> Path:
    rec = tone_bursts(tmp_path / "talk.wav", [0.8] * len(LINES), gap=1.2)
    return write_config(CONFIG.format(rec=rec, lines=LINES, replay=str(replay).lower()))


@pytest.mark.parametrize("error", ["InvalidRequest", "InternalError"])  # refused (400), failing (500, retried)
def test_a_bucket_that_takes_no_upload_stops_the_run_before_audio_flows(
        emulator: Emulator, tmp_path: Path, write_config, error: str) -> None:
    emulator.knobs.inject("s3.put", Fault("http", error=error, repeat=True))
    result = polyglot("run", config(tmp_path, write_config), "-o", tmp_path / "out")
    assert_no_traceback(result)
    assert result.returncode == 74, result.stderr
    [line] = [x for x in result.stderr.splitlines() if "s3://broadcast/live/" in x]
    assert error in line and "check the bucket's name" in line, result.stderr
    events = tmp_path / "out" / "events.jsonl"
    assert not events.exists() or '"started"' not in events.read_text()  # nothing was heard for nobody


def refuse_from_the_start(emulator: Emulator, until_dropped: bool):
    """A ``when`` callback: once the run started the bucket fails every upload; with ``until_dropped``, it takes
    uploads again after the first segment was dropped from the full queue."""

    def when(event, stop, hard_stop) -> None:
        if isinstance(event, SessionEvent) and event.state == "started":
            emulator.knobs.inject("s3.put", Fault("http", repeat=True))
        if until_dropped and isinstance(event, NoticeEvent) and event.code == "hls-dropped":
            emulator.knobs.reset()

    return when


def test_a_bucket_failing_mid_run_bounds_the_queue_and_does_not_hold_the_end(
        emulator: Emulator, tmp_path: Path, write_config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3, "MAX_QUEUED_BATCHES", 3)
    began = time.monotonic()
    result = run_session(config(tmp_path, write_config), tmp_path / "out",
                         when=refuse_from_the_start(emulator, until_dropped=False))
    assert time.monotonic() - began < 10  # not the 15 s an output may take to finish
    # ~13 segments: segment 0 is the one being retried, the queue keeps 3, the others are dropped (one notice).
    [dropped] = [e.message for e in result.of(NoticeEvent) if e.code == "hls-dropped"]
    assert "segment 1 was dropped: s3://broadcast/live/ has taken no upload for 3 segments" in dropped
    failed = [e.message for e in result.of(NoticeEvent) if e.code == "sink-failed"]
    [total] = [int(m.split()[1]) for m in failed if "never reached s3://broadcast/live/" in m]
    assert total >= 8, failed
    assert any("file(s) were not uploaded to s3://broadcast/live/" in m for m in failed), failed
    assert not result.status.ok


def test_segments_dropped_while_the_bucket_failed_are_gaps_in_the_playlists(
        emulator: Emulator, tmp_path: Path, write_config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3, "MAX_QUEUED_BATCHES", 3)
    result = run_session(config(tmp_path, write_config), tmp_path / "out",
                         when=refuse_from_the_start(emulator, until_dropped=True))
    assert [e for e in result.of(NoticeEvent) if e.code == "hls-dropped"]
    [total] = [int(e.message.split()[1]) for e in result.of(NoticeEvent) if "never reached" in e.message]
    check_order(emulator)  # every segment a playlist names without EXT-X-GAP is in the bucket
    assert emulator.state is not None
    es = emulator.state.objects[("broadcast", "live/es-ES.m3u8")][0].decode()
    assert "#EXT-X-VERSION:8" in es and es.rstrip().endswith("#EXT-X-ENDLIST")
    lines = es.splitlines()
    gaps = [lines[i + 2] for i, line in enumerate(lines) if line == "#EXT-X-GAP"]
    assert len(gaps) == total and not {f"live/{uri}" for uri in gaps} & bucket_keys()
    assert not result.status.ok  # what was dropped is lost, and said
