import asyncio
import time

import numpy as np
import pytest
import soundfile

from runner.errors import InputError
from runner.io.sources.file import FileAudioSource
from tests.support.recordings import tone_bursts


def read_all(path, realtime=False, rate=16000):
    async def main():
        return [f async for f in FileAudioSource(path, realtime, rate).frames()]

    return asyncio.run(main())


@pytest.mark.parametrize("rate,channels,subtype", [(44100, 2, "FLOAT"), (8000, 1, "PCM_U8"), (48000, 6, "PCM_24"),
                                                   (16000, 1, "PCM_16"), (22050, 2, "PCM_32")])
def test_any_wav_becomes_mono_16k_pcm(tmp_path, rate, channels, subtype):
    path = tone_bursts(tmp_path / "in.wav", [1.0], gap=0.5, lead=0.5, rate=rate, channels=channels,
                       subtype=subtype)
    frames = read_all(path)
    assert all(f.sample_rate == 16000 and f.channels == 1 for f in frames)
    assert [f.start for f in frames] == sorted(f.start for f in frames)
    pcm = np.frombuffer(b"".join(f.pcm for f in frames), dtype="<i2").astype(np.float32) / 32768
    assert abs(len(pcm) / 16000 - 2.0) < 0.01
    tone = pcm[int(0.6 * 16000):int(1.4 * 16000)]
    assert abs(np.sqrt(np.mean(tone ** 2)) - 0.4 / np.sqrt(2)) < 0.03  # level kept through the conversion
    spectrum = np.abs(np.fft.rfft(tone))
    assert abs(np.argmax(spectrum) * 16000 / len(tone) - 300) < 3  # and the pitch


def test_realtime_paces_by_the_audio_clock(tmp_path):
    path = tone_bursts(tmp_path / "in.wav", [0.5], gap=0.5, lead=0.2)
    began = time.monotonic()
    read_all(path, realtime=True)
    assert 1.1 <= time.monotonic() - began < 1.6
    began = time.monotonic()
    read_all(path, realtime=False)
    assert time.monotonic() - began < 0.5


@pytest.mark.parametrize("content,message", [
    (b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk", "not a readable audio file"),
    (bytes(range(256)) * 10, "not a readable audio file"),
    (b"", "not a readable audio file"),
])
def test_malformed_audio_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read_all(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_truncated_wav_reads_what_is_there(tmp_path):
    path = tone_bursts(tmp_path / "in.wav", [1.0], gap=0.2, lead=0.2)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # header still claims the full length
    frames = read_all(path)
    assert 0.6 < sum(f.duration for f in frames) < 0.8


def test_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such audio file"):
        read_all(tmp_path / "none.wav")
    with pytest.raises(InputError, match="is a directory"):
        read_all(tmp_path)


def test_silent_recording_has_no_audio_error(tmp_path):
    path = tmp_path / "empty.wav"
    soundfile.write(str(path), np.zeros(0, dtype=np.int16), 16000)
    with pytest.raises(InputError, match="holds no audio"):
        read_all(path)


@pytest.mark.parametrize("claimed", [1, 100, 999, 2_000_000])
def test_a_header_with_an_implausible_rate_is_a_damaged_file(tmp_path, claimed):
    """30 s at a claimed 1 Hz would last 133 hours: the run would never end."""
    path = tone_bursts(tmp_path / "in.wav", [0.5], gap=0.5)
    data = bytearray(path.read_bytes())
    fmt = data.index(b"fmt ") + 8
    data[fmt + 4:fmt + 8] = claimed.to_bytes(4, "little")  # nSamplesPerSec
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=f"its header says {claimed} Hz"):
        read_all(path)


def test_an_implausible_rate_is_exit_66_before_anything_runs(tmp_path, write_config):
    from tests.support.cli import assert_no_traceback, polyglot

    path = tone_bursts(tmp_path / "in.wav", [0.5], gap=0.5)
    data = bytearray(path.read_bytes())
    fmt = data.index(b"fmt ") + 8
    data[fmt + 4:fmt + 8] = (1).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    config = write_config(f"""\
        version: 1
        language: en-US
        source: {{type: file, path: {path}, realtime: false}}
        speech_to_text: {{provider: fake}}
        translation: {{provider: fake}}
        text_to_speech: {{provider: fake}}
        targets: [{{language: es, sinks: [{{type: wav, path: es.wav}}]}}]
        """)
    result = polyglot("run", config, "-o", tmp_path / "out", timeout=30)
    assert result.returncode == 66, result.stderr
    assert_no_traceback(result)
    assert "header says 1 Hz" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_looped_recording_plays_again_and_again_without_a_gap(tmp_path):
    path = tone_bursts(tmp_path / "in.wav", [0.5], gap=0.5, lead=0.2)  # 1.2 s
    source = FileAudioSource(path, False, 16000, loop=True)

    async def main():
        frames = []
        async for frame in source.frames():
            frames.append(frame)
            if frame.end >= 3.6:
                source.stop()
        return frames

    frames = asyncio.run(main())
    assert frames[-1].end >= 3.6
    assert all(abs(a.end - b.start) < 1e-9 for a, b in zip(frames, frames[1:], strict=False))  # one clock
    pcm = np.frombuffer(b"".join(f.pcm for f in frames), dtype="<i2")
    first, second = pcm[:19200], pcm[19200:38400]
    assert np.abs(first.astype(int) - second.astype(int)).max() < 200  # the same recording, again
