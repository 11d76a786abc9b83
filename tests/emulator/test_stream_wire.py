"""An emulated event stream on the wire, with a bare HTTP/2 client: Polly's StartSpeechSynthesisStream takes the
client's signed events while it answers with audio events, ends with StreamClosedEvent, and obeys the stream
knobs (an exception or a cut connection after N events, latency before each text's audio)."""

from __future__ import annotations

import asyncio
import json

import pytest
from smithy_aws_event_stream.events import EventMessage

from polyglot_emulator import Emulator, Fault
from tests.emulator.test_services import PLS
from tests.emulator.wire import H2Client, end_of_stream, event_messages, json_event, signed

HEADERS = {"x-amzn-voiceid": "Lucia", "x-amzn-engine": "generative", "x-amzn-outputformat": "pcm",
           "x-amzn-samplerate": "16000", "content-type": "application/vnd.amazon.eventstream"}


def text(words: str) -> bytes:
    return signed(json_event("TextEvent", {"Text": words, "FlushStreamConfiguration": {"Force": True}}))


class Stream:
    """One StartSpeechSynthesisStream call: send signed events, read the decoded events that come back."""

    def __init__(self, client: H2Client, stream_id: int) -> None:
        self.client, self.stream_id = client, stream_id

    @classmethod
    async def open(cls, emulator: Emulator) -> Stream:
        client = await H2Client.connect(emulator.port, emulator.ca.ca_file)
        return cls(client, await client.request("POST", "/v1/synthesisStream", HEADERS, end=False))

    @property
    def messages(self) -> list[EventMessage]:
        return event_messages(self.client.streams[self.stream_id].body)[0]

    def types(self) -> list[str]:
        return [str(m.headers.get(":event-type") or m.headers.get(":exception-type")) for m in self.messages]

    async def send(self, data: bytes) -> None:
        await self.client.send(self.stream_id, data)

    async def finish(self) -> None:
        """Send the end of the client's stream and read until the server is done (or gone)."""
        await self.client.send(self.stream_id, end_of_stream(), end=True)
        await self.client.until(lambda: self.client.streams[self.stream_id].ended)
        await self.client.close()


def test_signed_text_in_audio_out_while_the_client_still_sends(emulator):
    async def main() -> Stream:
        stream = await Stream.open(emulator)
        await stream.send(text("hola a todos"))
        await stream.client.until(lambda: "AudioEvent" in stream.types())  # before the client's stream ends
        await stream.send(text("buenos días"))
        await stream.finish()
        return stream

    stream = asyncio.run(main())
    assert stream.client.streams[stream.stream_id].status == 200
    types = stream.types()
    assert types[-1] == "StreamClosedEvent" and set(types[:-1]) == {"AudioEvent"} and len(types) >= 3
    audio = b"".join(m.payload for m in stream.messages if m.headers[":event-type"] == "AudioEvent")
    assert len(audio) > 16000  # over half a second of 16 kHz speech
    assert json.loads(stream.messages[-1].payload) == {"RequestCharacters": len("hola a todos") + len("buenos días")}
    [call] = emulator.state.calls("polly.stream")
    assert call["texts"] == ["hola a todos", "buenos días"]


def test_an_exception_fault_comes_after_n_events_as_an_exception_frame(emulator):
    emulator.knobs.inject("polly.stream", Fault("exception", "ServiceQuotaExceededException", after=2,
                                                fields={"quotaCode": "input-stream-timeout"}))

    async def main() -> Stream:
        stream = await Stream.open(emulator)
        await stream.send(text("una frase bastante larga para más de dos eventos de audio, sin duda alguna"))
        await stream.client.until(lambda: stream.client.streams[stream.stream_id].ended)
        await stream.client.close()
        return stream

    stream = asyncio.run(main())
    assert stream.types() == ["AudioEvent", "AudioEvent", "ServiceQuotaExceededException"]
    failure = stream.messages[-1]
    assert failure.headers[":message-type"] == "exception"
    assert json.loads(failure.payload)["quotaCode"] == "input-stream-timeout"


