"""Soak: a fast-forwarded stretch of speech through the AWS engines and the emulator (zero latency), with N
targets. Reports loss, the deepest lane, and memory over time; the last line is machine-readable.

    .venv/bin/python -m bench.soak --minutes 60 --targets 8
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from polyglot_emulator import Emulator
from runner.events import Event, SpokenEvent, TranscriptEvent
from runner.runtime.session import Session
from tests.support.measures import rss_mib
from tests.support.sessions import pipeline_for
from tests.support.sources import SyntheticSpeaker

VOICES = [("es-ES", "Lucia"), ("fr-FR", "Lea"), ("de-DE", "Vicki"), ("it-IT", "Bianca"), ("pt-BR", "Camila"),
          ("es-MX", "Mia"), ("es-US", "Lupe"), ("ko-KR", "Seoyeon")]


@dataclass
class SoakResult:
    utterances: int
    finals: int = 0
    spoken: dict[str, int] = field(default_factory=dict)
    deepest_lane: int = 0
    depths: list[int] = field(default_factory=list)  # the deepest lane at each final
    rss: list[tuple[int, float]] = field(default_factory=list)  # (finals so far, MiB)
    ok: bool = False

    @property
    def growth_after_warmup(self) -> float:
        """RSS growth from the end of warm-up (first fifth) to the end, as a fraction."""
        if len(self.rss) < 3:
            return float("nan")
        warm = self.rss[max(1, len(self.rss) // 5)][1]
        return (self.rss[-1][1] - warm) / warm


def config_text(targets: int) -> str:
    lines = ["version: 1", "language: en-US", "source: {type: microphone}",
             "speech_to_text: {provider: transcribe}", "translation: {provider: translate}",
             "text_to_speech: {provider: polly}", "targets:"]
    for language, voice in VOICES[:targets]:
        lines.append(f"  - {{language: {language}, voice: {voice}, engine: generative}}")
    return "\n".join(lines) + "\n"


def soak(emulator: Emulator, minutes: float, targets: int, workdir: Path, speed: float = 60) -> SoakResult:
    speaker = SyntheticSpeaker(max(1, int(minutes * 60 / 5.0)), speed=speed)
    emulator.knobs.transcribe_script = [f"this is sentence number {n}" for n in range(1, speaker.utterances + 1)]
    emulator.knobs.transcribe_max_stream_seconds = 4 * 3600
    path = workdir / "soak.yaml"
    path.write_text(config_text(targets))
    pipeline = pipeline_for(path, workdir, speaker)
    result = SoakResult(speaker.utterances)
    result.spoken = dict.fromkeys((t.label for t in pipeline.config.targets), 0)

    def observe(event: Event) -> None:
        if isinstance(event, TranscriptEvent) and event.final:
            result.finals += 1
            depth = max(t.queued for t in session.status.targets.values())
            result.depths.append(depth)
            result.deepest_lane = max(result.deepest_lane, depth)
            if result.finals % max(1, speaker.utterances // 20) == 0:
                gc.collect()
                result.rss.append((result.finals, rss_mib()))
        elif isinstance(event, SpokenEvent):
            result.spoken[event.scope] += 1

    session = Session(pipeline, observers=[observe])
    status = asyncio.run(session.run())
    result.rss.append((result.finals, rss_mib()))
    result.ok = status.ok
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--targets", type=int, default=8)
    parser.add_argument("--speed", type=float, default=60, help="times real time")
    args = parser.parse_args()
    with Emulator() as emulator, tempfile.TemporaryDirectory() as folder:
        os.environ.update(emulator.env())
        result = soak(emulator, args.minutes, args.targets, Path(folder), args.speed)
    print(f"utterances {result.utterances}, finals {result.finals}, spoken per target {result.spoken}")
    print(f"deepest lane {result.deepest_lane}; RSS MiB by utterance: "
          + ", ".join(f"{n}:{mib:.0f}" for n, mib in result.rss))
    lost = result.utterances - min([result.finals, *result.spoken.values()])
    print(f"soak_minutes={args.minutes:g} speed={args.speed:g}x targets={args.targets} lost={lost} "
          f"deepest_lane={result.deepest_lane} "
          f"rss_growth_after_warmup={result.growth_after_warmup:.3f}")


if __name__ == "__main__":
    main()
