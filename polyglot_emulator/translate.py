"""Emulated Amazon Translate (JSON 1.1 over HTTP/1.1): TranslateText, ListLanguages, and custom terminologies
(Import, Get, List, Delete), which TranslateText then requires to exist and applies: a source term comes out as
the terminology's target term."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
from typing import Any

from polyglot_emulator import errors
from polyglot_emulator.backend import lengthened
from polyglot_emulator.common import State, http_fault, pause_until
from polyglot_emulator.http import Request, Response

TARGET_PREFIX = "AWSShineFrontendService_20170701."
MAX_TEXT_BYTES = 10_000
# Every language Amazon Translate translates between (its developer guide, "Supported languages").
LANGUAGES = {
    "af": "Afrikaans", "sq": "Albanian", "am": "Amharic", "ar": "Arabic", "hy": "Armenian", "az": "Azerbaijani",
    "bn": "Bengali", "bs": "Bosnian", "bg": "Bulgarian", "ca": "Catalan", "zh": "Chinese (Simplified)",
    "zh-TW": "Chinese (Traditional)", "hr": "Croatian", "cs": "Czech", "da": "Danish", "fa-AF": "Dari",
    "nl": "Dutch", "en": "English", "et": "Estonian", "fa": "Farsi (Persian)", "tl": "Filipino, Tagalog",
    "fi": "Finnish", "fr": "French", "fr-CA": "French (Canada)", "ka": "Georgian", "de": "German", "el": "Greek",
    "gu": "Gujarati", "ht": "Haitian Creole", "ha": "Hausa", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian",
    "is": "Icelandic", "id": "Indonesian", "ga": "Irish", "it": "Italian", "ja": "Japanese", "kn": "Kannada",
    "kk": "Kazakh", "ko": "Korean", "lv": "Latvian", "lt": "Lithuanian", "mk": "Macedonian", "ms": "Malay",
    "ml": "Malayalam", "mt": "Maltese", "mr": "Marathi", "mn": "Mongolian", "no": "Norwegian (Bokmål)",
    "ps": "Pashto", "pl": "Polish", "pt": "Portuguese (Brazil)", "pt-PT": "Portuguese (Portugal)", "pa": "Punjabi",
    "ro": "Romanian", "ru": "Russian", "sr": "Serbian", "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian",
    "so": "Somali", "es": "Spanish", "es-MX": "Spanish (Mexico)", "sw": "Swahili", "sv": "Swedish", "ta": "Tamil",
    "te": "Telugu", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek",
    "vi": "Vietnamese", "cy": "Welsh",
}


async def handle(state: State, request: Request, response: Response) -> None:
    operation = request.headers.get("x-amz-target", "").removeprefix(TARGET_PREFIX)
    body: dict[str, Any] = json.loads(await request.read() or b"{}")
    if operation == "ListLanguages":
        await _reply(response, {"Languages": [{"LanguageCode": c, "LanguageName": n} for c, n in LANGUAGES.items()]})
    elif operation == "TranslateText":
        await _translate(state, body, response, request.headers.get("user-agent", ""))
    elif operation == "ImportTerminology":
        await _import_terminology(state, body, response)
    elif operation in ("GetTerminology", "DeleteTerminology"):
        await _terminology(state, operation, str(body.get("Name", "")), response)
    elif operation == "ListTerminologies":
        await _reply(response, {"TerminologyPropertiesList": [t["properties"] for t in state.terminologies.values()]})
    else:
        await errors.reply(state, response, "translate.unknown", "InvalidRequestException",
                           f"unknown operation {operation!r}")


async def _reply(response: Response, body: dict[str, Any]) -> None:
    await response.respond(200, json.dumps(body).encode(), content_type="application/x-amz-json-1.1")


async def _translate(state: State, body: dict[str, Any], response: Response, user_agent: str) -> None:
    text, source, target = body.get("Text", ""), body.get("SourceLanguageCode", ""), body.get("TargetLanguageCode", "")
    names = body.get("TerminologyNames") or []
    state.record("translate", text=text, source=source, target=target, terminology=body.get("TerminologyNames"),
                 settings=body.get("Settings"), user_agent=user_agent)
    fault = state.knobs.take_fault("translate", target=target)
    if fault is not None and await http_fault(state, response, "translate", fault):
        return
    if len(text.encode()) > MAX_TEXT_BYTES:
        await errors.reply(state, response, "translate", "TextSizeLimitExceededException",
                           f"Input text size exceeds limit. Max length of request text allowed is {MAX_TEXT_BYTES} "
                           "bytes")
        return
    if (source not in LANGUAGES and source != "auto") or target not in LANGUAGES:
        await errors.reply(state, response, "translate", "UnsupportedLanguagePairException",
                           f"Unsupported language pair: {source} to {target}", SourceLanguageCode=source,
                           TargetLanguageCode=target)
        return
    unknown = [n for n in names if n not in state.terminologies]
    if unknown:
        await errors.reply(state, response, "translate", "ResourceNotFoundException",
                           f"The resource you are looking for has not been found: terminology {unknown[0]}")
        return
    began = asyncio.get_running_loop().time()
    terms = [(row[source], row[target]) for n in names for row in state.terminologies[n]["rows"]
             if row.get(source) and row.get(target)]
    expansion = state.knobs.translate_expansion  # benchmarks: a language that runs longer, whatever the pair
    translated = lengthened(text, expansion) if expansion is not None else \
        await state.backend.translate(text, source, target, terms)
    await pause_until(began, state.knobs.latency_of("translate").first_byte)
    reply: dict[str, Any] = {"TranslatedText": translated, "SourceLanguageCode": source,
                             "TargetLanguageCode": target}
    if names:
        reply["AppliedTerminologies"] = [{"Name": n, "Terms": _terms_used(state.terminologies[n], text, source,
                                                                           target)} for n in names]
    if body.get("Settings"):
        reply["AppliedSettings"] = body["Settings"]
    await _reply(response, reply)


def _terms_used(terminology: dict[str, Any], text: str, source: str, target: str) -> list[dict[str, str]]:
    """The terminology's entries whose source term the text contains, with their target term."""
    rows: list[dict[str, str]] = terminology["rows"]
    lowered = text.lower()
    return [{"SourceText": row[source], "TargetText": row[target]} for row in rows
            if row.get(source) and row.get(target) and row[source].lower() in lowered]


