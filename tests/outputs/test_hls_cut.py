"""A run cut by its drain deadline still ends every HLS playlist (EXT-X-ENDLIST): players poll a playlist
without it for ever. Each ended playlist lists only segments that were published."""

from __future__ import annotations

from pathlib import Path

from runner.events import TranscriptEvent
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session

CONFIG = """\
version: 1
name: hls cut
language: en-US
source: {{type: file, path: {rec}, realtime: true}}
speech_to_text: {{provider: fake}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, latency: 2}}
runtime: {{drain_timeout: 0.5}}
outputs: [{{type: hls, segment_seconds: 1, replay: {replay}}}]
targets:
  - {{language: es-ES}}
"""


def stop_after_six(event, stop, hard_stop) -> None:
    if isinstance(event, TranscriptEvent) and event.final and event.utterance_id == "u0006":
        stop.set()


def cut_run(tmp_path: Path, write_config, replay: bool) -> Path:
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 12, gap=0.4)
    config = write_config(CONFIG.format(rec=rec, replay=str(replay).lower()))
    run = run_session(config, tmp_path / "out", when=stop_after_six)
    assert run.status.interrupted and not run.status.ok  # the deadline cut speech still being synthesized
    return tmp_path / "out" / "hls"


def check_ended(hls: Path) -> None:
    playlists = sorted(p for p in hls.glob("*.m3u8") if p.name != "master.m3u8")
    assert {p.name for p in playlists} == {"es-ES.m3u8", "es-ES.vtt.m3u8", "transcript.vtt.m3u8"}
    for playlist in playlists:
        lines = playlist.read_text().splitlines()
        assert lines[-1] == "#EXT-X-ENDLIST", f"{playlist.name} does not end: {lines[-3:]}"
        uris = [line for line in lines if line and not line.startswith("#")]
        assert uris and all((hls / uri).is_file() for uri in uris), playlist.name


def test_a_replay_cut_by_the_drain_deadline_ends_every_playlist(tmp_path, write_config) -> None:
    check_ended(cut_run(tmp_path, write_config, replay=True))


def test_a_live_window_cut_by_the_drain_deadline_ends_every_playlist(tmp_path, write_config) -> None:
    check_ended(cut_run(tmp_path, write_config, replay=False))
