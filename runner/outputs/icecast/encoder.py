"""One mount's audio, encoded and muxed by FFmpeg's libraries (PyAV): Ogg/Opus or MP3, from the timeline's
16 kHz mono PCM, as bytes ready to send. The language goes into the stream's own tags where the format has
them (Ogg: OpusTags ``LANGUAGE=``, ``TITLE=``; Icecast hands those headers to every listener who joins).

An encoder is one stream from its start: a new connection to the server gets a new encoder (Ogg needs its
headers again). Its calls block on the codec: the output runs them in a thread, never on the event loop.
"""

from __future__ import annotations

from typing import Literal

import av
import numpy as np

from runner.runtime.broadcast import RATE

Format = Literal["ogg_opus", "mp3"]

CONTENT_TYPES: dict[str, str] = {"ogg_opus": "audio/ogg", "mp3": "audio/mpeg"}
EXTENSIONS: dict[str, str] = {"ogg_opus": "opus", "mp3": "mp3"}
DEFAULT_BITRATE_KBPS: dict[str, int] = {"ogg_opus": 32, "mp3": 32}  # speech: plenty for one voice

# What each codec can do (libopus; MPEG-1/2/2.5 layer III), for the plan's checks.
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
OPUS_KBPS = (6, 510)
MP3_KBPS_BY_RATE: dict[int, tuple[int, ...]] = {
    **dict.fromkeys((32000, 44100, 48000), (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)),
    **dict.fromkeys((16000, 22050, 24000), (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)),
    **dict.fromkeys((8000, 11025, 12000), (8, 16, 24, 32, 40, 48, 56, 64)),
}


def bitrate_problem(fmt: Format, sample_rate: int, kbps: int) -> str | None:
    """Why ``kbps`` at ``sample_rate`` does not fit the codec, or None when it does."""
    if fmt == "ogg_opus":
        if sample_rate not in OPUS_RATES:
            return f"Opus encodes at {', '.join(map(str, OPUS_RATES))} Hz, not {sample_rate}"
        if not OPUS_KBPS[0] <= kbps <= OPUS_KBPS[1]:
            return f"Opus bitrates are {OPUS_KBPS[0]} to {OPUS_KBPS[1]} kbps, not {kbps}"
        return None
    allowed = MP3_KBPS_BY_RATE.get(sample_rate)
    if allowed is None:
        return f"MP3 encodes at {', '.join(map(str, sorted(MP3_KBPS_BY_RATE)))} Hz, not {sample_rate}"
    if kbps not in allowed:
        return f"MP3 at {sample_rate} Hz has bitrates {', '.join(map(str, allowed))} kbps, not {kbps}"
    return None


class _Collected:
    """The file object the muxer writes into: what it wrote since the last take()."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


class StreamEncoder:
    def __init__(self, fmt: Format, sample_rate: int, kbps: int, tags: dict[str, str]) -> None:
        self._out = _Collected()
        if fmt == "ogg_opus":
            # Short pages and a flush per packet: listeners get audio within ~0.1 s, not a second later.
            self._container = av.open(self._out, "w", format="ogg",
                                      options={"page_duration": "100000", "flush_packets": "1"})
            self._stream = self._container.add_stream("libopus", rate=sample_rate)
            self._stream.codec_context.options = {"application": "voip"}
        else:
            # No ID3 header nor Xing frame: a stream has no start to seek to, listeners join anywhere.
            self._container = av.open(self._out, "w", format="mp3",
                                      options={"id3v2_version": "0", "write_xing": "0", "flush_packets": "1"})
            self._stream = self._container.add_stream("libmp3lame", rate=sample_rate)
        self._stream.bit_rate = kbps * 1000
        self._stream.layout = "mono"
        self._stream.metadata.update(tags)  # Ogg: the OpusTags comments
        self._resampler = av.AudioResampler(format=self._stream.format.name, layout="mono", rate=sample_rate) \
            if sample_rate != RATE else None
        self._pts = 0
        self._closed = False

    def encode(self, pcm: bytes) -> bytes:
        """Timeline PCM (s16le mono at RATE) in; whatever the muxer wrote out (may be empty)."""
        samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._pts
        self._pts += samples.shape[1]
        frames = self._resampler.resample(frame) if self._resampler is not None else [frame]
        for f in frames:
            for packet in self._stream.encode(f):
                self._container.mux(packet)
        return self._out.take()

    def close(self) -> bytes:
        """The end of the stream: the codec's last packets and the muxer's trailer."""
        if self._closed:
            return b""
        self._closed = True
        try:
            if self._resampler is not None:
                for f in self._resampler.resample(None):
                    for packet in self._stream.encode(f):
                        self._container.mux(packet)
            for packet in self._stream.encode(None):
                self._container.mux(packet)
        finally:
            self._container.close()
        return self._out.take()
