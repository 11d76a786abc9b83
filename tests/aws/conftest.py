"""The AWS emulator, started once per test session and reset to a well-behaved service for every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from polyglot_emulator import Emulator


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def emulator(emulator_server: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Emulator:
    """The emulator, reset; this process's environment points the AWS SDKs at it."""
    emulator_server.knobs.reset()
    assert emulator_server.state is not None
    emulator_server.state.reset()
    use_emulator(emulator_server.env(), monkeypatch, tmp_path)
    return emulator_server


def use_emulator(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Point this process's AWS SDKs at an emulator (its ``env``) and nowhere else: no profile, no ~/.aws of the
    machine's (HOME is ``home``)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))

