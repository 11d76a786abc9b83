"""What the HLS tests read a run's stream with: FFmpeg's own tools (Debian's ffmpeg, not the PyAV that wrote it)
and a plain parse of the playlists."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (Debian package ffmpeg; scripts/setup test installs it)")
    return found


@dataclass(frozen=True)
class Media:
    kind: str  # AUDIO | SUBTITLES
    language: str
    name: str
    uri: str
    default: bool


def renditions(master: Path) -> list[Media]:
    out = []
    for line in master.read_text().splitlines():
        if line.startswith("#EXT-X-MEDIA:"):
            attrs = dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1]))
            attrs = {k: v.strip('"') for k, v in attrs.items()}
            out.append(Media(attrs["TYPE"], attrs["LANGUAGE"], attrs["NAME"], attrs["URI"], attrs["DEFAULT"] == "YES"))
    return out


def segment_uris(playlist: Path) -> list[str]:
    return [line for line in playlist.read_text().splitlines() if line and not line.startswith("#")]


def decode_errors(playlist: Path, subtitles: bool = False) -> str:
    """What ffmpeg says decoding the whole playlist (nothing, if it decodes cleanly); subtitles are decoded and
    written as WebVTT again (the null output takes no subtitles)."""
    output = ["-f", "webvtt", "-"] if subtitles else ["-f", "null", "-"]
    run = subprocess.run([tool("ffmpeg"), "-nostdin", "-v", "error", "-i", str(playlist), *output],
                         capture_output=True, text=True, timeout=120)
    return run.stderr.strip() + ("" if run.returncode == 0 else f" (exit {run.returncode})")


def probe(playlist: Path, entries: str) -> str:
    return subprocess.run([tool("ffprobe"), "-v", "error", "-show_entries", entries, "-of", "default=nw=1",
                           str(playlist)], capture_output=True, text=True, check=True, timeout=60).stdout


def duration(playlist: Path) -> float:
    return float(re.search(r"duration=([\d.]+)", probe(playlist, "format=duration")).group(1))  # type: ignore[union-attr]


def decoded(playlist: Path, rate: int = 16000) -> tuple[float, np.ndarray]:
    """The whole audio, decoded by ffmpeg: the PTS (seconds) of its first sample, and the samples."""
    first = probe(playlist, "packet=pts_time")
    start = float(re.search(r"pts_time=([\d.]+)", first).group(1))  # type: ignore[union-attr]
    pcm = subprocess.run([tool("ffmpeg"), "-nostdin", "-v", "error", "-i", str(playlist), "-f", "s16le", "-ac", "1",
                          "-ar", str(rate), "-"], capture_output=True, check=True, timeout=120).stdout
    return start, np.frombuffer(pcm, dtype="<i2")


def onsets(samples: np.ndarray, rate: int = 16000, window: float = 0.01, gap: float = 0.2) -> list[float]:
    """Seconds (from the first sample) where sound starts after at least ``gap`` seconds of silence."""
    n = int(window * rate)
    frames = samples[: len(samples) // n * n].reshape(-1, n).astype(np.float64)
    loud = np.sqrt((frames ** 2).mean(axis=1)) > 1000
    out, quiet = [], gap
    for i, on in enumerate(loud):
        if on and quiet >= gap:
            out.append(i * window)
        quiet = 0.0 if on else quiet + window
    return out


def timestamp_map(vtt: Path) -> float:
    """Seconds of media time at a cue time of 0, from the segment's X-TIMESTAMP-MAP (RFC 8216 3.5)."""
    found = re.search(r"X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:(\d+):(\d+):([\d.]+)", vtt.read_text())
    assert found, f"{vtt} has no X-TIMESTAMP-MAP"
    local = int(found.group(2)) * 3600 + int(found.group(3)) * 60 + float(found.group(4))
    return int(found.group(1)) / 90000 - local


def cue_starts(playlist: Path) -> list[tuple[float, str]]:
    """Every caption's start (media seconds, through each segment's X-TIMESTAMP-MAP) and text; a caption split
    across segments counts once, where it starts."""
    import webvtt

    out: list[tuple[float, str]] = []
    last_end, last_text = -1.0, ""
    for uri in segment_uris(playlist):
        path = playlist.parent / uri
        offset = timestamp_map(path)
        for cue in webvtt.from_string(path.read_text()):
            start, end = offset + _seconds(cue.start), offset + _seconds(cue.end)
            if not (cue.text == last_text and abs(start - last_end) < 0.002):
                out.append((start, cue.text))
            last_end, last_text = end, cue.text
    return out


def _seconds(timestamp: str) -> float:
    """A cue timestamp (hh:mm:ss.ttt or mm:ss.ttt) in seconds, to the millisecond."""
    parts = [float(p) for p in timestamp.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
