"""Simultaneous interpretation: `mode: final` against `mode: simultaneous` on one long talk, side by side, against
the emulator with realistic service latencies: Transcribe partials as words are said (every word, and every
0.25 s) with stability flags, its final 0.6 s after the sentence plus 0.1 s, Translate 150 ms, Polly 200 ms to
the first byte. Six languages whose speech runs longer than the speaker's: the emulated Translate makes each text
25 % longer (words said twice), and espeak-ng speaks it through the emulated Polly.

The talk is a played-in-real-time source of sentences of varying length (some over 15 s), each a burst of sound
that the emulator's scripted Transcribe hears as the sentence, word by word. What a listener hears is modelled per
language: each chunk of audio plays after the one before it, from when it arrives.

Per language and mode it prints:
- ear-voice span (from a source word being said to its translation being heard), p50 and p95 over every word;
- for each sentence longer than 6 s, the time from its end to its first translated audio (negative: before the
  sentence ended), median and worst;
- the lag at the end of the talk (the last translated audio heard, after the last word said);
- utterances (segments) dropped; and the speech/source ratio (how much longer the language's speech runs).

    .venv/bin/python -m bench.simultaneous                  # 32 sentences (about 6 minutes per mode)
    .venv/bin/python -m bench.simultaneous --sentences 4    # a smoke run

The last line is machine-readable: simultaneous_evs_p95_s=... first_audio_before_end=... ...
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.fanout import POLLY_FIRST_BYTE, POLLY_PER_CHUNK, TRANSLATE_LATENCY
from runner.events import AudioEvent, Event, NoticeEvent, Utterance
from runner.frames import AudioFrame
from runner.io.sources.base import AudioSource
from runner.runtime.session import Session
from tests.support.emulator_process import EmulatorProcess, isolate
from tests.support.measures import percentile
from tests.support.sessions import pipeline_for
from tests.support.sources import FRAME, RATE, tone

WORDS_PER_SECOND = 2.8  # the speaker's pace (170 words a minute)
EXPANSION = 1.25  # translations have 25 % more words than the source (Spanish, German: 20-30 % longer)
GAP = 1.0  # between sentences (the recognizer ends an utterance after 0.6 s of quiet)
TRANSCRIBE_DELAY = 0.1  # the service's delay on each result
LONG = 6.0  # sentences longer than this should be heard before they end
MAX_LAG, HARD_LAG = 3.0, 10.0
LANGUAGES = [("es-ES", "Lucia"), ("de-DE", "Vicki"), ("fr-FR", "Lea"), ("it-IT", "Bianca"), ("pt-BR", "Camila"),
             ("nl-NL", "Laura")]
VOCABULARY = ("the committee agreed that our plan for the new library would need more time and money before "
              "anyone could start building it in the spring while the old one stays open for students and "
              "readers who come every day from the villages around the town").split()


def talk(sentences: int, seed: int = 14) -> list[str]:
    """Sentences of 6 to 60 words (2 to 20 s), with a clause break every 4 to 10 words; every fourth is long."""
    rng = random.Random(seed)
    out = []
    for i in range(sentences):
        n = rng.randint(48, 60) if i % 4 == 1 else rng.randint(6, 30)
        words, clause = [], rng.randint(4, 10)
        for j in range(n):
            words.append(rng.choice(VOCABULARY))
            clause -= 1
            if clause == 0 and j < n - 3:
                words[-1] += ","
                clause = rng.randint(4, 10)
        out.append(" ".join(words).capitalize() + ".")
    return out


class Talk(AudioSource):
    """The talk, played in real time: each sentence a burst of its own pitch, as long as it takes to say."""

    def __init__(self, sentences: list[str], pitch: float = 220.0) -> None:
        super().__init__(RATE)
        self.pitch = pitch
        self.spans: list[tuple[float, float]] = []  # stream seconds of each sentence
        self.began: float | None = None  # loop time of the first frame
        position = GAP / 2
        for text in sentences:
            seconds = len(text.split()) / WORDS_PER_SECOND
            self.spans.append((position, position + seconds))
            position += seconds + GAP
        self.seconds = position

    def describe(self) -> str:
        return f"a talk of {len(self.spans)} sentences ({self.seconds:.0f} s)"

    def stop(self) -> None:
        pass

    def _samples(self) -> np.ndarray:
        out = np.zeros(int(self.seconds * RATE), dtype="<i2")
        for i, (start, end) in enumerate(self.spans):
            burst = tone(end - start, self.pitch + 7 * i)
            out[int(start * RATE):int(start * RATE) + len(burst)] = burst
        return out

    async def frames(self) -> AsyncIterator[AudioFrame]:
        loop = asyncio.get_running_loop()
        samples = self._samples()
        self.began = loop.time()
        for offset in range(0, len(samples), FRAME):
            await asyncio.sleep(max(0.0, self.began + offset / RATE - loop.time()))
            yield AudioFrame(samples[offset:offset + FRAME].tobytes(), RATE, 1, offset / RATE)


@dataclass
class Heard:
    """One language's audio as a listener hears it: each chunk after the one before, from when it arrives."""

    cursor: float = 0.0
    spans: dict[str, list[float]] = field(default_factory=dict)  # utterance id -> [first heard, last heard]
    utterances: dict[str, Utterance] = field(default_factory=dict)
    seconds: float = 0.0
    dropped: int = 0

    def chunk(self, event: AudioEvent) -> None:
        seconds = event.format.seconds(len(event.data)) or 0.0
        start = max(event.at, self.cursor)
        self.cursor = start + seconds
        self.seconds += seconds
        span = self.spans.setdefault(event.utterance.id, [start, start])
        span[1] = self.cursor
        self.utterances[event.utterance.id] = event.utterance


