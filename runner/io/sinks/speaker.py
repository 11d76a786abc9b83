"""Speaker sink: plays a target's PCM through a PortAudio output device, by name or index.

Playback runs on its own thread at the pace of the device, so a target's lane never waits for the sound card;
``close`` lets what was queued finish playing (within the drain deadline, which the session enforces).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyaudio

from runner.errors import DeviceError, SinkError
from runner.events import AudioEvent, Event
from runner.io import portaudio
from runner.io.sinks.base import Sink
from runner.options import DeviceRef, option
from runner.redact import masked
from runner.registry import register


@dataclass(frozen=True)
class SpeakerOptions:
    device: DeviceRef = option("default", doc="The output device: a part of its name, its index, or 'default'.")


@register("sink", "speaker", options=SpeakerOptions, summary="plays the speech on an audio output device")
class SpeakerSink(Sink):
    accepts = frozenset({"pcm"})

    @classmethod
    def planned(cls, options: object, path: Path | None) -> str:
        return f"device {masked(getattr(options, 'device', 'default'))!r}"
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._queue: queue.Queue[bytes | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._error: str | None = None
        self._stream: Any = None
        self.device_name = ""

    def describe(self) -> str:
        return f"speaker {self.device_name or self.context.config.options.device!r}"

    async def open(self) -> None:
        fmt = self.context.audio
        assert fmt is not None
        try:
            device = await asyncio.to_thread(portaudio.find, self.context.config.options.device, output=True)
        except DeviceError as exc:
            raise SinkError(f"speaker: {exc}") from exc
        self.device_name = device.name
        try:
            with portaudio.quiet() as pa:
                self._stream = pa.open(format=pyaudio.paInt16, channels=fmt.channels, rate=fmt.sample_rate,
                                       output=True, output_device_index=device.index)
        except (OSError, ValueError) as exc:
            raise SinkError(f"{self.describe()}: cannot open at {fmt.sample_rate} Hz: {exc}") from exc
        self._thread = threading.Thread(target=self._play, name=f"speaker-{device.index}", daemon=True)
        self._thread.start()

    def _play(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining the queue so close() never waits on a dead device
            try:
                self._stream.write(chunk)
            except OSError as exc:
                self._error = f"{self.describe()}: playback failed: {exc}"

    async def write(self, event: Event) -> None:
        if self._error is not None:
            raise SinkError(self._error)
        if isinstance(event, AudioEvent) and self._thread is not None:
            self._queue.put(event.data)

    async def close(self) -> None:
        if self._thread is None:
            return
        thread, self._thread = self._thread, None
        self._queue.put(None)
        await asyncio.to_thread(thread.join)
        stream, self._stream = self._stream, None
        try:
            await asyncio.to_thread(lambda: (stream.stop_stream(), stream.close()))
        except OSError:
            pass
        if self._error is not None:
            raise SinkError(self._error)
