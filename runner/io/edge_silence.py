"""The silence a voice leaves around each request, trimmed as its PCM streams by.

Text-to-speech engines pad every request: espeak-ng ends each with 0.3 s of silence, Polly with a little less.
Spoken once per sentence that is a natural pause; in simultaneous mode, where a sentence is spoken as several
short segments back to back, it is a gap after every few words, and the language falls behind by that much each
time. The trim drops the silence before the first sound and holds back the silence after the last one, so only a
short pause (``keep_trailing``) is left at the end. Silence between sounds is never touched (it is only held
until the next sound comes, so nothing is delayed but the silence itself).
"""

from __future__ import annotations

import numpy as np

from runner.frames import PCM_SAMPLE_BYTES

QUIET = 100  # int16 amplitude under which a sample counts as silence (about -50 dBFS)
KEEP_LEADING = 0.02  # seconds of silence left before the first sound (the attack of a soft consonant)
KEEP_TRAILING = 0.12  # and after the last: a clause's pause


class EdgeSilence:
    """One synthesis stream of 16-bit mono PCM: ``feed`` each chunk, send what it returns, then ``end``."""

    def __init__(self, sample_rate: int, keep_leading: float = KEEP_LEADING,
                 keep_trailing: float = KEEP_TRAILING) -> None:
        self._keep_leading = int(keep_leading * sample_rate) * PCM_SAMPLE_BYTES
        self._keep_trailing = int(keep_trailing * sample_rate) * PCM_SAMPLE_BYTES
        self._sounded = False  # a sound has been sent
        self._held = bytearray()  # silence since the last sound (or, before the first, its last moments)
        self._odd = b""  # half a sample, from a chunk of odd length

    def feed(self, chunk: bytes) -> bytes:
        data = self._odd + chunk
        whole = len(data) - len(data) % PCM_SAMPLE_BYTES
        data, self._odd = data[:whole], data[whole:]
        loud = np.flatnonzero(np.abs(np.frombuffer(data, dtype="<i2").astype(np.int32)) > QUIET)
        if not len(loud):
            self._held += data
            if not self._sounded:  # leading silence: only its last moments can be of use
                del self._held[:-self._keep_leading or len(self._held)]
            return b""
        first, last = int(loud[0]) * PCM_SAMPLE_BYTES, (int(loud[-1]) + 1) * PCM_SAMPLE_BYTES
        if self._sounded:
            out = bytes(self._held) + data[:last]
        else:
            lead = (bytes(self._held) + data[:first])[-self._keep_leading:] if self._keep_leading else b""
            out = lead + data[first:last]
            self._sounded = True
        self._held = bytearray(data[last:])
        return out

    def end(self) -> bytes:
        """The short pause after the last sound (nothing, if there never was a sound)."""
        tail = bytes(self._held[:self._keep_trailing]) if self._sounded else b""
        self._held.clear()
        return tail
