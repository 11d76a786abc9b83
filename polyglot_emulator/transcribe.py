"""Emulated Amazon Transcribe streaming (POST /stream-transcription, HTTP/2, bidirectional events).

Audio events in, transcript events out: partial results, then the final, sharing a ResultId; with channel
identification, one result per channel (``ChannelId`` ch_0, ch_1); with language identification, each result's
``LanguageCode`` and ``LanguageIdentification`` among the language options (recognition.py): identify-language
finds the stream's one language in its first speech and keeps it, identify-multiple-languages each result's own.
Recognition is pocketsphinx, or a script of lines (knobs). As the real service: the stream ends with a
BadRequestException when no audio arrives for 15 seconds, and with a LimitExceededException when it runs longer
than its time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import AsyncGenerator

from polyglot_emulator import errors, eventstream
from polyglot_emulator.common import State, http_fault, pause, request_id
from polyglot_emulator.http import Request, Response
from polyglot_emulator.knobs import Fault
from polyglot_emulator.recognition import Script, identify, recognize_channels, spoken_language
from runner.frames import AudioFrame, Transcript
from runner.glossary.terms import replace as replace_terms
from runner.io.audio import Conformer, from_int16

OPERATION = "transcribe.stream"
RATES = range(8000, 48001)
# The languages Transcribe streaming accepts: its model's LanguageCode enum, copied so that the emulator, a server,
# needs no client SDK (tests/emulator/test_models.py checks the copy against aws-sdk-transcribe-streaming's).
LANGUAGE_CODES = frozenset("""
    en-US en-GB es-US fr-CA fr-FR en-AU it-IT de-DE pt-BR ja-JP ko-KR zh-CN th-TH es-ES ar-SA pt-PT ca-ES ar-AE
    hi-IN zh-HK nl-NL no-NO sv-SE pl-PL fi-FI zh-TW en-IN en-IE en-NZ en-AB en-ZA en-WL de-CH af-ZA eu-ES hr-HR
    cs-CZ da-DK fa-IR gl-ES el-GR he-IL id-ID lv-LV ms-MY ro-RO ru-RU sr-RS sk-SK so-SO tl-PH uk-UA vi-VN zu-ZA
    am-ET be-BY bg-BG bn-IN bs-BA ckb-IQ ckb-IR cy-WL es-MX et-ET fa-AF gu-IN ht-HT hu-HU hy-AM is-IS jv-ID
    ka-GE kab-DZ kk-KZ km-KH kn-IN lg-IN lt-LT mk-MK ml-IN mr-IN my-MM ne-NP or-IN pa-IN ps-AF si-LK sl-SI
    sq-AL su-ID sw-BI sw-KE sw-RW sw-TZ sw-UG ta-IN te-IN tr-TR uz-UZ
