"""A run stopped mid-stream on the AWS engines leaves nothing behind (tests/runtime/test_cancellation.py says
what that means), cancelled or hard-stopped; and no connection to the service stays open on either side, so
no HTTP/2 stream does. The emulator runs in a process of its own here, as the service would: what is left in
this process is the run's, and the emulator's side of a connection shows in the machine's TCP table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.aws.conftest import use_emulator
from tests.support.emulator_process import EmulatorProcess
from tests.support.leaks import assert_interrupted_run_leaves_nothing, tcp_connections
from tests.support.recordings import tone_bursts
from tests.support.sessions import Moment, hearing, pipeline_for, run_session, speaking

KNOBS = {"transcribe_script": ["one", "two", "three"], "latency": {
    "transcribe.stream": {"first_byte": 0.3},  # answers come while the audio still goes out
    "polly.stream": {"per_chunk": 0.1}}}  # a sentence's audio takes a while to come
CONFIG = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {stt}
translation: {{provider: fake, prefix: ''}}
text_to_speech: {tts}
targets:
  - {{language: es-ES, voice: Lucia, engine: generative, sinks: [{{type: wav, path: es.wav}}]}}
"""
SCRIPTED = "{provider: fake, script: ['he was not an ill disposed young man', 'unless to be rather cold hearted']}"
WAYS = ["cancel", "hard-stop"]


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[EmulatorProcess]:
    with EmulatorProcess(KNOBS) as process:
        # The process's first TLS connection opens /dev/urandom for the rest of its life (awscrt's s2n): one
        # whole run first, so that the runs under test find it open.
        folder = tmp_path_factory.mktemp("warm-up")
        config = folder / "warm-up.yaml"
        config.write_text(CONFIG.format(rec=tone_bursts(folder / "in.wav", [0.2]), stt="{provider: fake}",
                                        tts="{provider: polly}"))
        with pytest.MonkeyPatch.context() as monkeypatch:
            use_emulator(process.env, monkeypatch, folder)
            assert run_session(config, folder).status.ok
        yield process


@pytest.fixture
def aws(service, monkeypatch, tmp_path) -> EmulatorProcess:
    use_emulator(service.env, monkeypatch, tmp_path)
    return service


def assert_leaves_nothing(aws: EmulatorProcess, config: Path, moment: Moment, how: str) -> None:
    assert_interrupted_run_leaves_nothing(pipeline_for(config, config.parent), moment, how)
    assert tcp_connections(aws.port) == []  # neither side of any connection to the service is open


@pytest.mark.parametrize("how", WAYS)
def test_stopped_while_a_transcribe_stream_hears_an_utterance(aws, tmp_path, write_config, how):
    rec = tone_bursts(tmp_path / "in.wav", [0.8] * 3)
    config = write_config(CONFIG.format(rec=rec, stt="{provider: transcribe}", tts="{provider: fake}"))
    assert_leaves_nothing(aws, config, hearing, how)


@pytest.mark.parametrize("how", WAYS)
def test_stopped_while_a_polly_stream_speaks(aws, tmp_path, write_config, how):
    rec = tone_bursts(tmp_path / "in.wav", [0.4] * 2)
    config = write_config(CONFIG.format(rec=rec, stt=SCRIPTED, tts="{provider: polly}"))
    assert_leaves_nothing(aws, config, speaking("es-ES"), how)
