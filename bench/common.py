"""What the benchmarks share: a synthetic speaker, process memory, and percentiles."""

from __future__ import annotations

import asyncio
import math
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import yaml

from runner.frames import AudioFrame
from runner.io.sources.base import AudioSource

RATE = 16000
FRAME = 1600  # 100 ms


class SyntheticSpeaker(AudioSource):
    """``utterances`` bursts of sound, each different (its own pitch and length), separated by pauses: speech as
    the emulator's scripted recognizer hears it, generated on the fly so an hour needs no file."""

    def __init__(self, utterances: int, burst: float = 1.5, pause: float = 3.5, speed: float = 0.0) -> None:
        super().__init__(RATE)
        self.utterances = utterances
        self.burst = burst
        self.pause = pause
        self.speed = speed  # times real time; 0: as fast as it is read
        self._stopped = False

    @property
    def seconds(self) -> float:
        return self.utterances * (self.burst + self.pause)

    def starts(self) -> list[float]:
        return [i * (self.burst + self.pause) + self.pause / 2 for i in range(self.utterances)]

    def describe(self) -> str:
        return f"synthetic speaker, {self.utterances} utterances ({self.seconds / 60:.0f} min)"

    def stop(self) -> None:
        self._stopped = True

    def _utterance(self, i: int) -> np.ndarray:
        n = int((self.burst + 0.001 * (i // 40)) * RATE)
        t = np.arange(n) / RATE
        return (0.3 * np.sin(2 * math.pi * (250 + 8 * (i % 40)) * t) * 32767).astype("<i2")

    async def frames(self) -> AsyncIterator[AudioFrame]:
        loop = asyncio.get_running_loop()
        began = loop.time()
        position = 0
        silence = np.zeros(int(self.pause / 2 * RATE), dtype="<i2")
        for i in range(self.utterances):
            if self._stopped:
                break
            block = np.concatenate([silence, self._utterance(i), silence])
            for offset in range(0, len(block), FRAME):
                chunk = block[offset:offset + FRAME]
                start = position / RATE
                if self.speed:
                    await asyncio.sleep(max(0.0, began + start / self.speed - loop.time()))
                else:
                    await asyncio.sleep(0)
                yield AudioFrame(chunk.tobytes(), RATE, 1, start)
                position += len(chunk)


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    xs = sorted(values)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def pin(pid: int, cpus: set[int]) -> None:
    """Every thread of process ``pid`` (and the threads it starts later) onto ``cpus``."""
    for task in os.listdir(f"/proc/{pid}/task"):
        os.sched_setaffinity(int(task), cpus)


def isolate(emulator: EmulatorProcess) -> str:
    """Give the emulator a core of its own and the runner the others, as a remote service would be: the
    emulator's own CPU (TLS, HTTP/2, espeak-ng synthesis for every voice) then does not compete with the
    runner, which in turn gets no help from that core. Says what it did."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or emulator.pid is None:
        return f"shared: {len(cpus)} core(s), runner and emulator compete for them"
    pin(emulator.pid, {cpus[-1]})
    pin(os.getpid(), set(cpus[:-1]))
    return f"isolated: emulator on core {cpus[-1]}, runner on core(s) {', '.join(map(str, cpus[:-1]))}"


class EmulatorProcess:
    """The AWS emulator in its own process, as a real service would be: its CPU work (TLS, HTTP/2, espeak-ng)
    does not share the runner's interpreter. ``env`` points the SDKs at it."""

    def __init__(self, knobs: dict[str, object]) -> None:
        self.knobs = knobs
        self.env: dict[str, str] = {}
        self._folder = tempfile.TemporaryDirectory()
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> EmulatorProcess:
        folder = Path(self._folder.name)
        (folder / "knobs.yaml").write_text(yaml.safe_dump(self.knobs))
        env_file = folder / "env"
        self._proc = subprocess.Popen([sys.executable, "-m", "runner", "emulator", "--port", "0", "--knobs",
                                       str(folder / "knobs.yaml"), "--env-file", str(env_file)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not env_file.exists():
            if time.monotonic() > deadline or self._proc.poll() is not None:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.05)
        for line in env_file.read_text().splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            self.env[name] = shlex.split(value)[0] if value else ""
        return self

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGINT)
            self._proc.wait(10)
        self._folder.cleanup()