async def _import_terminology(state: State, body: dict[str, Any], response: Response) -> None:
    op = "translate.import_terminology"
    name = str(body.get("Name", ""))
    data = body.get("TerminologyData") or {}
    try:
        content = base64.b64decode(data.get("File", "")).decode("utf-8")
        delimiter = {"CSV": ",", "TSV": "\t"}[data.get("Format", "")]
        header, *rows = list(csv.reader(io.StringIO(content), delimiter=delimiter))
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        await errors.reply(state, response, op, "InvalidParameterValueException",
                           f"The terminology file is not valid CSV or TSV ({type(exc).__name__})")
        return
    languages = [h.strip() for h in header]
    unsupported = [code for code in languages if code not in LANGUAGES]
    if len(languages) < 2 or unsupported:
        await errors.reply(state, response, op, "InvalidParameterValueException",
                           f"The terminology header names unsupported languages: {', '.join(unsupported) or header}")
        return
    arn = f"arn:aws:translate:{state.region}:123456789012:terminology/{name}/LATEST"
    properties = {"Name": name, "Arn": arn, "SourceLanguageCode": languages[0], "TargetLanguageCodes": languages[1:],
                  "TermCount": len(rows), "Format": data.get("Format")}
    state.terminologies[name] = {"languages": languages, "properties": properties,
                                 "rows": [dict(zip(languages, r, strict=False)) for r in rows]}
    state.record(op, name=name, languages=languages, terms=len(rows))
    await _reply(response, {"TerminologyProperties": properties})


async def _terminology(state: State, operation: str, name: str, response: Response) -> None:
    op = "translate.get_terminology" if operation == "GetTerminology" else "translate.delete_terminology"
    state.record(op, name=name)
    if name not in state.terminologies:
        await errors.reply(state, response, op, "ResourceNotFoundException",
                           f"The resource you are looking for has not been found: terminology {name}")
    elif operation == "GetTerminology":
        await _reply(response, {"TerminologyProperties": state.terminologies[name]["properties"]})
    else:
        del state.terminologies[name]
        await _reply(response, {})
