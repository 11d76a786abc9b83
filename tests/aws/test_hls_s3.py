"""The ``hls`` output publishing to S3, through the real boto3 client against the emulator's S3: segments before
the playlists that list them, with the right Content-Type and Cache-Control; failed uploads retried and reported,
nothing lost; segments that left the live window deleted."""

from __future__ import annotations

from pathlib import Path

from polyglot_emulator import Emulator, Fault
from runner.config.model import AwsConfig
from runner.engines.aws.context import context_for
from runner.events import NoticeEvent
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session

LINES = [f"sentence number {n}" for n in range(1, 7)]
CONFIG = """\
version: 1
name: hls to s3
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {{provider: fake, script: {lines}}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, seconds_per_character: 0.03}}
runtime: {{retry: {{attempts: 3, initial_backoff: 0.01, max_backoff: 0.05}}}}
outputs: [{{type: hls, segment_seconds: 1, window: 3, replay: {replay},
           s3: {{bucket: broadcast, prefix: live/}}}}]
targets:
  - {{language: es-ES}}
  - {{language: de-DE}}
"""


def run(tmp_path: Path, write_config, replay: bool = True):
    rec = tone_bursts(tmp_path / "talk.wav", [0.8] * len(LINES), gap=1.2)
    config = write_config(CONFIG.format(rec=rec, lines=LINES, replay=str(replay).lower()))
    return run_session(config, tmp_path / "out")


def listed(body: bytes) -> list[str]:
    """The segments a playlist names, but those marked EXT-X-GAP (a player never asks for them)."""
    uris, gap = [], False
    for line in body.decode().splitlines():
        if line == "#EXT-X-GAP":
            gap = True
        elif line and not line.startswith("#"):
            if not gap:
                uris.append(line)
            gap = False
    return uris


def bucket_keys() -> set[str]:
    """What the bucket holds, as the real client lists it."""
    s3 = context_for(AwsConfig()).client("s3")
    return {o["Key"] for o in s3.list_objects_v2(Bucket="broadcast", Prefix="live/").get("Contents", [])}


def check_order(emulator: Emulator) -> list[dict]:
    """Replays the bucket's history: every playlist, when it was put, named only segments already there (and
    not deleted since). The puts, in order."""
    assert emulator.state is not None
    present: set[str] = set()
    puts = []
    for entry in emulator.state.log:
        if entry["operation"] == "s3.put":
            key = entry["key"].removeprefix("live/")
            puts.append(entry)
            if key.endswith(".m3u8") and key != "master.m3u8":
                missing = [uri for uri in listed(entry["body"]) if uri not in present]
                assert missing == [], f"{key} was put naming {missing} before they were uploaded"
            present.add(key)
        elif entry["operation"] == "s3.delete":
            present.discard(entry["key"].removeprefix("live/"))
    return puts


def test_segments_go_up_before_the_playlists_that_list_them_with_their_types_and_caching(
        emulator: Emulator, tmp_path: Path, write_config) -> None:
    result = run(tmp_path, write_config)
    assert result.status.ok
    puts = check_order(emulator)
    probe = "live/.polyglot-write-check"  # put and deleted before audio flows: the bucket takes uploads
    assert puts[0]["key"] == probe and probe not in bucket_keys()
    types = {p["key"].rsplit(".", 1)[-1]: (p["content_type"], p["cache_control"]) for p in puts[1:]}
    assert types == {"m3u8": ("application/vnd.apple.mpegurl", "no-cache"),
                     "ts": ("video/mp2t", "public, max-age=31536000, immutable"),
                     "vtt": ("text/vtt", "public, max-age=31536000, immutable")}
    keys = bucket_keys()
    assert {"live/master.m3u8", "live/es-ES.m3u8", "live/de-DE.vtt.m3u8", "live/transcript.vtt.m3u8"} <= keys
    assert emulator.state is not None
    es = emulator.state.objects[("broadcast", "live/es-ES.m3u8")][0]
    assert es.decode().rstrip().endswith("#EXT-X-ENDLIST")
    assert {f"live/{uri}" for uri in listed(es)} <= keys


