"""The few value types that flow between sources, engines and sinks."""

from __future__ import annotations

from dataclasses import dataclass

PCM_SAMPLE_BYTES = 2  # all PCM inside polyglot is signed 16-bit little-endian


@dataclass(frozen=True, slots=True)
class AudioFormat:
    encoding: str  # pcm | mp3 | ogg_vorbis | ogg_opus | mulaw | alaw
    sample_rate: int
    channels: int = 1

    def seconds(self, nbytes: int) -> float | None:
        """Duration of ``nbytes`` of this audio, when it can be known from the size alone."""
        if self.encoding == "pcm":
            return nbytes / (self.sample_rate * self.channels * PCM_SAMPLE_BYTES)
        if self.encoding in ("mulaw", "alaw"):
            return nbytes / (self.sample_rate * self.channels)
        return None


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """A slice of input audio: 16-bit PCM, ``start`` in seconds of stream time since the session began."""

    pcm: bytes
    sample_rate: int
    channels: int
    start: float

    @property
    def duration(self) -> float:
        return len(self.pcm) / (self.sample_rate * self.channels * PCM_SAMPLE_BYTES)

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True, slots=True)
class Transcript:
    """What speech-to-text heard. Partials and the final of one utterance share ``seq``."""

    seq: int
    text: str
    final: bool
    start: float  # stream seconds where the speech began
    end: float  # stream seconds where it ended (so far, for a partial)
    language: str | None = None  # the language the engine heard, when it says (automatic language identification)
    # Of a partial: how many leading words of ``text`` the engine promises will not change (Transcribe's partial
    # results stabilization). None: the engine does not say (simultaneous mode then waits for successive partials
    # to agree).
    stable: int | None = None
