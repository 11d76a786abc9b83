"""HLS segment production: N languages (default 32) of speech placed on their timelines in real time, as a live
broadcast places them, and the ``hls`` output cutting, encoding (AAC in MPEG-TS, in its worker threads) and
writing their segments and playlists to a folder. Nothing else runs in the process, so its CPU is the output's.

Reports:
- encoding real-time factor: the process's CPU seconds per second of audio, over every language (RTF), and its
  share of the machine's cores (goal: well under 1, so that 32 languages keep up with real time on 2 cores);
- whether it kept up: every segment published within a segment of its end on the clock;
- latency from speech to availability: from a chunk of speech being placed on its timeline to the playlist
  that lists its segment being written, p50/p95/max (a segment is published once it is over: at most
  ``segment_seconds`` plus the cut and the encoding).

    .venv/bin/python -m bench.hls                                 # 32 languages, 60 s, 2 s segments
    .venv/bin/python -m bench.hls --languages 4 --seconds 10      # a smoke run

The last line is machine-readable: hls_languages=... encode_rtf=... cpu_share=... latency_p50_ms=...
latency_p95_ms=... kept_up=...
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.fanout import targets
from runner.events import AudioEvent, SpokenEvent, TranslationEvent, Utterance
from runner.frames import AudioFormat
from runner.outputs.base import OutputContext
from runner.outputs.hls.output import HlsOutput
from runner.runtime.broadcast import Broadcast
from runner.runtime.router import Router
from runner.runtime.status import SessionStatus
from tests.support.measures import percentile
from tests.support.sessions import planned

PCM = AudioFormat("pcm", 16000)
SPEECH_SECONDS = 1.6  # each utterance's speech, then silence: an utterance every 2.5 s as in bench/fanout.py
EVERY_SECONDS = 2.5
CHUNK_SECONDS = 0.1


def config_file(folder: Path, n: int, segment: float) -> Path:
    lines = [f"  - {{language: {language}}}" for language, _ in targets(n)]
    path = folder / "hls-bench.yaml"
    path.write_text("version: 1\nlanguage: en-US\nsource: {type: file, path: /dev/null}\n"
                    "speech_to_text: {provider: fake}\ntranslation: {provider: fake}\n"
                    f"text_to_speech: {{provider: fake}}\noutputs: [{{type: hls, segment_seconds: {segment}}}]\n"
                    "targets:\n" + "\n".join(lines) + "\n")
    return path


def speech(seconds: float, pitch: float) -> list[bytes]:
    t = np.arange(int(seconds * 16000)) / 16000
    pcm = (0.3 * np.sin(2 * np.pi * pitch * t) * 32767).astype("<i2").tobytes()
    step = int(CHUNK_SECONDS * 16000) * 2
    return [pcm[i:i + step] for i in range(0, len(pcm), step)]


async def speak(broadcast: Broadcast, labels: list[str], seconds: float, placed: list[tuple[float, float]]) -> None:
    """Every language speaks an utterance every EVERY_SECONDS, chunk by chunk in real time (as synthesis
    streams it); ``placed`` gets (position on the clock, wall time) of each utterance's first chunk."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    n = 0
    while loop.time() - began < seconds - EVERY_SECONDS:
        n += 1
        u = Utterance(f"u{n:04d}", n, "text", 0.0, 0.0, 0.0)
        chunks = speech(SPEECH_SECONDS, 300 + 10 * (n % 20))
        for label in labels:
            broadcast.observe(TranslationEvent(scope=label, at=0.0, utterance=u, text="Una frase."))
        for i, chunk in enumerate(chunks):
            for label in labels:
                broadcast.observe(AudioEvent(scope=label, at=0.0, utterance=u, data=chunk, format=PCM,
                                             first=i == 0, sentence=0))
            if i == 0:
                placed.append((broadcast.timelines[labels[0]].chunks[-1].position, time.time()))
            await asyncio.sleep(CHUNK_SECONDS)
        for label in labels:
            broadcast.observe(SpokenEvent(scope=label, at=0.0, utterance=u, bytes=0, seconds=None,
                                          first_audio_at=None))
        await asyncio.sleep(max(0.0, began + n * EVERY_SECONDS - loop.time()))


async def run(n: int, seconds: float, segment: float, folder: Path) -> dict[str, float]:
    plan = planned(config_file(folder, n, segment), output_dir=folder / "out")
    loop = asyncio.get_running_loop()
    t0, wall_t0 = loop.time(), time.time()
    clock = lambda: loop.time() - t0  # noqa: E731
    broadcast = Broadcast(clock, live=True, source_language="en-US")
    labels = [t.label for t in plan.config.targets]
    for t in plan.config.targets:
        broadcast.add(t.label, t.language)
    router = Router(SessionStatus(plan.config.display_name, {}), clock)
    output = HlsOutput(OutputContext(plan.config.outputs[0], plan.config, broadcast, router))
    await output.start()
    placed: list[tuple[float, float]] = []
    cpu0, wall0 = time.process_time(), time.monotonic()
    await speak(broadcast, labels, seconds, placed)
    broadcast.end()
    await output.finish()
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    published = dict(output.published_at)
    await output.aclose()
    latencies = [published[int(position // segment)] - at for position, at in placed
                 if int(position // segment) in published]
    late = [k for k, at in published.items() if at - (wall_t0 + (k + 1) * segment) > segment
            and k < len(published) - 1]
    audio = n * wall
    return {"rtf": cpu / audio, "cpu_share": cpu / wall / (os.cpu_count() or 1),
            "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95), "max": max(latencies),
            "segments": len(published), "late": len(late)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--languages", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the broadcast (real time)")
    parser.add_argument("--segment", type=float, default=2.0, help="segment_seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        r = asyncio.run(run(args.languages, args.seconds, args.segment, Path(name)))
    print(f"{args.languages} languages, {args.seconds:g} s, {args.segment:g} s segments: {r['segments']} segments "
          f"each; CPU {r['rtf']:.4f} s per second of audio (RTF), {r['cpu_share'] * 100:.1f} % of "
          f"{os.cpu_count()} cores; speech to playlist p50 {r['p50'] * 1000:.0f} ms, p95 {r['p95'] * 1000:.0f} ms, "
          f"max {r['max'] * 1000:.0f} ms; segments late: {r['late']}", flush=True)
    print(f"hls_languages={args.languages} encode_rtf={r['rtf']:.4f} cpu_share={r['cpu_share']:.3f} "
          f"latency_p50_ms={r['p50'] * 1000:.0f} latency_p95_ms={r['p95'] * 1000:.0f} "
          f"kept_up={'yes' if r['late'] == 0 else 'no'}")


if __name__ == "__main__":
    main()
