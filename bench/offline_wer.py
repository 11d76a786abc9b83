"""Offline speech-to-text, side by side: word error rate (jiwer), real-time factor and the time from the end of
speech to the final transcript, for pocketsphinx, Whisper tiny.en and Whisper base, on every LibriVox clip of
Debian's pocketsphinx-testdata and on the demo's recording (three of them joined with pauses); then the real-time
factor of the whole offline demo pipeline (speech-to-text + 3 targets).

    .venv/bin/python -m bench.offline_wer                       # everything
    .venv/bin/python -m bench.offline_wer --clips 1 --engines whisper:tiny.en   # a smoke run

The clock is simulated, not real: the audio is fed in 20 ms frames as fast as the engine takes them (that is
the RTF). The latency of a final is what it would be live if the engine kept up with the audio: the audio the
engine had been given past the end of speech when it answered, plus the wall time between the engine asking
for that last frame and the final coming out (the decode it needed then). The end of speech is where Silero
VAD, run over the whole clip offline, puts it. WER is over all clips' words, text lowercased, hyphens split,
punctuation removed, "Mr" read "mister" (the transcriptions spell it out). The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import jiwer
import numpy as np
import soundfile

from runner.engines.base import SpeechToText
from runner.engines.local.pocketsphinx import PocketsphinxOptions, PocketsphinxRecognizer
from runner.engines.local.whisper import WhisperOptions, WhisperRecognizer
from runner.frames import AudioFrame
from runner.options import defaults
from tests.support.recordings import LIBRIVOX, three_utterances_transcript

DEMO_RECORDING = Path(__file__).resolve().parents[1] / "pipelines" / "audio" / "librivox-three-utterances.wav"
FRAME = 640  # bytes: 20 ms at 16 kHz
NORMALIZE = jiwer.Compose([
    jiwer.ToLowerCase(), jiwer.SubstituteRegexes({r"-": " "}), jiwer.RemovePunctuation(),
    jiwer.SubstituteWords({"mr": "mister", "mrs": "missus"}), jiwer.RemoveMultipleSpaces(), jiwer.Strip(),
    jiwer.ReduceToListOfListOfWords(),
])


@dataclass
class Clip:
    name: str
    path: Path
    reference: str


@dataclass
class Result:
    engine: str
    hypotheses: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    audio: float = 0.0
    busy: float = 0.0  # wall seconds the engine took for all the audio
    latencies: list[float] = field(default_factory=list)

    @property
    def wer(self) -> float:
        return float(jiwer.wer(self.references, self.hypotheses, reference_transform=NORMALIZE,
                               hypothesis_transform=NORMALIZE))


def clips(limit: int | None) -> list[Clip]:
    references = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        m = re.match(r"<s> (.*) </s> \((.*)\)", line)
        if m:
            references[m.group(2)] = m.group(1)
    found = [Clip(p.stem, p, references[p.stem]) for p in sorted(LIBRIVOX.glob("*.wav")) if p.stem in references]
    found = found[:limit] if limit else found
    return found + [Clip("demo mix", DEMO_RECORDING, " ".join(three_utterances_transcript()))]


def speech_ends(path: Path) -> list[float]:
    """Where each stretch of speech ends (seconds), by Silero VAD over the whole recording."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    audio, rate = soundfile.read(str(path), dtype="float32")
    assert rate == 16000
    spans = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=400, speech_pad_ms=0))
    return [span["end"] / rate for span in spans]


def engine_for(name: str) -> SpeechToText:
    if name == "pocketsphinx":
        return PocketsphinxRecognizer(defaults(PocketsphinxOptions))
    model = name.split(":", 1)[1]
    return WhisperRecognizer(model, defaults(WhisperOptions), "en-US")


async def hear(engine: SpeechToText, clip: Clip, result: Result) -> None:
    pcm, rate = soundfile.read(str(clip.path), dtype="int16")
    assert rate == 16000 and pcm.ndim == 1
    data = pcm.tobytes()
    ends = speech_ends(clip.path)
    fed = {"end": 0.0, "asked": 0.0}

    async def frames() -> AsyncIterator[AudioFrame]:
        for offset in range(0, len(data), FRAME):
            frame = AudioFrame(data[offset:offset + FRAME], 16000, 1, offset / 32000)
            fed["end"], fed["asked"] = frame.end, time.perf_counter()
            yield frame

    finals = []
    began = time.perf_counter()
    async for transcript in engine.transcribe(frames()):
        if transcript.final:
            finals.append(transcript.text)
            past = [e for e in ends if e <= fed["end"]]
            if past:
                result.latencies.append(fed["end"] - past[-1] + time.perf_counter() - fed["asked"])
    result.busy += time.perf_counter() - began
    result.audio += len(data) / 32000
    result.hypotheses.append(" ".join(finals))
    result.references.append(clip.reference)


async def measure(engines: list[str], chosen: list[Clip]) -> list[Result]:
    results = []
    for name in engines:
        engine = engine_for(name)
        await engine.start()  # the model loads outside the measure
        result = Result(name)
        for clip in chosen:
            await hear(engine, clip, result)
        await engine.aclose()
        results.append(result)
    return results


def pipeline_rtf() -> float:
    from bench.offline_rtf import run

    with tempfile.TemporaryDirectory() as folder:
        run(Path(folder))  # warm-up
        wall, seconds, _ = run(Path(folder))
    return wall / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", nargs="+", default=["pocketsphinx", "whisper:tiny.en", "whisper:base"])
    parser.add_argument("--clips", type=int, default=None, help="only the first N LibriVox clips (and the mix)")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the whole-pipeline RTF")
    args = parser.parse_args()
    chosen = clips(args.clips)
    words = sum(len(c.reference.split()) for c in chosen)
    print(f"{len(chosen)} recordings, {words} words")
    results = asyncio.run(measure(args.engines, chosen))
    print(f"{'engine':18} {'WER':>7} {'RTF':>6} {'final p50':>10} {'final p95':>10}")
    keys = []
    for r in results:
        p50 = statistics.median(r.latencies) if r.latencies else float("nan")
        p95 = float(np.percentile(r.latencies, 95)) if r.latencies else float("nan")
        print(f"{r.engine:18} {100 * r.wer:6.1f}% {r.busy / r.audio:6.3f} {p50:9.3f}s {p95:9.3f}s")
        key = r.engine.replace("whisper:", "whisper_")
        keys += [f"wer_{key}={r.wer:.4f}", f"rtf_{key}={r.busy / r.audio:.3f}", f"final_p50_{key}={p50:.3f}"]
    for r in results:
        for ref, hyp in zip(r.references, r.hypotheses, strict=True):
            if NORMALIZE(ref) != NORMALIZE(hyp):
                print(f"  {r.engine}: {hyp!r}  (said: {ref!r})")
    if not args.no_pipeline:
        rtf = pipeline_rtf()
        print(f"offline demo pipeline (speech-to-text + 3 targets): RTF {rtf:.3f}")
        keys.append(f"pipeline_rtf={rtf:.3f}")
    print(" ".join(keys))


if __name__ == "__main__":
    main()
