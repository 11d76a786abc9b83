"""Shared fixtures: real recordings, generated audio, config files, and running the CLI as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

REPO = Path(__file__).resolve().parents[1]
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
THREE_UTTERANCES = REPO / "pipelines" / "audio" / "librivox-three-utterances.wav"


@pytest.fixture
def librivox() -> Path:
    if not (LIBRIVOX / "transcription").exists():
        pytest.fail("Debian package pocketsphinx-testdata is not installed (the README's test command installs it)")
    return LIBRIVOX


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


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "pipeline.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write


def polyglot(*args: str | Path, cwd: Path | None = None, env: dict[str, str | None] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI in a subprocess, exactly as a user would. ``env`` values of None unset a variable."""
    merged = {**os.environ, "COLUMNS": "200", **(env or {})}
    full_env = {k: v for k, v in merged.items() if v is not None}
    return subprocess.run([sys.executable, "-m", "runner", *map(str, args)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
