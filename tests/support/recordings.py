"""Recordings for tests: tone bursts generated on the spot (utterances as the fake recognizer hears them), and
the real human speech the machine has (Debian's ``pocketsphinx-testdata``: LibriVox clips with transcriptions)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import soundfile

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


def tone_bursts(path: Path, bursts: list[float], *, gap: float = 0.8, rate: int = 16000, channels: int = 1,
                lead: float = 0.3, subtype: str = "PCM_16") -> Path:
    """A recording of tone bursts (seconds each) separated by silence: utterances for the fake recognizer.
    Each burst has its own pitch (300 Hz, 320 Hz, ...), as different utterances sound different."""
    parts = [np.zeros(int(lead * rate))]
    for i, seconds in enumerate(bursts):
        t = np.arange(int(seconds * rate)) / rate
        parts += [0.4 * np.sin(2 * np.pi * (300 + 20 * i) * t), np.zeros(int(gap * rate))]
    mono = np.concatenate(parts).astype(np.float32)
    data = np.repeat(mono[:, None], channels, axis=1) if channels > 1 else mono
    soundfile.write(str(path), data, rate, subtype=subtype)
    return path


def three_utterances_transcript() -> list[str]:
    """What the LibriVox speaker really says in the three-utterance recording (pipelines/audio), in order."""
    lines = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        m = re.match(r"<s> (.*) </s> \((.*)\)", line)
        if m:
            lines[m.group(2)] = m.group(1)
    return [lines[f"sense_and_sensibility_01_austen_64kb-0{n}"] for n in (880, 890, 930)]
