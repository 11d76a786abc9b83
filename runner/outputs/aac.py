"""The AAC encoder that HLS segments and the listener page's stream share: FFmpeg's native AAC-LC, mono."""

from __future__ import annotations

from fractions import Fraction

import av
from av.audio.codeccontext import AudioCodecContext


def aac_encoder(sample_rate: int, bitrate: int) -> AudioCodecContext:
    """An open AAC-LC encoder of mono planar float (what FFmpeg's native encoder takes) at ``sample_rate``."""
    codec = av.CodecContext.create("aac", "w")
    assert isinstance(codec, AudioCodecContext)
    codec.sample_rate = sample_rate
    codec.layout = "mono"
    codec.format = "fltp"
    codec.bit_rate = bitrate
    codec.time_base = Fraction(1, sample_rate)
    codec.open()
    return codec
