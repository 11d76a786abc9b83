"""The ``icecast`` output against a real Icecast server (Debian's icecast2, started here on loopback with its own
config): a run on the fake engines pushes each language to its own mount, and listeners read the mounts back
over HTTP while the run is live, as any player would."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
import av
import numpy as np
import pytest
import soundfile

from runner.events import Event, NoticeEvent, SessionEvent
from runner.outputs.icecast.encoder import StreamEncoder
from runner.runtime import pacing as pacing_module
from runner.runtime.build import build
from runner.runtime.session import Session
from runner.runtime.status import SessionStatus
from tests.support.cli import assert_no_traceback, polyglot
from tests.support.icecast import IcecastServer, icecast_binary
from tests.support.recordings import tone_bursts
from tests.support.sessions import planned

LINES = ["good morning everyone", "second line", "third line"]
CONFIG = f"""\
version: 1
name: Sunday service
language: en-US
source: {{{{type: file, path: {{rec}}, realtime: true}}}}
speech_to_text: {{{{provider: fake, script: {LINES}}}}}
translation: {{{{provider: fake}}}}
text_to_speech: {{{{provider: fake, seconds_per_character: 0.02}}}}
outputs:
  - {{{{type: icecast, url: "{{url}}", password: "{{password}}", format: {{format}}{{extra}}}}}}
targets:
  - {{{{language: es-ES, sinks: [{{{{type: wav, path: es.wav}}}}]}}}}
  - {{{{language: de-DE, sinks: [{{{{type: wav, path: de.wav}}}}]}}}}