def test_failed_uploads_are_retried_and_reported_and_nothing_is_lost(
        emulator: Emulator, tmp_path: Path, write_config) -> None:
    knobs = emulator.knobs
    knobs.inject("s3.put", Fault("http", match={"key": "live/es-ES/00002.ts"}))  # InternalError 500
    knobs.inject("s3.put", Fault("throttle", match={"key": "live/es-ES/00002.ts"}))  # SlowDown 503
    knobs.inject("s3.put", Fault("drop", match={"key": "live/de-DE.m3u8"}))  # the connection cut
    knobs.inject("s3.put", Fault("http", match={"key": "live/transcript/00001.vtt"}))
    result = run(tmp_path, write_config)
    assert result.status.ok  # late, not lost
    retries = [e.message for e in result.of(NoticeEvent) if e.code == "retry"]
    assert len(retries) == 4 and all("hls: upload of" in m for m in retries), retries
    assert any("es-ES/00002.ts" in m and "SlowDown" in m for m in retries), retries
    check_order(emulator)
    keys = bucket_keys()
    assert emulator.state is not None
    for playlist in ("es-ES.m3u8", "de-DE.m3u8", "es-ES.vtt.m3u8", "transcript.vtt.m3u8"):
        body = emulator.state.objects[("broadcast", f"live/{playlist}")][0]
        assert {f"live/{uri}" for uri in listed(body)} <= keys, playlist
        assert len(listed(body)) >= 12  # the whole broadcast (~13 s in 1 s segments): a VOD


def test_a_live_window_only_keeps_recent_segments(emulator: Emulator, tmp_path: Path, write_config) -> None:
    result = run(tmp_path, write_config, replay=False)
    assert result.status.ok
    check_order(emulator)
    assert emulator.state is not None
    deleted = [e["key"] for e in emulator.state.calls("s3.delete")]
    assert "live/es-ES/00000.ts" in deleted and "live/transcript/00000.vtt" in deleted
    es = emulator.state.objects[("broadcast", "live/es-ES.m3u8")][0]
    assert len(listed(es)) == 3  # the window
    segments = {k for k in bucket_keys() if k.startswith("live/es-ES/") and k.endswith(".ts")}
    assert len(segments) <= 6  # the window, and a window of grace for players still fetching


CUT = """\
version: 1
name: hls to s3, cut
language: en-US
source: {{type: file, path: {rec}, realtime: true}}
speech_to_text: {{provider: fake}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, latency: 2}}
runtime: {{drain_timeout: 0.5}}
outputs: [{{type: hls, segment_seconds: 1, s3: {{bucket: broadcast, prefix: live/}}}}]
targets:
  - {{language: es-ES}}
"""


def test_a_run_cut_by_the_drain_deadline_ends_the_playlists_in_the_bucket(
        emulator: Emulator, tmp_path: Path, write_config) -> None:
    from runner.events import TranscriptEvent

    def stop_after_six(event, stop, hard_stop) -> None:
        if isinstance(event, TranscriptEvent) and event.final and event.utterance_id == "u0006":
            stop.set()

    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 12, gap=0.4)
    result = run_session(write_config(CUT.format(rec=rec)), tmp_path / "out", when=stop_after_six)
    assert result.status.interrupted and not result.status.ok
    check_order(emulator)
    assert emulator.state is not None
    keys = bucket_keys()
    for playlist in ("es-ES.m3u8", "es-ES.vtt.m3u8", "transcript.vtt.m3u8"):
        body = emulator.state.objects[("broadcast", f"live/{playlist}")][0]
        assert body.decode().rstrip().endswith("#EXT-X-ENDLIST"), playlist
        assert listed(body) and {f"live/{uri}" for uri in listed(body)} <= keys, playlist
