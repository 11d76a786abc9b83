"""The emulator's event-stream framing (polyglot_emulator/eventstream.py): the client's events read out of their
signed envelopes however the bytes are split, and events and exceptions written as the SDKs' decoder reads them."""

from __future__ import annotations

import asyncio
import json

import pytest
from smithy_aws_event_stream.events import EventMessage

from polyglot_emulator import eventstream
from polyglot_emulator.http import Request
from tests.emulator.wire import end_of_stream, event_messages, json_event, signed

TEXT = json_event("TextEvent", {"Text": "hola a todos", "FlushStreamConfiguration": {"Force": True}})
AUDIO = EventMessage(headers={":message-type": "event", ":event-type": "AudioEvent",
                              ":content-type": "application/octet-stream"}, payload=b"\x01\x02" * 800)
CLOSE = json_event("CloseStreamEvent", {})


def read_events(chunks: list[bytes]) -> list[eventstream.InboundEvent]:
    async def main() -> list[eventstream.InboundEvent]:
        request = Request("POST", "/v1/synthesisStream", {})
        for chunk in chunks:
            request._body.put_nowait(chunk)
        request._body.put_nowait(None)
        return [event async for event in eventstream.inbound_events(request)]

    return asyncio.run(main())


def split(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 7, 100, 1 << 20], ids=["bytewise", "7-byte", "100-byte", "whole"])
def test_signed_envelopes_are_opened_however_the_bytes_arrive(size):
    data = signed(TEXT) + signed(AUDIO) + signed(CLOSE)
    events = read_events(split(data, size))
    assert [e.event_type for e in events] == ["TextEvent", "AudioEvent", "CloseStreamEvent"]
    assert events[0].json() == {"Text": "hola a todos", "FlushStreamConfiguration": {"Force": True}}
    assert events[1].payload == AUDIO.payload and events[1].headers[":content-type"] == "application/octet-stream"
    assert ":chunk-signature" not in events[0].headers  # the inner message's headers, not the envelope's


def test_the_empty_envelope_ends_the_client_stream():
    events = read_events([signed(TEXT) + end_of_stream() + signed(CLOSE)])
    assert [e.event_type for e in events] == ["TextEvent"]


def test_unsigned_events_are_read_as_they_are():
    events = read_events([TEXT.encode() + CLOSE.encode()])
    assert [e.event_type for e in events] == ["TextEvent", "CloseStreamEvent"]


def test_events_and_exceptions_go_out_as_the_sdks_decode_them():
    data = (eventstream.event("AudioEvent", b"\0\1" * 10, "application/octet-stream")
            + eventstream.json_event("StreamClosedEvent", {"RequestCharacters": 12})
            + eventstream.exception("ServiceQuotaExceededException", {"message": "too long", "quotaCode": "q"}))
    messages, rest = event_messages(data)  # checksums verified by smithy's decoder
    assert rest == b""
    audio, closed, failure = messages
    assert audio.headers == {":message-type": "event", ":event-type": "AudioEvent",
                             ":content-type": "application/octet-stream"}
    assert audio.payload == b"\0\1" * 10
    assert closed.headers[":event-type"] == "StreamClosedEvent" and json.loads(closed.payload) == {
        "RequestCharacters": 12}
    assert failure.headers == {":message-type": "exception", ":exception-type": "ServiceQuotaExceededException",
                               ":content-type": "application/json"}
    assert json.loads(failure.payload) == {"message": "too long", "quotaCode": "q"}
