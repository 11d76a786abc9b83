"""Offline throughput: the real-time factor of the offline demo pipeline (Whisper -> Apertium -> espeak-ng) on
the demo recording, file source as fast as possible, three target languages; with each stage's share of the
engine time.

    .venv/bin/python -m bench.offline_rtf

The last line is machine-readable: offline_rtf=...
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import soundfile

from runner.config.load import load
from runner.config.overrides import Overrides
from runner.plan.plan import plan
from runner.runtime.build import build
from runner.runtime.session import Session

DEMO = Path(__file__).resolve().parents[1] / "pipelines" / "offline-demo.yaml"


def timed(engine: object, method: str, totals: dict[str, float], key: str) -> None:
    """Wrap an engine method (a coroutine, or an async generator) to add the time spent in it to ``totals[key]``.
    For speech-to-text that includes reading the recording, which is small beside recognition."""
    original = getattr(engine, method)

    if method == "translate":
        async def translate(text: str, source: str | None = None) -> str:
            began = time.perf_counter()
            try:
                return await original(text, source)
            finally:
                totals[key] += time.perf_counter() - began

        setattr(engine, method, translate)
        return

    async def stream(arg):  # type: ignore[no-untyped-def]
        iterator = original(arg).__aiter__()
        while True:
            began = time.perf_counter()
            try:
                item = await iterator.__anext__()
            except StopAsyncIteration:
                totals[key] += time.perf_counter() - began
                return
            totals[key] += time.perf_counter() - began
            yield item

    setattr(engine, method, stream)


def run(workdir: Path) -> tuple[float, float, dict[str, float]]:
    loaded = load(DEMO, overrides=Overrides(output_dir=workdir, realtime=False))
    assert loaded.ok and loaded.config is not None
    pipeline = build(plan(loaded))
    totals = {"speech-to-text": 0.0, "translation": 0.0, "text-to-speech": 0.0}
    timed(pipeline.stt, "transcribe", totals, "speech-to-text")
    for parts in pipeline.targets:
        timed(parts.translator, "translate", totals, "translation")
        timed(parts.synthesizer, "synthesize", totals, "text-to-speech")
    seconds = soundfile.info(str(loaded.config.source.options.path)).duration
    session = Session(pipeline)
    began = time.perf_counter()
    status = asyncio.run(session.run())
    wall = time.perf_counter() - began
    assert status.ok and status.utterances == 3, (status.ok, status.utterances)
    return wall, seconds, totals


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        run(Path(folder))  # warm-up: model files and Apertium into the page cache
        wall, seconds, totals = run(Path(folder))
    engine = sum(totals.values())
    print(f"{seconds:.1f} s of audio in {wall:.2f} s (engines, start-up and drain included)")
    for stage, t in totals.items():
        print(f"  {stage:15} {t:6.2f} s  {100 * t / engine:5.1f} % of engine time")
    print(f"offline_rtf={wall / seconds:.3f}")


if __name__ == "__main__":
    main()
