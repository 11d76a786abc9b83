"""The AWS emulator in a process of its own, as a real service would be, and the cores it may use."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml


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
    def port(self) -> int:
        return int(self.env["AWS_ENDPOINT_URL_POLLY"].rsplit(":", 1)[1])

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGINT)
            self._proc.wait(10)
        self._folder.cleanup()
