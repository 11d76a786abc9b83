"""The speaker sink and the microphone source through real PortAudio devices: ALSA ``file`` plugin PCMs,
defined in an .asoundrc in a test HOME, which PortAudio lists and which capture or replay every sample."""

import subprocess
import sys
import textwrap

import numpy as np
import soundfile

from tests.conftest import REPO, THREE_UTTERANCES
from tests.support.cli import assert_no_traceback, polyglot
from tests.support.recordings import tone_bursts


def alsa_home(tmp_path, infile=None):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(textwrap.dedent(f"""\
        pcm.speaker {{
          type file
          slave.pcm "null"
          file "{home / 'captured.raw'}"
          format "raw"
        }}
        pcm.mic {{
          type file
          slave.pcm "null"
          file "/dev/null"
          infile "{infile or '/dev/zero'}"
          format "raw"
        }}
        """))
    return home


def test_devices_are_listed(tmp_path):
    result = polyglot("devices", env={"HOME": str(alsa_home(tmp_path))})
    assert result.returncode == 0
    assert "speaker" in result.stdout and "mic" in result.stdout
    assert "ALSA lib" not in result.stderr  # PortAudio's probe noise is hidden


def test_speaker_sink_plays_exactly_what_the_wav_sink_writes(tmp_path, write_config):
    home = alsa_home(tmp_path)
    rec = tone_bursts(tmp_path / "in.wav", [0.3, 0.4], gap=0.4)
    config = write_config(f"""\
        version: 1
        language: en-US
        source: {{type: file, path: {rec}, realtime: false}}
        speech_to_text: {{provider: fake}}
        translation: {{provider: fake}}
        text_to_speech: {{provider: fake}}
        targets:
          - language: es
            sinks:
              - {{type: speaker, device: speaker}}
              - {{type: wav, path: es.wav}}
        """)
    result = polyglot("run", config, "-o", tmp_path, "--quiet", env={"HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    played = (home / "captured.raw").read_bytes()
    written, rate = soundfile.read(str(tmp_path / "es.wav"), dtype="int16")
    assert rate == 16000 and len(written) > 8000
    assert played == written.tobytes()


def test_unknown_speaker_device_is_reported_and_the_run_goes_on(tmp_path, write_config):
    home = alsa_home(tmp_path)
    rec = tone_bursts(tmp_path / "in.wav", [0.3])
    config = write_config(f"""\
        version: 1
        language: en-US
        source: {{type: file, path: {rec}}}
        speech_to_text: {{provider: fake}}
        translation: {{provider: fake}}
        text_to_speech: {{provider: fake}}
        targets:
          - language: es
            sinks: [{{type: speaker, device: headphones}}, {{type: srt, path: es.srt}}]
        """)
    result = polyglot("run", config, "-o", tmp_path, env={"HOME": str(home)})
    assert result.returncode == 1  # the run goes on without that sink, and its exit code says something failed
    assert_no_traceback(result)
    assert result.stderr.count("no audio output device 'headphones' (available outputs: 0: speaker") >= 1
    assert (tmp_path / "es.srt").read_text().count(" --> ") == 1


def test_a_run_whose_only_output_is_a_missing_speaker_stops_before_audio(tmp_path, write_config):
    home = alsa_home(tmp_path)
    rec = tone_bursts(tmp_path / "in.wav", [0.3])
    config = write_config(f"""\
        version: 1
        language: en-US
        source: {{type: file, path: {rec}}}
        speech_to_text: {{provider: fake}}
        translation: {{provider: fake}}
        text_to_speech: {{provider: fake}}
        targets:
          - language: es
            sinks: [{{type: speaker, device: headphones}}]
        """)
    result = polyglot("run", config, "-o", tmp_path, env={"HOME": str(home)})
    assert result.returncode == 69, result.stderr  # device unavailable
    assert_no_traceback(result)
    assert "no output could be opened: speaker: no audio output device 'headphones'" in result.stderr


def test_microphone_source_captures_the_device(tmp_path):
    """Read the mic device through the source, as the runtime does, and compare with what it plays."""
    data, rate = soundfile.read(str(THREE_UTTERANCES), dtype="int16")
    raw = tmp_path / "in.raw"
    raw.write_bytes(data[:16000].tobytes())  # one second
    home = alsa_home(tmp_path, infile=raw)
    script = textwrap.dedent("""\
        import asyncio, sys
        from runner.io.sources.microphone import MicrophoneAudioSource, MicrophoneOptions

        async def main():
            source = MicrophoneAudioSource(MicrophoneOptions(device="mic", sample_rate=16000), 16000)
            await source.check()
            got = b""
            async for frame in source.frames():
                got += frame.pcm
                if len(got) >= 32000:
                    source.stop()
            sys.stdout.buffer.write(got[:32000])

        asyncio.run(main())
        """)
    result = subprocess.run([sys.executable, "-c", script], env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
                            capture_output=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr.decode()
    captured = np.frombuffer(result.stdout, dtype="<i2")
    assert np.array_equal(captured, data[:16000])


def test_unplugged_speaker_is_an_error_on_that_sink(monkeypatch):
    """PortAudio reports a device that vanished as an OSError from write; the sink says so, once."""
    import asyncio

    import pytest

    from runner.config.model import SinkConfig
    from runner.errors import SinkError
    from runner.events import AudioEvent, Utterance
    from runner.frames import AudioFormat
    from runner.io import portaudio
    from runner.io.sinks import SinkContext
    from runner.io.sinks.speaker import SpeakerOptions, SpeakerSink

    class VanishingStream:
        writes = 0

        def write(self, data):
            VanishingStream.writes += 1
            if VanishingStream.writes > 2:
                raise OSError(-9999, "Unanticipated host error (device unplugged)")

        def stop_stream(self):
            pass

        def close(self):
            pass

    class FakePortAudio:
        def open(self, **kwargs):
            return VanishingStream()

    from contextlib import contextmanager

    @contextmanager
    def quiet():
        yield FakePortAudio()

    monkeypatch.setattr(portaudio, "find", lambda ref, output: portaudio.Device(3, "USB headset", 0, 2, 48000.0))
    monkeypatch.setattr(portaudio, "quiet", quiet)
    fmt = AudioFormat("pcm", 16000)
    config = SinkConfig("speaker", SpeakerOptions(device="USB"), "/targets/0/sinks/0")
    sink = SpeakerSink(SinkContext(config, None, "es", fmt))
    utterance = Utterance("u0001", 0, "hi", 0.0, 1.0, 0.0)

    async def main():
        await sink.open()
        for _ in range(5):
            await sink.write(AudioEvent(scope="es", at=0.0, utterance=utterance, data=b"\0" * 320, format=fmt,
                                        first=False))
        await asyncio.sleep(0.1)
        with pytest.raises(SinkError, match="speaker 'USB headset': playback failed: .*device unplugged"):
            await sink.write(AudioEvent(scope="es", at=0.0, utterance=utterance, data=b"\0" * 320, format=fmt,
                                        first=False))
        with pytest.raises(SinkError):
            await sink.close()

    asyncio.run(main())
