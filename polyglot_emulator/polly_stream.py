"""Emulated Polly ``StartSpeechSynthesisStream`` (POST /v1/synthesisStream, HTTP/2, bidirectional events).

Text events are buffered until a flush (``FlushStreamConfiguration.Force``) or the end of the stream, then
spoken; audio goes out as ``AudioEvent``s while it is produced; ``StreamClosedEvent`` reports the characters
billed; the lexicons named (of the language spoken) apply. Whitespace-only text events are keep-alives (not
billed). Faults: HTTP errors before the stream, exception events, a cut connection or a pause after N audio
events; and Polly's documented limits: 5 s between inbound events, 10 minutes per stream
(ServiceQuotaExceededException), an event that is not one of the stream's (ValidationException, reason
invalidInboundEvent).
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

from polyglot_emulator import errors, eventstream, lexicons
from polyglot_emulator.common import State, http_fault, pause, pause_until, request_id, throttle_members
from polyglot_emulator.eventstream import InboundEvent
from polyglot_emulator.http import Request, Response
from polyglot_emulator.knobs import Fault
from polyglot_emulator.polly_checks import plain_text, speaking_rate, stream_problems
from polyglot_emulator.voices import BY_ID
from runner.formats import default_sample_rate

OPERATION = "polly.stream"

EVENT_BYTES = 8192  # audio per AudioEvent after the first, which goes out as soon as it exists


async def _coalesced(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The synthesizer's small chunks gathered into events of about EVENT_BYTES, as a service sends them."""
    pending = b""
    first = True
    async for chunk in chunks:
        pending += chunk
        if first or len(pending) >= EVENT_BYTES:
            yield pending
            pending, first = b"", False
    if pending:
        yield pending


async def _next(events: AsyncIterator[InboundEvent], timeout: float) -> InboundEvent | None:
    try:
        return await asyncio.wait_for(anext(events), timeout)
    except StopAsyncIteration:
        return None


class _Stream:
    def __init__(self, state: State, response: Response, voice_language: str, fmt: str, rate: int,
                 fault: Fault | None, lexicon_names: list[str]) -> None:
        self.state = state
        self.lexicons = lexicons.named(state.lexicons, lexicon_names, voice_language)  # as they are at the start
        self.spoken: list[str] = []  # what was said, the lexicons applied
        self.response = response
        self.language = voice_language
        self.fmt = fmt
        self.rate = rate
        self.fault = fault
        self.sent = 0
        self.audio_bytes = 0
        self.paused = 0.0  # seconds the audio stalled (a pause fault)
        self.characters = 0
        self.latency = state.knobs.latency_of(OPERATION)

    async def speak(self, text: str, speed: float = 1.0) -> bool:
        """Send the audio for ``text`` (at SSML's ``speed``); False once a fault ended the stream."""
        if not text.strip():
            return True
        began = asyncio.get_running_loop().time()
        first = True
        spoken = lexicons.apply(self.lexicons, text).spoken if self.lexicons else text
        self.spoken.append(spoken)
        async for chunk in _coalesced(self.state.backend.speak(spoken, self.language, self.fmt, self.rate, speed)):
            if first:
                await pause_until(began, self.latency.first_byte)
                first = False
            if self.fault is not None and self.fault.kind in ("exception", "throttle", "drop") \
                    and self.sent >= self.fault.after:
                await self.fail(self.fault)
                return False
            if self.fault is not None and self.fault.kind == "pause" and self.sent == self.fault.after:
                self.paused += self.fault.seconds
                await asyncio.sleep(self.fault.seconds)
            await self.response.send(eventstream.event("AudioEvent", chunk, "application/octet-stream"))
            self.sent += 1
            self.audio_bytes += len(chunk)
            await pause(self.latency.per_chunk)
        return True

    async def fail(self, fault: Fault) -> None:
        if fault.kind == "drop":
            await self.response.drop()
        op = errors.OPERATIONS[OPERATION]
        name = op.throttle if fault.kind == "throttle" else fault.error or op.failure
        members = {**(throttle_members(op.service) if name == op.throttle else {}), **fault.fields}
        await self.response.send(errors.event(self.state, OPERATION, name, fault.message, **members))
        await self.response.end()


