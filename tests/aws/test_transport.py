"""The streaming clients' transport tells a connection cut short from the service's end of a stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest

from polyglot_emulator import Fault
from runner.config.model import AwsConfig
from runner.engines.aws.context import context_for
from runner.engines.aws.transcribe import AmazonTranscribe, TranscribeOptions
from runner.errors import TransientEngineError
from runner.frames import AudioFrame
from runner.options import defaults

RATE = 16000


async def bursts(n: int) -> AsyncIterator[AudioFrame]:
    """``n`` tone bursts with pauses, as fast as they can be sent (a file read faster than real time)."""
    t = np.arange(int(0.6 * RATE)) / RATE
    position = 0.0
    for i in range(n):
        tone = (0.4 * np.sin(2 * np.pi * (300 + 20 * i) * t) * 32767).astype("<i2").tobytes()
        for pcm in (tone, b"\0" * RATE * 2):
            frame = AudioFrame(pcm, RATE, 1, position)
            position = frame.end
            yield frame


def transcribe(engine: AmazonTranscribe, frames: AsyncIterator[AudioFrame]) -> list[str]:
    async def collect() -> list[str]:
        return [t.text async for t in engine.transcribe(frames) if t.final]

    return asyncio.run(collect())


def test_a_connection_dropped_after_all_audio_was_sent_is_an_error(emulator):
    emulator.knobs.transcribe_script = [f"line {n}" for n in range(12)]
    emulator.knobs.set_latency("transcribe.stream", first_byte=0.2)  # answers lag far behind the audio sent
    emulator.knobs.inject("transcribe.stream", Fault("drop", after=2))
    engine = AmazonTranscribe(context_for(AwsConfig()), "en-US", defaults(TranscribeOptions))
    with pytest.raises(TransientEngineError, match="connection lost"):
        transcribe(engine, bursts(12))


def test_a_stream_the_service_ends_is_a_clean_end(emulator):
    emulator.knobs.transcribe_script = [f"line {n}" for n in range(3)]
    engine = AmazonTranscribe(context_for(AwsConfig()), "en-US", defaults(TranscribeOptions))
    assert transcribe(engine, bursts(3)) == ["line 0", "line 1", "line 2"]


def test_every_client_uses_the_process_event_loop_group():
    """smithy's private hook still builds the client's bootstrap: no event loop thread per stream."""
    from awscrt.io import ClientBootstrap

    from runner.engines.aws.transport import CheckedCRTClient

    assert CheckedCRTClient()._client_bootstrap is ClientBootstrap.get_or_create_static_default()


def event_bytes(payloads: list[bytes]) -> bytes:
    from smithy_aws_event_stream.events import EventMessage

    return b"".join(EventMessage(headers={":message-type": "event", ":event-type": "AudioEvent"},
                                 payload=p).encode() for p in payloads)


@pytest.mark.parametrize("split", [1, 7, 4096])
def test_the_event_reader_decodes_what_smithys_reader_decodes(split):
    """The same events, whatever the chunking of the body, from a generator (the fast path) and from bytes."""
    from smithy_aws_event_stream.events import Event
    from smithy_core.aio.types import AsyncBytesReader

    from runner.engines.aws.transport import EventBytesReader

    payloads = [bytes([i]) * (i * 37 % 900) for i in range(40)]
    raw = event_bytes(payloads)

    async def body():
        for i in range(0, len(raw), split):
            yield raw[i:i + split]

    async def decode(reader) -> list[bytes]:
        out = []
        while (event := await Event.decode_async(reader)) is not None:
            out.append(event.message.payload)
        return out

    expected = asyncio.run(decode(AsyncBytesReader(body())))
    assert expected == payloads
    assert asyncio.run(decode(EventBytesReader(body()))) == expected
    assert asyncio.run(decode(EventBytesReader(raw))) == expected  # not a generator: smithy's own path


def test_streaming_clients_read_events_through_the_direct_reader(emulator):
    from aws_sdk_polly.config import AsyncPollyConfig
    from smithy_aws_core.aio import protocols

    from runner.engines.aws.transport import EventBytesReader

    context = context_for(AwsConfig())
    asyncio.run(context.smithy_config(AsyncPollyConfig, None))
    assert protocols.AsyncBytesReader is EventBytesReader
