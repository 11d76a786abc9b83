"""Soak (shortened for CI; bench/soak.py runs the full hour): a fast-forwarded six minutes of speech through
Transcribe, Translate and four Polly streams on the emulator. Nothing is lost, the lanes do not grow, memory
stays flat after warm-up."""

from __future__ import annotations

from bench.soak import soak


def test_soak_six_minutes(emulator, tmp_path):
    result = soak(emulator, minutes=6, targets=4, workdir=tmp_path, speed=12)
    assert result.ok
    assert result.finals == result.utterances == 72
    assert set(result.spoken.values()) == {72}
    half = len(result.depths) // 2
    assert max(result.depths[half:]) <= max(result.depths[:half]) + 3, result.depths  # no growth
    assert result.growth_after_warmup < 0.10, result.rss