def config(mode: str, folder: Path, knobs: str = "") -> Path:
    lines = ["version: 1", "language: en-US", f"mode: {mode}", "source: {type: microphone}",
             "speech_to_text: {provider: transcribe, partial_results_stabilization: true}",
             "translation: {provider: translate}", "text_to_speech: {provider: polly}",
             "targets:"]
    if mode == "simultaneous":
        lines.insert(3, f"simultaneous: {{max_lag: {MAX_LAG}, hard_lag: {HARD_LAG}{', ' + knobs if knobs else ''}}}")
    for language, voice in LANGUAGES:
        lines.append(f"  - {{language: {language}, voice: {voice}, engine: generative, "
                     f"sinks: [{{type: audio_file, path: {language}.pcm}}]}}")
    path = folder / f"{mode}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def knobs(sentences: list[str]) -> dict[str, object]:
    return {"any_engine": True, "transcribe_script": sentences * 2, "transcribe_words_per_second": WORDS_PER_SECOND,
            "translate_expansion": EXPANSION,
            "latency": {"translate": {"first_byte": TRANSLATE_LATENCY},
                        "transcribe.stream": {"first_byte": TRANSCRIBE_DELAY},
                        "polly.stream": {"first_byte": POLLY_FIRST_BYTE, "per_chunk": POLLY_PER_CHUNK}}}


def run(mode: str, sentences: list[str], folder: Path, round_: int, knobs: str = "") \
        -> tuple[Talk, dict[str, Heard], float]:
    """One mode over the talk. Each round's talk sounds a little different (its own pitches), so the emulator's
    scripted Transcribe hears it as new speech and gives it the next copy of the script."""
    source = Talk(sentences, pitch=220.0 + 3 * round_)
    heard = {language: Heard() for language, _ in LANGUAGES}
    offset = [0.0]  # loop time of session second 0

    def observe(event: Event) -> None:
        offset[0] = asyncio.get_running_loop().time() - event.at
        if isinstance(event, AudioEvent):
            heard[event.scope].chunk(event)
        elif isinstance(event, NoticeEvent) and event.code == "dropped" and event.scope in heard:
            heard[event.scope].dropped += 1

    pipeline = pipeline_for(config(mode, folder, knobs), folder / mode, source)
    asyncio.run(Session(pipeline, observers=[observe]).run())
    assert source.began is not None
    return source, heard, source.began - offset[0]  # session second at which the talk began


def word_number(uid: str) -> int:
    return int(re.match(r"u(\d+)", uid).group(1)) - 1  # type: ignore[union-attr]


EMPTY = ("evs_p50", "evs_p95", "long_p50", "long_max", "end_lag", "dropped", "ratio")


