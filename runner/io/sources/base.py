"""Audio sources: where the speaker's audio comes from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from typing import Any

from runner.frames import AudioFrame


class AudioSource(ABC):
    """Yields 16-bit PCM frames at the rate and channel count the speech-to-text engine asked for, then ends.
    A source type registers itself (runner.registry, kind "source") with its options class."""

    @classmethod
    def create(cls, options: Any, rate: int, channels: int) -> AudioSource:
        """The source its ``options`` describe, delivering ``rate`` Hz and ``channels`` channels (a registered
        source type implements it; one built directly, as in tests, need not)."""
        raise NotImplementedError(f"{cls.__name__} is not built from options")

    @classmethod
    def label(cls, options: Any) -> str:
        """How ``polyglot graph`` names the source its options describe."""
        return f"{getattr(cls, 'type_name', cls.__name__)} {options}"

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
