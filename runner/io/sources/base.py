"""Audio sources: where the speaker's audio comes from. They register themselves by config ``type``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from runner.config.model import SourceConfig
from runner.frames import AudioFrame


class AudioSource(ABC):
    """Yields 16-bit PCM frames at the rate and channel count the speech-to-text engine asked for, then ends."""

    def __init__(self, rate: int, channels: int = 1) -> None:
        self.rate = rate
        self.channels = channels

    @property
    def paced(self) -> bool:
        """Delivers audio no faster than real time (a microphone, a file played at its own pace). A source
        that runs faster may be held back until speech-to-text catches up."""
        return True

    @abstractmethod
    def describe(self) -> str: ...

    async def check(self) -> None:
        """Fail early (InputError, DeviceError) if the source cannot be read; called before engines start."""

    @abstractmethod
    def frames(self) -> AsyncIterator[AudioFrame]: ...

    @abstractmethod
    def stop(self) -> None:
        """Stop soon: the frame iterator ends after what is already captured. Safe from any task, repeatable."""


SourceFactory = Callable[[SourceConfig, int, int], AudioSource]
_sources: dict[str, SourceFactory] = {}
F = TypeVar("F", bound=SourceFactory)


def source(type_name: str) -> Callable[[F], F]:
    def decorate(factory: F) -> F:
        _sources[type_name] = factory
        return factory

    return decorate


def create(config: SourceConfig, rate: int, channels: int = 1) -> AudioSource:
    return _sources[config.type](config, rate, channels)
