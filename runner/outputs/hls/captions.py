"""WebVTT segments: a timeline's captions cut at the segment boundaries, on the audio's clock.

Every segment's header maps its cue times to the audio's timestamps (X-TIMESTAMP-MAP, RFC 8216 3.5): cue
times are seconds on the output clock, and the output clock's 0 s is ``PTS_OFFSET`` in the MPEG-TS segments.
A caption that spans a boundary is split there, each part in its own segment, so that no player shows it twice.
"""

from __future__ import annotations

from collections.abc import Iterable

import webvtt
from webvtt.vtt import WebVTTCueBlock

from runner.outputs.hls.encoder import PTS_OFFSET
from runner.runtime.broadcast import Caption
from runner.vtt import cue_lines

HEADER = f"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{PTS_OFFSET},LOCAL:00:00:00.000\n"
MIN_CUE_SECONDS = 0.001


def vtt_segment(captions: Iterable[Caption], start: float, end: float, open_end: float) -> bytes:
    """The segment [start, end) of these captions; a caption still being spoken ends at ``open_end``."""
    blocks = [HEADER.strip()]
    for caption in captions:
        cue_start = max(caption.start, start)
        cue_end = min(caption.end if caption.end is not None else open_end, end)
        if cue_end - cue_start < MIN_CUE_SECONDS:
            continue
        cue = webvtt.Caption(start=_time(cue_start), end=_time(cue_end), text=cue_lines([caption.text]))
        blocks.append("\n".join(WebVTTCueBlock.format_lines(cue)).strip())
    return ("\n\n".join(blocks) + "\n").encode()


def _time(seconds: float) -> str:
    return str(webvtt.models.Timestamp.from_seconds(round(seconds, 3)))

