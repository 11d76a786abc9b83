"""The leak checks see what they are meant to see: a task, a thread, a file, a process, a TCP connection."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading

from tests.support.leaks import Resources, left_behind, tcp_connections


def test_what_is_left_behind_is_named(tmp_path):
    async def main() -> list[str]:
        before = Resources.now()
        asyncio.create_task(asyncio.sleep(30), name="forgotten")
        release = threading.Event()
        threading.Thread(target=release.wait, name="forgotten-thread", daemon=True).start()
        file = (tmp_path / "forgotten.txt").open("w")
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            return await left_behind(before, settle=0.2)
        finally:
            release.set()
            file.close()
            child.kill()
            child.wait()

    found = asyncio.run(main())
    assert any(line.startswith("task forgotten") for line in found), found
    assert any(line.startswith("thread forgotten-thread") for line in found), found
    assert any(line.endswith("forgotten.txt") for line in found), found
    assert any(line.startswith("process ") and "time.sleep(30)" in line for line in found), found
    assert len(found) == 4, found


def test_what_ends_by_itself_is_not_a_leak():
    async def main() -> list[str]:
        before = Resources.now()
        threading.Thread(target=lambda: threading.Event().wait(0.2), daemon=True).start()
        return await left_behind(before)

    assert asyncio.run(main()) == []


def test_an_open_connection_is_seen_on_both_sides():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        try:
            both = tcp_connections(port, settle=0)
            assert len(both) == 2 and all(line.endswith("ESTABLISHED") for line in both), both
        finally:
            client.close()
            accepted.close()
        assert tcp_connections(port, settle=1) == []  # closed: at most in TIME_WAIT
