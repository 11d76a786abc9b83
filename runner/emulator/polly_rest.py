"""Emulated Polly request/response operations (rest-json over HTTP/1.1, as boto3 calls them):
DescribeVoices, lexicons, SynthesizeSpeech, and synthesis tasks that write to the emulated S3."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

from runner.emulator.backend import CONTENT_TYPES
from runner.emulator.common import State, error, http_fault, pause, pause_until, request_id
from runner.emulator.http import Request, Response
from runner.emulator.polly_stream import plain_text
from runner.emulator.voices import BY_ID, VOICES
from runner.formats import FILE_EXTENSIONS, SAMPLE_RATES, default_sample_rate

PLS_NS = "{http://www.w3.org/2005/01/pronunciation-lexicon}"


async def handle(state: State, request: Request, response: Response) -> None:
    path, method = request.path, request.method
    if path == "/v1/voices" and method == "GET":
        await _describe_voices(state, request, response)
    elif path == "/v1/lexicons" and method == "GET":
        await _json(response, {"Lexicons": [{"Name": n, "Attributes": lx["attributes"]}
                                            for n, lx in sorted(state.lexicons.items())]})
    elif path.startswith("/v1/lexicons/"):
        await _lexicon(state, unquote(path.rsplit("/", 1)[1]), request, response)
    elif path == "/v1/speech" and method == "POST":
        await _synthesize(state, json.loads(await request.read() or b"{}"), response)
    elif path == "/v1/synthesisTasks" and method == "POST":
        await _start_task(state, json.loads(await request.read() or b"{}"), response)
    elif path.startswith("/v1/synthesisTasks/") and method == "GET":
        await _get_task(state, path.rsplit("/", 1)[1], response)
    else:
        await error(response, 404, "UnknownOperationException", f"{method} {path}")


async def _json(response: Response, body: Any, status: int = 200) -> None:
    await response.respond(status, json.dumps(body).encode(), headers=[("x-amzn-requestid", request_id())])


async def _describe_voices(state: State, request: Request, response: Response) -> None:
    q = {k: v[0] for k, v in request.query.items()}
    state.record("polly.voices", **q)
    fault = state.knobs.take_fault("polly.voices")
    if fault is not None and await http_fault(response, fault):
        return
    extra = q.get("IncludeAdditionalLanguageCodes") == "true"
    voices = [v for v in VOICES
              if ("Engine" not in q or q["Engine"] in v.engines or state.knobs.any_engine)
              and ("LanguageCode" not in q or q["LanguageCode"] == v.language_code
                   or (extra and q["LanguageCode"] in v.additional_languages))]
    described = [v.describe() for v in voices]
    if state.knobs.any_engine:
        for d in described:
            d["SupportedEngines"] = ["standard", "neural", "long-form", "generative"]
    await _json(response, {"Voices": described})


async def _lexicon(state: State, name: str, request: Request, response: Response) -> None:
    if request.method == "PUT":
        content = json.loads(await request.read() or b"{}").get("Content", "")
        try:
            root = ET.fromstring(content)
        except ET.ParseError as exc:
            await error(response, 400, "InvalidLexiconException", f"not a valid PLS document: {exc}")
            return
        if root.tag != f"{PLS_NS}lexicon":
            await error(response, 400, "InvalidLexiconException", "the root element must be a PLS <lexicon>")
            return
        language = root.get("{http://www.w3.org/XML/1998/namespace}lang", "")
        state.lexicons[name] = {"content": content, "attributes": {
            "Alphabet": root.get("alphabet", "ipa"), "LanguageCode": language,
            "LexemesCount": len(root.findall(f"{PLS_NS}lexeme")), "Size": len(content.encode()),
            "LexiconArn": f"arn:aws:polly:{state.region}:123456789012:lexicon/{name}",
            "LastModified": time.time()}}
        state.record("polly.put_lexicon", name=name, language=language)
        await _json(response, {})
    elif name not in state.lexicons:
        await error(response, 404, "LexiconNotFoundException", f"lexicon {name!r} not found")
    elif request.method == "GET":
        lx = state.lexicons[name]
        await _json(response, {"Lexicon": {"Name": name, "Content": lx["content"]},
                               "LexiconAttributes": lx["attributes"]})
    elif request.method == "DELETE":
        del state.lexicons[name]
        await _json(response, {})


def _check_request(state: State, body: dict[str, Any]) -> tuple[str, str, str] | None:
    """(error type, message, field) for an invalid synthesis request, else None."""
    voice = BY_ID.get(body.get("VoiceId", ""))
    engine = body.get("Engine", "standard")
    fmt = body.get("OutputFormat", "")
    if voice is None:
        return "InvalidParameterValue", f"voice {body.get('VoiceId')!r} does not exist", "VoiceId"
    if engine not in voice.engines and not state.knobs.any_engine:
        return "EngineNotSupportedException", f"voice {voice.id} does not support the {engine} engine", "Engine"
    if fmt == "json":
        if not body.get("SpeechMarkTypes"):
            return "InvalidParameterValue", "json output needs SpeechMarkTypes", "SpeechMarkTypes"
        return None
    if body.get("SpeechMarkTypes"):
        return "MarksNotSupportedForFormatException", "speech marks need OutputFormat json", "SpeechMarkTypes"
    if fmt not in SAMPLE_RATES:
        return "InvalidParameterValue", f"output format {fmt!r} is not supported", "OutputFormat"
    rate = int(body.get("SampleRate") or default_sample_rate(fmt, engine))
    if rate not in SAMPLE_RATES[fmt]:
        return "InvalidSampleRateException", f"{rate} is not a valid sample rate for {fmt}", "SampleRate"
    for name in body.get("LexiconNames") or []:
        if name not in state.lexicons:
            return "LexiconNotFoundException", f"lexicon {name!r} not found", "LexiconNames"
    return None


async def _synthesize(state: State, body: dict[str, Any], response: Response) -> None:
    state.record("polly.synthesize", **{k: body.get(k) for k in ("VoiceId", "Engine", "OutputFormat", "SampleRate",
                                                                "Text", "TextType", "LexiconNames", "LanguageCode")})
    fault = state.knobs.take_fault("polly.synthesize", voice=str(body.get("VoiceId")))
    if fault is not None and await http_fault(response, fault):
        return
    if (problem := _check_request(state, body)) is not None:
        await error(response, 400, problem[0], problem[1])
        return
    try:
        text = plain_text(body.get("Text", ""), body.get("TextType", "text"))
    except ET.ParseError as exc:
        await error(response, 400, "InvalidSsmlException", f"invalid SSML: {exc}")
        return
    voice = BY_ID[body["VoiceId"]]
    fmt = body["OutputFormat"]
    rate = int(body.get("SampleRate") or default_sample_rate(fmt, body.get("Engine", "standard")))
    latency = state.knobs.latency_of("polly.synthesize")
    began = asyncio.get_running_loop().time()
    speech = state.backend.speak(text, body.get("LanguageCode") or voice.language_code, fmt, rate)
    first_chunk = await anext(speech, b"")
    await pause_until(began, latency.first_byte)
    await response.start(200, [("content-type", CONTENT_TYPES[fmt]), ("x-amzn-requestcharacters", str(len(text))),
                               ("x-amzn-requestid", request_id())])
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        if first_chunk:
            yield first_chunk
        async for chunk in speech:
            yield chunk

    async for chunk in chunks():
        if fault is not None and fault.kind == "drop" and sent >= fault.after:
            await response.drop()
        await response.send(chunk)
        sent += 1
        await pause(latency.per_chunk)
    await response.end()


async def _start_task(state: State, body: dict[str, Any], response: Response) -> None:
    state.record("polly.task", **{k: body.get(k) for k in ("VoiceId", "Engine", "OutputFormat", "Text",
                                                          "OutputS3BucketName", "OutputS3KeyPrefix")})
    fault = state.knobs.take_fault("polly.task", voice=str(body.get("VoiceId")))
    if fault is not None and fault.kind in ("http", "throttle") and await http_fault(response, fault):
        return
    if (problem := _check_request(state, body)) is not None:
        await error(response, 400, problem[0], problem[1])
        return
    bucket = body.get("OutputS3BucketName", "")
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
        await error(response, 400, "InvalidS3BucketException", f"invalid bucket name {bucket!r}")
        return
    task_id = str(uuid.uuid4())
    fmt = body["OutputFormat"]
    extension = ".marks" if fmt == "json" else FILE_EXTENSIONS[fmt].replace(".raw", ".pcm")
    key = f"{body.get('OutputS3KeyPrefix', '')}{task_id}{extension}"
    task = {"TaskId": task_id, "TaskStatus": "scheduled", "OutputUri": f"https://s3.{state.region}.amazonaws.com/"
            f"{bucket}/{key}", "CreationTime": time.time(), "RequestCharacters": len(body.get("Text", "")),
            "OutputFormat": fmt, "VoiceId": body["VoiceId"], "Engine": body.get("Engine", "standard"),
            "SampleRate": str(body.get("SampleRate") or (default_sample_rate(fmt, body.get("Engine", "standard"))
                                                          if fmt != "json" else "")),
            "TextType": body.get("TextType", "text"), "_polls": 0, "_fault": fault}
    if body.get("SnsTopicArn"):
        task["SnsTopicArn"] = body["SnsTopicArn"]
    if body.get("SpeechMarkTypes"):
        task["SpeechMarkTypes"] = body["SpeechMarkTypes"]
    state.tasks[task_id] = task
    task["_job"] = asyncio.create_task(_render(state, task, body, bucket, key))
    await _json(response, {"SynthesisTask": _public(task)})


async def _render(state: State, task: dict[str, Any], body: dict[str, Any], bucket: str, key: str) -> None:
    voice = BY_ID[body["VoiceId"]]
    text = plain_text(body.get("Text", ""), body.get("TextType", "text"))
    if task["OutputFormat"] == "json":
        state.objects[(bucket, key)] = (_word_marks(text), CONTENT_TYPES["json"])
        return
    audio = b"".join([c async for c in state.backend.speak(
        text, body.get("LanguageCode") or voice.language_code, task["OutputFormat"], int(task["SampleRate"]))])
    state.objects[(bucket, key)] = (audio, CONTENT_TYPES[task["OutputFormat"]])


async def _get_task(state: State, task_id: str, response: Response) -> None:
    task = state.tasks.get(task_id)
    if task is None:
        await error(response, 400, "SynthesisTaskNotFoundException", f"no task {task_id}")
        return
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


def _word_marks(text: str) -> bytes:
    """Polly-style word speech marks, one JSON object per line, at a steady emulated speaking rate."""
    lines, offset, time_ms = [], 0, 0
    for word in text.split():
        start = text.index(word, offset)
        offset = start + len(word)
        lines.append(json.dumps({"time": time_ms, "type": "word", "start": start, "end": offset, "value": word}))
        time_ms += 80 * len(word) + 120
    return ("\n".join(lines) + "\n").encode()


def _public(task: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in task.items() if not k.startswith("_")}
