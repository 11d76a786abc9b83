"""PortAudio (through pyaudio): a quiet shared instance and devices found by name or index."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pyaudio

from runner.errors import DeviceError

_lock = threading.Lock()
_instance: pyaudio.PyAudio | None = None


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """ALSA and JACK print pages of probe noise on the C-level stderr while PortAudio scans; hide it."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def instance() -> pyaudio.PyAudio:
    global _instance
    with _lock:
        if _instance is None:
            with _quiet_stderr():
                _instance = pyaudio.PyAudio()
        return _instance


@contextmanager
def quiet() -> Iterator[pyaudio.PyAudio]:
    """The shared instance, with stderr hushed for calls that make ALSA talk (opening streams)."""
    pa = instance()
    with _quiet_stderr():
        yield pa


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    max_input_channels: int
    max_output_channels: int
    default_sample_rate: float


def devices() -> list[Device]:
    pa = instance()
    out = []
    for i in range(pa.get_device_count()):
        info = pa.get_device_info_by_index(i)
        out.append(Device(i, str(info["name"]), int(info["maxInputChannels"]), int(info["maxOutputChannels"]),
                          float(info["defaultSampleRate"])))
    return out


def find(ref: str | int, *, output: bool) -> Device:
    """The device ``ref`` names: 'default', an index, or a case-insensitive part of its name."""
    direction = "output" if output else "input"
    usable = [d for d in devices() if (d.max_output_channels if output else d.max_input_channels) > 0]
    listing = ", ".join(f"{d.index}: {d.name}" for d in usable) or "none"
    if ref == "default":
        pa = instance()
        try:
            info = pa.get_default_output_device_info() if output else pa.get_default_input_device_info()
        except OSError:
            raise DeviceError(f"no default audio {direction} device (available {direction}s: {listing})") from None
        return next(d for d in devices() if d.index == int(info["index"]))
    if isinstance(ref, int):
        match = [d for d in usable if d.index == ref]
    else:
        exact = [d for d in usable if d.name.lower() == ref.lower()]
        match = exact or [d for d in usable if ref.lower() in d.name.lower()]
    if len(match) == 1:
        return match[0]
    if not match:
        raise DeviceError(f"no audio {direction} device {ref!r} (available {direction}s: {listing})")
    names = ", ".join(f"{d.index}: {d.name}" for d in match)
    raise DeviceError(f"audio {direction} device {ref!r} is ambiguous ({names}); give its index")
