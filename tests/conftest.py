"""Shared fixtures: this repository's files, the real recordings the machine has, config files. The helpers
they rest on are in tests/support (not in the wheel)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.recordings import LIBRIVOX

REPO = Path(__file__).resolve().parents[1]
THREE_UTTERANCES = REPO / "pipelines" / "audio" / "librivox-three-utterances.wav"


@pytest.fixture
def librivox() -> Path:
    if not (LIBRIVOX / "transcription").exists():
        pytest.fail("Debian package pocketsphinx-testdata is not installed (the README's test command installs it)")
    return LIBRIVOX


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "pipeline.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write
