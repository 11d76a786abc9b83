"""What a run left behind: asyncio tasks still pending, threads still running, file descriptors still open,
child processes still alive (or not reaped). Linux: file descriptors and processes are read from /proc.

Take ``Resources.now()`` before the run and ask ``left_behind(before)`` after it, in the same event loop: it
gives things a moment to finish (a daemon thread that sees its stop flag, a TLS close that takes a round trip)
and then names what is still there, one line each. ``left_by_interrupted_run`` does all of it for a run
stopped at a chosen moment.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from runner.runtime.build import Pipeline
from tests.support.sessions import Moment, interrupt

SETTLE_SECONDS = 2.0
TASK_TURNS = 5


@dataclass(frozen=True)
class Resources:
    tasks: frozenset[asyncio.Task[object]]
    threads: frozenset[threading.Thread]
    fds: frozenset[tuple[int, str]]  # (descriptor, what it is open on)
    children: frozenset[int]  # every process descended from this one

    @classmethod
    def now(cls) -> Resources:
        try:
            tasks = frozenset(asyncio.all_tasks())
        except RuntimeError:  # no running event loop
            tasks = frozenset()
        return cls(tasks, frozenset(threading.enumerate()), frozenset(open_fds().items()),
                   frozenset(descendants()))

    def since(self, before: Resources) -> list[str]:
        """What is here now that was not ``before``, described."""
        current = asyncio.current_task() if _loop_running() else None
        sockets = _sockets()
        found = [f"task {t.get_name()}: {t.get_coro()!r}" for t in self.tasks - before.tasks
                 if t is not current and not t.done()]
        found += [f"thread {t.name} (daemon={t.daemon})" for t in self.threads - before.threads if t.is_alive()]
        found += [f"fd {fd} -> {sockets.get(target, target)}" for fd, target in sorted(self.fds - before.fds)]
        found += [f"process {pid}: {_describe_process(pid)}" for pid in sorted(self.children - before.children)]
        return found


async def left_behind(before: Resources, settle: float = SETTLE_SECONDS) -> list[str]:
    """What is here now that was not ``before``. Tasks are looked at once the event loop has had a few turns
    (a task cancelled just before the run returned needs one to end): a task still pending then was left to
    run on. Threads, descriptors and processes may take up to ``settle`` seconds to go (a daemon thread sees
    its stop flag, a TLS close takes a round trip, a killed process is reaped)."""
    for _ in range(TASK_TURNS):
        await asyncio.sleep(0)
    tasks = [line for line in Resources.now().since(before) if line.startswith("task ")]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settle
    while True:
        others = [line for line in Resources.now().since(before) if not line.startswith("task ")]
        if not others or loop.time() >= deadline:
            return tasks + others
        await asyncio.sleep(0.05)


def left_by_interrupted_run(pipeline: Pipeline, moment: Moment, how: Literal["cancel", "hard-stop"]) -> list[str]:
    """Run ``pipeline`` in a new event loop, stop it at ``moment`` (see tests.support.sessions.interrupt), and
    say what it left behind."""

    async def main() -> list[str]:
        before = Resources.now()
        await interrupt(pipeline, moment, how)
        return await left_behind(before)

    return asyncio.run(main())


def assert_interrupted_run_leaves_nothing(pipeline: Pipeline, moment: Moment,
                                         how: Literal["cancel", "hard-stop"]) -> None:
    left = left_by_interrupted_run(pipeline, moment, how)
    assert not left, "left behind:\n" + "\n".join(left)


def open_fds() -> dict[int, str]:
    """This process's open file descriptors and what each is open on (a path, socket:[inode], pipe:[inode])."""
    out: dict[int, str] = {}
    folder = Path("/proc/self/fd")
    for name in os.listdir(folder):
        try:
            target = os.readlink(folder / name)
        except OSError:  # closed meanwhile, e.g. the descriptor listdir used
            continue
        if target != f"/proc/{os.getpid()}/fd":
            out[int(name)] = target
    return out


def descendants(pid: int | None = None) -> set[int]:
    """Every process whose parent, grandparent... is ``pid`` (this process by default), zombies included."""
    root = os.getpid() if pid is None else pid
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                parents[int(entry)] = int(stat[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def tcp_connections(port: int, settle: float = SETTLE_SECONDS) -> list[str]:
    """This machine's TCP connections from or to ``port`` still open after up to ``settle`` seconds, as
    'local -> remote STATE': both sides of every connection to a server on that port (an emulator in a process of
    its own). Listening sockets, and closed connections waiting out TIME_WAIT, are left out."""
    deadline = time.monotonic() + settle
    while True:
        found = [f"{_address(row[1])} -> {_address(row[2])} {_TCP_STATES.get(row[3], row[3])}"
                 for row in _tcp_lines() if row[3] not in ("0A", "06") and port in (_port(row[1]), _port(row[2]))]
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


_TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
               "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN",
               "0B": "CLOSING"}


def _tcp_lines() -> list[list[str]]:
    rows = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows += [line.split() for line in Path(table).read_text().splitlines()[1:]]
        except OSError:
            continue
    return rows


def _sockets() -> dict[str, str]:
    """socket:[inode] -> 'tcp local -> remote STATE', for the TCP sockets of this machine."""
    return {f"socket:[{row[9]}]": f"tcp {_address(row[1])} -> {_address(row[2])} {_TCP_STATES.get(row[3], row[3])}"
            for row in _tcp_lines()}


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def _address(address: str) -> str:
    host, port = address.rsplit(":", 1)
    if len(host) == 8:  # IPv4, little-endian hex
        host = ".".join(str(int(host[i:i + 2], 16)) for i in (6, 4, 2, 0))
    return f"{host}:{int(port, 16)}"


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name: state, ppid, ..."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def _describe_process(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        command = "?"
    stat = _stat(pid)
    state = stat[0] if stat else "?"
    return f"{command or '(no command line)'} [state {state}{': a zombie, never reaped' if state == 'Z' else ''}]"


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
