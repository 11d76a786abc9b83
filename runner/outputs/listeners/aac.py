"""One language's audio for the listener page, encoded once for all its listeners: AAC-LC (FFmpeg's native
encoder, through PyAV), packaged two ways from the same packets:

- fragmented MP4 for Media Source Extensions: an init segment (``ftyp`` + ``moov``, the same for the whole
  stream) and one fragment (``moof`` + ``mdat``) per block. A fragment's decode time is the audio's position
  on the output clock in samples (tfdt), so the page's ``audio.currentTime`` *is* the broadcast clock and a
  caption's start on that clock says exactly when to show it;
- ADTS (raw AAC frames, each with its own header) for a plain ``<audio src>``, where a browser has no MSE
  (iPhones): a listener can join at any frame.

AAC over Opus: every phone browser decodes AAC in a media element and in MSE (Firefox's MSE takes no MPEG
audio, Safari's no Opus in MP4 before iOS 17), at 24 kbit/s a voice is clear and the fMP4 framing adds about 3
kbit/s. FFmpeg's encoder and muxers hold the GIL while they run, so the page runs them in a process of its
own (``encode_block``, one encoder per language stream inside it): the run's event loop never waits for them.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from fractions import Fraction

import av
import numpy as np

from runner.outputs.aac import aac_encoder
from runner.runtime.broadcast import RATE

BITRATE = 24_000  # a clear voice; with the framing, under 32 kbit/s per listener
MIME = 'audio/mp4; codecs="mp4a.40.2"'
# Each block is one fragment (a moof per block, no trailing index): what MSE appends. The decode times are
# those of the packets (the broadcast clock), never moved to start at zero.
FRAGMENT_OPTIONS = {"movflags": "empty_moov+default_base_moof+skip_trailer+frag_discont",
                    "avoid_negative_ts": "disabled"}


@dataclass(frozen=True)
class Block:
    """One block of a language's stream: ``start`` to ``end`` on the output clock."""

    start: float
    end: float
    fragment: bytes  # moof + mdat (empty while the encoder is priming)
    adts: bytes  # the same AAC frames with ADTS headers
    init: bytes = b""  # the stream's init segment (ftyp + moov), the same for every block of one encoder
    made_at: float = field(default_factory=time.time)  # wall clock when it was encoded (delivery lag is from here)


_encoders: dict[str, AacStreamEncoder] = {}  # in the encoding process: one per language stream


def encode_block(stream: str, pcm: bytes, start: float, end: float) -> Block:
    """The next block of ``stream`` (a name its caller keeps unique per stream), in the encoding process."""
    encoder = _encoders.get(stream)
    if encoder is None:
        encoder = _encoders[stream] = AacStreamEncoder()
    return encoder.encode(pcm, start, end)


def drop_encoder(stream: str) -> None:
    _encoders.pop(stream, None)


class AacStreamEncoder:
    """A continuous AAC stream from the timeline's PCM. Not thread-safe: one block at a time, in order."""

    def __init__(self, bitrate: int = BITRATE) -> None:
        self.codec = aac_encoder(RATE, bitrate)
        self.init = b""  # ftyp + moov: known after the first block
        self._next_pts: int | None = None

    def encode(self, pcm: bytes, start: float, end: float) -> Block:
        """The block of ``pcm`` (16-bit mono at RATE, from ``start`` on the output clock)."""
        samples = np.frombuffer(pcm, dtype="<i2")
        first = round(start * RATE)
        if self._next_pts is not None and first != self._next_pts:
            first = self._next_pts  # reads join to the sample; a skip shows up as a jump in the page's buffer
        frame = av.AudioFrame.from_ndarray((samples.astype(np.float32) / 32768.0).reshape(1, -1),
                                           format="fltp", layout="mono")
        frame.sample_rate = RATE
        frame.time_base = Fraction(1, RATE)
        frame.pts = first
        self._next_pts = first + len(samples)
        packets = [p for p in self.codec.encode(frame) if p.size]
        raw = tuple(bytes(p) for p in packets)
        fragment = self._fragment(packets)
        return Block(start, end, fragment, _adts(raw, bytes(self.codec.extradata or b"")) if raw else b"",
                     self.init)

    def restart_at(self, start: float) -> None:
        """The stream jumps (a listener-less pause, a skip to the live edge): continue from ``start``."""
        self._next_pts = round(start * RATE)

    def _fragment(self, packets: list[av.Packet]) -> bytes:
        if not packets:
            return b""
        out = io.BytesIO()
        # A muxer per block: its output is exactly the init segment and this block's fragment.
        with av.open(out, "w", format="mp4", options=FRAGMENT_OPTIONS) as container:
            stream = container.add_stream("aac", rate=RATE)
            stream.codec_context.layout = "mono"
            stream.codec_context.extradata = self.codec.extradata
            stream.time_base = Fraction(1, RATE)
            for packet in packets:
                packet.stream = stream
                container.mux(packet)
        data = out.getvalue()
        moof = _box_offset(data, b"moof")
        if not self.init:
            self.init = data[:moof]
        return data[moof:]


def _box_offset(data: bytes, kind: bytes) -> int:
    """Where the first top-level box of ``kind`` starts."""
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset:offset + 4], "big")
        if data[offset + 4:offset + 8] == kind:
            return offset
        if size < 8:
            break
        offset += size
    raise ValueError(f"no {kind.decode()} box in the muxer's output")


def _adts(packets: tuple[bytes, ...], extradata: bytes) -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="adts") as container:
        stream = container.add_stream("aac", rate=RATE)
        stream.codec_context.layout = "mono"
        stream.codec_context.extradata = extradata
        for data in packets:
            packet = av.Packet(data)
            packet.stream = stream
            container.mux(packet)
    return out.getvalue()
