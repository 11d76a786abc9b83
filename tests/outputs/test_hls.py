"""The ``hls`` output as independent tools read it: FFmpeg's ffprobe and ffmpeg open the master playlist, find
every rendition with its language and decode each whole; each WebVTT track's captions start where the speech of
the same language starts in its audio track."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile

from tests.conftest import THREE_UTTERANCES
from tests.outputs.hls_tools import (
    cue_starts,
    decode_errors,
    decoded,
    duration,
    onsets,
    probe,
    renditions,
    segment_uris,
)
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session

LINES = [f"sentence number {n}" for n in range(1, 7)]
CONFIG = """\
version: 1
name: hls
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {stt}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, seconds_per_character: 0.03}}
outputs: [{{type: hls, segment_seconds: {segment}}}]
targets:
  - {{language: es-ES}}
  - {{language: de-DE}}
  - {{language: pt-BR}}
"""


def run_hls(tmp_path: Path, write_config, rec: Path, stt: str, segment: float = 2.0) -> Path:
    config = write_config(CONFIG.format(rec=rec, stt=stt, segment=segment))
    run = run_session(config, tmp_path / "out")
    assert run.status.ok
    return tmp_path / "out" / "hls"


def test_ffmpeg_finds_every_rendition_with_its_language_and_decodes_each_whole(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "talk.wav", [0.8] * len(LINES), gap=1.2)
    hls = run_hls(tmp_path, write_config, rec, f"{{provider: fake, script: {LINES}}}")
    master = hls / "master.m3u8"
    media = renditions(master)
    assert {(m.kind, m.language) for m in media} == {
        ("AUDIO", "es-ES"), ("AUDIO", "de-DE"), ("AUDIO", "pt-BR"),
        ("SUBTITLES", "es-ES"), ("SUBTITLES", "de-DE"), ("SUBTITLES", "pt-BR"), ("SUBTITLES", "en-US")}
    assert [m.language for m in media if m.default] == ["es-ES"]
    # ffprobe opens the master playlist and finds an AAC stream per audio rendition, with its language.
    streams = probe(master, "stream=codec_name,codec_type:stream_tags=language")
    assert {"TAG:language=es-ES", "TAG:language=de-DE", "TAG:language=pt-BR"} <= set(streams.splitlines())
    assert "codec_name=aac" in streams
    source_seconds = soundfile.info(str(rec)).duration
    for m in media:
        playlist = hls / m.uri
        assert decode_errors(playlist, subtitles=m.kind == "SUBTITLES") == "", m
        assert segment_uris(playlist), m
        if m.kind == "AUDIO":
            assert abs(duration(playlist) - source_seconds) < 2.0, m  # within a segment of the source's
    assert "#EXT-X-ENDLIST" in (hls / "es-ES.m3u8").read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in (hls / "es-ES.m3u8").read_text()


@pytest.mark.slow
def test_each_caption_starts_with_its_speech_in_the_same_language_on_a_real_recording(tmp_path, write_config):
    """A real speaker (LibriVox, heard by pocketsphinx), spoken as tones: each language's caption cues start
    within 100 ms of where its speech starts in its own audio track, both read back through ffmpeg."""
    hls = run_hls(tmp_path, write_config, THREE_UTTERANCES, "{provider: pocketsphinx}", segment=1.5)
    for language in ("es-ES", "de-DE", "pt-BR"):
        start, samples = decoded(hls / f"{language}.m3u8")
        sounds = [start + t for t in onsets(samples)]
        cues = cue_starts(hls / f"{language}.vtt.m3u8")
        assert len(cues) == 3, cues  # one caption per utterance, all three
        assert len(sounds) == len(cues), (sounds, cues)
        for sound, (cue, text) in zip(sounds, cues, strict=True):
            assert abs(sound - cue) < 0.1, (language, text, sound, cue)
