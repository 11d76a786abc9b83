"""Emulated Transcribe ``StartStreamTranscription`` (POST /stream-transcription, HTTP/2, event streams).

The client's ``AudioEvent``s are recognized as they arrive (pocketsphinx, or a script) and answered with
``TranscriptEvent``s: partial results while an utterance is spoken, then the final one. Like the real service,
a stream that receives no audio for 15 s is ended with a BadRequestException, and none may run longer than
its time limit.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator

from runner.emulator import errors, eventstream
from runner.emulator.common import State, http_fault, pause, request_id
from runner.emulator.http import Request, Response
from runner.emulator.knobs import Fault
from runner.frames import AudioFrame, Transcript
from runner.io.audio import Conformer, from_int16

OPERATION = "transcribe.stream"
RATES = range(8000, 48001)


def _language_codes() -> frozenset[str]:
    from aws_sdk_transcribe_streaming.models import LanguageCode

    return frozenset(code.value for code in LanguageCode)


class StreamEnded(Exception):
    """The emulated service ends the stream with an exception (type, message); speech under way is dropped,
    not finalized, as the real service does."""


def result(transcript: Transcript, result_id: str, language: str, stabilize: bool) -> dict[str, object]:
    words = transcript.text.split()
    span = max(transcript.end - transcript.start, 0.01)
    items = []
    for i, word in enumerate(words):
        start = transcript.start + span * i / max(len(words), 1)
        item: dict[str, object] = {"Content": word, "Type": "pronunciation", "StartTime": round(start, 3),
                                   "EndTime": round(start + span / max(len(words), 1), 3), "VocabularyFilterMatch":
                                   False}
        if stabilize:
            item["Stable"] = transcript.final or i < len(words) - 2
        items.append(item)
    return {"ResultId": result_id, "StartTime": transcript.start, "EndTime": transcript.end,
            "IsPartial": not transcript.final, "ChannelId": "ch_0", "LanguageCode": language,
            "Alternatives": [{"Transcript": transcript.text, "Items": items}]}


async def handle(state: State, request: Request, response: Response) -> None:
    h = request.headers
    language = h.get("x-amzn-transcribe-language-code") or ""
    identify = h.get("x-amzn-transcribe-identify-language") == "true"
    options = [o for o in h.get("x-amzn-transcribe-language-options", "").split(",") if o]
    state.record(OPERATION, language=language, identify=identify, options=options,
                 channels=h.get("x-amzn-transcribe-number-of-channels"),
                 sample_rate=h.get("x-amzn-transcribe-sample-rate"),
                 encoding=h.get("x-amzn-transcribe-media-encoding"),
                 vocabularies=h.get("x-amzn-transcribe-vocabulary-names") or h.get("x-amzn-transcribe-vocabulary-name"),
                 stability=h.get("x-amzn-transcribe-partial-results-stability"), audio_bytes=0)
    call = state.log[-1]
    fault = state.knobs.take_fault(OPERATION)
    if fault is not None and await http_fault(state, response, OPERATION, fault):
        return
    rate = int(h.get("x-amzn-transcribe-sample-rate") or 0)
    problem = None
    if rate not in RATES:
        problem = f"sample rate {rate} is not between 8000 and 48000 Hz"
    elif h.get("x-amzn-transcribe-media-encoding") != "pcm":
        problem = "the emulator accepts pcm media only"
    elif not language and not identify:
        problem = "set a language code or identify-language"
    elif identify and len(options) < 2:
        problem = "identify-language needs at least two language options"
    elif unknown := [c for c in (language, *options) if c and c not in _language_codes()]:
        problem = f"{unknown[0]} is not a language Amazon Transcribe streaming supports"
    if problem:
        await errors.reply(state, response, OPERATION, "BadRequestException", problem)
        return
    language = language or h.get("x-amzn-transcribe-preferred-language") or options[0]
    session = h.get("x-amzn-transcribe-session-id") or str(uuid.uuid4())
    await response.start(200, [("content-type", "application/vnd.amazon.eventstream"),
                               ("x-amzn-request-id", request_id()), ("x-amzn-transcribe-session-id", session),
                               ("x-amzn-transcribe-language-code", language),
                               ("x-amzn-transcribe-sample-rate", str(rate)),
                               ("x-amzn-transcribe-media-encoding", "pcm")])
    stabilize = h.get("x-amzn-transcribe-enable-partial-results-stabilization") == "true"
    channels = int(h.get("x-amzn-transcribe-number-of-channels") or 1)
    frames = _frames(state, request, rate, channels, call)
    sent = 0
    ids: dict[int, str] = {}
    latency = state.knobs.latency_of(OPERATION)
    try:
        async for transcript in state.backend.recognize(frames, state.knobs.transcribe_script):
            if fault is not None and sent >= fault.after and fault.kind in ("exception", "drop", "throttle"):
                await _fail(state, response, fault)
                return
            result_id = ids.setdefault(transcript.seq, str(uuid.uuid4()))
            await pause(latency.first_byte)
            payload = {"Transcript": {"Results": [result(transcript, result_id, language, stabilize)]}}
            await response.send(eventstream.json_event("TranscriptEvent", payload))
            sent += 1
    except StreamEnded as ended:
        name, message = ended.args
        await response.send(errors.event(state, OPERATION, name, message))
        await response.end()
        return
    finally:
        await frames.aclose()
    if fault is not None and fault.kind in ("exception", "drop", "throttle"):
        await _fail(state, response, fault)  # a fault due after more events than the stream produced
        return
    await response.end()


async def _frames(state: State, request: Request, rate: int, channels: int,
                  call: dict[str, object]) -> AsyncGenerator[AudioFrame, None]:
    """The client's audio as 16 kHz frames; raises StreamEnded when the service would end the stream."""
    conformer = Conformer(rate, 16000)
    events = eventstream.inbound_events(request)
    sent = 0
    received = 0.0
    while True:
        try:
            event = await asyncio.wait_for(anext(events), state.knobs.transcribe_idle_timeout)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise StreamEnded("BadRequestException", "Your request timed out because no new audio was received "
                              f"for {state.knobs.transcribe_idle_timeout:g} seconds.") from None
        if event.event_type != "AudioEvent":
            continue
        call["audio_bytes"] = int(call["audio_bytes"]) + len(event.payload)  # type: ignore[call-overload]
        received += len(event.payload) / 2 / channels / rate
        if received > state.knobs.transcribe_max_stream_seconds:
            raise StreamEnded("LimitExceededException", "Your stream is too long: the maximum stream duration "
                              "was exceeded.")
        whole = len(event.payload) // (2 * channels) * (2 * channels)
        pcm = conformer.push(from_int16(event.payload[:whole], channels))
        if pcm:
            yield AudioFrame(pcm, 16000, 1, sent / 16000)
            sent += len(pcm) // 2


async def _fail(state: State, response: Response, fault: Fault) -> None:
    if fault.kind == "drop":
        await response.drop()
    op = errors.OPERATIONS[OPERATION]
    name = op.throttle if fault.kind == "throttle" else fault.error or op.failure
    await response.send(errors.event(state, OPERATION, name, fault.message))
    await response.end()

