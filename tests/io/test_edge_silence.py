"""The trim of a voice's padding: silence before the first sound and after the last is cut to a short pause,
silence between sounds is kept whole, and how the stream is cut into chunks changes nothing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.io.edge_silence import EdgeSilence

RATE = 16000


def pcm(*parts: tuple[str, float]) -> bytes:
    """("sound" | "silence", seconds) parts, as int16 PCM."""
    out = []
    for kind, seconds in parts:
        n = int(seconds * RATE)
        out.append(3000 * np.sin(np.arange(n) * 0.3) + 0.5 if kind == "sound" else np.zeros(n))
    return np.concatenate(out).astype("<i2").tobytes()


def trimmed(data: bytes, cuts: list[int]) -> bytes:
    trim = EdgeSilence(RATE, keep_leading=0.02, keep_trailing=0.12)
    bounds = [0, *sorted(cuts), len(data)]
    return b"".join(trim.feed(data[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)) + trim.end()


def seconds(data: bytes) -> float:
    return len(data) / 2 / RATE


def test_the_padding_around_speech_becomes_a_short_pause_and_the_pause_inside_it_stays():
    data = pcm(("silence", 0.2), ("sound", 0.5), ("silence", 0.4), ("sound", 0.3), ("silence", 0.3))
    out = trimmed(data, [])
    assert seconds(out) == pytest.approx(0.02 + 0.5 + 0.4 + 0.3 + 0.12, abs=0.002)  # a sine's first samples are quiet
    samples = np.frombuffer(out, "<i2")
    assert not samples[: int(0.02 * RATE)].any()
    assert not samples[-int(0.12 * RATE):].any()
    middle = samples[int(0.52 * RATE) + 1: int(0.92 * RATE) - 1]
    assert not middle.any() and len(middle) > 0.39 * RATE  # the pause between the two sounds, whole


def test_silence_alone_gives_nothing():
    assert trimmed(pcm(("silence", 0.5)), [1000, 3001]) == b""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["sound", "silence"]), st.floats(0.001, 0.3)), min_size=1, max_size=6),
       st.lists(st.integers(0, 10**6), max_size=12))
def test_how_the_stream_is_chunked_changes_nothing(parts, cuts):
    data = pcm(*parts)
    whole = trimmed(data, [])
    assert trimmed(data, [c % (len(data) + 1) for c in cuts]) == whole  # odd cuts too: half samples carried
    assert len(whole) <= len(data)
    sound = np.flatnonzero(np.frombuffer(data, "<i2"))
    if len(sound):  # everything from the first sound to the last is there, unchanged
        assert bytes(data[sound[0] * 2:(sound[-1] + 1) * 2]) in whole