"""
WINDOW = 0.05  # seconds of audio per energy measurement


@pytest.fixture
def icecast():
    if icecast_binary() is None:
        pytest.skip("icecast2 is not installed (Debian package icecast2; scripts/setup test installs it)")
    with IcecastServer() as server:
        yield server


def config_text(server: IcecastServer, rec: Path, fmt: str = "ogg_opus", password: str | None = None,
                extra: str = "") -> str:
    return CONFIG.format(rec=rec, url=server.url, password=password or server.password, format=fmt, extra=extra)


def run_live(config: Path, output_dir: Path, during) -> tuple[Any, SessionStatus, list[Event]]:
    """Run ``config`` in this process; once it has started, run ``during(mount_urls, http)`` beside it."""
    plan = planned(config, output_dir=output_dir)
    events: list[Event] = []

    async def main() -> tuple[Any, SessionStatus]:
        started: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()

        def observe(event: Event) -> None:
            events.append(event)
            if isinstance(event, SessionEvent) and event.state == "started" and not started.done():
                started.set_result([line.split()[1] for line in event.detail["listen"]])

        running = asyncio.create_task(Session(build(plan), observers=[observe]).run())
        async with aiohttp.ClientSession() as http:
            urls = await asyncio.wait_for(asyncio.shield(started), 30)
            result = await during(urls, http)
        return result, await asyncio.wait_for(running, 60)

    result, status = asyncio.run(main())
    return result, status, events


async def listen(url: str, http: aiohttp.ClientSession, seconds: float = 40) -> tuple[bytes, float]:
    """A listener from now until the stream ends (Icecast closes listeners when the source leaves): what it
    got, and for how long (wall clock) it was receiving: until the last byte came. (Not until the server closed
    the connection: on a loaded machine Icecast has been seen to keep a listener 10 s past the end of the
    stream, its source timeout.)"""
    got = bytearray()
    started = last = time.monotonic()
    async with http.get(url, timeout=aiohttp.ClientTimeout(total=seconds)) as response:
        assert response.status == 200, response.status
        while chunk := await response.content.read(65536):
            got += chunk
            last = time.monotonic()
    return bytes(got), last - started


async def status_of(server: IcecastServer, http: aiohttp.ClientSession) -> dict[str, Any]:
    """The server's status page. Icecast 2.4's XSL-made JSON is malformed while a source is half set up
    (right after it connects): read it again a moment later."""
    for _ in range(20):
        async with http.get(f"{server.url}/status-json.xsl") as response:
            text = await response.text(errors="replace")
        try:
            return dict(json.loads(text))
        except json.JSONDecodeError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"no valid status from the server: {text[:300]}")


async def mounts_on(server: IcecastServer, http: aiohttp.ClientSession) -> list[dict[str, Any]]:
    """The mounts the server has now (its status page)."""
    sources = (await status_of(server, http))["icestats"].get("source", [])
    return sources if isinstance(sources, list) else [sources]


def decode(data: bytes) -> tuple[str, dict[str, str], np.ndarray, int]:
    """Codec, stream tags, mono float samples and rate of what a listener got (an MP3 listener may join
    mid-frame: the decoder skips to the next frame, as players do)."""
    container = av.open(io.BytesIO(data))
    stream = container.streams.audio[0]
    codec, tags = stream.codec_context.name, dict(stream.metadata)
    parts, rate = [], 0
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            continue
        for frame in frames:
            parts.append(frame.to_ndarray().astype(np.float32).reshape(-1) / (32768.0 if frame.format.name
                                                                                  == "s16" else 1.0))
            rate = frame.sample_rate
    container.close()
    return codec, tags, np.concatenate(parts), rate


def loud_seconds(samples: np.ndarray, rate: int, threshold: float = 0.05) -> float:
    n = int(rate * WINDOW)
    windows = samples[: len(samples) // n * n].reshape(-1, n)
    return float(np.count_nonzero(np.sqrt((windows ** 2).mean(axis=1)) > threshold) * WINDOW)


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * rate / len(samples))


@pytest.mark.parametrize(("fmt", "codec", "ext"), [("ogg_opus", "opus", "opus"), ("mp3", "mp3float", "mp3")])
def test_each_language_is_a_mount_with_its_speech_and_its_language(tmp_path, write_config, icecast, fmt, codec,
                                                                   ext):
    rec = tone_bursts(tmp_path / "talk.wav", [0.6] * len(LINES), gap=0.8)
    config = write_config(config_text(icecast, rec, fmt))

    async def during(urls: list[str], http: aiohttp.ClientSession) -> dict[str, Any]:
        listeners = {url.rsplit("/", 1)[1]: asyncio.create_task(listen(url, http)) for url in urls}
        began, status, titles = time.monotonic(), None, set()
        while not all(task.done() for task in listeners.values()):  # the titles, from the first one on
            titles |= {s.get("title") for s in await mounts_on(icecast, http)}
            if status is None and time.monotonic() - began > 3:  # mid-run: the server's own view of the mounts
                status = await status_of(icecast, http)
            await asyncio.sleep(0.1)
        return {"status": status, "streams": {name: task.result() for name, task in listeners.items()},
                "titles": titles, "urls": urls}

    got, status, events = run_live(config, tmp_path, during)
    assert status.ok
    assert got["urls"] == [f"{icecast.url}/es-ES.{ext}", f"{icecast.url}/de-DE.{ext}"]
    sources = {s["listenurl"].rsplit("/", 1)[1]: s for s in got["status"]["icestats"]["source"]}
    for label, name in (("es-ES", "Español"), ("de-DE", "Deutsch")):
        mount = sources[f"{label}.{ext}"]
        assert f"({label})" in mount["server_description"]
        if fmt == "ogg_opus":  # Icecast reads an MP3 source's headers as Latin-1 (README: <charset>)
            assert mount["server_name"] == f"Sunday service - {name}"
        assert mount["server_type"] == ("audio/ogg" if fmt == "ogg_opus" else "audio/mpeg")

        data, connected = got["streams"][f"{label}.{ext}"]
        stream_codec, tags, samples, rate = decode(data)
        assert stream_codec == codec
        # A continuous stream in real time: as much audio as the listener was connected (and the second or so
        # sent ahead at the end), none lost on the way (Icecast 2.4 takes no chunked bodies: the chunk sizes
        # would break the MP3 frames). Icecast relays MP3 in 4 KB blocks: a second at 32 kbps, either way.
        block = 4096 * 8 / 32000 if fmt == "mp3" else 0.0
        notices = [(e.code, e.message) for e in events if isinstance(e, NoticeEvent)]
        assert connected - 0.3 - block < len(samples) / rate < connected + 2.5 + block, notices
        if fmt == "ogg_opus":
            assert tags["LANGUAGE"] == label and name in tags["TITLE"]
        spoken, spoken_rate = soundfile.read(tmp_path / f"{label.split('-')[0]}.wav")
        # Everything spoken was streamed, with silence between: as much loud audio as the WAV has, and more
        # than that in all (the silence between utterances), at the fake voice's pitch.
        assert loud_seconds(samples, rate) == pytest.approx(loud_seconds(spoken, spoken_rate), abs=0.3)
        assert len(samples) / rate > loud_seconds(spoken, spoken_rate) + 1.0
        assert dominant_hz(samples, rate) == pytest.approx(440, abs=15)
    if fmt == "mp3":  # the sentence being spoken is the stream's title
        assert {"[es-ES] good morning everyone", "[de-DE] third line"} <= got["titles"]
    assert not [e for e in events if isinstance(e, NoticeEvent) and e.code.startswith("icecast")]


def test_a_wrong_password_stops_the_run_before_any_audio_in_one_line(tmp_path, write_config, icecast):
    rec = tone_bursts(tmp_path / "talk.wav", [0.4])
    config = write_config(config_text(icecast, rec, password="${WRONG_ICECAST_PASSWORD}"))
    result = polyglot("run", config, "-o", tmp_path / "out", env={"WRONG_ICECAST_PASSWORD": "not-the-password"})
    assert_no_traceback(result)
    assert result.returncode == 74, result.stderr
    lines = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(lines) == 1 and "401 wrong user or password" in lines[0], result.stderr
    assert f"{icecast.url}/es-ES.opus" in lines[0]
    assert "not-the-password" not in result.stderr + result.stdout


def test_a_mount_in_use_is_refused_at_start(tmp_path, write_config, icecast):
    rec = tone_bursts(tmp_path / "talk.wav", [0.4])
    config = write_config(config_text(icecast, rec))

    async def occupy() -> int:
        """Another source holds /de-DE.opus while the run starts."""
        async def silence():
            encoder = StreamEncoder("ogg_opus", 16000, 32, {})
            while True:
                yield encoder.encode(bytes(3200))
                await asyncio.sleep(0.1)

        async with aiohttp.ClientSession() as http:
            auth = base64.b64encode(f"source:{icecast.password}".encode()).decode()
            held = await http.put(f"{icecast.url}/de-DE.opus", data=silence(), expect100=True,
                                  headers={"Content-Type": "audio/ogg", "Authorization": f"Basic {auth}"})
            assert held.status == 200
            try:
                result = await asyncio.to_thread(polyglot, "run", config, "-o", tmp_path / "out")
            finally:
                held.close()
        return result

    result = asyncio.run(occupy())
    assert result.returncode == 74, result.stderr
    assert "/de-DE.opus: the server refused the source: 403" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_the_server_going_away_mid_run_costs_a_reported_gap_and_the_stream_resumes(tmp_path, write_config,
                                                                                  icecast):
    rec = tone_bursts(tmp_path / "talk.wav", [0.6] * 14, gap=1.0)  # 23 s: long enough to reconnect in
    config = write_config(config_text(icecast, rec))

    async def during(urls: list[str], http: aiohttp.ClientSession) -> dict[str, Any]:
        await asyncio.sleep(2.5)
        await asyncio.to_thread(icecast.stop)
        await asyncio.sleep(1.5)
        await asyncio.to_thread(icecast.start)
        deadline = time.monotonic() + 15  # the output reconnects with backoff (a few seconds at most)
        while len(sources := await mounts_on(icecast, http)) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        after = await listen(urls[0], http)
        return {"mounts": len(sources), "after": after}

    got, status, events = run_live(config, tmp_path, during)
    notices = [e for e in events if isinstance(e, NoticeEvent) and e.code.startswith("icecast")]
    for label in ("es-ES", "de-DE"):
        mine = [(n.code, n.level) for n in notices if n.scope == label]
        assert mine == [("icecast-disconnected", "warning"), ("icecast-gap", "warning")], notices
    gap = next(n for n in notices if n.code == "icecast-gap")
    start, end = (float(x.rstrip("s")) for x in gap.message.split("not streamed from ")[1].split(" (")[0]
                  .split(" to "))
    assert 1.5 < start < 4 and 1.0 < end - start < 12, gap.message
    assert got["mounts"] == 2  # both languages are back on the server
    codec, tags, samples, rate = decode(got["after"][0])
    assert codec == "opus" and tags["LANGUAGE"] == "es-ES" and loud_seconds(samples, rate) > 0.3
    assert status.ok  # the run itself delivered everything; the gap is a warning (README: Icecast)


def test_the_plan_checks_server_mounts_and_codec(tmp_path, write_config):
    tone_bursts(tmp_path / "talk.wav", [0.4])
    config = write_config("""\
        version: 1
        language: en-US
        source: {type: file, path: talk.wav}
        speech_to_text: {provider: fake}
        translation: {provider: fake}
        text_to_speech: {provider: fake}
        outputs:
          - {type: icecast, password: x, mount: /live.opus}
          - {type: icecast, host: radio.example, password: x, format: mp3, bitrate: 320, mounts: {fr-FR: /f.mp3}}
          - {type: icecast, host: radio.example, password: x, mount: "/{label}/{lang}", sample_rate: 44100}
          - {type: icecast, host: radio.example, password: x, mounts: {es-ES: /admin/x, de-DE: "/a b"}}
        targets: [{language: es-ES}, {language: de-DE}]
        """)
    result = polyglot("validate", config)
    assert result.returncode == 78, result.stderr
    out = result.stdout + result.stderr
    expected = [
        ":8:5: error[icecast] /outputs/0: the Icecast server is missing",
        ":8:41: error[icecast] /outputs/0/mount: '/live.opus' is the mount of es-ES too",
        ":9:98: error[icecast] /outputs/1/mounts/fr-FR: 'fr-FR' is not a target of this pipeline",
        ":9:77: error[icecast] /outputs/1/bitrate: MP3 at 16000 Hz has bitrates 8, 16",
        ":10:62: error[icecast] /outputs/2/mount: {lang} is not a field here",
        ":10:94: error[icecast] /outputs/2/sample_rate: Opus encodes at 8000, 12000, 16000, 24000, 48000 Hz, not 44100",
        ":11:71: error[icecast] /outputs/3/mounts/es-ES: '/admin/x' (for es-ES) is one of Icecast's own pages",
        ":11:88: error[icecast] /outputs/3/mounts/de-DE: '/a b' (for de-DE) is not a valid mount",
    ]
    for line in expected:
        assert line in out, (line, out)
    assert out.count("error[") == len(expected)  # one line each, nothing else wrong


def test_the_example_pipeline_validates_and_the_graph_shows_each_mount():
    example = Path(__file__).resolve().parents[2] / "pipelines" / "icecast.yaml"
    env = {"ICECAST_PASSWORD": "example-source-pw", "ICECAST_HOST": "radio.example", "ICECAST_PORT": None}
    assert polyglot("validate", example, env=env).returncode == 0
    missing = polyglot("validate", example, env={**env, "ICECAST_PASSWORD": None})
    assert missing.returncode == 78 and "/outputs/0/password: ICECAST_PASSWORD" in missing.stdout + missing.stderr
    graph = polyglot("graph", example, env=env)
    assert graph.returncode == 0, graph.stderr
    assert "output: icecast http://radio.example:8000 (ogg_opus, 32 kbps, 16000 Hz)" in graph.stdout
    for label in ("es", "ca", "eo"):
        assert f"{label} -> http://radio.example:8000/{label}.opus" in graph.stdout
    assert "example-source-pw" not in graph.stdout + polyglot("config", example, env=env).stdout


def test_a_server_that_does_not_come_back_is_reported_lost_and_the_run_says_so(tmp_path, write_config, icecast):
    rec = tone_bursts(tmp_path / "talk.wav", [0.6] * 3, gap=0.8)
    config = write_config(config_text(icecast, rec))

    async def during(urls: list[str], http: aiohttp.ClientSession) -> None:
        await asyncio.sleep(1.5)
        await asyncio.to_thread(icecast.stop)

    _, status, events = run_live(config, tmp_path, during)
    lost = [e for e in events if isinstance(e, NoticeEvent) and e.code == "icecast-lost"]
    assert sorted(e.scope for e in lost) == ["de-DE", "es-ES"] and all(e.level == "error" for e in lost)
    assert "to the end" in lost[0].message and "Connection refused" in lost[0].message, lost[0].message
    assert not status.ok  # exit 1: not everything was delivered
    assert (tmp_path / "es.wav").exists()  # the run's own outputs were written all the same


def test_a_server_that_is_not_there_at_start_stops_the_run_in_one_line(tmp_path, write_config, icecast):
    rec = tone_bursts(tmp_path / "talk.wav", [0.4])
    config = write_config(config_text(icecast, rec))
    icecast.stop()
    result = polyglot("run", config, "-o", tmp_path / "out")
    assert result.returncode == 74, result.stderr
    assert result.stderr.strip() == (f"polyglot: error: icecast {icecast.url}/es-ES.opus: the server cannot be "
                                     "reached: Connection refused (and 1 more mount(s))"), result.stderr


def test_a_recording_read_fast_is_streamed_in_real_time_and_skips_when_far_behind(tmp_path, write_config, icecast,
                                                                                  monkeypatch):
    monkeypatch.setattr(pacing_module, "MAX_BEHIND_SECONDS", 4.0)  # instead of a minute: a short recording
    rec = tone_bursts(tmp_path / "talk.wav", [0.6] * 8, gap=1.0)  # 13 s of talk, read in well under that
    config = write_config(config_text(icecast, rec).replace("realtime: true", "realtime: false"))

    async def during(urls: list[str], http: aiohttp.ClientSession) -> tuple[bytes, float]:
        return await listen(urls[0], http)

    (data, connected), status, events = run_live(config, tmp_path, during)
    skipped = [e for e in events if isinstance(e, NoticeEvent) and e.code == "icecast-skipped"]
    assert skipped and all(e.level == "warning" for e in skipped)
    start, end = (float(x.rstrip("s")) for x in skipped[0].message.split("skipped from ")[1].split(":")[0]
                  .split(" to "))
    assert end - start > 2.0
    _, _, samples, rate = decode(data)
    assert connected - 0.3 < len(samples) / rate < connected + 2.5  # real time, though the run was not
    assert status.ok
