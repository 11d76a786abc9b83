"""Turning any input audio into what a speech-to-text engine wants: mono 16-bit PCM at its rate."""

from __future__ import annotations

import numpy as np
import soxr


class Conformer:
    """Streams blocks of (frames, channels) audio into mono int16 PCM at ``rate``, resampling as it goes."""

    def __init__(self, in_rate: int, out_rate: int) -> None:
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._resampler = soxr.ResampleStream(in_rate, out_rate, 1, dtype="float32") if in_rate != out_rate \
            else None

    def push(self, block: np.ndarray, last: bool = False) -> bytes:
        mono = block.mean(axis=1, dtype=np.float32) if block.ndim == 2 else block.astype(np.float32, copy=False)
        if self._resampler is not None:
            mono = self._resampler.resample_chunk(mono, last=last)
        return to_int16(mono)


def to_int16(samples: np.ndarray) -> bytes:
    """float samples in [-1, 1) to little-endian int16 bytes, clipped; the exact inverse of from_int16."""
    return np.clip(np.rint(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()


def from_int16(pcm: bytes, channels: int) -> np.ndarray:
    """Little-endian int16 bytes to float32 (frames, channels) in [-1, 1]."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    return samples.reshape(-1, channels)
