"""Emulated Amazon Transcribe control plane, custom vocabularies only: CreateVocabulary, UpdateVocabulary,
GetVocabulary, ListVocabularies, DeleteVocabulary.

JSON 1.1 (``X-Amz-Target: Transcribe.<Op>``): the protocol botocore resolves for this model (it also lists smithy
RPC v2 CBOR, which botocore does not pick). A vocabulary is PENDING when created or updated and
READY at the next GetVocabulary (a client must wait, as with the service); a table that cannot be read (no such
object in the emulated S3, a bad row) leaves it FAILED with a FailureReason. The streaming side (transcribe.py)
then applies a READY vocabulary: what is heard as a row's sounds-like is transcribed as its phrase.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

from polyglot_emulator import errors
from polyglot_emulator.common import State
from polyglot_emulator.http import Request, Response
from polyglot_emulator.transcribe import LANGUAGE_CODES

TARGET_PREFIX = "Transcribe."
NAME = re.compile(r"[0-9a-zA-Z._-]{1,200}")
_PHRASE = re.compile(r"[^\W\d_]+(?:['.\-][^\W\d_]*)*'?\.?")
_S3_URI = re.compile(r"s3://([^/]+)/(.+)|https://s3[.\-][^/]*amazonaws\.com/([^/]+)/(.+)")


def serves(request: Request) -> bool:
    return request.headers.get("x-amz-target", "").startswith(TARGET_PREFIX)


async def handle(state: State, request: Request, response: Response) -> None:
    operation = request.headers.get("x-amz-target", "").removeprefix(TARGET_PREFIX)
    body: dict[str, Any] = json.loads(await request.read() or b"{}")
    reply = _Reply(state, response)
    handler = _OPERATIONS.get(operation)
    if handler is None:
        await reply.error("transcribe_control.unknown", "BadRequestException",
                          f"the emulator serves vocabularies only, not {operation!r}")
        return
    await handler(state, body, reply)


class _Reply:
    def __init__(self, state: State, response: Response) -> None:
        self.state, self.response = state, response

    async def ok(self, body: dict[str, Any]) -> None:
        await self.response.respond(200, json.dumps(body, default=_epoch).encode(),
                                    content_type="application/x-amz-json-1.1")

    async def error(self, operation: str, error_type: str, message: str) -> None:
        await errors.reply(self.state, self.response, operation, error_type, message)


def _epoch(value: Any) -> float:
    return float(value.timestamp())


def _describe(name: str, vocabulary: dict[str, Any]) -> dict[str, Any]:
    out = {"VocabularyName": name, "LanguageCode": vocabulary["language"], "VocabularyState": vocabulary["status"],
           "LastModifiedTime": vocabulary["modified"]}
    if vocabulary.get("reason"):
        out["FailureReason"] = vocabulary["reason"]
    return out


async def _create(state: State, body: dict[str, Any], reply: _Reply, *, update: bool = False) -> None:
    op = "transcribe_control.update" if update else "transcribe_control.create"
    name, language = str(body.get("VocabularyName", "")), str(body.get("LanguageCode", ""))
    state.record(op, name=name, language=language, uri=body.get("VocabularyFileUri"), phrases=body.get("Phrases"))
    if not NAME.fullmatch(name):
        await reply.error(op, "BadRequestException", f"the vocabulary name {name!r} must match [0-9a-zA-Z._-]+")
        return
    if update and name not in state.vocabularies:
        await reply.error(op, "NotFoundException", "The requested vocabulary couldn't be found. Check the "
                          "vocabulary name and try your request again.")
        return
    if not update and name in state.vocabularies:
        await reply.error(op, "ConflictException", f"The requested vocabulary name {name} already exists.")
        return
    if language not in LANGUAGE_CODES or ("Phrases" in body) == ("VocabularyFileUri" in body):
        await reply.error(op, "BadRequestException", "give a supported LanguageCode and either Phrases or a "
                          "VocabularyFileUri")
        return
    rows, reason = _rows(state, body)
    state.vocabularies[name] = {"language": language, "status": "FAILED" if reason else "PENDING",
                                "reason": reason, "rows": rows, "modified": datetime.now(UTC), "polls": 0}
    await reply.ok({"VocabularyName": name, "LanguageCode": language,
                    "VocabularyState": state.vocabularies[name]["status"],
                    "LastModifiedTime": state.vocabularies[name]["modified"],
                    **({"FailureReason": reason} if reason else {})})


def _rows(state: State, body: dict[str, Any]) -> tuple[list[dict[str, str]], str]:
    """The vocabulary's rows (Phrase, SoundsLike, IPA, DisplayAs), or why it fails."""
    if "Phrases" in body:
        rows = [{"Phrase": str(p)} for p in body["Phrases"]]
    else:
        match = _S3_URI.fullmatch(str(body["VocabularyFileUri"]))
        found = state.objects.get((match.group(1) or match.group(3), match.group(2) or match.group(4))) \
            if match else None
        if found is None:
            return [], "The vocabulary file couldn't be found at the VocabularyFileUri (S3)."
        text = found[0].decode("utf-8", errors="replace")
        rows = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
        if not rows or "Phrase" not in rows[0]:
            return [], "The vocabulary table has no Phrase column."
    for row in rows:
        if not _PHRASE.fullmatch(row.get("Phrase") or ""):
            return [], f"Invalid phrase {row.get('Phrase')!r}: letters, apostrophes, periods and hyphens only."
    return rows, ""


