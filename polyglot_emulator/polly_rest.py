"""Emulated Polly request/response operations (rest-json over HTTP/1.1, as boto3 calls them):
DescribeVoices, lexicons, SynthesizeSpeech (audio, or speech marks as JSON lines), and synthesis tasks that write
to the emulated S3. Requests are checked as Polly checks them (polly_checks); errors are the model's (errors)."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import unquote

from polyglot_emulator import errors, lexicons
from polyglot_emulator.backend import CONTENT_TYPES
from polyglot_emulator.common import State, http_fault, pause, pause_until, request_id
from polyglot_emulator.http import Request, Response
from polyglot_emulator.polly_checks import plain_text, speaking_rate, synthesis_problem
from polyglot_emulator.translate import LANGUAGES as TRANSLATE_LANGUAGES
from polyglot_emulator.voices import BY_ID, VOICES, espeak_voice
from runner.engines.local.espeak_lib import EspeakLibrary
from runner.formats import FILE_EXTENSIONS, default_sample_rate

PLS_NS = "{http://www.w3.org/2005/01/pronunciation-lexicon}"
PLS_ALPHABETS = ("ipa", "x-sampa")
# Patterns of Polly's model (LexiconName, OutputS3BucketName, SnsTopicArn, TaskId).
LEXICON_NAME = re.compile(r"[0-9A-Za-z]{1,20}")
BUCKET = re.compile(r"[a-z0-9][.\-a-z0-9]{1,61}[a-z0-9]")
SNS_TOPIC_ARN = re.compile(r"arn:aws(-(cn|iso(-b)?|us-gov|eusc))?:sns:[a-z0-9_-]{1,50}:\d{12}:[a-zA-Z0-9_-]{1,251}"
                           r"([a-zA-Z0-9_-]{0,5}|\.fifo)")
TASK_ID = re.compile(r"[a-zA-Z0-9_-]{1,100}")


async def handle(state: State, request: Request, response: Response) -> None:
    path, method = request.path, request.method
    if path == "/v1/voices" and method == "GET":
        await _describe_voices(state, request, response)
    elif path == "/v1/lexicons" and method == "GET":
        await _json(response, {"Lexicons": [{"Name": n, "Attributes": lx["attributes"]}
                                            for n, lx in sorted(state.lexicons.items())]})
    elif path.startswith("/v1/lexicons/") and method in ("GET", "PUT", "DELETE"):
        await _lexicon(state, unquote(path.rsplit("/", 1)[1]), request, response)
    elif path == "/v1/speech" and method == "POST":
        await _synthesize(state, json.loads(await request.read() or b"{}"), response)
    elif path == "/v1/synthesisTasks" and method == "POST":
        await _start_task(state, json.loads(await request.read() or b"{}"), response)
    elif path.startswith("/v1/synthesisTasks/") and method == "GET":
        await _get_task(state, unquote(path.rsplit("/", 1)[1]), response)
    else:
        await errors.reply(state, response, "polly.unknown", "ValidationException", f"no operation {method} {path}",
                           reason="unsupportedOperation", fields=[])


async def _json(response: Response, body: Any, status: int = 200) -> None:
    await response.respond(status, json.dumps(body).encode(), headers=[("x-amzn-requestid", request_id())])


async def _describe_voices(state: State, request: Request, response: Response) -> None:
    q = {k: v[0] for k, v in request.query.items()}
    state.record("polly.voices", **q)
    fault = state.knobs.take_fault("polly.voices")
    if fault is not None and await http_fault(state, response, "polly.voices", fault):
        return
    extra = q.get("IncludeAdditionalLanguageCodes") == "true"
    any_language = sorted(TRANSLATE_LANGUAGES) if state.knobs.any_language else []
    voices = [v for v in VOICES
              if ("Engine" not in q or q["Engine"] in v.engines or state.knobs.any_engine)
              and ("LanguageCode" not in q or q["LanguageCode"] == v.language_code
                   or (extra and q["LanguageCode"] in (*v.additional_languages, *any_language)))]
    described = [v.describe() for v in voices]
    for v, d in zip(voices, described, strict=True):
        if state.knobs.any_engine:
            d["SupportedEngines"] = ["standard", "neural", "long-form", "generative"]
        if any_language:
            d["AdditionalLanguageCodes"] = [*v.additional_languages, *any_language]
    await _json(response, {"Voices": described})


async def _lexicon(state: State, name: str, request: Request, response: Response) -> None:
    if request.method == "PUT":
        await _put_lexicon(state, name, json.loads(await request.read() or b"{}").get("Content", ""), response)
    elif name not in state.lexicons:
        operation = "polly.get_lexicon" if request.method == "GET" else "polly.delete_lexicon"
        await errors.reply(state, response, operation, "LexiconNotFoundException", f"Lexicon not found: {name}")
    elif request.method == "GET":
        lx = state.lexicons[name]
        await _json(response, {"Lexicon": {"Name": name, "Content": lx["content"]},
                               "LexiconAttributes": lx["attributes"]})
    else:
        del state.lexicons[name]
        await _json(response, {})


async def _put_lexicon(state: State, name: str, content: str, response: Response) -> None:
    op = "polly.put_lexicon"
    if not LEXICON_NAME.fullmatch(name):
        await errors.reply(state, response, op, "ValidationException", f"1 validation error detected: Value '{name}' "
                           "at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                           "[0-9A-Za-z]{1,20}", reason="fieldValidationFailed",
                           fields=[{"name": "Name", "message": "1 to 20 letters or digits"}])
        return
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        await errors.reply(state, response, op, "InvalidLexiconException", f"not a valid PLS document: {exc}")
        return
    if root.tag != f"{PLS_NS}lexicon":
        await errors.reply(state, response, op, "InvalidLexiconException", "the root element must be a PLS <lexicon>")
        return
    alphabet = root.get("alphabet", "ipa")
    if alphabet not in PLS_ALPHABETS:
        await errors.reply(state, response, op, "UnsupportedPlsAlphabetException",
                           f"alphabet {alphabet!r} is not supported (ipa, x-sampa)")
        return
    language = root.get("{http://www.w3.org/XML/1998/namespace}lang", "")
    state.lexicons[name] = {"content": content, "attributes": {
        "Alphabet": alphabet, "LanguageCode": language,
        "LexemesCount": len(root.findall(f"{PLS_NS}lexeme")), "Size": len(content.encode()),
        "LexiconArn": f"arn:aws:polly:{state.region}:123456789012:lexicon/{name}",
        "LastModified": time.time()}}
    state.record("polly.put_lexicon", name=name, language=language)
    await _json(response, {})


async def _rejected(state: State, operation: str, body: dict[str, Any], response: Response) -> bool:
    """Answer a synthesis request that Polly would refuse; False if it is fine."""
    problem = synthesis_problem(operation, body, set(state.lexicons), state.knobs.any_engine)
    if problem is None:
        return False
    members = problem.members
    if problem.error == "ValidationException":
        members = {"reason": "fieldValidationFailed", "fields": [{"name": problem.member, "message": problem.message}]}
    await errors.reply(state, response, operation, problem.error, problem.message, **members)
    return True


async def _synthesize(state: State, body: dict[str, Any], response: Response) -> None:
    state.record("polly.synthesize", **{k: body.get(k) for k in ("VoiceId", "Engine", "OutputFormat", "SampleRate",
                                                                "Text", "TextType", "LexiconNames", "LanguageCode",
                                                                "SpeechMarkTypes")})
    call = state.log[-1]
    fault = state.knobs.take_fault("polly.synthesize", voice=str(body.get("VoiceId")))
    if fault is not None and await http_fault(state, response, "polly.synthesize", fault):
        return
    if await _rejected(state, "polly.synthesize", body, response):
        return
    text = plain_text(body.get("Text", ""), body.get("TextType") or "text")
    fmt = body["OutputFormat"]
    headers = [("x-amzn-requestcharacters", str(len(text))), ("x-amzn-requestid", request_id())]
    latency = state.knobs.latency_of("polly.synthesize")
    began = asyncio.get_running_loop().time()
    voice = BY_ID[body["VoiceId"]]
    language = body.get("LanguageCode") or voice.language_code
    applied = lexicons.apply(lexicons.named(state.lexicons, body.get("LexiconNames") or [], language), text)
    call["spoken"] = applied.spoken
    if fmt == "json":  # speech marks instead of audio
        marks = await asyncio.to_thread(speech_marks, text, body["SpeechMarkTypes"], lexicons.word_phonemes(
            applied, lambda word: EspeakLibrary.get().phonemes(word, espeak_voice(language))))
        await pause_until(began, latency.first_byte)
        await response.respond(200, marks, content_type=CONTENT_TYPES[fmt], headers=headers)
        return
    rate = int(body.get("SampleRate") or default_sample_rate(fmt, body.get("Engine") or "standard"))
    speech = state.backend.speak(applied.spoken, language, fmt, rate,
                                 speaking_rate(body.get("Text", ""), body.get("TextType") or "text"))
    first_chunk = await anext(speech, b"")
    await pause_until(began, latency.first_byte)
    await response.start(200, [("content-type", CONTENT_TYPES[fmt]), *headers])
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        if first_chunk:
            yield first_chunk
        async for chunk in speech:
            yield chunk

    async for chunk in chunks():
        if fault is not None and fault.kind == "drop" and sent >= fault.after:
            await response.drop()
        if fault is not None and fault.kind == "pause" and sent == fault.after:
            await asyncio.sleep(fault.seconds)  # service jitter: the body stalls, then goes on
        await response.send(chunk)
        sent += 1
        call["audio_bytes"] = call.get("audio_bytes", 0) + len(chunk)
        await pause(latency.per_chunk)
    await response.end()


async def _start_task(state: State, body: dict[str, Any], response: Response) -> None:
    op = "polly.task"
    state.record(op, **{k: body.get(k) for k in ("VoiceId", "Engine", "OutputFormat", "SampleRate", "Text",
                                                 "OutputS3BucketName", "OutputS3KeyPrefix")})
    call = state.log[-1]
    fault = state.knobs.take_fault(op, voice=str(body.get("VoiceId")))
    if fault is not None and fault.kind in ("http", "throttle") and await http_fault(state, response, op, fault):
        return
    if await _rejected(state, op, body, response):
        return
    bucket = body.get("OutputS3BucketName", "")
    if not BUCKET.fullmatch(bucket):
        await errors.reply(state, response, op, "InvalidS3BucketException", f"invalid bucket name {bucket!r}")
        return
    if body.get("SnsTopicArn") and not SNS_TOPIC_ARN.fullmatch(body["SnsTopicArn"]):
        await errors.reply(state, response, op, "InvalidSnsTopicArnException",
                           f"invalid SNS topic ARN {body['SnsTopicArn']!r}")
        return
    task_id = str(uuid.uuid4())
    fmt, engine = body["OutputFormat"], body.get("Engine") or "standard"
    extension = ".marks" if fmt == "json" else FILE_EXTENSIONS[fmt].replace(".raw", ".pcm")
    key = f"{body.get('OutputS3KeyPrefix', '')}{task_id}{extension}"
    task = {"TaskId": task_id, "TaskStatus": "scheduled", "OutputUri": f"https://s3.{state.region}.amazonaws.com/"
            f"{bucket}/{key}", "CreationTime": time.time(),
            "RequestCharacters": len(plain_text(body.get("Text", ""), body.get("TextType") or "text")),
            "OutputFormat": fmt, "VoiceId": body["VoiceId"], "Engine": engine,
            "SampleRate": str(body.get("SampleRate") or (default_sample_rate(fmt, engine) if fmt != "json" else "")),
            "TextType": body.get("TextType") or "text", "_polls": 0, "_fault": fault}
    if body.get("SnsTopicArn"):
        task["SnsTopicArn"] = body["SnsTopicArn"]
    if body.get("SpeechMarkTypes"):
        task["SpeechMarkTypes"] = body["SpeechMarkTypes"]
    state.tasks[task_id] = task
    task["_job"] = asyncio.create_task(_render(state, task, body, bucket, key, call))
    await _json(response, {"SynthesisTask": _public(task)})


async def _render(state: State, task: dict[str, Any], body: dict[str, Any], bucket: str, key: str,
                  call: dict[str, Any]) -> None:
    voice = BY_ID[body["VoiceId"]]
    text = plain_text(body.get("Text", ""), body.get("TextType") or "text")
    if task["OutputFormat"] == "json":
        state.objects[(bucket, key)] = (speech_marks(text, body["SpeechMarkTypes"]), CONTENT_TYPES["json"])
        return
    language = body.get("LanguageCode") or voice.language_code
    spoken = call["spoken"] = lexicons.apply(lexicons.named(state.lexicons, body.get("LexiconNames") or [],
                                                            language), text).spoken
    audio = b"".join([c async for c in state.backend.speak(
        spoken, language, task["OutputFormat"], int(task["SampleRate"]))])
    state.objects[(bucket, key)] = (audio, CONTENT_TYPES[task["OutputFormat"]])


async def _get_task(state: State, task_id: str, response: Response) -> None:
    if not TASK_ID.fullmatch(task_id):
        await errors.reply(state, response, "polly.get_task", "InvalidTaskIdException", f"invalid task id {task_id!r}")
        return
    task = state.tasks.get(task_id)
    if task is None:
        await errors.reply(state, response, "polly.get_task", "SynthesisTaskNotFoundException",
                           f"Synthesis task not found: {task_id}")
        return
    fault = state.knobs.take_fault("polly.get_task", voice=task["VoiceId"])
    if fault is not None and await http_fault(state, response, "polly.get_task", fault):
        return  # the task goes on regardless
    if fault is not None and fault.kind == "pause":
        await asyncio.sleep(fault.seconds)
    task["_polls"] += 1
    steps = state.knobs.task_steps
    if task["_polls"] <= steps:
        task["TaskStatus"] = "scheduled"
    elif task["_polls"] <= 2 * steps:
        task["TaskStatus"] = "inProgress"
    elif task["_fault"] is not None and task["_fault"].kind == "exception":
        task["TaskStatus"] = "failed"
        task["TaskStatusReason"] = task["_fault"].message
    else:
        await task["_job"]
        task["TaskStatus"] = "completed"
    state.record("polly.get_task", task_id=task_id, status=task["TaskStatus"])
    await _json(response, {"SynthesisTask": _public(task)})


def speech_marks(text: str, types: list[str], phonemes: Callable[[str], str] | None = None) -> bytes:
    """Polly-style speech marks (sentence, word, and viseme when ``phonemes`` gives a word's IPA; one JSON object
    per line) at a steady emulated speaking rate; ssml marks are not emulated and left out."""
    lines: list[dict[str, Any]] = []
    offset, time_ms = 0, 0
    if "sentence" in types and text.strip():
        lines.append({"time": 0, "type": "sentence", "start": 0, "end": len(text.encode()), "value": text})
    for word in text.split():
        start = text.index(word, offset)
        offset = start + len(word)
        if "word" in types:  # start and end count bytes, as Polly's do
            lines.append({"time": time_ms, "type": "word", "start": len(text[:start].encode()),
                          "end": len(text[:offset].encode()), "value": word})
        if "viseme" in types and phonemes is not None:
            for i, viseme in enumerate(lexicons.visemes(phonemes(word))):
                lines.append({"time": time_ms + 60 * i, "type": "viseme", "value": viseme})
        time_ms += 80 * len(word) + 120
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


def _public(task: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in task.items() if not k.startswith("_")}