def measure(source: Talk, heard: Heard, talk_began: float) -> dict[str, float]:
    """Ear-voice span, first audio of long sentences against their end, the lag at the end, drops."""
    spans, firsts = [], {}
    for uid, (first, last) in heard.spans.items():
        u = heard.utterances[uid]
        n = max(1, len(u.text.split()))
        for i in range(n):  # words evenly over the source span and over the heard span
            said = talk_began + u.start + (u.end - u.start) * (i + 0.5) / n
            spans.append(first + (last - first) * (i + 0.5) / n - said)
        for part in uid.split("+"):
            k = word_number(part)
            firsts[k] = min(firsts.get(k, math.inf), first)
    long_ones = [firsts[k] - (talk_began + end) for k, (start, end) in enumerate(source.spans)
                 if end - start > LONG and k in firsts]
    end_of_talk = talk_began + source.spans[-1][1]
    speech = sum(end - start for start, end in source.spans)
    return {"evs_p50": percentile(spans, 0.5), "evs_p95": percentile(spans, 0.95),
            "long_p50": percentile(long_ones, 0.5), "long_max": max(long_ones, default=math.nan),
            "end_lag": max(last for _, last in heard.spans.values()) - end_of_talk if heard.spans else math.nan,
            "dropped": heard.dropped, "ratio": heard.seconds / speech}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=32)
    parser.add_argument("--knobs", default="", help="more simultaneous settings, e.g. 'max_words: 6, min_words: 3'")
    parser.add_argument("--probe", action="store_true", help="simultaneous mode only (to try settings quickly; "
                        "the final columns are left empty)")
    args = parser.parse_args()
    sentences = talk(args.sentences)
    results: dict[str, dict[str, dict[str, float]]] = {}
    with EmulatorProcess(knobs(sentences)) as emulator, tempfile.TemporaryDirectory() as folder:
        os.environ.update(emulator.env)
        print("cores: " + isolate(emulator), flush=True)
        for round_, mode in enumerate(("final", "simultaneous")):
            if mode == "final" and args.probe:
                results[mode] = {language: dict.fromkeys(EMPTY, math.nan) for language, _ in LANGUAGES}
                continue
            source, heard, began = run(mode, sentences, Path(folder), round_, args.knobs)
            results[mode] = {language: measure(source, h, began) for language, h in heard.items()}
    print(f"talk: {len(sentences)} sentences, {source.seconds:.0f} s, "
          f"{sum(1 for s, e in source.spans if e - s > LONG)} over {LONG:g} s, "
          f"{sum(1 for s, e in source.spans if e - s > 15)} over 15 s; max_lag {MAX_LAG:g} s, hard_lag {HARD_LAG:g} s")
    print(f"{'':8}{'ear-voice p50/p95 (s)':>26}{'long: end->first audio p50/max (s)':>38}{'end lag (s)':>16}"
          f"{'dropped':>12}{'speech/source':>16}")
    for language, _ in LANGUAGES:
        f, s = results["final"][language], results["simultaneous"][language]
        print(f"{language:8}{f['evs_p50']:6.2f}/{f['evs_p95']:5.2f} | {s['evs_p50']:5.2f}/{s['evs_p95']:5.2f}"
              f"{f['long_p50']:13.2f}/{f['long_max']:5.2f} | {s['long_p50']:5.2f}/{s['long_max']:5.2f}"
              f"{f['end_lag']:9.2f} | {s['end_lag']:5.2f}{f['dropped']:6.0f} | {s['dropped']:3.0f}"
              f"{f['ratio']:9.2f} | {s['ratio']:4.2f}")
    print("(each column: final | simultaneous)")
    sim = results["simultaneous"].values()
    evs95 = max(r["evs_p95"] for r in sim)
    before = all(r["long_max"] < 0 for r in sim)
    end_lag = max(r["end_lag"] for r in sim)
    dropped = sum(r["dropped"] for r in sim)
    final_evs95 = max(r["evs_p95"] for r in results["final"].values())
    print(f"simultaneous_evs_p95_s={evs95:.2f} final_evs_p95_s={final_evs95:.2f} first_audio_before_end={before} "
          f"end_lag_max_s={end_lag:.2f} max_lag_s={MAX_LAG:g} dropped={dropped:.0f}")


if __name__ == "__main__":
    main()