def test_a_drop_fault_cuts_the_connection_after_n_events(emulator):
    emulator.knobs.inject("polly.stream", Fault("drop", after=1))

    async def main() -> Stream:
        stream = await Stream.open(emulator)
        await stream.send(text("una frase bastante larga para más de un evento de audio, sin duda alguna"))
        await stream.client.until(lambda: False)  # until the connection is gone
        return stream

    stream = asyncio.run(main())
    assert stream.client.closed and not stream.client.streams[stream.stream_id].ended
    assert stream.types() == ["AudioEvent"]


def test_stream_latency_comes_before_the_first_audio_of_every_text(emulator):
    emulator.knobs.set_latency("polly.stream", first_byte=0.5)

    async def main() -> list[float]:
        stream = await Stream.open(emulator)
        loop = asyncio.get_running_loop()
        waits = []
        for words in ("hola", "adiós"):
            before = len(stream.types())
            sent = loop.time()
            await stream.send(text(words))
            await stream.client.until(lambda before=before: len(stream.types()) > before)
            waits.append(loop.time() - sent)
            await stream.client.quiet(0.2)  # the rest of this text's audio
        await stream.finish()
        return waits

    for wait in asyncio.run(main()):
        assert 0.5 <= wait < 0.8, wait  # every text's, not only the stream's first


def run_stream(emulator: Emulator, *events: bytes, headers: dict[str, str] | None = None) -> Stream:
    """Open a stream (with extra ``headers``), send ``events``, and read until the server ends it."""
    async def main() -> Stream:
        client = await H2Client.connect(emulator.port, emulator.ca.ca_file)
        stream = Stream(client, await client.request("POST", "/v1/synthesisStream", {**HEADERS, **(headers or {})},
                                                     end=False))
        for event in events:
            await stream.send(event)
        await stream.client.until(lambda: stream.client.streams[stream.stream_id].ended, timeout=15)
        await stream.client.close()
        return stream
    return asyncio.run(main())


def test_an_event_that_is_not_the_streams_is_an_invalid_inbound_event(emulator):
    stream = run_stream(emulator, signed(json_event("AudioEvent", {"Text": "hola"})))
    [failure] = stream.messages
    assert failure.headers[":exception-type"] == "ValidationException"
    assert json.loads(failure.payload)["reason"] == "invalidInboundEvent"


@pytest.mark.parametrize("quota, idle, longest", [("input-stream-inbound-event-timeout", 0.5, 60.0),
                                                  ("input-stream-timeout", 60.0, 1.0)])
def test_the_documented_stream_timeouts_end_it(emulator, quota, idle, longest):
    """Polly ends a stream 5 s after its last inbound event, and 10 minutes after it began (shortened here);
    whitespace text events are keep-alives, not billed."""
    assert (emulator.knobs.polly_stream_idle_timeout, emulator.knobs.polly_stream_max_seconds) == (5.0, 600.0)
    emulator.knobs.polly_stream_idle_timeout, emulator.knobs.polly_stream_max_seconds = idle, longest
    keepalive = signed(json_event("TextEvent", {"Text": " "}))
    stream = run_stream(emulator, text("hola"), keepalive)
    assert stream.types()[-1] == "ServiceQuotaExceededException"
    assert json.loads(stream.messages[-1].payload)["quotaCode"] == quota
    [call] = emulator.state.calls("polly.stream")
    assert call["texts"] == ["hola"]


def test_a_streams_lexicons_apply_in_its_language_only(emulator):
    french = PLS.replace("es-ES", "fr-FR").replace("Unión Europea", "Union européenne")
    emulator.state.lexicons.update({"es": {"content": PLS, "attributes": {"LanguageCode": "es-ES"}},
                                    "fr": {"content": french, "attributes": {"LanguageCode": "fr-FR"}}})
    close = signed(EventMessage(headers={":message-type": "event", ":event-type": "CloseStreamEvent"}))
    stream = run_stream(emulator, text("la UE"), close, headers={"x-amzn-lexiconnames": "fr,es"})
    assert stream.types()[-1] == "StreamClosedEvent"
    [call] = emulator.state.calls("polly.stream")
    assert call["spoken"] == ["la Unión Europea"]
