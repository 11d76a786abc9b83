"""A live microphone through PortAudio (pyaudio), by device name or index."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pyaudio

from runner.errors import DeviceError
from runner.frames import AudioFrame
from runner.io import portaudio
from runner.io.audio import Conformer, from_int16
from runner.io.sources.base import AudioSource
from runner.options import DeviceRef, option
from runner.registry import register

FRAMES_PER_BUFFER_SECONDS = 0.03
MAX_BACKLOG_SECONDS = 10.0  # audio waiting for speech-to-text; beyond it new buffers are dropped (overrun)


@dataclass(frozen=True)
class MicrophoneOptions:
    device: DeviceRef = option("default", doc="The input device: a part of its name, its index, or 'default' "
                               "('polyglot devices' lists them).")
    sample_rate: int = option(16000, doc="Rate to capture at.", minimum=8000, maximum=192000)
    channels: int = option(1, doc="Channels to capture.", minimum=1, maximum=32)


@register("source", "microphone", options=MicrophoneOptions, summary="a live input device through PortAudio")
class MicrophoneAudioSource(AudioSource):
    @classmethod
    def create(cls, options: MicrophoneOptions, rate: int, channels: int) -> MicrophoneAudioSource:
        return cls(options, rate, channels)

    @classmethod
    def label(cls, options: MicrophoneOptions) -> str:
        return f"microphone {options.device!r} ({options.sample_rate} Hz, {options.channels} ch)"

    def __init__(self, config: MicrophoneOptions, rate: int, channels: int = 1) -> None:
        super().__init__(rate, channels)
        self.config = config
        self._queue: asyncio.Queue[bytes | None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stream: Any = None
        self.overrun_seconds = 0.0  # audio lost because speech-to-text fell more than the backlog behind

    def describe(self) -> str:
        return f"microphone {self.config.device!r} at {self.config.sample_rate} Hz, {self.config.channels} ch"

    async def check(self) -> None:
        device = await asyncio.to_thread(portaudio.find, self.config.device, output=False)
        if device.max_input_channels < self.config.channels:
            raise DeviceError(f"audio input {device.name!r} has {device.max_input_channels} channel(s), "
                              f"not {self.config.channels}")

    def stop(self) -> None:
        if self._loop is not None and self._queue is not None:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, None)

    def _on_audio(self, data: bytes | None, frame_count: int, time_info: Any, status: int) -> tuple[None, int]:
        # PortAudio's thread: hand the buffer to the event loop and keep going.
        if data and self._loop is not None and self._queue is not None:
            self._loop.call_soon_threadsafe(self._enqueue, data)
        return None, pyaudio.paContinue

    def _enqueue(self, data: bytes) -> None:
        assert self._queue is not None
        if self._queue.qsize() * FRAMES_PER_BUFFER_SECONDS >= MAX_BACKLOG_SECONDS:
            self.overrun_seconds += FRAMES_PER_BUFFER_SECONDS
            return
        self._queue.put_nowait(data)

    async def frames(self) -> AsyncIterator[AudioFrame]:
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        device = await asyncio.to_thread(portaudio.find, self.config.device, output=False)
        cfg = self.config
        try:
            with portaudio.quiet() as pa:
                self._stream = pa.open(format=pyaudio.paInt16, channels=cfg.channels, rate=cfg.sample_rate,
                                       input=True, input_device_index=device.index,
                                       frames_per_buffer=int(cfg.sample_rate * FRAMES_PER_BUFFER_SECONDS),
                                       stream_callback=self._on_audio)
        except (OSError, ValueError) as exc:
            raise DeviceError(f"cannot open audio input {device.name!r} at {cfg.sample_rate} Hz, "
                              f"{cfg.channels} ch: {exc}") from exc
        conformer = Conformer(cfg.sample_rate, self.rate, self.channels)
        sent = 0
        try:
            while (data := await self._queue.get()) is not None:
                pcm = conformer.push(from_int16(data, cfg.channels))
                if pcm:
                    yield AudioFrame(pcm, self.rate, self.channels, sent / self.rate)
                    sent += len(pcm) // (2 * self.channels)
        finally:
            stream, self._stream = self._stream, None
            await asyncio.to_thread(_close, stream)


def _close(stream: Any) -> None:
    try:
        stream.stop_stream()
        stream.close()
    except OSError:
        pass


