"""Fan-out scaling: one speaker, N target languages, each with its own Amazon Polly stream, against the emulator
with realistic service latencies (Translate 150 ms, Polly 200 ms to the first byte). Measures, per utterance and
target, the time from the final transcript to the first audio byte written at the target's sink; then runs the
same work through a sequential baseline in the style of the original sample (for each language in turn:
translate, synthesize the whole audio, write it).

    .venv/bin/python -m bench.fanout --targets 1 4 16 32 --utterances 15 --runs 3

Each figure is the median of --runs runs (3 by default) with its spread (min–max), and the machine's steal time
over the benchmark is printed: on a shared virtual machine, figures are only as good as that is small. Per run it
prints the CPU per target per utterance of the runner's and the emulator's busiest threads (from /proc).

The last line is machine-readable: fanout_ratio_n32=<median> fanout_ratio_p95_n32=<median> ...
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from polyglot_emulator.translate import LANGUAGES
from polyglot_emulator.voices import VOICES
from runner.engines.aws.language_codes import translate_code
from runner.events import AudioEvent, Event, SpokenEvent, TranslationEvent
from runner.runtime.session import Session
from tests.support.emulator_process import EmulatorProcess, isolate
from tests.support.measures import StealMeter, ThreadCpu, median, percentile, spread
from tests.support.sessions import pipeline_for
from tests.support.sources import SyntheticSpeaker

TRANSLATE_LATENCY = 0.150
POLLY_FIRST_BYTE = 0.200
POLLY_PER_CHUNK = 0.005
TEXT = "this is sentence number {n} of the fan out benchmark"


def targets(n: int) -> list[tuple[str, str]]:
    """N (language, voice) pairs, one voice per language that Amazon Translate serves (a bilingual voice's second
    language counts), English left out (the speaker's language)."""
    seen: dict[str, str] = {}
    for v in VOICES:
        for language in (v.language_code, *v.additional_languages):
            if not language.startswith("en") and language not in seen and translate_code(language) in LANGUAGES:
                seen[language] = v.id
    pairs = list(seen.items())
    # Past the languages Polly voices, the languages Translate serves, each with a voice of the emulator's that
    # is told to speak every language (knob any_language): the runner's work per target does not depend on it.
    voiced = {translate_code(language) for language in seen}
    pairs += [(language, VOICES[0].id) for language in sorted(LANGUAGES)
              if language != "en" and language not in voiced]
    if n > len(pairs):
        raise SystemExit(f"the emulator has {len(pairs)} target languages, not {n}")
    return pairs[:n]


def knobs(per_chunk: float = POLLY_PER_CHUNK) -> dict[str, object]:
    """Realistic latencies; every voice streams, so 32 languages can each hold a generative stream."""
    return {"any_engine": True, "any_language": True, "latency": {
        "translate": {"first_byte": TRANSLATE_LATENCY},
        "polly.stream": {"first_byte": POLLY_FIRST_BYTE, "per_chunk": per_chunk},
        "polly.synthesize": {"first_byte": POLLY_FIRST_BYTE, "per_chunk": per_chunk}}}


def polyglot_run(n: int, utterances: int, workdir: Path, text: str = TEXT, ends: list[float] | None = None,
                 translated: list[float] | None = None, *, warmup: int = 1, outputs: tuple[str, ...] = (),
                 observe_too: Callable[[Event], None] | None = None) -> list[float]:
    """First-audio latencies (seconds) of every (utterance, target) through polyglot's fan-out; ``ends`` gets
    the time from the final transcript to the end of each utterance's audio, ``translated`` to its
    translation. The first ``warmup`` utterances (connections and streams opening) are spoken and not counted.
    ``outputs`` are YAML flow mappings for the config's ``outputs:``; ``observe_too`` sees every event."""
    utterances += warmup
    script = ", ".join(repr(text.format(n=i)) for i in range(utterances))
    lines = ["version: 1", "language: en-US", "source: {type: microphone}",
             f"speech_to_text: {{provider: fake, script: [{script}]}}",
             "translation: {provider: translate}", "text_to_speech: {provider: polly}", "targets:"]
    for language, voice in targets(n):
        lines.append(f"  - {{language: {language}, voice: {voice}, engine: generative, "
                     f"sinks: [{{type: audio_file, path: out/{language}.pcm}}]}}")
    if outputs:
        lines += ["outputs:", *(f"  - {output}" for output in outputs)]
    path = workdir / f"fanout-{n}.yaml"
    path.write_text("\n".join(lines) + "\n")
    # an utterance every 2.5 s of wall time: every target has finished the last one by then
    pipeline = pipeline_for(path, workdir, SyntheticSpeaker(utterances, burst=1.0, pause=4.0, speed=2.0))
    latencies: list[float] = []

    def observe(event: Event) -> None:
        if observe_too is not None:
            observe_too(event)
        if not isinstance(event, AudioEvent | SpokenEvent | TranslationEvent) \
                or int(event.utterance.id.lstrip("u")) <= warmup:
            return  # the warm-up
        if isinstance(event, AudioEvent) and event.first:
            latencies.append(event.at - event.utterance.final_at)
        elif isinstance(event, SpokenEvent) and ends is not None:
            ends.append(event.at - event.utterance.final_at)
        elif isinstance(event, TranslationEvent) and translated is not None:
            translated.append(event.at - event.utterance.final_at)

    status = asyncio.run(Session(pipeline, observers=[observe]).run())
    assert status.ok, {t: s.last_error for t, s in status.targets.items()}
    assert len(latencies) == n * (utterances - warmup), (len(latencies), n * (utterances - warmup))
    return latencies


def sequential_run(n: int, utterances: int, workdir: Path) -> list[float]:
    """The original sample's way: per utterance, for each language in turn, translate, synthesize the whole
    audio, write it. Latency for each language counts from the final transcript."""
    translate = boto3.client("translate")
    polly = boto3.client("polly")
    latencies: list[float] = []
    for i in range(utterances + 1):  # the first one warms the connections up and is not counted
        final_at = time.monotonic()
        for language, voice in targets(n):
            text = translate.translate_text(Text=TEXT.format(n=i), SourceLanguageCode="en",
                                            TargetLanguageCode=translate_code(language))["TranslatedText"]
            audio = polly.synthesize_speech(Text=text, VoiceId=voice, Engine="neural", OutputFormat="pcm",
                                            SampleRate="16000")["AudioStream"].read()
            with open(workdir / f"seq-{language}.pcm", "ab") as f:
                f.write(audio)
                if i:
                    latencies.append(time.monotonic() - final_at)  # first byte written: after the whole audio
    return latencies


def summary(latencies: list[float]) -> tuple[float, float, float]:
    return percentile(latencies, 0.5), percentile(latencies, 0.95), max(latencies)


@dataclass
class Figures:
    """One N's figures over several runs: per run p50/p95/max (seconds) and CPU per thread name."""

    n: int
    p50: list[float] = field(default_factory=list)
    p95: list[float] = field(default_factory=list)
    worst: list[float] = field(default_factory=list)
    runner_cpu: list[dict[str, float]] = field(default_factory=list)
    emulator_cpu: list[dict[str, float]] = field(default_factory=list)


def cpu_per_fanout(cpu: dict[str, float], n: int, utterances: int) -> str:
    """CPU ms per (utterance x target), the busiest threads first (start-up and the warm-up utterance included)."""
    per = {name: seconds * 1000 / (n * utterances) for name, seconds in cpu.items()}
    top = sorted(per.items(), key=lambda kv: -kv[1])[:4]
    return f"{sum(per.values()):.1f} ms (" + ", ".join(f"{name} {ms:.1f}" for name, ms in top) + ")"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, nargs="+", default=[1, 4, 16, 32])
    parser.add_argument("--utterances", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3, help="each figure is the median of this many runs")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--shared-cores", action="store_true",
                        help="let the runner and the emulator share every core (default: a core for the emulator)")
    args = parser.parse_args()
    figures = {n: Figures(n) for n in args.targets}
    baseline: dict[int, tuple[float, float, float]] = {}
    steal = StealMeter().start()
    with EmulatorProcess(knobs()) as emulator, tempfile.TemporaryDirectory() as folder:
        os.environ.update(emulator.env)
        print("cores: " + ("shared (as asked)" if args.shared_cores else isolate(emulator)), flush=True)
        for run in range(1, args.runs + 1):
            for n in args.targets:
                f = figures[n]
                with ThreadCpu() as runner_cpu, ThreadCpu(emulator.pid or "self") as emulator_cpu:
                    p50, p95, worst = summary(polyglot_run(n, args.utterances, Path(folder)))
                f.runner_cpu.append(runner_cpu.by_name())
                f.emulator_cpu.append(emulator_cpu.by_name())
                f.p50.append(p50)
                f.p95.append(p95)
                f.worst.append(worst)
                ms = f"p50 {p50 * 1000:4.0f} ms  p95 {p95 * 1000:4.0f} ms  max {worst * 1000:4.0f} ms"
                print(f"run {run} N={n:3}  {ms}"
                      f"  CPU/target/utterance: runner {cpu_per_fanout(f.runner_cpu[-1], n, args.utterances)},"
                      f" emulator {cpu_per_fanout(f.emulator_cpu[-1], n, args.utterances)}", flush=True)
        if not args.no_baseline:
            for n in args.targets:
                baseline[n] = summary(sequential_run(n, min(args.utterances, 5), Path(folder)))
    stolen = steal.share()
    one = figures[args.targets[0]]
    print(f"\nmedian of {args.runs} run(s) (min–max); steal time {stolen:.1%} of the machine's CPU")
    for n, f in figures.items():
        ratio50 = [a / b for a, b in zip(f.p50, one.p50, strict=True)]
        ratio95 = [a / b for a, b in zip(f.p95, one.p95, strict=True)]
        base = baseline.get(n)
        print(f"N={n:3}  p50 {spread(f.p50, 1000)} ms  p95 {spread(f.p95, 1000)} ms  max {spread(f.worst, 1000)} ms"
              f"  ratio p50 {spread(ratio50, digits=3)}  p95 {spread(ratio95, digits=3)}"
              + (f"   sequential p50 {base[0] * 1000:.0f} ms  p95 {base[1] * 1000:.0f} ms" if base else ""))
    last = figures[args.targets[-1]]
    r50 = median([a / b for a, b in zip(last.p50, one.p50, strict=True)])
    r95 = median([a / b for a, b in zip(last.p95, one.p95, strict=True)])
    print(f"fanout_ratio_n{last.n}={r50:.3f} fanout_ratio_p95_n{last.n}={r95:.3f} "
          f"p50_ms_n{last.n}={median(last.p50) * 1000:.0f} runs={args.runs} steal={stolen:.4f}")


if __name__ == "__main__":
    main()
