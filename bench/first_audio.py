"""Time to first audio: with a streaming voice, the first audio chunk must reach the sink long before the
sentence is synthesized. Emulator: Translate 150 ms; Polly 200 ms to the first byte, then 20 ms between chunks,
so a long sentence takes over a second to synthesize. Target: first byte at the sink <= 150 + 200 + 5 ms.

    .venv/bin/python -m bench.first_audio

The last line is machine-readable: first_audio_p50_ms=... (with the budget beside it)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench.common import EmulatorProcess, percentile
from bench.fanout import POLLY_FIRST_BYTE, TRANSLATE_LATENCY, knobs, polyglot_run

LONG = ("this is sentence number {n}, and it goes on for a while so that speaking it takes several seconds "
        "of audio which the voice produces chunk by chunk")


def main() -> None:
    ends: list[float] = []
    with EmulatorProcess(knobs(per_chunk=0.02)) as emulator, tempfile.TemporaryDirectory() as folder:
        os.environ.update(emulator.env)
        firsts = polyglot_run(1, 15, Path(folder), text=LONG, ends=ends)
    budget = (TRANSLATE_LATENCY + POLLY_FIRST_BYTE) * 1000 + 5
    p50, p95 = percentile(firsts, 0.5) * 1000, percentile(firsts, 0.95) * 1000
    print(f"first audio at the sink: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(firsts) * 1000:.1f} ms "
          f"(budget {budget:.0f} ms)")
    print(f"end of the sentence's audio: p50 {percentile(ends, 0.5) * 1000:.0f} ms — the first chunk came "
          f"{(percentile(ends, 0.5) - percentile(firsts, 0.5)) * 1000:.0f} ms earlier than waiting would have")
    print(f"first_audio_p50_ms={p50:.1f} first_audio_p95_ms={p95:.1f} budget_ms={budget:.0f}")


if __name__ == "__main__":
    main()
