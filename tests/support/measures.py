"""What the benchmarks measure with: process memory, percentiles and medians of runs, steal time, CPU per thread."""

from __future__ import annotations

import os
import threading


def rss_mib() -> float:
    """This process's resident memory, in MiB (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0 to 1) of ``values``, nearest rank; NaN for none."""
    if not values:
        return float("nan")
    xs = sorted(values)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def median(values: list[float]) -> float:
    """The middle value (the mean of the two middle ones for an even count); NaN for none."""
    if not values:
        return float("nan")
    xs = sorted(values)
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def spread(values: list[float], scale: float = 1.0, digits: int = 0) -> str:
    """'median (min–max)' of several runs' figures, for a report that shows how much they vary."""
    m, lo, hi = (median(values) * scale, min(values) * scale, max(values) * scale)
    return f"{m:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


class StealMeter:
    """The share of CPU time the hypervisor gave to other guests (``steal`` in /proc/stat) between start() and
    share(): on a shared virtual machine a benchmark's figures are only as good as this is small."""

    def __init__(self) -> None:
        self._start: list[int] | None = None

    @staticmethod
    def _read() -> list[int]:
        with open("/proc/stat") as f:
            fields = f.readline().split()[1:]  # user nice system idle iowait irq softirq steal ...
        return [int(x) for x in fields[:8]]

    def start(self) -> StealMeter:
        self._start = self._read()
        return self

    def share(self) -> float:
        """Steal time as a fraction of all CPU time since start() (0 when /proc/stat is not there)."""
        if self._start is None:
            return float("nan")
        now = self._read()
        deltas = [b - a for a, b in zip(self._start, now, strict=True)]
        total = sum(deltas)
        return deltas[7] / total if total else 0.0


def _threads(pid: int | str) -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of each of a process's threads so far, by thread id, with its name (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    # The OS knows this process's Python threads only as "python": name them as threading does.
    names = {t.native_id: t.name for t in threading.enumerate()} if pid == "self" else {}
    out: dict[int, tuple[str, float]] = {}
    task_dir = f"/proc/{pid}/task"
    for tid in os.listdir(task_dir):
        try:
            with open(f"{task_dir}/{tid}/stat") as f:
                stat = f.read()
        except FileNotFoundError:
            continue  # the thread ended while we looked
        name = names.get(int(tid)) or stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(tid)] = (name.rstrip("0123456789_-") or name,  # asyncio_0, asyncio_1... as one
                         (int(fields[11]) + int(fields[12])) / tick)
    return out


class ThreadCpu:
    """CPU seconds per thread name that a process spends inside ``with``: sampled from /proc every
    ``interval`` in a thread of its own, so threads that start and end inside (an executor's) are counted."""

    def __init__(self, pid: int | str = "self", interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self._first: dict[int, tuple[str, float]] = {}
        self._last: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="cpu-sampler", daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._last.update(_threads(self.pid))

    def __enter__(self) -> ThreadCpu:
        self._first = _threads(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._last.update(_threads(self.pid))

    def by_name(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for tid, (name, seconds) in self._last.items():
            if name == "cpu-sampler":
                continue
            spent = seconds - self._first.get(tid, (name, 0.0))[1]
            if spent > 0:
                out[name] = out.get(name, 0.0) + spent
        return out