async def _update(state: State, body: dict[str, Any], reply: _Reply) -> None:
    await _create(state, body, reply, update=True)


async def _get(state: State, body: dict[str, Any], reply: _Reply) -> None:
    name = str(body.get("VocabularyName", ""))
    vocabulary = state.vocabularies.get(name)
    state.record("transcribe_control.get", name=name)
    if vocabulary is None:
        await reply.error("transcribe_control.get", "NotFoundException", "The requested vocabulary couldn't be "
                          "found. Check the vocabulary name and try your request again.")
        return
    vocabulary["polls"] += 1
    if vocabulary["status"] == "PENDING" and vocabulary["polls"] > 1:
        vocabulary["status"] = "READY"
    await reply.ok({**_describe(name, vocabulary), "DownloadUri": f"https://emulator/vocabularies/{name}"})


async def _list(state: State, body: dict[str, Any], reply: _Reply) -> None:
    contains = str(body.get("NameContains") or "")
    wanted = body.get("StateEquals")
    found = [_describe(n, v) for n, v in sorted(state.vocabularies.items())
             if contains in n and (wanted is None or v["status"] == wanted)]
    await reply.ok({"Vocabularies": found})


async def _delete(state: State, body: dict[str, Any], reply: _Reply) -> None:
    name = str(body.get("VocabularyName", ""))
    state.record("transcribe_control.delete", name=name)
    if state.vocabularies.pop(name, None) is None:
        await reply.error("transcribe_control.delete", "NotFoundException", "The requested vocabulary couldn't be "
                          "found. Check the vocabulary name and try your request again.")
        return
    await reply.ok({})


def fixes(state: State, names: list[str]) -> list[tuple[str, str]] | str:
    """(heard, written) pairs of READY vocabularies, for the stream to apply; or why the stream is refused."""
    pairs = []
    for name in names:
        vocabulary = state.vocabularies.get(name)
        if vocabulary is None or vocabulary["status"] != "READY":
            return f"The requested vocabulary {name} couldn't be found or isn't ready."
        for row in vocabulary["rows"]:
            written = row.get("DisplayAs") or row["Phrase"].replace("-", " ")
            for heard in (row.get("SoundsLike"), row["Phrase"]):
                if heard:
                    pairs.append((heard.replace("-", " "), written))
    return pairs


_OPERATIONS = {"CreateVocabulary": _create, "UpdateVocabulary": _update, "GetVocabulary": _get,
               "ListVocabularies": _list, "DeleteVocabulary": _delete}
