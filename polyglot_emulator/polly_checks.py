"""What Polly checks in a synthesis request before it speaks, each problem as the error its model names.

SynthesizeSpeech and StartSpeechSynthesisTask have modeled errors for most problems (EngineNotSupported,
LanguageNotSupported, TextLengthExceeded, InvalidSampleRate, LexiconNotFound, ...); input that breaks a model
constraint (a value outside an enum) is the front end's ValidationException. StartSpeechSynthesisStream models
only ValidationException (with the offending fields), so every problem of a stream's request is one.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from polyglot_emulator.voices import BY_ID, Voice, speaks
from runner.formats import SAMPLE_RATES, TASK_SAMPLE_RATES, default_sample_rate

# Text limits (TextLengthExceededException's doc): billed characters (SSML tags excluded), and all characters.
MAX_BILLED = {"polly.synthesize": 3000, "polly.task": 100_000}
MAX_TOTAL = {"polly.synthesize": 6000, "polly.task": 200_000}
MAX_LEXICONS = 5


@dataclass(frozen=True)
class Problem:
    error: str
    message: str
    member: str  # the request member at fault
    members: dict[str, Any] = field(default_factory=dict)


@cache
def model_enum(shape: str) -> tuple[str, ...]:
    """An enum of Polly's official model (botocore's service-2.json)."""
    import botocore.session

    return tuple(botocore.session.get_session().get_service_model("polly").shape_for(shape).enum)


def parse_ssml(text: str) -> ET.Element:
    """SSML as Polly reads it: its own tags (``amazon:domain``, ``amazon:effect``) need no namespace declared.
    Raises ParseError for invalid SSML."""
    return ET.fromstring(re.sub(r"(</?)amazon:", r"\1amazon-", text))


def plain_text(text: str, text_type: str) -> str:
    """What is spoken (and billed) for a text: SSML markup removed."""
    if text_type != "ssml":
        return text
    root = parse_ssml(text)
    return re.sub(r"\s+", " ", "".join(root.itertext())).strip()


def speaking_rate(text: str, text_type: str) -> float:
    """The speed SSML asks for with ``<prosody rate="120%">`` (1: the voice's own, also for anything else)."""
    if text_type != "ssml":
        return 1.0
    try:
        root = parse_ssml(text)
    except ET.ParseError:
        return 1.0
    for element in root.iter("prosody"):
        rate = element.get("rate", "")
        if rate.endswith("%") and rate[:-1].replace(".", "", 1).isdigit():
            return max(0.2, min(2.0, float(rate[:-1]) / 100))
    return 1.0


def _enum_problem(value: object, shape: str, member: str) -> Problem | None:
    if value in model_enum(shape):
        return None
    return Problem("ValidationException", f"1 validation error detected: Value '{value}' at '{member[0].lower()}"
                   f"{member[1:]}' failed to satisfy constraint: Member must satisfy enum value set", member)


def voice_problem(voice_id: str, engine: str, any_engine: bool) -> Problem | None:
    """The voice must be one of Polly's, emulated here, and support the engine."""
    if (problem := _enum_problem(voice_id, "VoiceId", "VoiceId")) is not None:
        return problem
    voice = BY_ID.get(voice_id)
    if voice is None:
        return Problem("ValidationException", f"voice {voice_id} is one of Polly's, but the emulator does not offer "
                       "it (polyglot_emulator/voices.py)", "VoiceId")
    if engine not in voice.engines and not any_engine:
        return Problem("EngineNotSupportedException", f"This voice ({voice_id}) does not support the selected "
                       f"engine: {engine}", "Engine")
    return None


def synthesis_problem(operation: str, body: dict[str, Any], lexicons: set[str],
                      any_engine: bool) -> Problem | None:
    """The first problem of a SynthesizeSpeech (``polly.synthesize``) or StartSpeechSynthesisTask (``polly.task``)
    request body, or None."""
    engine = body.get("Engine") or "standard"
    fmt = str(body.get("OutputFormat"))
    for value, shape, member in ((engine, "Engine", "Engine"), (fmt, "OutputFormat", "OutputFormat"),
                                 (body.get("TextType") or "text", "TextType", "TextType")):
        if (problem := _enum_problem(value, shape, member)) is not None:
            return problem
    for mark in body.get("SpeechMarkTypes") or []:
        if (problem := _enum_problem(mark, "SpeechMarkType", "SpeechMarkTypes")) is not None:
            return problem
    if (problem := voice_problem(str(body.get("VoiceId")), engine, any_engine)) is not None:
        return problem
    voice = BY_ID[body["VoiceId"]]
    if (problem := language_problem(voice, body.get("LanguageCode"), "LanguageNotSupportedException")) is not None:
        return problem
    return (_text_problem(operation, body) or _marks_problem(body, fmt)
            or _rate_problem(operation, fmt, engine, body.get("SampleRate"))
            or _lexicons_problem(body.get("LexiconNames") or [], lexicons, "LexiconNotFoundException"))


def language_problem(voice: Voice, language: str | None, error: str) -> Problem | None:
    """A LanguageCode must be one of Polly's, and one the voice speaks (bilingual voices speak two)."""
    if language is None:
        return None
    if (problem := _enum_problem(language, "LanguageCode", "LanguageCode")) is not None:
        return problem
    if not speaks(voice, language):
        spoken = ", ".join((voice.language_code, *voice.additional_languages))
        return Problem(error, f"Voice {voice.id} does not support the language {language} (it speaks {spoken})",
                       "LanguageCode")
    return None


def _text_problem(operation: str, body: dict[str, Any]) -> Problem | None:
    text = str(body.get("Text", ""))
    try:
        billed = len(plain_text(text, body.get("TextType") or "text"))
    except ET.ParseError as exc:
        return Problem("InvalidSsmlException", f"Invalid SSML request: {exc}", "Text")
    if billed > MAX_BILLED[operation] or len(text) > MAX_TOTAL[operation]:
        return Problem("TextLengthExceededException", f"Maximum text length has been exceeded: {billed} billed "
                       f"characters of {MAX_BILLED[operation]}, {len(text)} characters of {MAX_TOTAL[operation]}",
                       "Text")
    return None


def _marks_problem(body: dict[str, Any], fmt: str) -> Problem | None:
    marks = body.get("SpeechMarkTypes") or []
    if fmt == "json" and not marks:
        return Problem("ValidationException", "OutputFormat json returns speech marks: set SpeechMarkTypes",
                       "SpeechMarkTypes")
    if fmt != "json" and marks:
        return Problem("MarksNotSupportedForFormatException", f"Speech marks are not supported for OutputFormat "
                       f"{fmt}: they need json", "SpeechMarkTypes")
    if "ssml" in marks and (body.get("TextType") or "text") != "ssml":
        return Problem("SsmlMarksNotSupportedForTextTypeException", "SSML speech marks need TextType ssml",
                       "SpeechMarkTypes")
    return None


def _rate_problem(operation: str, fmt: str, engine: str, sample_rate: object) -> Problem | None:
    if fmt == "json":
        return None
    allowed = (TASK_SAMPLE_RATES if operation == "polly.task" else SAMPLE_RATES)[fmt]
    rate = str(sample_rate or default_sample_rate(fmt, engine))
    if not rate.isdigit() or int(rate) not in allowed:
        return Problem("InvalidSampleRateException", f"Invalid sample rate {rate} for {fmt} (valid: "
                       f"{', '.join(map(str, allowed))})", "SampleRate")
    return None


def _lexicons_problem(names: list[str], lexicons: set[str], error: str) -> Problem | None:
    if len(names) > MAX_LEXICONS:
        return Problem("ValidationException", f"1 validation error detected: Value at 'lexiconNames' failed to "
                       f"satisfy constraint: Member must have length less than or equal to {MAX_LEXICONS}",
                       "LexiconNames")
    unknown = [n for n in names if n not in lexicons]
    if unknown:
        return Problem(error, f"Lexicon not found: {', '.join(unknown)}", "LexiconNames")
    return None


def stream_problems(headers: dict[str, str], lexicons: set[str], any_engine: bool) -> list[Problem]:
    """Every problem of a StartSpeechSynthesisStream request (its headers), as ValidationException fields."""
    engine, voice_id = headers.get("x-amzn-engine", ""), headers.get("x-amzn-voiceid", "")
    fmt = headers.get("x-amzn-outputformat", "")
    problems: list[Problem | None] = []
    if engine != "generative":
        problems.append(Problem("ValidationException", "only the generative engine is supported for streaming",
                                "Engine"))
    problems.append(voice_problem(voice_id, "generative", any_engine))
    voice = BY_ID.get(voice_id)
    if voice is not None:
        problems.append(language_problem(voice, headers.get("x-amzn-languagecode"), "ValidationException"))
    if fmt not in SAMPLE_RATES:  # json (speech marks) is not streamed
        problems.append(Problem("ValidationException", f"OutputFormat {fmt!r} is not supported for streaming",
                                "OutputFormat"))
    else:
        problems.append(_rate_problem("polly.stream", fmt, "generative", headers.get("x-amzn-samplerate")))
    names = [n for n in headers.get("x-amzn-lexiconnames", "").split(",") if n]
    problems.append(_lexicons_problem(names, lexicons, "ValidationException"))
    # the stream's model has ValidationException only: an engine the voice lacks is one too
    return [Problem("ValidationException", p.message, p.member) for p in problems if p is not None]