async def handle(state: State, request: Request, response: Response) -> None:
    h = request.headers
    voice_id, engine = h.get("x-amzn-voiceid", ""), h.get("x-amzn-engine", "")
    fmt = h.get("x-amzn-outputformat", "")
    state.record(OPERATION, voice=voice_id, engine=engine, format=fmt, sample_rate=h.get("x-amzn-samplerate"),
                 lexicons=h.get("x-amzn-lexiconnames"), language=h.get("x-amzn-languagecode"), texts=[])
    call = state.log[-1]
    fault = state.knobs.take_fault(OPERATION, voice=voice_id)
    if fault is not None and await http_fault(state, response, OPERATION, fault):
        return
    problems = stream_problems(h, set(state.lexicons), state.knobs.any_engine)
    if problems:
        await errors.reply(state, response, OPERATION, "ValidationException", problems[0].message,
                           reason="fieldValidationFailed", fields=[{"name": p.member, "message": p.message}
                                                                   for p in problems])
        return
    voice = BY_ID[voice_id]
    rate = int(h.get("x-amzn-samplerate") or default_sample_rate(fmt, engine))
    await response.start(200, [("content-type", "application/vnd.amazon.eventstream"),
                               ("x-amzn-requestid", request_id())])
    names = [n for n in h.get("x-amzn-lexiconnames", "").split(",") if n]
    stream = _Stream(state, response, h.get("x-amzn-languagecode") or voice.language_code, fmt, rate, fault, names)
    call["spoken"] = stream.spoken
    events = eventstream.inbound_events(request)
    pending = ""
    speed = 1.0
    loop = asyncio.get_running_loop()
    ends = loop.time() + state.knobs.polly_stream_max_seconds
    while True:
        idle, left = state.knobs.polly_stream_idle_timeout, ends - loop.time()
        try:
            event = await _next(events, min(idle, left))
        except TimeoutError:
            quota = "input-stream-inbound-event-timeout" if idle < left else "input-stream-timeout"
            await stream.fail(Fault("exception", "ServiceQuotaExceededException",
                                    message="no input event within the inbound event timeout" if idle < left
                                    else "the stream reached its maximum duration",
                                    fields={"quotaCode": quota, "serviceCode": "polly"}))
            return
        if event is None or event.event_type == "CloseStreamEvent":
            break
        try:
            body = event.json() if event.event_type == "TextEvent" else None
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("Text"), str):
            await stream.fail(Fault("exception", "ValidationException", fields={"reason": "invalidInboundEvent"},
                                    message=f"{event.event_type or 'an event'} is not a valid input event of "
                                            "this stream (TextEvent or CloseStreamEvent)"))
            return
        if not body["Text"].strip():
            continue  # a keep-alive
        try:
            text = plain_text(body.get("Text", ""), body.get("TextType", "text"))
        except ET.ParseError as exc:
            await stream.fail(Fault("exception", "ValidationException", message=f"invalid SSML: {exc}",
                                    fields={"reason": "fieldValidationFailed",
                                            "fields": [{"name": "Text", "message": "invalid SSML"}]}))
            return
        call["texts"].append(text)
        stream.characters += len(text)
        pending += text
        speed = speaking_rate(body.get("Text", ""), body.get("TextType", "text"))
        if (body.get("FlushStreamConfiguration") or {}).get("Force"):
            if not await stream.speak(pending, speed):
                return
            pending = ""
    if not await stream.speak(pending, speed):
        return
    call["request_characters"] = stream.characters
    call["audio_bytes"] = stream.audio_bytes  # all of it was sent: tests compare it with what was spoken
    call["paused"] = stream.paused
    await response.send(eventstream.json_event("StreamClosedEvent", {"RequestCharacters": stream.characters}))
    await response.end()
