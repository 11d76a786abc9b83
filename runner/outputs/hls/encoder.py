"""One language's audio as HLS media segments: a continuous AAC encoder (PyAV, FFmpeg's libraries) whose packets
are muxed into one MPEG-TS file per segment.

The encoder runs for the whole broadcast, so that segments join without a gap, a click or a second priming
delay; each segment holds the packets the encoder returned for that segment's audio. Timestamps are those of the
output clock (runner.runtime.broadcast), in the 90 kHz units of MPEG-TS, moved by ``PTS_OFFSET`` so that the
encoder's priming packet (before 0) stays positive; the WebVTT segments' X-TIMESTAMP-MAP names the same offset.
Not thread-safe: one segment at a time, in order (the output runs each language's segments in a worker thread).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from runner.outputs.aac import aac_encoder
from runner.runtime.broadcast import RATE

MPEGTS_HZ = 90000
PTS_OFFSET = 10 * MPEGTS_HZ  # output clock 0 s is PTS 900000 (10 s), as is usual in HLS
CODECS = "mp4a.40.2"  # AAC-LC, as the master playlist declares it


@dataclass(frozen=True)
class MediaSegment:
    data: bytes  # a whole MPEG-TS file
    start: float  # seconds on the output clock of its first sample (the priming packet starts before 0)
    duration: float  # seconds of audio it holds


class SegmentEncoder:
    def __init__(self, sample_rate: int, bitrate: int) -> None:
        self.sample_rate = sample_rate
        self.codec = aac_encoder(sample_rate, bitrate)
        self._samples_in = 0  # timeline samples (16 kHz) given so far

    def encode(self, pcm: bytes, last: bool = False) -> MediaSegment:
        """The segment of ``pcm`` (16-bit mono at the timeline's rate, following what came before); ``last``
        also flushes the encoder (its final packets go into this segment)."""
        packets: list[av.Packet] = []
        if pcm:
            samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
            frame.sample_rate = RATE
            frame.time_base = Fraction(1, RATE)
            frame.pts = self._samples_in
            self._samples_in += samples.shape[1]
            packets += self.codec.encode(frame)  # resampled to the encoder's rate and frame size by PyAV
        if last:
            packets += self.codec.encode(None)
        return self._mux(packets)

    def _mux(self, packets: list[av.Packet]) -> MediaSegment:
        if not packets:
            return MediaSegment(b"", 0.0, 0.0)
        first, last = packets[0], packets[-1]
        assert first.pts is not None and last.pts is not None
        start = first.pts / self.sample_rate
        duration = (last.pts + (last.duration or 0)) / self.sample_rate - start
        buffer = io.BytesIO()
        with av.open(buffer, "w", format="mpegts") as container:
            stream = container.add_stream("aac", rate=self.sample_rate, layout="mono")
            stream.codec_context.extradata = self.codec.extradata  # so the muxer writes ADTS headers
            stream.time_base = Fraction(1, MPEGTS_HZ)
            for packet in packets:  # muxing takes the packet's data: nothing is read from it afterwards
                assert packet.pts is not None
                packet.pts = packet.dts = self._ticks(packet.pts)
                packet.duration = (packet.duration or 0) * MPEGTS_HZ // self.sample_rate
                packet.time_base = Fraction(1, MPEGTS_HZ)
                packet.stream = stream
                container.mux(packet)
        return MediaSegment(buffer.getvalue(), start, duration)

    def _ticks(self, samples: int) -> int:
        return PTS_OFFSET + samples * MPEGTS_HZ // self.sample_rate