""".split())


PUNCTUATION = ",.?!;:"
UNSTABLE_WORDS = 2  # the last words of a partial, still subject to change (not Stable)


class StreamEnded(Exception):
    """The emulated service ends the stream with an exception (type, message); speech under way is dropped,
    not finalized, as the real service does."""


def result(transcript: Transcript, result_id: str, channel: int, languages: list[tuple[str, float]] | None,
           language: str | None, stabilize: bool) -> dict[str, object]:
    """A Result: its items, channel, and language (``languages``: the identification, best first). As the
    service: punctuation is an item of its own; with stabilization every item of a partial says whether it is
    Stable (here all but the items of the last UNSTABLE_WORDS words)."""
    words = transcript.text.split()
    span = max(transcript.end - transcript.start, 0.01)
    items: list[dict[str, object]] = []
    for i, word in enumerate(words):
        start = round(transcript.start + span * i / max(len(words), 1), 3)
        end = round(start + span / max(len(words), 1), 3)
        spoken = word.rstrip(PUNCTUATION) or word
        pieces = [("pronunciation", spoken)] + [("punctuation", mark) for mark in word[len(spoken):]]
        for kind, content in pieces:
            item: dict[str, object] = {"Content": content, "Type": kind, "StartTime": start,
                                       "EndTime": end if kind == "pronunciation" else start,
                                       "VocabularyFilterMatch": False}
            if stabilize:
                item["Stable"] = transcript.final or i < len(words) - UNSTABLE_WORDS
            items.append(item)
    out: dict[str, object] = {"ResultId": result_id, "StartTime": transcript.start, "EndTime": transcript.end,
                              "IsPartial": not transcript.final, "ChannelId": f"ch_{channel}",
                              "Alternatives": [{"Transcript": transcript.text, "Items": items}]}
    if languages:
        out["LanguageCode"] = languages[0][0]
        out["LanguageIdentification"] = [{"LanguageCode": code, "Score": score} for code, score in languages]
    elif language:
        out["LanguageCode"] = language
    return out


def _problem(h: dict[str, str]) -> str | None:
    """Why the service would refuse the request (BadRequestException), or None."""
    rate = h.get("x-amzn-transcribe-sample-rate", "")
    language = h.get("x-amzn-transcribe-language-code")
    identify_language = h.get("x-amzn-transcribe-identify-language") == "true"
    identify_multiple = h.get("x-amzn-transcribe-identify-multiple-languages") == "true"
    options = [o for o in h.get("x-amzn-transcribe-language-options", "").split(",") if o]
    preferred = h.get("x-amzn-transcribe-preferred-language")
    channel_identification = h.get("x-amzn-transcribe-enable-channel-identification") == "true"
    channels = h.get("x-amzn-transcribe-number-of-channels")
    if not rate.isdigit() or int(rate) not in RATES:
        return f"sample rate {rate} is not between 8000 and 48000 Hz"
    if h.get("x-amzn-transcribe-media-encoding") != "pcm":
        return "the emulator accepts pcm media only"
    chosen = [bool(language), identify_language, identify_multiple].count(True)
    if chosen != 1:
        return "set one of a language code, identify-language or identify-multiple-languages" if chosen else \
            "set a language code, identify-language or identify-multiple-languages"
    identifying = identify_language or identify_multiple
    if identifying and len(options) < 2:
        return "language identification needs at least two language options"
    if options and not identifying:
        return "language options need identify-language or identify-multiple-languages"
    bases = [o.split("-")[0] for o in options]
    if len(set(bases)) != len(bases):
        return "language options may hold one dialect of each language"
    for code in [c for c in (language, preferred, *options) if c]:
        if code not in LANGUAGE_CODES:
            return f"{code} is not a language Amazon Transcribe streaming supports"
    if preferred and preferred not in options:
        return f"the preferred language {preferred} is not one of the language options"
    if channel_identification != (channels is not None):
        return "channel identification and the number of channels go together"
    if channels is not None and channels != "2":
        return f"the number of channels must be 2, not {channels}"
    return None


async def handle(state: State, request: Request, response: Response) -> None:
    h = request.headers
    language = h.get("x-amzn-transcribe-language-code") or ""
    identify_language = h.get("x-amzn-transcribe-identify-language") == "true"
    identify_multiple = h.get("x-amzn-transcribe-identify-multiple-languages") == "true"
    identifying = identify_language or identify_multiple
    options = [o for o in h.get("x-amzn-transcribe-language-options", "").split(",") if o]
    preferred = h.get("x-amzn-transcribe-preferred-language")
    state.record(OPERATION, language=language, identify=identify_language, identify_multiple=identify_multiple,
                 options=options, preferred=preferred,
                 channels=h.get("x-amzn-transcribe-number-of-channels"),
                 sample_rate=h.get("x-amzn-transcribe-sample-rate"),
                 encoding=h.get("x-amzn-transcribe-media-encoding"),
                 vocabularies=h.get("x-amzn-transcribe-vocabulary-names") or h.get("x-amzn-transcribe-vocabulary-name"),
                 stability=h.get("x-amzn-transcribe-partial-results-stability"), audio_bytes=0)
    call = state.log[-1]
    fault = state.knobs.take_fault(OPERATION)
    if fault is not None and await http_fault(state, response, OPERATION, fault):
        return
    if (problem := _problem(h)) is not None:
        await errors.reply(state, response, OPERATION, "BadRequestException", problem)
        return
    names = [n for n in (h.get("x-amzn-transcribe-vocabulary-names") or h.get("x-amzn-transcribe-vocabulary-name")
                         or "").split(",") if n]
    from polyglot_emulator.transcribe_vocabularies import fixes  # it imports this module's language codes

    vocabulary = fixes(state, names)
    if isinstance(vocabulary, str):
        await errors.reply(state, response, OPERATION, "BadRequestException", vocabulary)
        return
    rate = int(h["x-amzn-transcribe-sample-rate"])
    channels = int(h.get("x-amzn-transcribe-number-of-channels") or 1)
    headers = [("content-type", "application/vnd.amazon.eventstream"), ("x-amzn-request-id", request_id()),
               ("x-amzn-transcribe-session-id", h.get("x-amzn-transcribe-session-id") or str(uuid.uuid4())),
               ("x-amzn-transcribe-sample-rate", str(rate)), ("x-amzn-transcribe-media-encoding", "pcm")]
    if identifying:
        flag = "identify-language" if identify_language else "identify-multiple-languages"
        headers += [(f"x-amzn-transcribe-{flag}", "true"),
                    ("x-amzn-transcribe-language-options", ",".join(options))]
        headers += [("x-amzn-transcribe-preferred-language", preferred)] if preferred else []
    else:
        headers.append(("x-amzn-transcribe-language-code", language))
    if channels > 1:
        headers += [("x-amzn-transcribe-enable-channel-identification", "true"),
                    ("x-amzn-transcribe-number-of-channels", str(channels))]
    await response.start(200, headers)
    stabilize = h.get("x-amzn-transcribe-enable-partial-results-stabilization") == "true"
    script = Script.parse(state.knobs.transcribe_script) if state.knobs.transcribe_script is not None else None
    audio = _audio(state, request, rate, channels, call)
    sent = 0
    ids: dict[tuple[int, int], str] = {}
    stream_language: list[tuple[str, float]] | None = None  # identify-language: what the first speech was in
    latency = state.knobs.latency_of(OPERATION)
    try:
        async with contextlib.aclosing(recognize_channels(state.backend, audio, channels, script,
                                                           state.knobs.transcribe_words_per_second)) as recognized:
            async for channel, transcript in recognized:
                if fault is not None and sent >= fault.after and fault.kind in ("exception", "drop", "throttle"):
                    await _fail(state, response, fault)
                    return
                result_id = ids.setdefault((channel, transcript.seq), str(uuid.uuid4()))
                if vocabulary:  # what was heard as a sounds-like is written as its phrase
                    transcript = dataclasses.replace(transcript, text=replace_terms(transcript.text, vocabulary))
                spoken = spoken_language(transcript, script) if identifying else None
                languages = identify(spoken, options, preferred) if spoken is not None else None
                if identify_language and languages:  # one language per stream: the first speech's
                    languages = stream_language = stream_language or languages
                await pause(latency.first_byte)
                payload = {"Transcript": {"Results": [result(transcript, result_id, channel, languages,
                                                             None if identifying else language, stabilize)]}}
                await response.send(eventstream.json_event("TranscriptEvent", payload))
                sent += 1
    except StreamEnded as ended:
        name, message = ended.args
        await response.send(errors.event(state, OPERATION, name, message))
        await response.end()
        return
    finally:
        await audio.aclose()
    if fault is not None and fault.kind in ("exception", "drop", "throttle"):
        await _fail(state, response, fault)  # a fault due after more events than the stream produced
        return
    await response.end()


async def _audio(state: State, request: Request, rate: int, channels: int,
                 call: dict[str, object]) -> AsyncGenerator[list[AudioFrame], None]:
    """The client's audio as 16 kHz frames, one per channel; raises StreamEnded when the service would end
    the stream."""
    conformers = [Conformer(rate, 16000) for _ in range(channels)]
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
        samples = from_int16(event.payload[:whole], channels)
        pcm = [conformer.push(samples[:, c]) for c, conformer in enumerate(conformers)]
        if pcm[0]:
            yield [AudioFrame(p, 16000, 1, sent / 16000) for p in pcm]
            sent += len(pcm[0]) // 2


async def _fail(state: State, response: Response, fault: Fault) -> None:
    if fault.kind == "drop":
        await response.drop()
    op = errors.OPERATIONS[OPERATION]
    name = op.throttle if fault.kind == "throttle" else fault.error or op.failure
    await response.send(errors.event(state, OPERATION, name, fault.message))
    await response.end()
