"""Listener load: 32 languages and their listeners on the run's own page, over WebSockets on loopback, against
the emulator with realistic service latencies (bench/fanout.py's workload: Translate 150 ms, Polly 200 ms to the
first byte, an utterance every 2.5 s).

Each round runs the fan-out twice, without listeners and with them, and reports:
- the pipeline's first-audio latency (final transcript -> first audio byte at a target's sink) with listeners
  over without (goal <= 1.10): serving listeners must not slow the translation;
- delivery lag: from a block of a language's AAC stream being encoded (the 24-byte header carries the wall
  clock of that moment) to a listener receiving it, p50/p95/p99 over every frame every listener received
  (goal p95 <= 300 ms);
- bytes per listener per second: what a phone on mobile data pays (goal <= 4,000: 32 kbit/s);
- dropped listeners (refused, or closed before the end-of-broadcast message) and listeners moved to the live
  edge because they fell behind;
- the runner's RSS, sampled through each run (peak), with and without listeners.

The listeners are WebSocket clients in a process of their own (aiohttp), as phones would be machines of their
own. With the runner on one core and the emulator on the other (as in bench/fanout.py), the clients share the
emulator's core by default: they stand in for other machines, and this only slows the emulator, which makes the
ratio worse, not better. ``--shared-cores`` lets everything share both cores.

    .venv/bin/python -m bench.listeners                       # 32 languages, 100 listeners spread over them
    .venv/bin/python -m bench.listeners --per-language 100    # 100 listeners on every language (3200)

The last line is machine-readable: listeners_first_audio_ratio=... lag_p95_ms=... dropped=...
bytes_per_listener_s=... rss_mib=...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.fanout import knobs, polyglot_run, targets
from runner.events import Event, SessionEvent
from runner.outputs.listeners.connection import HEADER, MEDIA
from tests.support.emulator_process import EmulatorProcess, isolate
from tests.support.measures import percentile, rss_mib

WARMUP = 2  # utterances spoken and not counted: connections, streams and the listeners settle


# -- the listeners (their own process) ---------------------------------------------------------------------
async def listener(http: aiohttp.ClientSession, url: str, language: str, tally: dict[str, Any]) -> None:
    """One listener for the whole broadcast: its delivery lags, whether it was moved to the live edge, and
    whether it saw the end."""
    try:
        async with http.ws_connect(f"{url}ws?lang={language}", max_msg_size=0, heartbeat=None) as ws:
            tally["connected"] += 1
            connected = time.time()
            first = last = None
            async for message in ws:
                if message.type == aiohttp.WSMsgType.BINARY:
                    kind, _, _, made_at_ms = HEADER.unpack_from(message.data)
                    now = time.time()
                    if kind == MEDIA:
                        tally["lags"].append(now * 1000 - made_at_ms)
                    first, last = first or now, now
                    tally["bytes"] += len(message.data)
                elif message.type == aiohttp.WSMsgType.TEXT:
                    tally["bytes"] += len(message.data.encode())
                    kind = json.loads(message.data).get("type")
                    if kind == "skipped":
                        tally["skipped"] += 1
                    elif kind == "end":
                        tally["ended"] += 1
                        tally["seconds"] += (last - first) if first and last else 0.0
                        return
            tally["dropped"] += 1  # closed without the end of the broadcast
            silent = time.time() - (last or connected)
            tally["why"].append(f"closed {ws.close_code} {ws.exception()!r} after {time.time() - connected:.0f} s, "
                                f"{silent:.1f} s after its last frame")
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        tally["dropped"] += 1
        tally["why"].append(repr(exc))


async def listeners(url: str, languages: list[str], count: int, ready: Path) -> dict[str, Any]:
    tally: dict[str, Any] = {"connected": 0, "ended": 0, "dropped": 0, "skipped": 0, "bytes": 0, "seconds": 0.0,
                             "lags": [], "why": []}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        tasks = [asyncio.create_task(listener(http, url, languages[i % len(languages)], tally))
                 for i in range(count)]
        began = time.monotonic()
        while tally["connected"] + tally["dropped"] < count and time.monotonic() - began < 60:
            await asyncio.sleep(0.05)
        ready.write_text(f"{time.monotonic() - began:.3f}")
        await asyncio.gather(*tasks)
    return tally


def clients_main(url: str, languages: str, count: int, ready: str, result: str) -> None:
    tally = asyncio.run(listeners(url, languages.split(","), count, Path(ready)))
    Path(result).write_text(json.dumps(tally))


# -- the benchmark -----------------------------------------------------------------------------------------
class RssSampler:
    """The runner's RSS every 100 ms, in a thread: the peak of one run."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.1):
            self.peak = max(self.peak, rss_mib())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


class Clients:
    """The listener process: started once the page is up (the session says where), read when the run ends."""

    def __init__(self, folder: Path, languages: list[str], count: int, cpus: set[int] | None) -> None:
        self.folder = folder
        self.languages = languages
        self.count = count
        self.cpus = cpus
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready = folder / "clients.ready"
        self.result = folder / "clients.json"

    def observe(self, event: Event) -> None:
        if isinstance(event, SessionEvent) and event.state == "started" and self.proc is None:
            url = event.detail["listen"][0].split(": ", 1)[1]
            code = (f"from bench.listeners import clients_main; clients_main({url!r}, "
                    f"{','.join(self.languages)!r}, {self.count}, {str(self.ready)!r}, {str(self.result)!r})")
            self.proc = subprocess.Popen([sys.executable, "-c", code])
            if self.cpus:
                os.sched_setaffinity(self.proc.pid, self.cpus)

    def collect(self) -> dict[str, Any]:
        if self.proc is None:
            raise SystemExit("the run never said where its listener page is")
        self.proc.wait(120)
        if not self.result.exists():
            raise SystemExit(f"the listener process failed (exit {self.proc.returncode})")
        tally: dict[str, Any] = json.loads(self.result.read_text())
        tally["connect_seconds"] = float(self.ready.read_text()) if self.ready.exists() else float("nan")
        return tally


