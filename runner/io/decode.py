"""Speech as it comes from an engine (PCM at its rate, mp3, ogg, mu-law, a-law) to 16-bit mono PCM at the rate a
consumer wants, chunk by chunk, with FFmpeg's decoders (PyAV) for the encoded formats."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import av
import numpy as np
import soxr

from runner.frames import AudioFormat

STREAMED_CODECS = {"mp3": "mp3", "mulaw": "pcm_mulaw", "alaw": "pcm_alaw"}  # decodable a chunk at a time
CONTAINED = {"ogg_vorbis", "ogg_opus"}  # in an Ogg container: decoded when the sentence's stream is complete


class PcmConverter:
    """One stream of an engine's audio (a sentence's) to 16-bit mono PCM at ``rate``."""

    def __init__(self, source: AudioFormat, rate: int) -> None:
        self.source = source
        self.rate = rate
        self._resampler: soxr.ResampleStream | None = None
        self._resampler_rate = 0
        self._codec: Any = None  # an audio decoder (av.AudioCodecContext)
        self._contained = bytearray()
        if source.encoding in STREAMED_CODECS:
            self._codec = av.CodecContext.create(STREAMED_CODECS[source.encoding], "r")
            if source.encoding != "mp3":
                self._codec.sample_rate = source.sample_rate  # type: ignore[attr-defined]
                self._codec.layout = "mono"  # type: ignore[attr-defined]

    def push(self, data: bytes) -> bytes:
        if self.source.encoding == "pcm":
            return self._resample(np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0,
                                  self.source.sample_rate, self.source.channels)
        if self.source.encoding in CONTAINED:
            self._contained.extend(data)
            return b""
        assert self._codec is not None
        if self.source.encoding == "mp3":
            return b"".join(self._frames(self._codec.parse(data)))
        return b"".join(self._frames([av.Packet(data)]))  # mu-law, a-law: every byte is a sample

    def flush(self) -> bytes:
        """What is left at the end of the stream (a contained format decodes here, whole)."""
        if self.source.encoding in CONTAINED and self._contained:
            data, self._contained = bytes(self._contained), bytearray()
            with av.open(io.BytesIO(data), mode="r") as container:
                stream = container.streams.audio[0]
                pcm = b"".join(self._frame(frame) for frame in container.decode(stream))
        elif self._codec is not None and self.source.encoding == "mp3":
            pcm = b"".join(self._frames([*self._codec.parse(b""), None]))
        else:
            pcm = b""
        if self._resampler is not None:
            pcm += _int16(self._resampler.resample_chunk(np.zeros((0, 1), np.float32), last=True))
            self._resampler = None
        return pcm

    def _frames(self, packets: Sequence[av.Packet | None]) -> list[bytes]:
        assert self._codec is not None
        out = []
        for packet in packets:
            try:
                frames = self._codec.decode(packet)
            except av.FFmpegError:
                continue  # a damaged frame: skip it, as a player would
            out += [self._frame(frame) for frame in frames]
        return out

    def _frame(self, frame: av.AudioFrame) -> bytes:
        samples = frame.to_ndarray().astype(np.float32)
        if frame.format.name.startswith("s16"):
            samples /= 32768.0
        planar = frame.format.is_planar
        channels = samples.shape[0] if planar else len(frame.layout.channels)
        mono = samples.reshape(channels, -1).mean(axis=0) if planar else samples.reshape(-1, channels).mean(axis=1)
        return self._resample(mono.astype(np.float32), frame.sample_rate, 1)

    def _resample(self, samples: np.ndarray, rate: int, channels: int) -> bytes:
        if channels > 1:
            samples = samples.reshape(-1, channels).mean(axis=1)
        if rate == self.rate:
            return _int16(samples)
        if self._resampler is None or self._resampler_rate != rate:
            self._resampler = soxr.ResampleStream(rate, self.rate, 1, dtype="float32")
            self._resampler_rate = rate
        return _int16(self._resampler.resample_chunk(samples.reshape(-1, 1)))


def _int16(samples: np.ndarray) -> bytes:
    return np.clip(np.rint(samples.reshape(-1) * 32768.0), -32768, 32767).astype("<i2").tobytes()
