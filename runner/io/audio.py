"""Turning any input audio into what a speech-to-text engine wants: 16-bit PCM at its rate and channel count
(mono for most; two channels for Transcribe's channel identification)."""

from __future__ import annotations

import io

import av
import numpy as np
import soxr


class Conformer:
    """Streams blocks of (frames, channels) audio into interleaved int16 PCM with ``channels`` channels at
    ``out_rate``, resampling as it goes. Mono output mixes all channels down; multi-channel output keeps the
    first ones (or repeats a mono input)."""

    def __init__(self, in_rate: int, out_rate: int, channels: int = 1) -> None:
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.channels = channels
        self._resampler = soxr.ResampleStream(in_rate, out_rate, channels, dtype="float32") \
            if in_rate != out_rate else None

    def push(self, block: np.ndarray, last: bool = False) -> bytes:
        block = block.astype(np.float32, copy=False)
        if block.ndim == 1:
            block = block[:, None]
        if self.channels == 1:
            shaped = block.mean(axis=1, dtype=np.float32)
        elif block.shape[1] >= self.channels:
            shaped = np.ascontiguousarray(block[:, : self.channels])
        else:
            shaped = np.repeat(block[:, :1], self.channels, axis=1)
        if self._resampler is not None:
            shaped = self._resampler.resample_chunk(shaped, last=last)
        return to_int16(shaped)


def to_int16(samples: np.ndarray) -> bytes:
    """float samples in [-1, 1) to little-endian int16 bytes, clipped; the exact inverse of from_int16."""
    return np.clip(np.rint(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()


def from_int16(pcm: bytes, channels: int) -> np.ndarray:
    """Little-endian int16 bytes to float32 (frames, channels) in [-1, 1]."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    return samples.reshape(-1, channels)


def encoded_duration(streams: list[bytes]) -> float | None:
    """Seconds of audio in encoded streams (mp3, ogg: one per synthesis call), None when it cannot be told.
    Decoded with FFmpeg's libraries, not estimated: a VBR mp3 without a Xing header (Polly's) has no length to
    read, and libsndfile's guess from its first frame's bitrate was off eightfold."""
    seconds = 0.0
    for data in streams:
        try:
            with av.open(io.BytesIO(data), mode="r") as container:
                stream = container.streams.audio[0]
                samples: int = sum(frame.samples for frame in container.decode(stream))
                seconds += samples / stream.rate
        except (av.FFmpegError, IndexError, ZeroDivisionError):
            return None
    return seconds
