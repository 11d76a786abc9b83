"""Emulated Amazon Translate (JSON 1.1 over HTTP/1.1): TranslateText and ListLanguages."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from runner.emulator.common import State, error, http_fault, pause_until
from runner.emulator.http import Request, Response

TARGET_PREFIX = "AWSShineFrontendService_20170701."
MAX_TEXT_BYTES = 10_000
LANGUAGES = {"en": "English", "es": "Spanish", "ca": "Catalan", "gl": "Galician", "fr": "French", "de": "German",
             "it": "Italian", "pt": "Portuguese", "zh": "Chinese (Simplified)", "ja": "Japanese", "ko": "Korean",
             "hi": "Hindi", "eo": "Esperanto", "nl": "Dutch", "sv": "Swedish", "da": "Danish", "no": "Norwegian",
             "nb": "Norwegian", "fi": "Finnish", "pl": "Polish", "tr": "Turkish", "ar": "Arabic", "cs": "Czech",
             "ro": "Romanian", "is": "Icelandic", "cy": "Welsh", "ru": "Russian", "yue": "Cantonese"}


async def handle(state: State, request: Request, response: Response) -> None:
    operation = request.headers.get("x-amz-target", "").removeprefix(TARGET_PREFIX)
    body: dict[str, Any] = json.loads(await request.read() or b"{}")
    if operation == "ListLanguages":
        await _reply(response, {"Languages": [{"LanguageCode": c, "LanguageName": n} for c, n in LANGUAGES.items()]})
    elif operation == "TranslateText":
        await _translate(state, body, response, request.headers.get("user-agent", ""))
    else:
        await error(response, 400, "UnknownOperationException", f"unknown operation {operation!r}")


async def _reply(response: Response, body: dict[str, Any]) -> None:
    await response.respond(200, json.dumps(body).encode(), content_type="application/x-amz-json-1.1")


async def _translate(state: State, body: dict[str, Any], response: Response, user_agent: str) -> None:
    text, source, target = body.get("Text", ""), body.get("SourceLanguageCode", ""), body.get("TargetLanguageCode", "")
    state.record("translate", text=text, source=source, target=target, terminology=body.get("TerminologyNames"),
                 settings=body.get("Settings"), user_agent=user_agent)
    fault = state.knobs.take_fault("translate", target=target)
    if fault is not None and await http_fault(response, fault):
        return
    if len(text.encode()) > MAX_TEXT_BYTES:
        await error(response, 400, "TextSizeLimitExceededException", "input text exceeds 10000 bytes")
        return
    for code in (source, target):
        if code.split("-")[0] not in LANGUAGES and code != "auto":
            await error(response, 400, "UnsupportedLanguagePairException",
                        f"unsupported language pair: {source} to {target}", SourceLanguageCode=source,
                        TargetLanguageCode=target)
            return
    began = asyncio.get_running_loop().time()
    translated = await state.backend.translate(text, source, target)
    await pause_until(began, state.knobs.latency_of("translate").first_byte)
    reply: dict[str, Any] = {"TranslatedText": translated, "SourceLanguageCode": source,
                             "TargetLanguageCode": target}
    if body.get("TerminologyNames"):
        reply["AppliedTerminologies"] = [{"Name": n, "Terms": []} for n in body["TerminologyNames"]]
    if body.get("Settings"):
        reply["AppliedSettings"] = body["Settings"]
    await _reply(response, reply)
