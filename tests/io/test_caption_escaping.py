"""Caption text is what was said: WebVTT cue text is markup, so ``<``, ``&`` and ``-->`` are escaped (vtt sink
and HLS subtitles) and read back as said by an independent WebVTT parser; SRT has no markup and stays plain."""

from __future__ import annotations

import html
import re
from pathlib import Path

import srt
import webvtt

from runner.vtt import cue_lines, escape
from tests.support.recordings import tone_bursts
from tests.support.sessions import fake_pipeline, run_session

SAID = ["I <3 you", "fish & chips", "a --> b", "<b>bold</b> &amp; more"]


def _script_config(rec: Path, extra: str = "") -> str:
    targets = """\
  - language: es
    sinks: [{type: vtt, path: es.vtt}, {type: srt, path: es.srt}]
"""
    config = fake_pipeline(rec, targets, extra=extra)
    script = ", ".join(f'"{s}"' for s in SAID)
    return config.replace("script: [one, two, three, four, five, six, seven, eight]", f"script: [{script}]")


def _vtt_texts(path: Path) -> list[str]:
    """Each cue's text as a player shows it: webvtt-py keeps the raw cue text; tags removed, references decoded."""
    return [html.unescape(re.sub(r"<[^>]*>", "", c.text)) for c in webvtt.read(str(path))]


def test_vtt_sink_escapes_and_srt_stays_plain(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.4] * len(SAID))
    run = run_session(write_config(_script_config(rec)), tmp_path)
    assert run.status.ok
    said = [f"[es] {s}" for s in SAID]
    raw = (tmp_path / "es.vtt").read_text()
    assert "<3" not in raw and "a --> b" not in raw and "fish & chips" not in raw
    assert _vtt_texts(tmp_path / "es.vtt") == said
    assert [s.content for s in srt.parse((tmp_path / "es.srt").read_text())] == said


def test_hls_subtitles_escape_cue_text(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.4] * len(SAID))
    run = run_session(write_config(_script_config(rec, extra="outputs: [{type: hls, segment_seconds: 1}]")),
                      tmp_path)
    assert run.status.ok
    for scope, prefix in (("es", "[es] "), ("transcript", "")):
        texts = []
        for segment in sorted((tmp_path / "hls" / scope).glob("*.vtt")):
            raw = segment.read_text()
            assert "<3" not in raw and "a --> b" not in raw
            texts += _vtt_texts(segment)
        # a caption that spans a segment boundary is in both segments, whole
        assert list(dict.fromkeys(texts)) == [prefix + s for s in SAID]

def test_escape_breaks_every_arrow_and_blank_line():
    assert escape("a-->b & <c>") == "a--&gt;b &amp; &lt;c&gt;"
    assert cue_lines(["one\n\ntwo", "", "  "]) == ["one", "two"]
    assert cue_lines([""]) == [" "]
