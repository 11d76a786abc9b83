"""Time to first audio: with a streaming voice, the first audio chunk must reach the sink long before the
sentence is synthesized. Emulator: Translate 150 ms; Polly 200 ms to the first byte, then 20 ms between chunks,
so a long sentence takes over a second to synthesize. Target: first byte at the sink <= 150 + 200 + 5 ms.

The latency knobs are the services' own time, counted from the moment a request reaches the emulator. What a
client sees of each call is longer by the SDK's and the wire's share (request building and signing, TLS,
HTTP, decoding); the benchmark prints both legs as the runner saw them, and the same Translate call made by
boto3 alone, without the runner, to tell the SDK's share from the runner's.

    .venv/bin/python -m bench.first_audio

The last line is machine-readable: first_audio_p50_ms=... (with the budget beside it)
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.fanout import POLLY_FIRST_BYTE, TRANSLATE_LATENCY, knobs, polyglot_run
from runner.config.model import AwsConfig
from runner.engines.aws.context import AwsContext
from tests.support.emulator_process import EmulatorProcess, isolate
from tests.support.measures import percentile

LONG = ("this is sentence number {n}, and it goes on for a while so that speaking it takes several seconds "
        "of audio which the voice produces chunk by chunk")


def bare_translate_call(calls: int = 15) -> float:
    """p50 seconds of one TranslateText call made by boto3 alone (warm client), with polyglot's client."""
    client = AwsContext(AwsConfig()).client("translate")
    times = []
    for i in range(calls + 2):
        began = time.perf_counter()
        client.translate_text(Text=LONG.format(n=i), SourceLanguageCode="en", TargetLanguageCode="es")
        times.append(time.perf_counter() - began)
    return percentile(times[2:], 0.5)


def main() -> None:
    ends: list[float] = []
    translated: list[float] = []
    with EmulatorProcess(knobs(per_chunk=0.02)) as emulator, tempfile.TemporaryDirectory() as folder:
        os.environ.update(emulator.env)
        print("cores: " + isolate(emulator), flush=True)
        firsts = polyglot_run(1, 15, Path(folder), text=LONG, ends=ends, translated=translated)
        bare = bare_translate_call()
    budget = (TRANSLATE_LATENCY + POLLY_FIRST_BYTE) * 1000 + 5
    p50, p95 = percentile(firsts, 0.5) * 1000, percentile(firsts, 0.95) * 1000
    translation = percentile(translated, 0.5) * 1000
    speech = percentile([f - t for f, t in zip(firsts, translated, strict=True)], 0.5) * 1000
    print(f"first audio at the sink: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(firsts) * 1000:.1f} ms "
          f"(budget {budget:.0f} ms)")
    print(f"  translation leg (final -> translation): p50 {translation:.1f} ms for a {TRANSLATE_LATENCY * 1000:.0f} ms"
          f" service; the same call by boto3 alone: {bare * 1000:.1f} ms")
    print(f"  speech leg (translation -> first audio at the sink): p50 {speech:.1f} ms for a "
          f"{POLLY_FIRST_BYTE * 1000:.0f} ms first byte")
    print(f"end of the sentence's audio: p50 {percentile(ends, 0.5) * 1000:.0f} ms — the first chunk came "
          f"{(percentile(ends, 0.5) - percentile(firsts, 0.5)) * 1000:.0f} ms earlier than waiting would have")
    print(f"first_audio_p50_ms={p50:.1f} first_audio_p95_ms={p95:.1f} budget_ms={budget:.0f}")


if __name__ == "__main__":
    main()