def one_round(n: int, count: int, utterances: int, folder: Path, client_cpus: set[int] | None) \
        -> tuple[list[float], float, list[float], float, dict[str, Any]]:
    """Without listeners, then with them: first-audio latencies and peak RSS of each, and the listeners' tally."""
    with RssSampler() as alone:
        without = polyglot_run(n, utterances, folder, warmup=WARMUP)
    clients = Clients(folder, [language for language, _ in targets(n)], count, client_cpus)
    page = f"{{type: listeners, port: 0, max_listeners: {max(count, 1)}, transcript: false}}"
    with RssSampler() as serving:
        with_listeners = polyglot_run(n, utterances, folder, warmup=WARMUP, outputs=(page,),
                                      observe_too=clients.observe)
    return without, alone.peak, with_listeners, serving.peak, clients.collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, default=32, help="languages (default 32)")
    parser.add_argument("--listeners", type=int, default=100, help="listeners in all, spread over the languages")
    parser.add_argument("--per-language", type=int, help="listeners on every language instead (N x languages)")
    parser.add_argument("--utterances", type=int, default=15, help="counted utterances per run")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of (without, with); medians are reported")
    parser.add_argument("--shared-cores", action="store_true",
                        help="let the runner, the emulator and the listeners share every core")
    args = parser.parse_args()
    count = args.per_language * args.targets if args.per_language else args.listeners
    ratios: list[float] = []
    lags: list[float] = []
    tallies: list[dict[str, Any]] = []
    peaks: list[tuple[float, float]] = []
    with EmulatorProcess(knobs()) as emulator, tempfile.TemporaryDirectory() as name:
        os.environ.update(emulator.env)
        client_cpus: set[int] | None = None
        if args.shared_cores:
            print("cores: shared (as asked)", flush=True)
        else:
            print("cores: " + isolate(emulator) + "; listeners share the emulator's core", flush=True)
            cpus = sorted(os.sched_getaffinity(0) | os.sched_getaffinity(emulator.pid or 0))
            client_cpus = {cpus[-1]} if len(cpus) > 1 else None
        print(f"{args.targets} languages, {count} listeners, {args.utterances} utterances per run", flush=True)
        for r in range(args.rounds):
            folder = Path(name) / f"round-{r}"
            folder.mkdir()
            without, rss_without, with_listeners, rss_with, tally = one_round(
                args.targets, count, args.utterances, folder, client_cpus)
            ratio = statistics.median(with_listeners) / statistics.median(without)
            ratios.append(ratio)
            lags += tally["lags"]
            tallies.append(tally)
            peaks.append((rss_without, rss_with))
            frame_lags = tally["lags"]
            print(f"round {r + 1}: first audio p50 {statistics.median(without) * 1000:.0f} ms without listeners, "
                  f"{statistics.median(with_listeners) * 1000:.0f} ms with (ratio {ratio:.3f}); p95 "
                  f"{percentile(without, 0.95) * 1000:.0f} / {percentile(with_listeners, 0.95) * 1000:.0f} ms; "
                  f"delivery lag p50 {percentile(frame_lags, 0.5):.1f} ms p95 {percentile(frame_lags, 0.95):.1f} "
                  f"ms p99 {percentile(frame_lags, 0.99):.1f} ms over {len(frame_lags)} frames; "
                  f"{tally['connected']}/{count} connected in {tally['connect_seconds']:.1f} s, "
                  f"{tally['ended']} saw the end, {tally['dropped']} dropped, {tally['skipped']} moved to the live "
                  f"edge; {tally['bytes'] / max(1e-9, tally['seconds']):.0f} bytes per listener per second; "
                  f"runner RSS peak {rss_without:.0f} MiB without, {rss_with:.0f} MiB with"
                  + (f"; dropped because: {'; '.join(sorted(set(tally['why'])))}" if tally["why"] else ""),
                  flush=True)
    ratio = statistics.median(ratios)
    dropped = sum(t["dropped"] for t in tallies)
    skipped = sum(t["skipped"] for t in tallies)
    rss = max(with_ for _, with_ in peaks)
    rate = sum(t["bytes"] for t in tallies) / max(1e-9, sum(t["seconds"] for t in tallies))
    spread = f" (rounds: {', '.join(f'{r:.3f}' for r in ratios)})" if len(ratios) > 1 else ""
    print(f"first-audio ratio with/without listeners: {ratio:.3f}{spread}; delivery lag p50 "
          f"{percentile(lags, 0.5):.1f} ms, p95 {percentile(lags, 0.95):.1f} ms, p99 {percentile(lags, 0.99):.1f} ms; "
          f"dropped {dropped}; moved to the live edge {skipped}; {rate:.0f} bytes per listener per second "
          f"({rate * 8 / 1000:.1f} kbit/s); runner RSS {rss:.0f} MiB "
          f"(without listeners {max(w for w, _ in peaks):.0f} MiB)")
    print(f"listeners_first_audio_ratio={ratio:.3f} lag_p50_ms={percentile(lags, 0.5):.1f} "
          f"lag_p95_ms={percentile(lags, 0.95):.1f} lag_p99_ms={percentile(lags, 0.99):.1f} dropped={dropped} "
          f"skipped={skipped} listeners={count} languages={args.targets} bytes_per_listener_s={rate:.0f} "
          f"rss_mib={rss:.0f}")


if __name__ == "__main__":
    main()
